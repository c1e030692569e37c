package portail

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Department groups users of an account (T2).
type Department struct {
	ID        int64
	AccountID int64
	Name      string
	CreatedAt time.Time
	// Users counts the department's users who are not deactivated; only
	// ListDepartments fills it, for the departments page.
	Users int
	// DefaultSender is the address a new label of the department starts
	// from, set by its admin; nil when none is set (SPEC §9 Wave-2 details 6).
	DefaultSender *Address
	// LetterDefaults are the options a new letter of the department
	// starts from; nil when none are set (the installation's
	// DefaultLetterOptions then).
	LetterDefaults *LetterOptions
}

// DepartmentUpdate is a change of a department: only the fields it sets.
// The name is the account admin's; the defaults are for the account's
// admins and the department's own admin (ActSetDepartmentDefaults).
type DepartmentUpdate struct {
	Name *string
	// SetDefaultSender replaces the default sender by DefaultSender, or
	// removes it when DefaultSender is nil.
	SetDefaultSender bool
	DefaultSender    *Address
	// SetLetterDefaults replaces the letter defaults by LetterDefaults,
	// or removes them when LetterDefaults is nil.
	SetLetterDefaults bool
	LetterDefaults    *LetterOptions
}

// Normalize trims what the update brings.
func (u *DepartmentUpdate) Normalize() {
	if u.Name != nil {
		n := strings.TrimSpace(*u.Name)
		u.Name = &n
	}
	if u.DefaultSender != nil {
		u.DefaultSender.Normalize()
	}
}

// Validate reports every problem of the update at once; the sender's
// fields are named under default_sender, the letter options under
// letter_defaults.
func (u *DepartmentUpdate) Validate() error {
	var v Validation
	if u.Name != nil {
		if err := ValidateDepartmentName(*u.Name); err != nil {
			v.Fields = append(v.Fields, err.(*Error).Fields...)
		}
	}
	if u.SetDefaultSender && u.DefaultSender != nil {
		u.DefaultSender.Validate(&v, "default_sender")
	}
	if u.SetLetterDefaults && u.LetterDefaults != nil {
		u.LetterDefaults.Validate(&v, "letter_defaults")
	}
	return v.Err()
}

// ValidateDepartmentName checks a department name, trimmed.
func ValidateDepartmentName(name string) error {
	var v Validation
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add("name", "Enter a name.")
	case utf8.RuneCountInString(name) > 100:
		v.Add("name", "A name has at most 100 characters.")
	case strings.ContainsFunc(name, unicode.IsControl):
		v.Add("name", "The name contains invalid characters.")
	}
	return v.Err()
}

// DepartmentKey is the form in which department names are compared and
// uniquely indexed within an account: trimmed and lower-cased. A name is
// not an identity, so it keeps this simpler key rather than NormalizeKey's
// (changing it would need the rows re-keyed).
func DepartmentKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// DepartmentService manages departments.
type DepartmentService interface {
	// ListDepartments returns the departments the caller may see, by name.
	ListDepartments(ctx context.Context) ([]*Department, error)
	// FindDepartment returns one department. ENOTFOUND.
	FindDepartment(ctx context.Context, id int64) (*Department, error)
	// CreateDepartment adds a department (admins). EINVALID, EFORBIDDEN, ECONFLICT.
	CreateDepartment(ctx context.Context, name string) (*Department, error)
	// RenameDepartment renames one (admins). EINVALID, ENOTFOUND, EFORBIDDEN, ECONFLICT.
	RenameDepartment(ctx context.Context, id int64, name string) (*Department, error)
	// UpdateDepartment applies a change in one transaction: the name
	// (admins), the defaults (admins and the department's admin).
	// EINVALID, ENOTFOUND, EFORBIDDEN, ECONFLICT.
	UpdateDepartment(ctx context.Context, id int64, u DepartmentUpdate) (*Department, error)
}
