package web

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"portail/web/request"
)

// ParseTrustedProxies reads a comma-separated list of networks in CIDR
// notation (a bare address stands for itself alone), as --trusted-proxies
// takes them.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not a network like 10.0.0.0/8 or fd00::/8, nor an address", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// withClient resolves the client of each request once (the address
// every rule keyed by address uses: throttle, activity log), before anything
// reads it. X-Forwarded-For is believed only from a trusted proxy, and
// only as far as it was written by trusted proxies: it is read from the
// right, each trusted hop passing on to the address it received the
// request from, and the first address outside the trusted networks is the
// client. Anything left of it was written by the client and proves
// nothing.
func (s *Server) withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := request.PeerIP(r)
		if len(s.TrustedProxies) > 0 {
			ip = resolveClient(ip, r.Header.Values("X-Forwarded-For"), s.TrustedProxies)
		}
		next.ServeHTTP(w, r.WithContext(request.WithClient(r.Context(), ip)))
	})
}

func resolveClient(peer string, forwarded []string, trusted []netip.Prefix) string {
	c := peer
	if !isTrusted(peer, trusted) || len(forwarded) == 0 {
		return c
	}
	var hops []string
	for _, v := range forwarded {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			// A trusted proxy passed on something that is not an
			// address: the last hop known is as far as the chain goes.
			break
		}
		c = a.String()
		if !trustedAddr(a, trusted) {
			break
		}
	}
	return c
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port, IPv6 possibly in brackets.
func parseHop(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func isTrusted(ip string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && trustedAddr(a.Unmap(), trusted)
}

func trustedAddr(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// loopbackClient reports whether the request comes from this machine
// itself: a loopback peer that relays nobody. A reverse proxy on the same
// machine is a loopback peer too, so any forwarding header, trusted or
// not, makes the request someone else's.
func loopbackClient(r *http.Request) bool {
	a, err := netip.ParseAddr(request.PeerIP(r))
	if err != nil || !a.IsLoopback() {
		return false
	}
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if len(r.Header.Values(h)) > 0 {
			return false
		}
	}
	return true
}
