// Package request is the floor both faces of the web stand on, the JSON
// API (web/api) and the pages (web/ui): who is calling (a session cookie
// or an API key, turned into a portail.Caller), the client's address, the
// cookies, the HTTP status of each error code, and the reading of what a
// request carries (path ids, query parameters, one parser per list
// filter, uploads). It knows neither problem+json nor templates.
package request

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
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
	Webhooks    portail.WebhookService // nil: no webhooks (some test servers)
	Partners    portail.PartnerService // nil: no print partners (some test servers)
	MFA         portail.MFAService
	// SCIMTokens and SCIM are provisioning (C14); nil: no /scim/v2 (some
	// test servers).
	SCIMTokens portail.SCIMTokenService
	SCIM       portail.SCIMService
	Sessions   portail.SessionService // sessions in sight (C12)
	// SSO and RelyingParty: single sign-on (C13); nil: none (some test
	// servers), every login then answers that it has no SSO.
	SSO          portail.SSOService
	RelyingParty portail.SSORelyingParty
	Passkeys     portail.PasskeyService // nil: no passkeys (some test servers)
}

// PasskeysOn reports whether passkeys may be used: a service, and a base
// URL whose host is a name.
func (s *Services) PasskeysOn() bool { return s.Passkeys != nil && s.Passkeys.PasskeysEnabled() }

// Auth is portail.AuthService plus the first-run setup link.
type Auth interface {
	portail.AuthService
	CheckSetupToken(ctx context.Context, token string) error
	SetupWithToken(ctx context.Context, token string, s portail.Setup) (*portail.Account, *portail.User, error)
}

// Anonymous returns r's context with a caller that has only an address.
func Anonymous(r *http.Request) context.Context {
	return portail.WithCaller(r.Context(), portail.Caller{IP: ClientIP(r), UserAgent: r.UserAgent()})
}

// Session is what Authenticate found: the user and the context that
// carries them as the caller.
type Session struct {
	User *portail.User
	Ctx  context.Context
}

// Authenticate resolves the request's credentials, an API key in the
// Authorization header or else the session cookie, into a caller.
func Authenticate(r *http.Request, svc Services) (*Session, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, portail.Errorf(portail.EUNAUTHENTICATED, "Use Authorization: Bearer <api key>.")
		}
		// The caller's address and user agent go with the key's use (C12).
		u, k, actor, err := svc.Credentials.AuthenticateAPIKey(Anonymous(r), strings.TrimSpace(key))
		if err != nil {
			return nil, err
		}
		ctx := portail.WithCaller(r.Context(), portail.Caller{Actor: actor, APIKeyID: k.ID, IP: ClientIP(r), UserAgent: r.UserAgent()})
		return &Session{User: u, Ctx: ctx}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	u, sess, actor, err := svc.Auth.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	ctx := portail.WithCaller(r.Context(), portail.Caller{Actor: actor, SessionID: sess.ID, IP: ClientIP(r), UserAgent: r.UserAgent()})
	return &Session{User: u, Ctx: ctx}, nil
}

// SignedOut reports whether err says the caller has no session (any
// more): the session cookie is then cleared.
func SignedOut(err error) bool {
	c := portail.ErrorCode(err)
	return c == portail.EUNAUTHENTICATED || c == portail.ESESSIONREPLACED || c == portail.ESESSIONENDED
}

// PathID parses the {id} wildcard; a malformed id is simply not found.
func PathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, portail.ErrNotFound("Resource")
	}
	return id, nil
}

// StatusWriter remembers the status a handler wrote.
type StatusWriter struct {
	http.ResponseWriter
	Status int
}

func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Site is what a face asks of the server that mounts it: its settings,
// read at each request since they may be set after the routes are, and
// the work it shares between the faces (the rates of the anonymous
// routes, the queue of forgotten passwords).
type Site interface {
	Logger() *slog.Logger
	// MaxUpload is the size limit of an uploaded document.
	MaxUpload() int64
	Cookies() Cookies
	// BaseURL is the public address, which e-mails' links start with.
	BaseURL() string
	// Allow takes a token of the class for the request's client, or says
	// how long to wait for one.
	Allow(c LimitClass, r *http.Request) (bool, time.Duration)
	// Forgot queues the work of a "forgot password" request for after the
	// answer (C4).
	Forgot(r *http.Request, login string)
	// Mailing says whether e-mails leave through an SMTP server (--smtp);
	// without one they stay in the outbox, and its page says so.
	Mailing() bool
	// Simulating says whether the built-in print-and-post simulator runs
	// (--simulator), so that the pages it moves say so.
	Simulating() bool
	// Currency is the ISO 4217 code of the installation's prices.
	Currency() string
	// Tariff is the installation's letter tariff (--tariff, else the
	// defaults in Currency), never nil.
	Tariff() *portail.Tariff
	// MaxPages is the most pages a letter may have (--max-pages).
	MaxPages() int
}
