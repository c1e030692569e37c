package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"portail"
)

// DepartmentService implements portail.DepartmentService.
type DepartmentService struct{ db *DB }

// NewDepartmentService returns the department service of db.
func NewDepartmentService(db *DB) *DepartmentService { return &DepartmentService{db} }

var _ portail.DepartmentService = (*DepartmentService)(nil)

func findDepartment(tx *Tx, accountID, id int64) (*portail.Department, error) {
	var d portail.Department
	var created int64
	err := tx.queryRow(`SELECT id, account_id, name, created_at FROM departments WHERE id = ? AND account_id = ?`, id, accountID).
		Scan(&d.ID, &d.AccountID, &d.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Department")
	} else if err != nil {
		return nil, err
	}
	d.CreatedAt = fromMicros(created)
	return &d, nil
}

// ListDepartments returns the departments the caller may see, by name: all
// of the account for an admin, their own for everyone else.
func (s *DepartmentService) ListDepartments(ctx context.Context) ([]*portail.Department, error) {
	a := portail.CallerFrom(ctx).Actor
	scope := portail.ScopeFor(a, portail.ActViewDepartment, 0)
	if scope.None {
		return nil, nil
	}
	q, args := `SELECT d.id, d.account_id, d.name, d.created_at,
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
			var d portail.Department
			var created int64
			if err := rows.Scan(&d.ID, &d.AccountID, &d.Name, &created, &d.Users); err != nil {
				return err
			}
			d.CreatedAt = fromMicros(created)
			out = append(out, &d)
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
	name = strings.TrimSpace(name)
	if err := portail.ValidateDepartmentName(name); err != nil {
		return nil, err
	}
	var d *portail.Department
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(`INSERT INTO departments (account_id, name, name_key, created_at) VALUES (?, ?, ?, ?)`,
			c.Actor.AccountID, name, portail.DepartmentKey(name), micros(tx.now))
		if err != nil {
			return err
		}
		if err := logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivityDepartmentCreated, portail.Detail{}.Add("name", name)); err != nil {
			return err
		}
		d, err = findDepartment(tx, c.Actor.AccountID, id)
		return err
	})
	if isUniqueViolation(err) {
		return nil, errDepartmentTaken
	}
	return d, err
}

// RenameDepartment renames a department (admins). EINVALID, ENOTFOUND,
// EFORBIDDEN, ECONFLICT.
func (s *DepartmentService) RenameDepartment(ctx context.Context, id int64, name string) (*portail.Department, error) {
	c := portail.CallerFrom(ctx)
	name = strings.TrimSpace(name)
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
		if !portail.Can(c.Actor, portail.ActManageDepartments, r) {
			return portail.ErrForbidden()
		}
		if err := portail.ValidateDepartmentName(name); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE departments SET name = ?, name_key = ? WHERE id = ?`, name, portail.DepartmentKey(name), id); err != nil {
			return err
		}
		if err := logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivityDepartmentUpdated, portail.Detail{}.Change("name", old.Name, name)); err != nil {
			return err
		}
		d, err = findDepartment(tx, c.Actor.AccountID, id)
		return err
	})
	if isUniqueViolation(err) {
		return nil, errDepartmentTaken
	}
	return d, err
}
