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
}
