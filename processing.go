package portail

import (
	"context"
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
// other.
func (k SubjectKind) CanMove(from, to string) bool {
	switch k {
	case SubjectDocument:
		return DocumentStatus(from).CanMoveTo(DocumentStatus(to))
	case SubjectLabel:
		return LabelStatus(from).CanMoveTo(LabelStatus(to))
	}
	return false
}

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
