package portail

import (
	"context"
	"io"
	"strings"
	"time"
)

// A letter is a document as the post sees it (SPEC D4–D8): pages checked
// like a printer would, a recipient read from the envelope window, print
// options with their price, and a wait during which its sender may still
// change their mind. The rules that need no I/O live here; the reading
// of the PDF is a LetterReader's, the storing the DocumentService's.

// Postage is the postal product a letter goes by.
type Postage string

const (
	PostagePrior    Postage = "prior"
	PostageNonPrior Postage = "non_prior"
)

// Valid reports whether p is a known product.
func (p Postage) Valid() bool { return p == PostagePrior || p == PostageNonPrior }

// Window is the side of the window envelope the address shows through.
type Window string

const (
	WindowRight Window = "right" // the default: 110 mm from the left edge
	WindowLeft  Window = "left"  // DIN 5008 form B: 20 mm from the left edge
)

// Valid reports whether w is a known window.
func (w Window) Valid() bool { return w == WindowRight || w == WindowLeft }

// Rect is a zone of a page in millimetres, from the page's top-left
// corner.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// A4 is the page size every letter must have, portrait, in millimetres.
const (
	A4Width  = 210.0
	A4Height = 297.0
	// PageSizeTolerance is how far a page may be from A4 (D4).
	PageSizeTolerance = 2.0
	// PrintMargin is the band along every edge where nothing may be
	// printed (D4).
	PrintMargin = 5.0
)

// PrintableArea is the part of an A4 page a printer inks.
var PrintableArea = Rect{X: PrintMargin, Y: PrintMargin, W: A4Width - 2*PrintMargin, H: A4Height - 2*PrintMargin}

// Zone returns the address zone of page 1 for the window (D5).
func (w Window) Zone() Rect {
	if w == WindowLeft {
		return Rect{X: 20, Y: 45, W: 85, H: 45}
	}
	return Rect{X: 110, Y: 45, W: 85, H: 45}
}

// LetterOptions are how a letter is printed and posted (D6).
type LetterOptions struct {
	Color      bool    `json:"color"`
	Duplex     bool    `json:"duplex"`
	Postage    Postage `json:"postage"`
	Registered bool    `json:"registered"`
	Window     Window  `json:"window"`
}

// DefaultLetterOptions are the options of a letter whose sender and
// department chose none (SPEC §9 Letters).
func DefaultLetterOptions() LetterOptions {
	return LetterOptions{Duplex: true, Postage: PostageNonPrior, Window: WindowRight}
}

// Validate reports every bad option, named under prefix ("options").
func (o LetterOptions) Validate(v *Validation, prefix string) {
	if !o.Postage.Valid() {
		v.Add(prefix+".postage", "Use prior or non_prior.")
	}
	if !o.Window.Valid() {
		v.Add(prefix+".window", "Use right or left.")
	}
}

// Words are the options in short for an activity entry: "black_white
// duplex non_prior window=right", with "registered" when it is.
func (o LetterOptions) Words() string {
	w := []string{"black_white", "simplex", string(o.Postage)}
	if o.Color {
		w[0] = "color"
	}
	if o.Duplex {
		w[1] = "duplex"
	}
	if o.Registered {
		w = append(w, "registered")
	}
	return strings.Join(append(w, "window="+string(o.Window)), " ")
}

// LetterOptionsPatch changes some options: the fields it sets.
type LetterOptionsPatch struct {
	Color      *bool
	Duplex     *bool
	Postage    *Postage
	Registered *bool
	Window     *Window
}

// Apply returns o with the patch's fields set.
func (p LetterOptionsPatch) Apply(o LetterOptions) LetterOptions {
	setIf(&o.Color, p.Color)
	setIf(&o.Duplex, p.Duplex)
	setIf(&o.Postage, p.Postage)
	setIf(&o.Registered, p.Registered)
	setIf(&o.Window, p.Window)
	return o
}

// Empty reports whether the patch sets nothing.
func (p LetterOptionsPatch) Empty() bool {
	return p.Color == nil && p.Duplex == nil && p.Postage == nil && p.Registered == nil && p.Window == nil
}

// Recipient is whom a letter goes to (D5, SPEC §9 Wave-2 details 3):
// Lines is the printed block, name first, the postal code and city line
// and an optional country line last; the other fields are parsed from it
// (or given with it, when typed).
type Recipient struct {
	Name       string   `json:"name"`
	Lines      []string `json:"lines"`
	PostalCode string   `json:"postal_code"`
	City       string   `json:"city"`
	Country    string   `json:"country"` // ISO 3166-1 alpha-2
}

// ProblemCode names a preflight problem; clients branch on it.
type ProblemCode string

const (
	ProblemPageSize             ProblemCode = "page_size"
	ProblemTooManyPages         ProblemCode = "too_many_pages"
	ProblemOutsidePrintableArea ProblemCode = "outside_printable_area"
	ProblemAddressNotFound      ProblemCode = "address_not_found"
	ProblemAddressIncomplete    ProblemCode = "address_incomplete"
	ProblemFontNotEmbedded      ProblemCode = "font_not_embedded"
)

