package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"portail"
)

// codeStatus maps each error code to its HTTP status: the one place where
// domain errors meet HTTP.
var codeStatus = map[string]int{
	portail.EINVALID:                http.StatusBadRequest,
	portail.EUSERNAMEIMMUTABLE:      http.StatusBadRequest,
	portail.ETOKENINVALID:           http.StatusBadRequest,
	portail.EUNAUTHENTICATED:        http.StatusUnauthorized,
	portail.ESESSIONREPLACED:        http.StatusUnauthorized,
	portail.EFORBIDDEN:              http.StatusForbidden,
	portail.EPASSWORDCHANGEREQUIRED: http.StatusForbidden,
	portail.ENOTFOUND:               http.StatusNotFound,
	portail.EUSERNAMETAKEN:          http.StatusConflict,
	portail.EEMAILTAKEN:             http.StatusConflict,
	portail.ESEATLIMIT:              http.StatusConflict,
	portail.ECONFLICT:               http.StatusConflict,
	portail.ETOOLARGE:               http.StatusRequestEntityTooLarge,
	portail.ETOOMANYATTEMPTS:        http.StatusTooManyRequests,
	portail.EINTERNAL:               http.StatusInternalServerError,
	portail.EUNAVAILABLE:            http.StatusServiceUnavailable,
}

var codeTitle = map[string]string{
	portail.EINVALID:                "Invalid request",
	portail.EUSERNAMEIMMUTABLE:      "Username cannot change",
	portail.ETOKENINVALID:           "Invalid or expired link or code",
	portail.EUNAUTHENTICATED:        "Not signed in",
	portail.ESESSIONREPLACED:        "Signed in elsewhere",
	portail.EFORBIDDEN:              "Forbidden",
	portail.EPASSWORDCHANGEREQUIRED: "Password change required",
	portail.ENOTFOUND:               "Not found",
	portail.EUSERNAMETAKEN:          "Username taken",
	portail.EEMAILTAKEN:             "E-mail address taken",
	portail.ESEATLIMIT:              "Seat limit reached",
	portail.ECONFLICT:               "Conflict",
	portail.ETOOLARGE:               "Too large",
	portail.ETOOMANYATTEMPTS:        "Too many attempts",
	portail.EINTERNAL:               "Internal error",
	portail.EUNAVAILABLE:            "Service unavailable",
}

// problem is an RFC 9457 problem detail with the contract's members.
type problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail"`
	Code   string               `json:"code"`
	Errors []portail.FieldError `json:"errors,omitempty"`
	Plan   portail.Plan         `json:"plan,omitempty"`
	Limit  int                  `json:"limit,omitempty"`
}

// StatusOf returns the HTTP status of err.
func StatusOf(err error) int {
	if s, ok := codeStatus[portail.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// apiError writes err as problem+json. Internal errors are logged with
// their cause and shown only as "Internal error."
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	code := portail.ErrorCode(err)
	status := StatusOf(err)
	s.logFailure(r, err)
	p := problem{Type: "about:blank", Title: codeTitle[code], Status: status, Detail: portail.ErrorMessage(err), Code: code}
	var e *portail.Error
	if errors.As(err, &e) {
		p.Errors, p.Plan, p.Limit = e.Fields, e.Plan, e.Limit
	}
	setRetryAfter(w, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// logFailure logs what the server, not the request, got wrong: internal
// errors and an unreachable database, with their cause.
func (s *Server) logFailure(r *http.Request, err error) {
	switch portail.ErrorCode(err) {
	case portail.EINTERNAL:
		s.Logger.ErrorContext(r.Context(), "internal error", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	case portail.EUNAVAILABLE:
		s.Logger.WarnContext(r.Context(), "unavailable", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
}

// setRetryAfter tells the client when to come back, for the errors that
// say (too_many_attempts, unavailable): API and pages alike.
func setRetryAfter(w http.ResponseWriter, err error) {
	var e *portail.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
}

func errorsAs(err error, target **portail.Error) bool { return errors.As(err, target) }
