// Package api is the JSON face of portail, under /api/v1 (SPEC §9): the
// route table, the handlers, the shapes of what they send and take, the
// CSV exports and the OpenAPI document. A handler returns its error and
// one wrapper writes it as problem+json; it imports web/request and the
// domain, never the pages (web/ui).
package api

import (
	"net/http"

	"portail"
	"portail/web/request"
)

// Handler serves the API over the services.
type Handler struct {
	*request.Services
	site request.Site
}

// New returns the API over svc; site gives the server's settings.
func New(svc *request.Services, site request.Site) *Handler {
	return &Handler{Services: svc, site: site}
}

// Routes registers every route of the API with handle.
func (s *Handler) Routes(handle func(pattern string, h http.HandlerFunc)) {
	handle("GET /api/v1/openapi.json", serveOpenAPI)
	// Anything else under the API answers in problem+json too.
	handle("/api/", s.public(func(w http.ResponseWriter, r *http.Request) error {
		return portail.Errorf(portail.ENOTFOUND, "No such API route: %s %s.", r.Method, r.URL.Path)
	}))

	handle("POST /api/v1/auth/login", s.limited(request.LimitLogin, s.login))
	handle("POST /api/v1/auth/logout", s.public(s.logout))
	handle("POST /api/v1/auth/password", s.authedTemp(s.changePassword))
	handle("POST /api/v1/auth/forgot", s.limited(request.LimitForgot, s.forgot))
	handle("POST /api/v1/auth/reset", s.limited(request.LimitToken, s.reset))
	handle("POST /api/v1/auth/invitation", s.limited(request.LimitToken, s.acceptInvitation))
	handle("POST /api/v1/auth/email-confirm", s.limited(request.LimitToken, s.confirmEmail))
	handle("GET /api/v1/me", s.withAuth(s.getMe, allowTemp|allowEnrol))
	handle("PATCH /api/v1/me", s.authedEnrol(s.patchMe))
	handle("GET /api/v1/me/api-keys", s.authed(s.listKeys))
	handle("POST /api/v1/me/api-keys", s.authed(s.createKey))
	handle("DELETE /api/v1/me/api-keys/{id}", s.authed(s.revokeKey))
	// Sessions in sight (C12).
	handle("GET /api/v1/me/sessions", s.authed(s.listMySessions))
	handle("DELETE /api/v1/me/sessions/{id}", s.authed(s.endMySession))
	handle("GET /api/v1/users/{id}/sessions", s.authed(s.listUserSessions))
	handle("POST /api/v1/users/{id}/sign-out", s.authed(s.signOutUser))

	handle("GET /api/v1/users", s.authed(s.listUsers))
	handle("GET /api/v1/users.csv", s.authed(s.usersCSV))
	handle("POST /api/v1/users/import", s.authed(s.importUsers))
	handle("POST /api/v1/users", s.authed(s.createUser))
	handle("GET /api/v1/users/{id}", s.authed(s.getUser))
	handle("PATCH /api/v1/users/{id}", s.authed(s.patchUser))
	handle("POST /api/v1/users/{id}/deactivate", s.authed(s.deactivateUser))
	handle("POST /api/v1/users/{id}/reactivate", s.authed(s.reactivateUser))
	handle("POST /api/v1/users/{id}/password-reset", s.authed(s.sendReset))
	handle("POST /api/v1/users/{id}/invitation", s.authed(s.resendInvitation))

	handle("GET /api/v1/departments", s.authed(s.listDepartments))
	handle("POST /api/v1/departments", s.authed(s.createDepartment))
	handle("GET /api/v1/departments/{id}", s.authed(s.getDepartment))
	handle("PATCH /api/v1/departments/{id}", s.authed(s.patchDepartment))

	handle("GET /api/v1/account", s.authed(s.getAccount))
	handle("PUT /api/v1/account/subscription", s.authed(s.putSubscription))
	handle("GET /api/v1/account/settings", s.authed(s.getAccountSettings))
	handle("PUT /api/v1/account/settings", s.authed(s.putAccountSettings))
	handle("GET /api/v1/tariff", s.authed(s.getTariff))

	handle("GET /api/v1/activity", s.authed(s.listActivity))
	handle("GET /api/v1/activity.csv", s.authed(s.activityCSV))

	handle("GET /api/v1/outbox", s.authed(s.listOutbox))
	handle("GET /api/v1/outbox/{id}", s.authed(s.getOutbox))

	handle("POST /api/v1/partner/claims", s.partnerAuthed(s.claimDocuments))
	handle("GET /api/v1/partner/documents/{id}/file", s.partnerAuthed(s.partnerFile))
	handle("POST /api/v1/partner/documents/{id}/events", s.partnerAuthed(s.partnerEvent))
	handle("POST /api/v1/partner/documents/{id}/release", s.partnerAuthed(s.partnerRelease))

	handle("POST /api/v1/documents", s.authed(s.sendDocument))
	handle("GET /api/v1/documents", s.authed(s.listDocuments))
	handle("GET /api/v1/documents/{id}", s.authed(s.getDocument))
	handle("GET /api/v1/documents/{id}/file", s.authed(s.documentFile))
	handle("GET /api/v1/documents/{id}/history", s.authed(s.documentHistory))
	handle("POST /api/v1/documents/quote", s.authed(s.quoteDocument))
	handle("PATCH /api/v1/documents/{id}", s.authed(s.changeDocument))
	handle("POST /api/v1/documents/{id}/quote", s.authed(s.quoteChange))
	handle("PUT /api/v1/documents/{id}/file", s.authed(s.replaceDocumentFile))
	handle("POST /api/v1/documents/{id}/cancel", s.authed(s.cancelDocument))
	handle("GET /api/v1/documents/{id}/proof", s.authed(s.documentProof))
	handle("POST /api/v1/labels", s.authed(s.labelCall(s.createLabel)))
	handle("GET /api/v1/labels", s.authed(s.labelCall(s.listLabels)))
	handle("GET /api/v1/labels/{id}", s.authed(s.labelCall(s.getLabel)))
	handle("GET /api/v1/labels/{id}/pdf", s.authed(s.labelCall(s.labelPDF)))
	handle("GET /api/v1/labels/{id}/history", s.authed(s.labelCall(s.labelHistory)))
	handle("GET /api/v1/reports/summary", s.authed(s.reportSummary))
	handle("GET /api/v1/reports/summary.csv", s.authed(s.reportSummaryCSV))
	s.webhookRoutes(handle)
	s.mfaRoutes(handle)
	s.scimTokenRoutes(handle)
	s.ssoRoutes(handle)
	s.passkeyRoutes(handle)
}