// Problem is one reason a letter cannot go to print as it is (D4). It
// holds no words: Message renders it in the reader's language.
type Problem struct {
	Code ProblemCode `json:"code"`
	// Page is the uploaded page it is on, from 1; 0 for the whole
	// document (null in the API).
	Page int `json:"page,omitempty"`
	// Zones are where it shows on the page, drawn on the proof.
	Zones []Rect `json:"zones,omitempty"`
	// Values fill the message: the page's size in mm for page_size
	// ("215.9 × 279.4"), the page count and the limit for
	// too_many_pages, the font's name for font_not_embedded, the
	// missing parts for address_incomplete (postal_code, city).
	Values []string `json:"values,omitempty"`
}

// Inspection is what reading a PDF found, once per file (D4): the pages,
// the problems that do not depend on the options, and the text in either
// window's zone of page 1. The options and the typed recipient are judged
// against it later (Assess) without reading the file again.
type Inspection struct {
	Pages    int       `json:"pages"`
	Problems []Problem `json:"problems"`
	// Windows holds the lines read in each window's zone of page 1, top
	// to bottom, trimmed; no lines when the zone is empty.
	Windows map[Window][]string `json:"windows"`
}

// LetterReader reads PDF letters: the preflight and the proofs. Its
// methods are bounded in time and memory per document; ctx cancels them.
type LetterReader interface {
	// Inspect reads the file of size bytes. A file that is not a PDF, is
	// encrypted or cannot be read is EINVALID on field "file" (ErrNotPDF
	// or a like message); too many pages is a problem, not an error, and
	// only the first maxPages are read.
	Inspect(ctx context.Context, file io.ReaderAt, size int64, maxPages int) (*Inspection, error)
	// Proof renders uploaded page (from 1) as a PNG with the printable
	// area, the address window and the problems of that page drawn over
	// it. ENOTFOUND for a page the file does not have.
	Proof(ctx context.Context, file io.ReaderAt, size int64, page int, window Window, problems []Problem) ([]byte, error)
	// AddressProof renders the address page printed in front of a letter
	// whose recipient was typed (proof page 0) as a PNG, with the same
	// zones drawn as Proof draws.
	AddressProof(ctx context.Context, r Recipient, window Window) ([]byte, error)
}

// DocumentTimes are the moments a letter's wait is made of (SPEC §9
// Wave-2 details 2).
type DocumentTimes struct {
	AcceptedAt *time.Time // when it became received; nil while action_required
	SendAt     *time.Time // a later start its sender chose
}

// DefaultMaxPages is how many pages a letter may have when the
// installation sets no other limit (--max-pages, D4).
const DefaultMaxPages = 60

// MaxSendAhead is how far ahead a letter may be scheduled (D7).
const MaxSendAhead = 180 * 24 * time.Hour

// MaxCancellationMinutes bounds an account's cancellation window (D7).
const MaxCancellationMinutes = 1440

// DefaultCancellationMinutes is an account's window until its admin sets
// another (D7).
const DefaultCancellationMinutes = 15

// Deadline is when a letter's wait ends: the later of acceptance plus the
// account's window and SendAt; the zero time while it is not accepted.
func (t DocumentTimes) Deadline(window time.Duration) time.Time {
	if t.AcceptedAt == nil {
		return time.Time{}
	}
	d := t.AcceptedAt.Add(window)
	if t.SendAt != nil && t.SendAt.After(d) {
		d = *t.SendAt
	}
	return d
}

// ErrTooLate is the answer to a change or a cancel of a letter whose wait
// is over (SPEC §9 Wave-2 details 2).
func ErrTooLate() *Error {
	return &Error{Code: ETOOLATE, Message: "This letter has gone to print and can no longer be changed or cancelled."}
}

// CanChange reports whether a letter in status with deadline may still be
// changed, have its file replaced or be cancelled at now.
func (s DocumentStatus) CanChange(deadline, now time.Time) bool {
	switch s {
	case DocumentActionRequired:
		return true // not accepted: no wait has started
	case DocumentReceived:
		return now.Before(deadline)
	}
	return false
}

// ValidateSendAt checks a chosen start: after now, at most MaxSendAhead
// ahead.
func ValidateSendAt(v *Validation, sendAt *time.Time, now time.Time) {
	if sendAt == nil {
		return
	}
	switch {
	case !sendAt.After(now):
		v.Add("send_at", "Choose a moment in the future.")
	case sendAt.Sub(now) > MaxSendAhead:
		v.Add("send_at", "Choose a moment at most 180 days from now.")
	}
}

// AccountSettings are an account's letter settings (GET, PUT
// /account/settings).
type AccountSettings struct {
	LetterCancellationMinutes int
	Country                   string
}

// AccountSettingsUpdate changes some settings: the fields it sets.
type AccountSettingsUpdate struct {
	LetterCancellationMinutes *int
	Country                   *string
}

// Validate reports every bad field.
func (u AccountSettingsUpdate) Validate() error {
	var v Validation
	if m := u.LetterCancellationMinutes; m != nil && (*m < 0 || *m > MaxCancellationMinutes) {
		v.Add("letter_cancellation_minutes", "Use a number of minutes between 0 and 1440.")
	}
	if c := u.Country; c != nil && !ValidCountry(*c) {
		v.Add("country", "Use an ISO 3166-1 alpha-2 country code, like BE, FR or NL.")
	}
	return v.Err()
}
