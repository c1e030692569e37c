package portail

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Partner is a print partner (D9): a program outside portail, with an
// installation-level key, that claims the letters whose wait is over,
// prints and posts them and reports what happened.
type Partner struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	RevokedAt *time.Time // a revoked partner's key no longer signs in
}

// PartnerKeyPrefix starts every partner key, so that a partner key is never
// mistaken for a user's API key (ptl_) and leaked keys are easy to find.
const PartnerKeyPrefix = "ptp_"

// NewPartnerKey returns a new partner key and its hash, the only form the
// database keeps.
func NewPartnerKey() (key, hash string) {
	token, _ := NewToken()
	key = PartnerKeyPrefix + token
	return key, HashToken(key)
}

// ValidatePartnerName checks a partner's name: 1 to 100 printable
// characters, no spaces at either end (it is typed on a command line and
// shown in history lines).
func ValidatePartnerName(name string) error {
	var v Validation
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		v.Add("name", "A partner needs a name.")
	case n > 100:
		v.Add("name", "A partner's name has at most 100 characters.")
	case strings.TrimSpace(name) != name:
		v.Add("name", "A partner's name does not start or end with a space.")
	case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		v.Add("name", "A partner's name has no control characters.")
	case strings.EqualFold(name, SystemSimulator):
		// The built-in simulator's, whose lines say they are simulated.
		v.Add("name", "This name is the simulator's.")
	}
	return v.Err()
}

// PartnerEvent is what a partner reports about a letter it claimed (SPEC
// §9 Letters, Wave-2 details 8).
type PartnerEvent struct {
	Status         DocumentStatus // printed, posted, failed or returned
	At             *time.Time     // when it happened, if the partner says
	Detail         string         // why it failed or came back
	TrackingNumber string         // of a registered letter, once posted
}

// PartnerEventStatuses are the statuses a partner may report.
var PartnerEventStatuses = []DocumentStatus{DocumentPrinted, DocumentPosted, DocumentFailed, DocumentReturned}

// maxPartnerDetail bounds what a partner writes into the letter.
const maxPartnerDetail = 500

// Validate checks the event on its own, whatever the letter: a status a
// partner may report, and a reason for a failure or a return — the
// sender reads it to know what to do next, so it is required.
func (e *PartnerEvent) Validate() error {
	var v Validation
	known := false
	for _, s := range PartnerEventStatuses {
		known = known || e.Status == s
	}
	if !known {
		v.Add("status", "The status is one of printed, posted, failed, returned.")
	}
	e.Detail = strings.TrimSpace(e.Detail)
	e.TrackingNumber = strings.TrimSpace(e.TrackingNumber)
	if (e.Status == DocumentFailed || e.Status == DocumentReturned) && e.Detail == "" {
		v.Add("detail", "A failure or a return needs its reason.")
	}
	if utf8.RuneCountInString(e.Detail) > maxPartnerDetail {
		v.Add("detail", "The detail has at most 500 characters.")
	}
	if utf8.RuneCountInString(e.TrackingNumber) > 100 {
		v.Add("tracking_number", "The tracking number has at most 100 characters.")
	}
	return v.Err()
}

// Apply is the rule of a partner's event on the letter d as it stands: the
// status it moves to, or repeat when d already has that status (events are
// idempotent: the partner may send one again after a lost answer, and
// nothing is written). A move the life cycle does not allow is
// EINVALIDTRANSITION; posting a registered letter needs its tracking
// number. Apply changes d's reported fields (tracking number, failure or
// return reason) to what is to be stored.
func (e PartnerEvent) Apply(d *Document) (next DocumentStatus, repeat bool, err error) {
	// A repeat is answered before its fields are judged: the partner
	// that sends an event again after a lost answer gets 204 whatever it
	// sends along (SPEC §9 Wave-2 details 8).
	if d.Status == e.Status && slices.Contains(PartnerEventStatuses, e.Status) {
		return d.Status, true, nil
	}
	if err := e.Validate(); err != nil {
		return "", false, err
	}
	if !d.Status.CanMoveTo(e.Status) {
		return "", false, Errorf(EINVALIDTRANSITION, "A %s letter cannot become %s.", d.Status, e.Status)
	}
	switch e.Status {
	case DocumentPosted:
		if d.Options.Registered && e.TrackingNumber == "" {
			var v Validation
			v.Add("tracking_number", "A registered letter is posted with its tracking number.")
			return "", false, v.Err()
		}
		if e.TrackingNumber != "" {
			d.TrackingNumber = e.TrackingNumber
		}
	case DocumentFailed:
		d.FailureReason = e.Detail
	case DocumentReturned:
		d.ReturnReason = e.Detail
	}
	d.Status = e.Status
	return e.Status, false, nil
}

// When is the time of the event's history line: the partner's at when
// given and not in the future, else now.
func (e PartnerEvent) When(now time.Time) time.Time {
	if e.At != nil && !e.At.After(now) {
		return *e.At
	}
	return now
}

// PartnerService is the print partners' side of portail (D9): every
// method takes the partner the request's key signed in.
type PartnerService interface {
	// Authenticate resolves a partner key; unknown or revoked is
	// EUNAUTHENTICATED.
	Authenticate(ctx context.Context, key string) (*Partner, error)
	// Claim takes up to limit (1–100) letters whose wait is over, each
	// for exactly one partner, moved to processing.
	Claim(ctx context.Context, p *Partner, limit int) ([]*Document, error)
	// File is the print-ready PDF of a letter p claimed, the address
	// page first when there is one. ENOTFOUND for any other letter.
	File(ctx context.Context, p *Partner, id int64) ([]byte, error)
	// Event applies what p reports (PartnerEvent.Apply). ENOTFOUND,
	// EINVALID, EINVALIDTRANSITION.
	Event(ctx context.Context, p *Partner, id int64, e PartnerEvent) error
	// Release gives a claimed letter not yet printed back to received.
	Release(ctx context.Context, p *Partner, id int64) error
}

// PrintFiler makes the file a print partner prints from a letter's
// uploaded file: its address page first when the recipient was typed.
type PrintFiler interface {
	PrintFile(ctx context.Context, d *Document, file io.ReaderAt, size int64) ([]byte, error)
}
