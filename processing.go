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
)

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

// ReportService computes the reports.
type ReportService interface {
	// Summary returns the volumes of the documents and labels created in
	// [from, to) that the caller may see, by kind, day, department, module
	// and status. EINVALID, EFORBIDDEN (no module to report on).
	Summary(ctx context.Context, from, to time.Time) ([]ReportRow, error)
}
