package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"portail"
)

// WebhookStore is the storage side of webhook delivery (sqldb.WebhookService).
type WebhookStore interface {
	// Claim leases up to n due deliveries, each carrying its claim.
	Claim(ctx context.Context, n int, lease time.Duration) ([]*portail.WebhookDelivery, error)
	// Renew and Record act only while d's claim holds the delivery, and
	// answer portail.ErrClaimLost, changing nothing, otherwise.
	Renew(ctx context.Context, d *portail.WebhookDelivery, lease time.Duration) error
	// Record writes an attempt's outcome: delivered, due again at retry,
	// or given up when retry is zero; disabled when the endpoint has now
	// failed for a day.
	Record(ctx context.Context, d *portail.WebhookDelivery, o portail.WebhookOutcome, retry time.Time) (disabled bool, err error)
}

// Webhooks delivers webhook events (D10), like Delivery the e-mails: every
// serve process runs one, and the claims in the database give each
// delivery to one process at a time. At least once: an answer lost after
// the receiver acted looks like a failure and is tried again, so receivers
// deduplicate on Portail-Event-Id; a 2xx is never tried again.
type Webhooks struct {
	Store  WebhookStore
	Logger *slog.Logger
	// Interval between polls when nothing is due (default 2 s).
	Interval time.Duration
	// FirstRetry is the first wait after a failure (--webhook-retry).
	FirstRetry time.Duration
	// AllowPrivate lets deliveries reach loopback and private addresses
	// (--webhook-allow-private: tests, closed networks).
	AllowPrivate bool
	// Lease is how long a claim holds a delivery (default 1 min); it
	// outlasts RequestTimeout, renewed before each request.
	Lease time.Duration
	// ConnectTimeout bounds the connection (default 5 s), RequestTimeout
	// the whole request, answer included (default 10 s).
	ConnectTimeout, RequestTimeout time.Duration
	// LookupIP resolves an endpoint's host; tests inject one. The address
	// it gives is checked again when the connection is made (Control).
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
	Now      func() time.Time
	// Jitter is in [0, 1) (default random).
	Jitter func() float64

	once   sync.Once
	client *http.Client
}

const (
	webhookBatch       = 20
	webhookParallel    = 8
	webhookBodyLimit   = 64 << 10
	webhookUserAgent   = "portail-webhooks"
	webhookLease       = time.Minute
	webhookConnect     = 5 * time.Second
	webhookRequestTime = 10 * time.Second
)

// Name names the job in logs.
func (w *Webhooks) Name() string { return "webhook-delivery" }

// Run delivers until ctx ends.
func (w *Webhooks) Run(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	drain(ctx, interval, webhookBatch, w.RunOnce, w.Logger, "webhook delivery")
}

