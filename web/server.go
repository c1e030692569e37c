// Package web serves portail over HTTP: it mounts its two faces, the JSON
// API under /api/v1 (web/api) and the server-rendered pages (web/ui), both
// standing on web/request, with SCIM provisioning at /scim/v2 (web/scim)
// beside them, and wraps them in what every request goes
// through (recovery, the client's address, logging and metrics, security
// headers, CSRF, the rates of anonymous routes); it serves /healthz,
// /readyz and /metrics itself.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"portail"
	"portail/web/api"
	"portail/web/request"
	"portail/web/scim"
	"portail/web/ui"
)

// Services are what the handlers call; package sqldb implements them.
type Services = request.Services

// Auth is portail.AuthService plus the first-run setup link.
type Auth = request.Auth

// Server is the HTTP side of portail.
type Server struct {
	Services
	Logger  *slog.Logger
	BaseURL *url.URL
	// Ready reports whether the server can take traffic (/readyz).
	Ready func(ctx context.Context) error
	// MaxUpload is the size limit of an uploaded document, in bytes
	// (default DefaultMaxUpload).
	MaxUpload int64
	// MetricsToken, when set, opens /metrics to Bearer requests that
	// carry it; otherwise /metrics answers loopback peers only.
	MetricsToken string
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server (--trusted-proxies): from a peer in one of them, and only
	// then, X-Forwarded-For names the client. Set before Handler.
	TrustedProxies []netip.Prefix
	// Mailing is set when e-mails leave through an SMTP server; without
	// one the outbox page says how to configure it.
	Mailing bool
	// Simulating is set while the print-and-post simulator runs: the
	// pages of documents and labels say their statuses are simulated.
	Simulating bool
	// Currency is the ISO 4217 code seat prices are in (default
	// portail.DefaultCurrency).
	Currency string
	// Tariff is the letter tariff (--tariff); nil is
	// portail.DefaultTariff in Currency.
	Tariff *portail.Tariff
	// MaxPages is the most pages a letter may have (--max-pages); 0 is
	// portail.DefaultMaxPages.
	MaxPages int

	// Limits are the rates of the anonymous routes (DefaultLimits); set
	// them before the first request.
	Limits Limits

	mux          *http.ServeMux
	notFound     http.HandlerFunc // the pages' 404 page
	routes       []string         // every pattern served, for the OpenAPI test
	metrics      *metrics
	background   *workQueue // work that outlives its request
	limitersOnce sync.Once
	limiters     [request.LimitClasses]*limiter
}

// Wait waits for the work that requests left queued in the background;
// call it after the HTTP server has shut down.
func (s *Server) Wait() { s.background.close() }

// DroppedWork counts the background jobs refused because the queue was
// full: a flood, also logged.
func (s *Server) DroppedWork() int64 { return s.background.dropped.Load() }

// NewServer returns a server over svc; baseURL is the public address.
func NewServer(svc Services, baseURL *url.URL, logger *slog.Logger) *Server {
	s := &Server{Services: svc, Logger: logger, BaseURL: baseURL, mux: http.NewServeMux(), metrics: newMetrics(),
		Limits: DefaultLimits(), background: newWorkQueue(queueWorkers, queueBacklog)}
	api.New(&s.Services, site{s}).Routes(s.handle)
	pages := ui.New(&s.Services, site{s})
	pages.Routes(s.handle)
	s.notFound = pages.NotFound
	if svc.SCIM != nil && svc.SCIMTokens != nil {
		(&scim.Handler{Tokens: svc.SCIMTokens, SCIM: svc.SCIM, Site: site{s}}).Routes(s.handle)
	}
	s.handle("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	s.handle("GET /readyz", s.readyz)
	s.handle("GET /metrics", func(w http.ResponseWriter, r *http.Request) { s.metrics.serve(s.MetricsToken, w, r) })
	return s
}

// handle registers a route and remembers its pattern.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, h)
}

