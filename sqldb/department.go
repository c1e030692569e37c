package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"portail"
)

// DepartmentService implements portail.DepartmentService.
type DepartmentService struct{ db *DB }

// NewDepartmentService returns the department service of db.
func NewDepartmentService(db *DB) *DepartmentService { return &DepartmentService{db} }

var _ portail.DepartmentService = (*DepartmentService)(nil)

const departmentColumns = `id, account_id, name, created_at, default_sender, letter_defaults`

// scanDepartment reads departmentColumns, then into more the columns a
// query adds after them.
func scanDepartment(row interface{ Scan(...any) error }, more ...any) (*portail.Department, error) {
	var d portail.Department
	var created int64
	var sender, letter sql.NullString
	if err := row.Scan(append([]any{&d.ID, &d.AccountID, &d.Name, &created, &sender, &letter}, more...)...); err != nil {
		return nil, err
	}
	d.CreatedAt = fromMicros(created)
	if sender.Valid {
		d.DefaultSender = new(portail.Address)
		if err := json.Unmarshal([]byte(sender.String), d.DefaultSender); err != nil {
			return nil, err
		}
	}
	if letter.Valid {
		d.LetterDefaults = new(portail.LetterOptions)
		if err := json.Unmarshal([]byte(letter.String), d.LetterDefaults); err != nil {
			return nil, err
		}
	}
	return &d, nil
}

