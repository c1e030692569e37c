package portail

import (
	"context"
	"slices"
	"time"
)

// SubjectKind names what a detail history (L4) and the processing are
// about.
type SubjectKind string

const (
	SubjectDocument SubjectKind = "document"
	SubjectLabel    SubjectKind = "label"
)

// CanMove reports whether an item of kind may go from one status to the
// other, as its life cycle says.
func (k SubjectKind) CanMove(from, to string) bool {
	switch k {
	case SubjectDocument:
		return DocumentLifecycle.CanMove(DocumentStatus(from), DocumentStatus(to))
	case SubjectLabel:
		return LabelLifecycle.CanMove(LabelStatus(from), LabelStatus(to))
	}
	return false
}

// Lifecycle is the one statement of a kind's life cycle, read by the
// storage (which moves it refuses), the processors (which moves they
// make) and the pages (which statuses to offer, when to stop following
// one): its statuses in the order an item goes through them, and for each
// status the next one on the usual way (Forward) and the others it may
// take instead (Otherwise). A status with no next status is final.
type Lifecycle[S ~string] struct {
	Kind      SubjectKind
	Statuses  []S
	Forward   map[S]S
	Otherwise map[S][]S
}

// Valid reports whether s is one of the statuses.
func (l *Lifecycle[S]) Valid(s S) bool { return slices.Contains(l.Statuses, s) }

// Next lists the statuses an item in s may move to, the usual one first.
func (l *Lifecycle[S]) Next(s S) []S {
	var out []S
	if to, ok := l.Forward[s]; ok {
		out = append(out, to)
	}
	return append(out, l.Otherwise[s]...)
}

// CanMove reports whether an item may go from one status to the other.
func (l *Lifecycle[S]) CanMove(from, to S) bool { return slices.Contains(l.Next(from), to) }

// Final reports whether s is a status an item never leaves.
func (l *Lifecycle[S]) Final(s S) bool { return l.Valid(s) && len(l.Next(s)) == 0 }

// Changes recorded in the detail history.
const (
	ChangeCreated = "created" // from "" to the first status
	ChangeStatus  = "status"
	// ChangeLetter is a change of a letter that is not a move: its To
	// names what changed, comma-separated (options, recipient, send_at,
	// file).
	ChangeLetter = "letter"
)

// HistoryPage asks for a page of an item's detail history (L4), oldest
// first: at most Limit changes (DefaultPageSize when 0), after the change
// that Cursor, the storage's, names ("" for the first page).
type HistoryPage struct {
	Limit  int
	Cursor string
}

// Validate checks the page's size; the cursor is the storage's to read.
func (p HistoryPage) Validate() error {
	var v Validation
	validateLimit(&v, p.Limit)
	return v.Err()
}

// Size is how many changes the page holds at most.
func (p HistoryPage) Size() int {
	if p.Limit == 0 {
		return DefaultPageSize
	}
	return p.Limit
}

// ProcessingService is the storage side of printing, posting and carrying:
// whoever moves documents and labels along, the built-in simulator or a
// real print-and-post processor, goes through it. It acts for the system,
// across accounts, and is never exposed to users.
type ProcessingService interface {
	// Waiting returns the ids of up to limit items of kind in status whose
	// last change happened before before, longest waiting first.
	Waiting(ctx context.Context, kind SubjectKind, status string, before time.Time, limit int) ([]int64, error)
	// Advance moves an item from one status to the next if it is still in
	// from, and writes the change to its history, by the system, in the
	// same transaction. It reports whether this call moved it: of several
	// processes racing for one item, exactly one does. EINVALID for a
	// move the life cycle does not allow.
	Advance(ctx context.Context, kind SubjectKind, id int64, from, to string) (bool, error)
}

// ReportRow is one volume of the summary (D3): how many items of a kind
// were created on a day in a department and module, by current status.
type ReportRow struct {
	Kind         SubjectKind
	Day          time.Time // midnight UTC
	DepartmentID int64
	Department   string
	Module       Module
	Status       string
	Count        int64
}

// MaxReportDays bounds a summary's range.
const MaxReportDays = 366

// DefaultReportDays is how far back a summary asked without a start goes.
const DefaultReportDays = 30

// ReportRange is the span [From, To) a summary covers, in UTC.
type ReportRange struct{ From, To time.Time }

// NewReportRange completes the bounds that were asked: without an end
// the summary runs to the end of today (UTC) at now, without a start it
// begins DefaultReportDays days before its end.
func NewReportRange(from, to *time.Time, now time.Time) ReportRange {
	var r ReportRange
	if to == nil {
		r.To = now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	} else {
		r.To = *to
	}
	if from == nil {
		r.From = r.To.AddDate(0, 0, -DefaultReportDays)
	} else {
		r.From = *from
	}
	r.From, r.To = r.From.UTC(), r.To.UTC()
	return r
}

// Validate checks that the range ends after it starts and spans at most
// MaxReportDays days.
func (r ReportRange) Validate() error {
	var v Validation
	if !r.From.Before(r.To) {
		v.Add("to", "The end of the range must come after its start.")
	} else if r.To.Sub(r.From) > MaxReportDays*24*time.Hour {
		v.Add("from", "Ask for at most 366 days at a time.")
	}
	return v.Err()
}

// ReportService computes the reports.
type ReportService interface {
	// Summary returns the volumes of the documents and labels created in
	// [from, to) that the caller may see, by kind, day, department, module
	// and status. EINVALID, EFORBIDDEN (no module to report on).
	Summary(ctx context.Context, from, to time.Time) ([]ReportRow, error)
}