// Routes lists every pattern served.
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// Handler returns the root handler: recovery, the client's address,
// logging and metrics, security headers, the method check and cross-origin
// protection (CSRF) around the routes.
func (s *Server) Handler() http.Handler {
	h := s.csrf(s.routed())
	return s.recoverer(s.withClient(s.logRequests(s.securityHeaders(knownMethods(h)))))
}

// routed serves the route of the request; a GET of an address no route
// takes gets the pages' own 404 page, in the user's language, rather than
// the mux's plain text (unknown API paths have their problem+json route,
// and another method on a known page still answers 405).
func (s *Server) routed() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if _, pattern := s.mux.Handler(r); pattern == "" {
				s.notFound(w, r)
				return
			}
		}
		s.mux.ServeHTTP(w, r)
	})
}

// knownMethods answers 501 to a method outside the standard ones before
// any routing: no route serves them, and the mux would otherwise look
// them up on every pattern.
func knownMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !knownMethod(r.Method) {
			http.Error(w, "Method not implemented.", http.StatusNotImplemented)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Unready is the error of a readiness check that names what is down
// (the database, the object store).
type Unready struct {
	What string
	Err  error
}

func (u *Unready) Error() string { return u.What + " unreachable: " + u.Err.Error() }
func (u *Unready) Unwrap() error { return u.Err }

// readyProblem says what a failed readiness check found down.
func readyProblem(err error) string {
	var parts []string
	var walk func(error)
	walk = func(err error) {
		var u *Unready
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		} else if errors.As(err, &u) {
			parts = append(parts, u.What+" unreachable")
		} else {
			parts = append(parts, "database unreachable")
		}
	}
	walk(err)
	return strings.Join(parts, ", ")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			// What is down, never why (the cause is in the logs).
			s.Logger.Warn("not ready", "err", err)
			http.Error(w, "not ready: "+readyProblem(err), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	// With an https public address, browsers are told to never try plain
	// http again (two years, subdomains too). With an http one it is never
	// sent: a browser reaching such a site through some https front would
	// then refuse its plain http address.
	hsts := s.secure()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
}

// logRequests logs one line a request and counts it in the metrics. Query strings are left out: they
// may carry tokens (invitation and reset links), which are never logged.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &request.StatusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.Status == 0 {
			sw.Status = http.StatusOK
		}
		s.metrics.observe(r, sw.Status, time.Since(start))
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			return
		}
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.Status), slog.Duration("duration", time.Since(start)))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				http.Error(w, "Internal error.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// secure reports whether cookies must be Secure: when the public address
// is https.
func (s *Server) secure() bool { return s.BaseURL != nil && s.BaseURL.Scheme == "https" }

func (s *Server) cookies() request.Cookies { return request.Cookies{Secure: s.secure()} }

// DefaultMaxUpload is the size limit of an uploaded document (D1) when
// the server is given none.
const DefaultMaxUpload = request.DefaultMaxUpload

// site is the server as its faces see it (request.Site): its settings
// read at each request, since they are set after NewServer.
type site struct{ s *Server }

func (t site) Logger() *slog.Logger     { return t.s.Logger }
func (t site) MaxUpload() int64         { return request.MaxUpload(t.s.MaxUpload) }
func (t site) Cookies() request.Cookies { return t.s.cookies() }
func (t site) BaseURL() string {
	if t.s.BaseURL == nil {
		return ""
	}
	return t.s.BaseURL.String()
}
func (t site) Forgot(r *http.Request, login string) { t.s.forgot(r, login) }
func (t site) Mailing() bool                        { return t.s.Mailing }
func (t site) Simulating() bool                     { return t.s.Simulating }
func (t site) Currency() string {
	if t.s.Currency == "" {
		return portail.DefaultCurrency
	}
	return t.s.Currency
}
func (t site) Tariff() *portail.Tariff {
	if t.s.Tariff == nil {
		return portail.DefaultTariff(t.Currency())
	}
	return t.s.Tariff
}
func (t site) MaxPages() int {
	if t.s.MaxPages <= 0 {
		return portail.DefaultMaxPages
	}
	return t.s.MaxPages
}
func (t site) Allow(c request.LimitClass, r *http.Request) (bool, time.Duration) {
	return t.s.allowed(c, r)
}
