// Package web serves portail over HTTP: the JSON API under /api/v1
// (api_*.go) and the server-rendered pages (ui_*.go), over the same
// services and the same policy.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"portail"
)

// Services are what the handlers call; package sqldb implements them.
type Services struct {
	Auth        Auth
	Users       portail.UserService
	Departments portail.DepartmentService
	Accounts    portail.AccountService
	Credentials portail.CredentialService
	Outbox      portail.OutboxService
	Activity    portail.ActivityService
	Documents   portail.DocumentService
	Labels      portail.LabelService
	Reports     portail.ReportService
}

// Auth is portail.AuthService plus the first-run setup link.
type Auth interface {
	portail.AuthService
	CheckSetupToken(ctx context.Context, token string) error
	SetupWithToken(ctx context.Context, token string, s portail.Setup) (*portail.Account, *portail.User, error)
}

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

	// Limits are the rates of the anonymous routes (DefaultLimits); set
	// them before the first request.
	Limits Limits

	mux          *http.ServeMux
	routes       []string // every pattern served, for the OpenAPI test
	pages        *pages
	metrics      *metrics
	background   *workQueue // work that outlives its request
	limitersOnce sync.Once
	limiters     [limitClasses]*limiter
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
	s.pages = mustParsePages()
	s.registerAPI()
	s.registerUI()
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
	h := s.csrf(s.mux)
	return s.recoverer(s.withClient(s.logRequests(s.securityHeaders(knownMethods(h)))))
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

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			http.Error(w, "not ready: database unreachable", http.StatusServiceUnavailable)
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

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line a request and counts it in the metrics. Query strings are left out: they
// may carry tokens (invitation and reset links), which are never logged.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.observe(r, sw.status, time.Since(start))
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			return
		}
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
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

// cookieName holds the session token; the database keeps only its hash.
const cookieName = "portail_session"

// secure reports whether cookies must be Secure: when the public address
// is https.
func (s *Server) secure() bool { return s.BaseURL != nil && s.BaseURL.Scheme == "https" }

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure(), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true,
		Secure: s.secure(), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// deviceCookie names the browser, so that a sign-in from a browser the
// user signed in from before passes the lock that failed guesses put on
// the user's name (C7). The database keeps only its hash.
const deviceCookie = "portail_device"

// knownDevice returns the browser's device token, "" when it has none.
func knownDevice(r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 128 {
		return c.Value
	}
	return ""
}

// device returns the browser's device token, or a new one for a browser
// that has none. Only the sign-in page mints them: API clients get one
// cookie from a login, the session's, as the contract says.
func device(r *http.Request) string {
	if d := knownDevice(r); d != "" {
		return d
	}
	t, _ := portail.NewToken()
	return t
}

// setDeviceCookie keeps the device token for a year after a sign-in.
func (s *Server) setDeviceCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure(), SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
}

// clientIP is the address of the client: the peer's, or the one a
// trusted proxy forwarded (withClient).
func clientIP(r *http.Request) string {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c.ip
	}
	return peerIP(r)
}

// anonymous returns r's context with a caller that has only an address.
func anonymous(r *http.Request) context.Context {
	return portail.WithCaller(r.Context(), portail.Caller{IP: clientIP(r), UserAgent: r.UserAgent()})
}

// session is what authenticate found.
type session struct {
	user *portail.User
	ctx  context.Context
}

// authenticate resolves the request's credentials, an API key in the
// Authorization header or else the session cookie, into a caller.
func (s *Server) authenticate(r *http.Request) (*session, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, portail.Errorf(portail.EUNAUTHENTICATED, "Use Authorization: Bearer <api key>.")
		}
		u, k, actor, err := s.Credentials.AuthenticateAPIKey(r.Context(), strings.TrimSpace(key))
		if err != nil {
			return nil, err
		}
		ctx := portail.WithCaller(r.Context(), portail.Caller{Actor: actor, APIKeyID: k.ID, IP: clientIP(r), UserAgent: r.UserAgent()})
		return &session{user: u, ctx: ctx}, nil
	}
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	u, sess, actor, err := s.Auth.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	ctx := portail.WithCaller(r.Context(), portail.Caller{Actor: actor, SessionID: sess.ID, IP: clientIP(r), UserAgent: r.UserAgent()})
	return &session{user: u, ctx: ctx}, nil
}

type apiHandler func(w http.ResponseWriter, r *http.Request, me *portail.User)

// authed wraps an API handler that needs a signed-in caller who has no
// temporary password left to replace (C2).
func (s *Server) authed(h apiHandler) http.HandlerFunc { return s.withAuth(h, false) }

// authedTemp wraps the few API handlers that a user who must still
// replace a temporary password may call.
func (s *Server) authedTemp(h apiHandler) http.HandlerFunc { return s.withAuth(h, true) }

func (s *Server) withAuth(h apiHandler, allowTemp bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.authenticate(r)
		if err != nil {
			if c := portail.ErrorCode(err); (c == portail.EUNAUTHENTICATED || c == portail.ESESSIONREPLACED) && r.Header.Get("Authorization") == "" {
				s.clearSessionCookie(w)
			}
			s.apiError(w, r, err)
			return
		}
		if sess.user.PasswordChangeRequired && !allowTemp {
			s.apiError(w, r, portail.Errorf(portail.EPASSWORDCHANGEREQUIRED,
				"Replace your temporary password first (POST /api/v1/auth/password)."))
			return
		}
		h(w, r.WithContext(sess.ctx), sess.user)
	}
}

// pathID parses the {id} wildcard; a malformed id is simply not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, portail.ErrNotFound("Resource")
	}
	return id, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
