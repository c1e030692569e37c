package request

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

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
	portail.ESESSIONENDED:           http.StatusUnauthorized,
	portail.EFORBIDDEN:              http.StatusForbidden,
	portail.EPASSWORDCHANGEREQUIRED: http.StatusForbidden,
	portail.EMFAENROLMENTREQUIRED:   http.StatusForbidden,
	portail.EACCOUNTINACTIVE:        http.StatusForbidden,
	portail.ENOTFOUND:               http.StatusNotFound,
	portail.EUSERNAMETAKEN:          http.StatusConflict,
	portail.EEMAILTAKEN:             http.StatusConflict,
	portail.ESEATLIMIT:              http.StatusConflict,
	portail.ECONFLICT:               http.StatusConflict,
	portail.ETOOLATE:                http.StatusConflict,
	portail.EINVALIDTRANSITION:      http.StatusConflict,
	portail.ESSOREQUIRED:            http.StatusUnauthorized,
	portail.EDOMAINTAKEN:            http.StatusConflict,
	portail.ETOOLARGE:               http.StatusRequestEntityTooLarge,
	portail.ETOOMANYATTEMPTS:        http.StatusTooManyRequests,
	portail.EINTERNAL:               http.StatusInternalServerError,
	portail.EUNAVAILABLE:            http.StatusServiceUnavailable,
}

// Status returns the HTTP status of err.
func Status(err error) int {
	if s, ok := codeStatus[portail.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// LogFailure logs what the server, not the request, got wrong: internal
// errors and an unreachable database, with their cause.
func LogFailure(logger *slog.Logger, r *http.Request, err error) {
	switch portail.ErrorCode(err) {
	case portail.EINTERNAL:
		logger.ErrorContext(r.Context(), "internal error", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	case portail.EUNAVAILABLE:
		logger.WarnContext(r.Context(), "unavailable", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
}

// SetRetryAfter tells the client when to come back, for the errors that
// say (too_many_attempts, unavailable): API and pages alike.
func SetRetryAfter(w http.ResponseWriter, err error) {
	var e *portail.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
}

// LimitClass is a class of anonymous routes, each with its own rate
// (web.Limits), so that a flood of one class never takes the tokens of
// another.
type LimitClass int

const (
	LimitLogin LimitClass = iota
	LimitForgot
	LimitToken
	LimitClasses
)

// RetrySeconds rounds a wait up to whole seconds, at least one.
func RetrySeconds(d time.Duration) int { return max(1, int((d+time.Second-1)/time.Second)) }

// ErrTooManyRequests is the answer of a limited route.
func ErrTooManyRequests(wait time.Duration) error {
	secs := RetrySeconds(wait)
	e := portail.Errorf(portail.ETOOMANYATTEMPTS, "Too many requests. Wait %d seconds and try again.", secs)
	e.RetryAfter = secs
	return e
}

// Codes lists every error code that has a status.
func Codes() []string {
	out := make([]string, 0, len(codeStatus))
	for c := range codeStatus {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
