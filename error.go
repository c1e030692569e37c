package portail

import (
	"errors"
	"fmt"
)

// Stable error codes of the API contract (SPEC §9). Clients branch on these,
// never on messages, so a code is never renamed.
const (
	EINVALID                = "invalid"
	EUNAUTHENTICATED        = "unauthenticated"
	ESESSIONREPLACED        = "session_replaced"
	EFORBIDDEN              = "forbidden"
	ENOTFOUND               = "not_found"
	EUSERNAMETAKEN          = "username_taken"
	EEMAILTAKEN             = "email_taken"
	EUSERNAMEIMMUTABLE      = "username_immutable"
	ESEATLIMIT              = "seat_limit"
	ETOOMANYATTEMPTS        = "too_many_attempts"
	ETOKENINVALID           = "token_invalid"
	EPASSWORDCHANGEREQUIRED = "password_change_required"
	ECONFLICT               = "conflict"
	ETOOLARGE               = "too_large" // an upload over the size limit
	EINTERNAL               = "internal"
	// EUNAVAILABLE: the database (or another store) cannot be reached for
	// now; the request may be tried again.
	EUNAVAILABLE = "unavailable"
	// EACCOUNTINACTIVE: a deactivated user typed the right password. Only
	// the right password earns this answer, so it tells nothing to whoever
	// merely guesses names.
	EACCOUNTINACTIVE = "account_inactive"
	// ETOOLATE: a letter's wait is over; it can no longer be changed or
	// cancelled (SPEC §9 Wave-2 details 2).
	ETOOLATE = "too_late"
	// EINVALIDTRANSITION: a move the life cycle does not allow (a print
	// partner's event).
	EINVALIDTRANSITION = "invalid_transition"
	// EMFAENROLMENTREQUIRED: the account requires a second factor of the
	// caller, who has none yet; only enrolment is open (C11).
	EMFAENROLMENTREQUIRED = "mfa_enrolment_required"
	// ESESSIONENDED: the session was ended from another place, by its
	// user or by an admin's "sign out everywhere" (C12); the browser is
	// told so, as session_replaced tells it of a newer sign-in (C6).
	ESESSIONENDED = "session_ended"
	// ESSOREQUIRED: the account signs this user in through its OpenID
	// Connect provider only (C13): no password sign-in.
	ESSOREQUIRED = "sso_required"
	// EDOMAINTAKEN: an e-mail domain claimed by, or in use at, another
	// account (C13).
	EDOMAINTAKEN = "domain_taken"
)

// FieldError names one invalid request field, dotted for nested ones
// (recipient.postal_code, modules[1]).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type the domain returns to callers. Its Message is
// safe to show to the user; internal errors are plain Go errors and are shown
// only as "internal error".
type Error struct {
	Code    string
	Message string
	Fields  []FieldError

	// Plan and Limit are set on seat_limit errors (SPEC §9), and so are
	// what the limit is made of, so that a page can say it in its own
	// words: the seats the plan (or its trial) includes, the extra seats
	// bought, and the users who already count.
	Plan     Plan
	Limit    int
	Included int
	Extra    int
	Used     int
	Trial    bool
	// RetryAfter is set on too_many_attempts errors, in whole seconds.
	RetryAfter int
	// Modules is set on an invalid error about modules the account does
	// not subscribe to: which ones, so that an adapter can name each by
	// its place in the request (modules[i]); the field error says modules.
	Modules ModuleSet
	// Problems is set on an invalid error that refuses a letter's change
	// for the problems it would cause: Fields say them under
	// ProblemField in English, InLanguage in another.
	Problems     []Problem
	ProblemField string
}

// InLanguage returns err with the field errors of its Problems in lang;
// any other error as it is.
func InLanguage(err error, lang string) error {
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) == 0 {
		return err
	}
	said := *e
	said.Fields = make([]FieldError, len(e.Problems))
	for i, p := range e.Problems {
		said.Fields[i] = FieldError{Field: e.ProblemField, Message: p.Message(lang)}
	}
	return &said
}

func (e *Error) Error() string {
	return fmt.Sprintf("portail error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, EINTERNAL for any
// other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of an application error, or a
// generic message that reveals nothing of internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// Validation collects field errors so that a form or request reports every
// problem at once rather than one per round trip.
type Validation struct{ Fields []FieldError }

// Add records a problem with field.
func (v *Validation) Add(field, message string) {
	v.Fields = append(v.Fields, FieldError{field, message})
}

// Err returns nil when no problem was recorded, else an EINVALID error.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: v.Fields}
}

// JoinInvalid answers a request once with every field problem that errs
// hold (the checks of the domain, of the storage, of the password rules),
// rather than one check per round trip. nil errors are skipped; an error
// that names no field (forbidden, internal) wins alone. One error is
// returned as it is, keeping its code (username_taken…); several are one
// EINVALID with all their fields.
func JoinInvalid(errs ...error) error {
	var found []*Error
	for _, err := range errs {
		if err == nil {
			continue
		}
		var e *Error
		if !errors.As(err, &e) || len(e.Fields) == 0 {
			return err
		}
		found = append(found, e)
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
		return found[0]
	}
	out := &Error{Code: EINVALID, Message: "Some fields are invalid."}
	for _, e := range found {
		out.Fields = append(out.Fields, e.Fields...)
		out.Modules |= e.Modules
	}
	return out
}

// ErrNotFound is the one answer for anything the caller may not see,
// whether it does not exist or belongs to someone else (SPEC T1).
func ErrNotFound(what string) *Error { return Errorf(ENOTFOUND, "%s not found.", what) }

// ErrForbidden is the answer for what the caller sees but may not do.
func ErrForbidden() *Error { return Errorf(EFORBIDDEN, "You are not allowed to do this.") }