// RunOnce claims one batch and delivers it, a few endpoints at a time (a
// slow one holds up only its own delivery); it returns how many were
// claimed.
func (w *Webhooks) RunOnce(ctx context.Context) (int, error) {
	ds, err := w.Store.Claim(ctx, webhookBatch, w.lease())
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, webhookParallel)
	for _, d := range ds {
		if ctx.Err() != nil {
			break // the rest stays claimed until its lease runs out
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := w.deliver(ctx, d)
			if errors.Is(err, portail.ErrClaimLost) {
				w.Logger.Warn("webhook delivery claimed by another worker; left to it", "delivery", d.ID)
				return
			}
			if err != nil {
				mu.Lock()
				first = firstErr(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(ds), first
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (w *Webhooks) deliver(ctx context.Context, d *portail.WebhookDelivery) error {
	if err := w.Store.Renew(ctx, d, w.lease()); err != nil {
		return err
	}
	o := w.Attempt(ctx, d)
	var retry time.Time
	if !o.OK() {
		jitter := rand.Float64()
		if w.Jitter != nil {
			jitter = w.Jitter()
		}
		retry, _ = portail.WebhookRetryAt(w.FirstRetry, d.Attempts, jitter, d.CreatedAt, w.now())
	}
	disabled, err := w.Store.Record(context.WithoutCancel(ctx), d, o, retry)
	if err != nil {
		if errors.Is(err, portail.ErrClaimLost) && o.OK() {
			w.Logger.Error("webhook delivered after its claim was lost: it may arrive twice", "delivery", d.ID, "event", d.Event.ID)
		}
		return err
	}
	switch {
	case o.OK():
		w.Logger.Info("webhook delivered", "delivery", d.ID, "event", d.Event.ID, "status", o.StatusCode)
	case disabled:
		w.Logger.Warn("webhook endpoint disabled after failing for a day", "webhook", d.Webhook.ID, "url", d.Webhook.URL)
	default:
		w.Logger.Warn("webhook not delivered", "delivery", d.ID, "attempt", d.Attempts, "status", o.StatusCode, "err", o.Error, "retry_at", retry)
	}
	return nil
}

// Attempt makes one signed POST of d's event and says what came back.
func (w *Webhooks) Attempt(ctx context.Context, d *portail.WebhookDelivery) portail.WebhookOutcome {
	body, err := d.Event.Body()
	if err != nil {
		return portail.WebhookOutcome{Error: err.Error()}
	}
	// An attempt under way when the process stops is let finish (it is
	// bounded by the timeout): cut off, its answer would be unknown and
	// the receiver likely to get the event twice.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(w.requestTimeout(), w.lease()*3/4))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return portail.WebhookOutcome{Error: err.Error()}
	}
	t := w.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", webhookUserAgent)
	req.Header.Set("Portail-Event-Id", d.Event.ID)
	req.Header.Set("Portail-Event-Type", string(d.Event.Type))
	req.Header.Set("Portail-Signature", portail.SignatureHeader(d.Secret, t, body))
	resp, err := w.httpClient().Do(req)
	if err != nil {
		return portail.WebhookOutcome{Error: err.Error()}
	}
	defer resp.Body.Close()
	// The answer's body is not used; a little of it is read so that the
	// connection can be reused, never more.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, webhookBodyLimit))
	o := portail.WebhookOutcome{StatusCode: resp.StatusCode}
	if !o.OK() {
		o.Error = resp.Status
	}
	return o
}

// httpClient is built once: its transport dials through the check of
// every address (no proxy from the environment, which would dial for
// us), follows no redirect (a 3xx is a failure: a redirect could point
// inside), and keeps connections to endpoints for the next deliveries.
func (w *Webhooks) httpClient() *http.Client {
	w.once.Do(func() {
		dialer := &net.Dialer{Timeout: w.connectTimeout(), Control: PublicOnly(w.AllowPrivate, "--webhook-allow-private")}
		tr := &http.Transport{
			DialContext:           w.dialContext(dialer),
			TLSHandshakeTimeout:   w.connectTimeout(),
			ResponseHeaderTimeout: w.requestTimeout(),
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
			ForceAttemptHTTP2:     true,
		}
		w.client = &http.Client{Transport: tr, Timeout: w.requestTimeout(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})
	return w.client
}

// dialContext resolves the host (through LookupIP when set) and dials its
// addresses in turn; each dial passes Control, which sees the very
// address connected to, so a name that resolves to a public address at
// validation and to a private one now (DNS rebinding) is still refused.
func (w *Webhooks) dialContext(dialer *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else if w.LookupIP != nil {
			ips, err = w.LookupIP(ctx, host)
			if err != nil {
				return nil, err
			}
		} else {
			ips, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			if err != nil {
				return nil, err
			}
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("%s: no address", host)
		}
		var last error
		for _, ip := range ips {
			c, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return c, nil
			}
			last = err
		}
		return nil, last
	}
}

// ErrForbiddenAddress is an outgoing request (a webhook delivery, a call
// to a single sign-on provider) refused because its address is on the
// installation's own network.
var ErrForbiddenAddress = errors.New("address not allowed for outgoing requests")

// PublicOnly is a net.Dialer Control that refuses every address
// ForbiddenAddress names, unless allowPrivate; flag is the serve flag
// that allows them, said in the error. It judges the address dialled,
// after name resolution, so a name cannot resolve its way past it.
func PublicOnly(allowPrivate bool, flag string) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if why := ForbiddenAddress(ap.Addr()); why != "" {
			return fmt.Errorf("%w: %s is %s (serve %s allows it)", ErrForbiddenAddress, ap.Addr(), why, flag)
		}
		return nil
	}
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT, RFC 6598

// reservedNetworks are not on the public internet: IETF protocol
// assignments, benchmarking, the old class E, and IPv6 site-local.
var reservedNetworks = []netip.Prefix{
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("fec0::/10"),
}

// Prefixes whose IPv6 addresses carry an IPv4 address (NAT64 at bits
// 96–127, 6to4 at bits 16–47): a gateway would deliver to that address,
// so it is judged in their stead.
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// ForbiddenAddress says why ip is refused for deliveries, or "" when it
// is allowed: loopback, private (RFC 1918, unique-local fc00::/7),
// link-local, unspecified, multicast, shared (CGNAT) and reserved
// addresses, and IPv6 addresses that carry one of them (NAT64, 6to4).
func ForbiddenAddress(ip netip.Addr) string {
	ip = ip.Unmap()
	if b := ip.As16(); nat64.Contains(ip) {
		if why := ForbiddenAddress(netip.AddrFrom4([4]byte(b[12:16]))); why != "" {
			return why + " (in NAT64)"
		}
	} else if sixTo4.Contains(ip) {
		if why := ForbiddenAddress(netip.AddrFrom4([4]byte(b[2:6]))); why != "" {
			return why + " (in 6to4)"
		}
	}
	for _, p := range reservedNetworks {
		if p.Contains(ip) {
			return "a reserved address"
		}
	}
	switch {
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsMulticast() || ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	case sharedAddressSpace.Contains(ip):
		return "a shared (carrier-grade NAT) address"
	case ip.Is4() && ip.As4()[0] == 0:
		return "in 0.0.0.0/8"
	}
	return ""
}

func (w *Webhooks) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return webhookLease
}

func (w *Webhooks) connectTimeout() time.Duration {
	if w.ConnectTimeout > 0 {
		return w.ConnectTimeout
	}
	return webhookConnect
}

func (w *Webhooks) requestTimeout() time.Duration {
	if w.RequestTimeout > 0 {
		return w.RequestTimeout
	}
	return webhookRequestTime
}

func (w *Webhooks) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}
