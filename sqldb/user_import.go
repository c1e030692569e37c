package sqldb

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"portail"
)

// ImportUsers checks every row of an import and, unless dryRun, creates
// the valid ones in one transaction, with their invitations in the
// outbox (portail.ImportReport says what a row becomes). The dry run and
// the real run are one code path: the real run decides again inside its
// transaction, under the account's lock (the SQLite writer, a row lock on
// PostgreSQL), so that two imports at once never fill more seats than the
// account has, whatever their dry runs said. EINVALID, EFORBIDDEN (a
// caller who may add no user at all), ECONFLICT (a name taken by another
// account between the check and the insert: nothing was created).
func (s *UserService) ImportUsers(ctx context.Context, rows []portail.ImportRow, dryRun bool) (*portail.ImportReport, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	if a.UserID == 0 {
		return nil, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	if !mayAddSomeone(a) {
		return nil, portail.ErrForbidden()
	}
	if len(rows) > portail.MaxImportRows {
		var v portail.Validation
		v.Add("file", "The file has too many rows: at most 1000 users at once.")
		return nil, v.Err()
	}
	var report *portail.ImportReport
	run := func(tx *Tx) (err error) {
		var acct *portail.Account
		if dryRun {
			acct, err = loadAccount(tx, a.AccountID, "")
		} else {
			acct, err = lockAccount(tx, a.AccountID)
		}
		if err != nil {
			return err
		}
		report, err = importRows(tx, caller, acct, rows, dryRun)
		return err
	}
	var err error
	if dryRun {
		err = s.db.readTx(ctx, run)
	} else {
		err = s.db.writeTx(ctx, run)
	}
	if isUniqueViolation(err) {
		// Another account took a name between our check and our insert
		// (names are unique across the installation): the transaction
		// rolled back whole, so nothing was created.
		return nil, portail.Errorf(portail.ECONFLICT, "Another change happened at the same time; nothing was imported. Please try again.")
	}
	if err != nil {
		return nil, err
	}
	return report, nil
}

// mayAddSomeone: the policy lets the actor add a user somewhere, an admin
// anywhere, a department admin in their own department.
func mayAddSomeone(a portail.Actor) bool {
	if portail.Can(a, portail.ActCreateUser, portail.Resource{AccountID: a.AccountID, Role: portail.RoleAdmin}) {
		return true
	}
	return a.DepartmentID != 0 && portail.Can(a, portail.ActCreateUser,
		portail.Resource{AccountID: a.AccountID, DepartmentID: a.DepartmentID, Role: portail.RoleViewer})
}

// importRows decides each row in file order and, unless dryRun, writes
// the valid ones. A row takes a seat only when it has no other problem.
func importRows(tx *Tx, caller portail.Caller, acct *portail.Account, rows []portail.ImportRow, dryRun bool) (*portail.ImportReport, error) {
	a := caller.Actor
	depts := map[string]int64{}
	drows, err := tx.query(`SELECT id, name_key FROM departments WHERE account_id = ?`, acct.ID)
	if err != nil {
		return nil, err
	}
	for drows.Next() {
		var id int64
		var key string
		if err := drows.Scan(&id, &key); err != nil {
			drows.Close()
			return nil, err
		}
		depts[key] = id
	}
	if err := drows.Close(); err != nil {
		return nil, err
	}
	report := &portail.ImportReport{DryRun: dryRun}
	seenUser, seenEmail := map[string]int{}, map[string]int{}
	for _, row := range rows {
		res := portail.ImportResult{Line: row.Line, Username: row.Username}
		var v portail.Validation
		role, roleOK := portail.ParseRole(row.Role)
		// The file's own words (its codes, not the form's labels).
		if !roleOK {
			v.Add("role", "Write the role as viewer, operator, department_admin or admin.")
		}
		var deptID int64
		deptOK := true
		if row.Department != "" {
			if deptID = depts[portail.DepartmentKey(row.Department)]; deptID == 0 {
				v.Add("department", "No department has this name.")
				deptOK = false
			}
		} else if a.DepartmentID != 0 && role != portail.RoleAdmin {
			deptID = a.DepartmentID // a department admin imports into their own
		}
		mods, modsOK := portail.ParseImportModules(row.Modules)
		if !modsOK {
			v.Add("modules", "Use the modules mail, parcels and classic, separated by spaces or |.")
		} else if row.Modules == "" {
			mods = a.Modules // as the add-user form offers
		} else if !mods.SubsetOf(acct.Modules) {
			v.Add("modules", "Grant only modules the account subscribes to.")
			modsOK = false
		}
		langOK := row.Language == "" || portail.ValidLanguage(row.Language)
		if !langOK {
			v.Add("language", "Write the language as fr, nl or en, or leave it empty.")
		}
		c := portail.UserCreate{Username: row.Username, FullName: row.FullName, Email: row.Email, Role: role,
			DepartmentID: deptID, Modules: mods, Language: row.Language}
		c.Normalize()
		if err := c.Validate(); err != nil {
			for _, f := range fieldsOf(err) {
				switch {
				case f.Field == "role" && !roleOK, f.Field == "department_id" && !deptOK, f.Field == "language" && !langOK:
					continue // said once already
				case f.Field == "department_id":
					f.Field = "department"
				}
				v.Fields = append(v.Fields, f)
			}
		}
		if roleOK && deptOK && modsOK && !portail.Can(a, portail.ActCreateUser,
			portail.Resource{AccountID: acct.ID, DepartmentID: deptID, Role: role, Modules: mods}) {
			v.Add(forbiddenField(a, acct.ID, deptID, role), "You may not add this user: a department admin adds users only to their own department, never an admin, and grants only modules they hold.")
		}
		uKey, eKey := portail.NormalizeKey(c.Username), portail.NormalizeKey(c.Email)
		if l, dup := seenUser[uKey]; dup && uKey != "" {
			v.Add("username", fmt.Sprintf("This username is already on line %d of the file.", l))
		}
		if l, dup := seenEmail[eKey]; dup && eKey != "" {
			v.Add("email", fmt.Sprintf("This e-mail address is already on line %d of the file.", l))
		}
		if uKey != "" {
			if _, dup := seenUser[uKey]; !dup {
				seenUser[uKey] = row.Line
			}
		}
		if eKey != "" {
			if _, dup := seenEmail[eKey]; !dup {
				seenEmail[eKey] = row.Line
			}
		}
		if err := userConflict(tx, a.AccountID, c.Username, c.Email, 0); err != nil {
			f := fieldsOf(err)
			if f == nil {
				return nil, err
			}
			for _, fe := range f {
				if !slices.ContainsFunc(v.Fields, func(p portail.FieldError) bool { return p.Field == fe.Field }) {
					v.Fields = append(v.Fields, fe) // a duplicate within the file is said once
				}
			}
		}
		if len(v.Fields) == 0 {
			if acct.UsedSeats+report.Created+1 > acct.SeatLimit(tx.now) {
				v.Add("seats", fmt.Sprintf("No seat is left for this user (seats in the subscription: %d).", acct.SeatLimit(tx.now)))
			}
		}
		if len(v.Fields) > 0 {
			res.Status, res.Problems = portail.ImportRefused, v.Fields
			report.Refused++
			report.Rows = append(report.Rows, res)
			continue
		}
		report.Created++
		res.Status = portail.ImportWouldCreate
		if !dryRun {
			u, err := insertImportedUser(tx, caller, c)
			if err != nil {
				return nil, err
			}
			res.Status, res.UserID = portail.ImportCreated, u.ID
		}
		report.Rows = append(report.Rows, res)
	}
	return report, nil
}

// forbiddenField names what the policy refused on a row: the department
// (not one's own), the role (an admin), or else the modules granted.
func forbiddenField(a portail.Actor, accountID, deptID int64, role portail.Role) string {
	switch {
	case !portail.Can(a, portail.ActCreateUser, portail.Resource{AccountID: accountID, DepartmentID: deptID, Role: portail.RoleViewer}) && role != portail.RoleAdmin:
		return "department"
	case !portail.Can(a, portail.ActCreateUser, portail.Resource{AccountID: accountID, DepartmentID: deptID, Role: role}):
		return "role"
	}
	return "modules"
}

// fieldsOf returns the field problems of an EINVALID (or taken-name)
// error; nil for any other error.
func fieldsOf(err error) []portail.FieldError {
	var e *portail.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return e.Fields
	}
	return nil
}

// insertImportedUser writes one checked row as CreateUser writes a user
// (insertUser), with its invitation in the outbox.
func insertImportedUser(tx *Tx, caller portail.Caller, c portail.UserCreate) (*portail.User, error) {
	u, err := insertUser(tx, caller, c, portail.OnboardingInvitation)
	if err != nil {
		return nil, err
	}
	return u, issueInvitation(tx, u)
}