// handlerFunc is an API handler for a signed-in caller: it writes its
// answer, or returns the error that the wrapper writes as problem+json.
type handlerFunc func(w http.ResponseWriter, r *http.Request, me *portail.User) error

// publicFunc is an API handler that needs no sign-in.
type publicFunc func(w http.ResponseWriter, r *http.Request) error

// public wraps a handler that needs no sign-in.
func (s *Handler) public(h publicFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.error(w, r, err)
		}
	}
}

// limited answers 429 too_many_attempts, with Retry-After, past the
// class's rate; the handler never runs, so the answer costs nothing.
func (s *Handler) limited(c request.LimitClass, h publicFunc) http.HandlerFunc {
	return s.public(func(w http.ResponseWriter, r *http.Request) error {
		if ok, wait := s.site.Allow(c, r); !ok {
			return request.ErrTooManyRequests(wait)
		}
		return h(w, r)
	})
}

// gate says which of a signed-in caller's pending duties a route lets
// them through with.
type gate uint8

const (
	allowTemp  gate = 1 << iota // a temporary password still to replace (C2)
	allowEnrol                  // a second factor the account requires, still to enrol (C11)
)

// authed wraps an API handler that needs a signed-in caller who has no
// temporary password left to replace (C2) and no second factor left to
// enrol (C11).
func (s *Handler) authed(h handlerFunc) http.HandlerFunc { return s.withAuth(h, 0) }

// authedTemp wraps the few API handlers that a user who must still
// replace a temporary password may call.
func (s *Handler) authedTemp(h handlerFunc) http.HandlerFunc { return s.withAuth(h, allowTemp) }

// authedEnrol wraps the routes of /me open to a user who must enrol a
// second factor (SPEC §9: /me, /me/mfa/*).
func (s *Handler) authedEnrol(h handlerFunc) http.HandlerFunc { return s.withAuth(h, allowEnrol) }

// withAuth authenticates the caller and holds them to their duties in
// order: a temporary password is replaced first, then the second factor
// enrolled (Wave-2 details 11).
func (s *Handler) withAuth(h handlerFunc, g gate) http.HandlerFunc {
	return s.public(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := request.Authenticate(r, *s.Services)
		if err != nil {
			if request.SignedOut(err) && r.Header.Get("Authorization") == "" {
				s.site.Cookies().ClearSession(w)
			}
			return err
		}
		switch u := sess.User; {
		case u.PasswordChangeRequired && g&allowTemp == 0:
			return portail.Errorf(portail.EPASSWORDCHANGEREQUIRED,
				"Replace your temporary password first (POST /api/v1/auth/password).")
		case !u.PasswordChangeRequired && u.MFAEnrolmentRequired && g&allowEnrol == 0:
			return portail.Errorf(portail.EMFAENROLMENTREQUIRED,
				"Your account requires a second factor: add one first (POST /api/v1/me/mfa/totp).")
		}
		return h(w, r.WithContext(sess.Ctx), sess.User)
	})
}

// error writes err as problem+json.
func (s *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, s.site.Logger(), err)
}