func findDepartment(tx *Tx, accountID, id int64) (*portail.Department, error) {
	d, err := scanDepartment(tx.queryRow(`SELECT `+departmentColumns+` FROM departments WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Department")
	}
	return d, err
}

// ListDepartments returns the departments the caller may see, by name: all
// of the account for an admin, their own for everyone else.
func (s *DepartmentService) ListDepartments(ctx context.Context) ([]*portail.Department, error) {
	a := portail.CallerFrom(ctx).Actor
	scope := portail.ScopeFor(a, portail.ActViewDepartment, 0)
	if scope.None {
		return nil, nil
	}
	q, args := `SELECT `+prefixColumns("d.", departmentColumns)+`,
		(SELECT COUNT(*) FROM users u WHERE u.department_id = d.id AND u.status <> 'inactive')
		FROM departments d WHERE d.account_id = ?`, []any{a.AccountID}
	if scope.DepartmentID != 0 {
		q, args = q+` AND d.id = ?`, append(args, scope.DepartmentID)
	}
	var out []*portail.Department
	err := s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(q+` ORDER BY d.name_key, d.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var users int
			d, err := scanDepartment(rows, &users)
			if err != nil {
				return err
			}
			d.Users = users
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// FindDepartment returns a department the caller may see. ENOTFOUND.
func (s *DepartmentService) FindDepartment(ctx context.Context, id int64) (*portail.Department, error) {
	a := portail.CallerFrom(ctx).Actor
	var d *portail.Department
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		d, err = findDepartment(tx, a.AccountID, id)
		if err == nil && !portail.Can(a, portail.ActViewDepartment, portail.Resource{AccountID: d.AccountID, DepartmentID: d.ID}) {
			err = portail.ErrNotFound("Department")
		}
		return err
	})
	return d, err
}

var errDepartmentTaken = &portail.Error{Code: portail.ECONFLICT, Message: "A department with this name exists already.",
	Fields: []portail.FieldError{{Field: "name", Message: "A department with this name exists already."}}}

// CreateDepartment adds a department (admins). EINVALID, EFORBIDDEN, ECONFLICT.
func (s *DepartmentService) CreateDepartment(ctx context.Context, name string) (*portail.Department, error) {
	c := portail.CallerFrom(ctx)
	if !portail.Can(c.Actor, portail.ActManageDepartments, portail.Resource{AccountID: c.Actor.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	var d *portail.Department
	err := s.db.writeTx(ctx, func(tx *Tx) (err error) {
		d, err = insertDepartment(tx, c, name)
		return err
	})
	if isUniqueViolation(err) {
		return nil, errDepartmentTaken
	}
	return d, err
}

// insertDepartment checks and writes a new department of the caller's
// account, with its activity entry. EINVALID, EFORBIDDEN; a unique
// violation when the name is taken.
func insertDepartment(tx *Tx, c portail.Caller, name string) (*portail.Department, error) {
	if !portail.Can(c.Actor, portail.ActManageDepartments, portail.Resource{AccountID: c.Actor.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	name = strings.TrimSpace(name)
	if err := portail.ValidateDepartmentName(name); err != nil {
		return nil, err
	}
	id, err := tx.insert(`INSERT INTO departments (account_id, name, name_key, created_at) VALUES (?, ?, ?, ?)`,
		c.Actor.AccountID, name, portail.DepartmentKey(name), micros(tx.now))
	if err != nil {
		return nil, err
	}
	if err := logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivityDepartmentCreated, portail.Detail{}.Add("name", name)); err != nil {
		return nil, err
	}
	return findDepartment(tx, c.Actor.AccountID, id)
}

// renameDepartment checks and writes a department's new name, with its
// activity entry; the same name changes nothing. EINVALID, EFORBIDDEN; a
// unique violation when the name is taken.
func renameDepartment(tx *Tx, c portail.Caller, old *portail.Department, name string) (*portail.Department, error) {
	name = strings.TrimSpace(name)
	if !portail.Can(c.Actor, portail.ActManageDepartments, portail.Resource{AccountID: old.AccountID, DepartmentID: old.ID}) {
		return nil, portail.ErrForbidden()
	}
	if err := portail.ValidateDepartmentName(name); err != nil {
		return nil, err
	}
	if name == old.Name {
		return old, nil
	}
	if _, err := tx.exec(`UPDATE departments SET name = ?, name_key = ? WHERE id = ?`, name, portail.DepartmentKey(name), old.ID); err != nil {
		return nil, err
	}
	if err := logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivityDepartmentUpdated, portail.Detail{}.Change("name", old.Name, name)); err != nil {
		return nil, err
	}
	return findDepartment(tx, c.Actor.AccountID, old.ID)
}

// RenameDepartment renames a department (admins). EINVALID, ENOTFOUND,
// EFORBIDDEN, ECONFLICT.
func (s *DepartmentService) RenameDepartment(ctx context.Context, id int64, name string) (*portail.Department, error) {
	return s.UpdateDepartment(ctx, id, portail.DepartmentUpdate{Name: &name})
}

// UpdateDepartment applies a change in one transaction: the name needs
// ActManageDepartments, the default sender ActSetDepartmentDefaults; a
// department the caller does not see is ENOTFOUND. EINVALID, ENOTFOUND,
// EFORBIDDEN, ECONFLICT.
func (s *DepartmentService) UpdateDepartment(ctx context.Context, id int64, u portail.DepartmentUpdate) (*portail.Department, error) {
	c := portail.CallerFrom(ctx)
	u.Normalize()
	var d *portail.Department
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := findDepartment(tx, c.Actor.AccountID, id)
		if err != nil {
			return err
		}
		r := portail.Resource{AccountID: old.AccountID, DepartmentID: old.ID}
		if !portail.Can(c.Actor, portail.ActViewDepartment, r) {
			return portail.ErrNotFound("Department")
		}
		if u.Name != nil && !portail.Can(c.Actor, portail.ActManageDepartments, r) ||
			(u.SetDefaultSender || u.SetLetterDefaults) && !portail.Can(c.Actor, portail.ActSetDepartmentDefaults, r) {
			return portail.ErrForbidden()
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if u.Name != nil {
			if _, err := renameDepartment(tx, c, old, *u.Name); err != nil {
				return err
			}
		}
		if u.SetDefaultSender {
			var sender any // NULL removes it
			said := "—"
			if u.DefaultSender != nil {
				b, _ := json.Marshal(u.DefaultSender)
				sender, said = string(b), u.DefaultSender.Name+", "+u.DefaultSender.City
			}
			detail := portail.Detail{}.Add("department_id", strconv.FormatInt(id, 10)).Add("default_sender", said)
			if _, err := tx.exec(`UPDATE departments SET default_sender = ? WHERE id = ?`, sender, id); err != nil {
				return err
			}
			if err := logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivityDepartmentUpdated, detail); err != nil {
				return err
			}
		}
		if u.SetLetterDefaults {
			var opts any // NULL removes them: the installation's defaults apply
			said := "—"
			if o := u.LetterDefaults; o != nil {
				b, _ := json.Marshal(o)
				opts, said = string(b), o.Words()
			}
			detail := portail.Detail{}.Add("department_id", strconv.FormatInt(id, 10)).Add("letter_defaults", said)
			if _, err := tx.exec(`UPDATE departments SET letter_defaults = ? WHERE id = ?`, opts, id); err != nil {
				return err
			}
			if err := logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivityDepartmentUpdated, detail); err != nil {
				return err
			}
		}
		d, err = findDepartment(tx, c.Actor.AccountID, id)
		return err
	})
	if isUniqueViolation(err) {
		return nil, errDepartmentTaken
	}
	return d, err
}
