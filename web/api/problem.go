package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"portail"
	"portail/web/request"
)

var codeTitle = map[string]string{
	portail.EINVALID:                "Invalid request",
	portail.EUSERNAMEIMMUTABLE:      "Username cannot change",
	portail.ETOKENINVALID:           "Invalid or expired link or code",
	portail.EUNAUTHENTICATED:        "Not signed in",
	portail.ESESSIONREPLACED:        "Signed in elsewhere",
	portail.ESESSIONENDED:           "Session ended",
	portail.EFORBIDDEN:              "Forbidden",
	portail.EPASSWORDCHANGEREQUIRED: "Password change required",
	portail.EMFAENROLMENTREQUIRED:   "Second factor required",
	portail.ESSOREQUIRED:            "Single sign-on required",
	portail.EDOMAINTAKEN:            "Domain taken",
	portail.EACCOUNTINACTIVE:        "Account deactivated",
	portail.ENOTFOUND:               "Not found",
	portail.EUSERNAMETAKEN:          "Username taken",
	portail.EEMAILTAKEN:             "E-mail address taken",
	portail.ESEATLIMIT:              "Seat limit reached",
	portail.ECONFLICT:               "Conflict",
	portail.ETOOLATE:                "Too late",
	portail.EINVALIDTRANSITION:      "Invalid transition",
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

// WriteError writes err as problem+json. Internal errors are logged with
// their cause and shown only as "Internal error."
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := portail.ErrorCode(err)
	status := request.Status(err)
	request.LogFailure(logger, r, err)
	p := problem{Type: "about:blank", Title: codeTitle[code], Status: status, Detail: portail.ErrorMessage(err), Code: code}
	var e *portail.Error
	if errors.As(err, &e) {
		p.Errors, p.Plan, p.Limit = e.Fields, e.Plan, e.Limit
	}
	request.SetRetryAfter(w, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}
