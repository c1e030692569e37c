// SCIM 2.0 provisioning (C14): an account's tokens, and the directory's
// users and groups (departments), written through the same checks as the
// users' and departments' own services, one transaction a request.

package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"portail"
)

// SCIMService implements portail.SCIMTokenService and portail.SCIMService.
type SCIMService struct {
	db    *DB
	users *UserService
}

// NewSCIMService returns the SCIM service of db.
func NewSCIMService(db *DB) *SCIMService { return &SCIMService{db: db, users: NewUserService(db)} }

var (
	_ portail.SCIMTokenService = (*SCIMService)(nil)
	_ portail.SCIMService      = (*SCIMService)(nil)
)

// ssoSignIn tells whether the account's users sign in by single sign-on
// and whether the account requires it (C13), through SSO's seam
// (accountSSO): a provisioned user of such an account gets no invitation,
// and is active without a password when SSO is required (SPEC §9 Wave-2
// details 13).
func ssoSignIn(tx *Tx, accountID int64) (uses, required bool, err error) {
	m, err := accountSSO(tx, accountID)
	return m.Enabled, m.Required, err
}

const scimTokenColumns = `t.id, t.account_id, t.name, t.default_role, t.default_department_id, t.default_modules, t.created_at, t.last_used_at`

func scanSCIMToken(row interface{ Scan(...any) error }, more ...any) (*portail.SCIMToken, error) {
	var t portail.SCIMToken
	var role string
	var created int64
	var used sql.NullInt64
	if err := row.Scan(append([]any{&t.ID, &t.AccountID, &t.Name, &role, &t.Defaults.DepartmentID, &t.Defaults.Modules, &created, &used}, more...)...); err != nil {
		return nil, err
	}
	t.Defaults.Role, _ = portail.ParseRole(role)
	t.CreatedAt, t.LastUsedAt = fromMicros(created), timePtr(used)
	return &t, nil
}

// CreateSCIMToken adds a token of the caller's account (admins) and
// returns it, shown once. EINVALID, EFORBIDDEN.
func (s *SCIMService) CreateSCIMToken(ctx context.Context, c portail.SCIMTokenCreate) (*portail.SCIMToken, string, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	if !portail.Can(a, portail.ActManageProvisioning, portail.Resource{AccountID: a.AccountID}) {
		return nil, "", portail.ErrForbidden()
	}
	invalid := c.Validate()
	token, hash := portail.NewSCIMToken()
	var t *portail.SCIMToken
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		acct, err := findAccount(tx, a.AccountID)
		if err != nil {
			return err
		}
		grant := checkGrant(tx, acct, c.Defaults.DepartmentID, c.Defaults.Modules)
		if e, ok := grant.(*portail.Error); ok {
			for i := range e.Fields {
				e.Fields[i].Field = "defaults." + e.Fields[i].Field // as the request names them
			}
		}
		if err := portail.JoinInvalid(invalid, grant); err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO scim_tokens (account_id, name, token_hash, default_role, default_department_id, default_modules, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, a.AccountID, c.Name, hash, c.Defaults.Role.String(), c.Defaults.DepartmentID,
			int(c.Defaults.Modules), micros(tx.now))
		if err != nil {
			return err
		}
		if err := logActivity(tx, caller, a.AccountID, 0, portail.ActivitySCIMTokenCreated, portail.Detail{}.Add("name", c.Name)); err != nil {
			return err
		}
		t, err = scanSCIMToken(tx.queryRow(`SELECT `+scimTokenColumns+` FROM scim_tokens t WHERE t.id = ?`, id))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return t, token, nil
}

// ListSCIMTokens returns the account's live tokens, newest first (admins).
// EFORBIDDEN.
func (s *SCIMService) ListSCIMTokens(ctx context.Context) ([]*portail.SCIMToken, error) {
	a := portail.CallerFrom(ctx).Actor
	if !portail.Can(a, portail.ActManageProvisioning, portail.Resource{AccountID: a.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	var out []*portail.SCIMToken
	err := s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT `+scimTokenColumns+` FROM scim_tokens t WHERE t.account_id = ? AND t.revoked_at IS NULL
			ORDER BY t.created_at DESC, t.id DESC`, a.AccountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanSCIMToken(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeSCIMToken ends a token of the caller's account at once (admins).
// ENOTFOUND, EFORBIDDEN.
func (s *SCIMService) RevokeSCIMToken(ctx context.Context, id int64) error {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	if !portail.Can(a, portail.ActManageProvisioning, portail.Resource{AccountID: a.AccountID}) {
		return portail.ErrForbidden()
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		var name string
		err := tx.queryRow(`SELECT name FROM scim_tokens WHERE id = ? AND account_id = ? AND revoked_at IS NULL`, id, a.AccountID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return portail.ErrNotFound("SCIM token")
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE scim_tokens SET revoked_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
			return err
		}
		return logActivity(tx, caller, a.AccountID, 0, portail.ActivitySCIMTokenRevoked, portail.Detail{}.Add("name", name))
	})
}

// AuthenticateSCIM returns the provisioning caller a live token acts as:
// its account's Admin for users and departments (Actor.Provisioner). The
// last use is written at most once a minute, not at every request: a
// directory's sync sends hundreds. EUNAUTHENTICATED.
func (s *SCIMService) AuthenticateSCIM(ctx context.Context, token string) (portail.Caller, *portail.SCIMToken, error) {
	bad := portail.Errorf(portail.EUNAUTHENTICATED, "The SCIM token is not valid.")
	if !strings.HasPrefix(token, portail.SCIMTokenPrefix) {
		return portail.Caller{}, nil, bad
	}
	var mods portail.ModuleSet
	// One statement (DB.readRow), as for a session or an API key.
	t, err := scanSCIMToken(s.db.readRow(ctx, `SELECT `+scimTokenColumns+`, a.modules FROM scim_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL`, portail.HashToken(token)), &mods)
	if errors.Is(err, sql.ErrNoRows) {
		return portail.Caller{}, nil, bad
	} else if err != nil {
		return portail.Caller{}, nil, s.db.unreachable(err)
	}
	now := s.db.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		// The UPDATE asks again, so that a sync's requests in parallel
		// (or several serve processes) write it once.
		if err := s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE scim_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
				micros(tx.now), t.ID, micros(tx.now.Add(-time.Minute)))
			return err
		}); err != nil {
			return portail.Caller{}, nil, err
		}
		t.LastUsedAt = &now
	}
	actor := portail.Actor{AccountID: t.AccountID, Role: portail.RoleAdmin, Modules: mods, Provisioner: t.ID}
	return portail.Caller{Actor: actor, SCIM: t}, t, nil
}

// provisioner returns the caller of ctx when it is a SCIM token's.
func provisioner(ctx context.Context) (portail.Caller, error) {
	c := portail.CallerFrom(ctx)
	if c.Actor.Provisioner == 0 || c.SCIM == nil {
		return c, portail.Errorf(portail.EUNAUTHENTICATED, "Use a SCIM token.")
	}
	return c, nil
}

const scimUserColumns = `COALESCE(s.external_id, ''), COALESCE(s.given_name, ''), COALESCE(s.family_name, '')`

func scanSCIMUser(row interface{ Scan(...any) error }) (*portail.SCIMUser, error) {
	var su portail.SCIMUser
	u, err := scanUser(row, &su.ExternalID, &su.GivenName, &su.FamilyName)
	if err != nil {
		return nil, err
	}
	su.User = *u
	return &su, nil
}

func findSCIMUser(tx *Tx, accountID, id int64) (*portail.SCIMUser, error) {
	u, err := scanSCIMUser(tx.queryRow(`SELECT `+prefixColumns("u.", userColumns)+`, `+scimUserColumns+`
		FROM users u LEFT JOIN scim_users s ON s.user_id = u.id WHERE u.id = ? AND u.account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("User")
	}
	return u, err
}

// FindSCIMUser returns a user of the token's account. ENOTFOUND.
func (s *SCIMService) FindSCIMUser(ctx context.Context, id int64) (*portail.SCIMUser, error) {
	c, err := provisioner(ctx)
	if err != nil {
		return nil, err
	}
	var u *portail.SCIMUser
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		u, err = findSCIMUser(tx, c.Actor.AccountID, id)
		return err
	})
	return u, err
}

// ListSCIMUsers returns a page of the account's users by id, inactive ones
// too, and how many the filter matches.
func (s *SCIMService) ListSCIMUsers(ctx context.Context, f portail.SCIMUserFilter) ([]*portail.SCIMUser, int, error) {
	c, err := provisioner(ctx)
	if err != nil {
		return nil, 0, err
	}
	where, args := "u.account_id = ?", []any{c.Actor.AccountID}
	switch {
	case f.UserName != "":
		where, args = where+" AND u.username_key = ?", append(args, portail.NormalizeKey(f.UserName))
	case f.Email != "":
		where, args = where+" AND u.email_key = ?", append(args, portail.NormalizeKey(f.Email))
	case f.ExternalID != "":
		where, args = where+" AND s.external_id = ?", append(args, f.ExternalID)
	}
	from := ` FROM users u LEFT JOIN scim_users s ON s.user_id = u.id WHERE ` + where
	var out []*portail.SCIMUser
	var total int
	err = s.db.readTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(`SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
			return err
		}
		if f.Count == 0 {
			return nil
		}
		rows, err := tx.query(`SELECT `+prefixColumns("u.", userColumns)+`, `+scimUserColumns+from+
			` ORDER BY u.id LIMIT `+strconv.Itoa(f.Count)+` OFFSET `+strconv.Itoa(max(f.Start, 1)-1), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanSCIMUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, total, err
}

// CreateSCIMUser provisions a user through the checks of any creation
// (addUser: the seats, the names taken, the department and modules), with
// the token's defaults for the access the request leaves out, a group for
// the department when the extension names none. The user is invited by
// e-mail unless the account signs in by SSO; active at once, without a
// password, when SSO is required. A user created inactive still needs a
// seat at the creation. EINVALID, EUSERNAMETAKEN, EEMAILTAKEN, ESEATLIMIT.
func (s *SCIMService) CreateSCIMUser(ctx context.Context, in portail.SCIMUserInput) (*portail.SCIMUser, error) {
	caller, err := provisioner(ctx)
	if err != nil {
		return nil, err
	}
	d := caller.SCIM.Defaults
	c := portail.UserCreate{Username: in.UserName, FullName: in.FullName, Email: in.Email, Language: in.Language,
		Role: d.Role, DepartmentID: d.DepartmentID, Modules: d.Modules, Onboarding: portail.OnboardingInvitation}
	if in.GroupID != 0 {
		c.DepartmentID = in.GroupID
	}
	if in.Role != nil {
		c.Role = *in.Role
		if c.Role == portail.RoleAdmin && in.DepartmentID == nil {
			c.DepartmentID = 0 // an admin stands above departments
		}
	}
	if in.DepartmentID != nil {
		c.DepartmentID = *in.DepartmentID // the extension wins over the groups
	}
	if in.Modules != nil {
		c.Modules = *in.Modules
	}
	c.Normalize()
	invalid := c.Validate()
	var u *portail.SCIMUser
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		created, err := addUser(tx, caller, c, invalid, portail.OnboardingInvitation)
		if err != nil {
			return err
		}
		uses, required, err := ssoSignIn(tx, created.AccountID)
		switch {
		case err != nil:
			return err
		case required:
			if _, err := tx.exec(`UPDATE users SET status = 'active' WHERE id = ?`, created.ID); err != nil {
				return err
			}
		case !uses:
			if err := issueInvitation(tx, created); err != nil {
				return err
			}
		}
		if err := saveSCIMUser(tx, created.ID, in); err != nil {
			return err
		}
		if !in.Active {
			if _, err := deactivateUser(tx, caller, created.ID); err != nil {
				return err
			}
		}
		u, err = findSCIMUser(tx, created.AccountID, created.ID)
		return err
	})
	if isUniqueViolation(err) {
		return nil, s.users.conflictAfterRace(ctx, c.Username, c.Email, 0)
	}
	return u, err
}

// saveSCIMUser keeps what SCIM says of a user beyond portail's fields,
// writing only what changed.
func saveSCIMUser(tx *Tx, userID int64, in portail.SCIMUserInput) error {
	var ext, given, family string
	err := tx.queryRow(`SELECT external_id, given_name, family_name FROM scim_users WHERE user_id = ?`, userID).Scan(&ext, &given, &family)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if in.ExternalID == "" && in.GivenName == "" && in.FamilyName == "" {
			return nil
		}
		_, err = tx.exec(`INSERT INTO scim_users (user_id, external_id, given_name, family_name) VALUES (?, ?, ?, ?)`,
			userID, in.ExternalID, in.GivenName, in.FamilyName)
		return err
	case err != nil:
		return err
	case ext == in.ExternalID && given == in.GivenName && family == in.FamilyName:
		return nil
	}
	_, err = tx.exec(`UPDATE scim_users SET external_id = ?, given_name = ?, family_name = ? WHERE user_id = ?`,
		in.ExternalID, in.GivenName, in.FamilyName, userID)
	return err
}

// ReplaceSCIMUser applies a whole description of a user in one
// transaction, through the checks of UpdateUser, DeactivateUser and
// ReactivateUser: the username never changes; active false deactivates
// (U4), active true reactivates within the seats; access the request
// leaves out is kept; a PATCH's base must still be the user (ECONFLICT).
// EINVALID, ENOTFOUND, EUSERNAMEIMMUTABLE, EEMAILTAKEN, ESEATLIMIT,
// ECONFLICT.
func (s *SCIMService) ReplaceSCIMUser(ctx context.Context, id int64, in portail.SCIMUserInput) (*portail.SCIMUser, error) {
	caller, err := provisioner(ctx)
	if err != nil {
		return nil, err
	}
	upd := portail.UserUpdate{FullName: &in.FullName, Email: &in.Email, Role: in.Role, DepartmentID: in.DepartmentID, Modules: in.Modules}
	if in.Language != "" {
		upd.Language = &in.Language
	}
	if in.DepartmentID == nil && in.GroupID != 0 {
		upd.DepartmentID = &in.GroupID
	}
	upd.Normalize()
	invalid := upd.Validate()
	prep, err := s.users.prepareEmailChange(ctx, caller, id, upd)
	if err != nil {
		return nil, err
	}
	var u *portail.SCIMUser
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// The account first, as every check of the seats takes it, then
		// the user's row (updateUser): one order, no deadlock.
		if _, err := lockAccount(tx, caller.Actor.AccountID); err != nil {
			return err
		}
		old, err := findSCIMUser(tx, caller.Actor.AccountID, id)
		if err != nil {
			return err
		}
		if in.Base != nil && !portail.SameSCIMUser(in.Base, old) {
			return portail.Errorf(portail.ECONFLICT, "The user changed while this change was made; read the user again and retry.")
		}
		if in.UserName != "" && portail.NormalizeKey(strings.TrimSpace(in.UserName)) != portail.NormalizeKey(old.Username) {
			return portail.Errorf(portail.EUSERNAMEIMMUTABLE, "The username of a user never changes (it is %q).", old.Username)
		}
		if in.Active && !old.Active() {
			if err := s.reactivate(tx, caller, id); err != nil {
				return err
			}
		}
		if _, err := updateUser(tx, caller, id, upd, invalid, prep); err != nil {
			return err
		}
		if !in.Active && old.Active() {
			if _, err := deactivateUser(tx, caller, id); err != nil {
				return err
			}
		}
		if err := saveSCIMUser(tx, id, in); err != nil {
			return err
		}
		u, err = findSCIMUser(tx, caller.Actor.AccountID, id)
		return err
	})
	if isUniqueViolation(err) {
		return nil, s.users.conflictAfterRace(ctx, "", in.Email, id)
	}
	return u, err
}

// reactivate brings a user back within the seats: a user of an account
// that requires SSO is active again without a password.
func (s *SCIMService) reactivate(tx *Tx, caller portail.Caller, id int64) error {
	u, err := reactivateUser(tx, caller, id)
	if err != nil || u.Status != portail.StatusInvited {
		return err
	}
	if _, required, err := ssoSignIn(tx, u.AccountID); err != nil || !required {
		return err
	}
	_, err = tx.exec(`UPDATE users SET status = 'active' WHERE id = ?`, id)
	return err
}

// DeactivateSCIMUser is a SCIM DELETE: the user is deactivated (U4), never
// deleted. ENOTFOUND.
func (s *SCIMService) DeactivateSCIMUser(ctx context.Context, id int64) error {
	caller, err := provisioner(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		_, err := deactivateUser(tx, caller, id)
		return err
	})
}

// loadSCIMGroup reads a department with its directory id and members.
func loadSCIMGroup(tx *Tx, d *portail.Department) (*portail.SCIMGroup, error) {
	g := &portail.SCIMGroup{Department: *d}
	err := tx.queryRow(`SELECT external_id FROM scim_groups WHERE department_id = ?`, d.ID).Scan(&g.ExternalID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	rows, err := tx.query(`SELECT id, username FROM users WHERE department_id = ? AND account_id = ? ORDER BY id`, d.ID, d.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m portail.SCIMMember
		if err := rows.Scan(&m.ID, &m.UserName); err != nil {
			return nil, err
		}
		g.Members = append(g.Members, m)
	}
	return g, rows.Err()
}

// FindSCIMGroup returns a department of the token's account with its
// members. ENOTFOUND.
func (s *SCIMService) FindSCIMGroup(ctx context.Context, id int64) (*portail.SCIMGroup, error) {
	c, err := provisioner(ctx)
	if err != nil {
		return nil, err
	}
	var g *portail.SCIMGroup
	err = s.db.readTx(ctx, func(tx *Tx) error {
		d, err := findDepartment(tx, c.Actor.AccountID, id)
		if err != nil {
			return err
		}
		g, err = loadSCIMGroup(tx, d)
		return err
	})
	return g, err
}

// ListSCIMGroups returns a page of the account's departments by id, or
// the one named name, and how many match.
func (s *SCIMService) ListSCIMGroups(ctx context.Context, name string, start, count int) ([]*portail.SCIMGroup, int, error) {
	c, err := provisioner(ctx)
	if err != nil {
		return nil, 0, err
	}
	where, args := ` FROM departments WHERE account_id = ?`, []any{c.Actor.AccountID}
	if name != "" {
		where, args = where+` AND name_key = ?`, append(args, portail.DepartmentKey(strings.TrimSpace(name)))
	}
	var out []*portail.SCIMGroup
	var total int
	err = s.db.readTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(`SELECT COUNT(*)`+where, args...).Scan(&total); err != nil {
			return err
		}
		if count == 0 {
			return nil
		}
		rows, err := tx.query(`SELECT `+departmentColumns+where+` ORDER BY id LIMIT `+strconv.Itoa(count)+
			` OFFSET `+strconv.Itoa(max(start, 1)-1), args...)
		if err != nil {
			return err
		}
		var depts []*portail.Department
		for rows.Next() {
			d, err := scanDepartment(rows)
			if err != nil {
				rows.Close()
				return err
			}
			depts = append(depts, d)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, d := range depts {
			g, err := loadSCIMGroup(tx, d)
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	return out, total, err
}

// CreateSCIMGroup creates a department, with its members moved into it.
// EINVALID, ECONFLICT (the name is taken).
func (s *SCIMService) CreateSCIMGroup(ctx context.Context, c portail.SCIMGroupChange) (*portail.SCIMGroup, error) {
	if c.Name == nil {
		return nil, &portail.Error{Code: portail.EINVALID, Message: "Name the group.", Fields: []portail.FieldError{{Field: "displayName", Message: "Enter a name."}}}
	}
	return s.writeGroup(ctx, c, func(tx *Tx, caller portail.Caller) (*portail.Department, error) {
		return insertDepartment(tx, caller, *c.Name)
	})
}

// ChangeSCIMGroup renames a department or changes its members, in one
// transaction: a user added is moved there (a user is in one department);
// a user removed goes back to the token's default department, or stays
// when that is this one (every role but admin has a department).
// EINVALID, ENOTFOUND, ECONFLICT.
func (s *SCIMService) ChangeSCIMGroup(ctx context.Context, id int64, c portail.SCIMGroupChange) (*portail.SCIMGroup, error) {
	return s.writeGroup(ctx, c, func(tx *Tx, caller portail.Caller) (*portail.Department, error) {
		d, err := findDepartment(tx, caller.Actor.AccountID, id)
		if err != nil || c.Name == nil {
			return d, err
		}
		return renameDepartment(tx, caller, d, *c.Name)
	})
}

// writeGroup runs a group's change in one transaction under the account's
// lock: dept makes or finds (and renames) the department, then the
// change's directory id and members apply to it.
func (s *SCIMService) writeGroup(ctx context.Context, c portail.SCIMGroupChange, dept func(*Tx, portail.Caller) (*portail.Department, error)) (*portail.SCIMGroup, error) {
	caller, err := provisioner(ctx)
	if err != nil {
		return nil, err
	}
	var g *portail.SCIMGroup
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := lockAccount(tx, caller.Actor.AccountID); err != nil {
			return err
		}
		d, err := dept(tx, caller)
		if err != nil {
			return err
		}
		g, err = s.changeGroup(tx, caller, d, c)
		return err
	})
	if isUniqueViolation(err) {
		return nil, errDepartmentTaken
	}
	return g, err
}

// changeGroup applies a change's directory id and members to d.
func (s *SCIMService) changeGroup(tx *Tx, caller portail.Caller, d *portail.Department, c portail.SCIMGroupChange) (*portail.SCIMGroup, error) {
	if c.ExternalID != nil {
		if _, err := tx.exec(`INSERT INTO scim_groups (department_id, external_id) VALUES (?, ?)
			ON CONFLICT (department_id) DO UPDATE SET external_id = excluded.external_id`, d.ID, *c.ExternalID); err != nil {
			return nil, err
		}
	}
	add, remove := c.Add, c.Remove
	if c.Members != nil {
		g, err := loadSCIMGroup(tx, d)
		if err != nil {
			return nil, err
		}
		want := map[int64]bool{}
		for _, id := range *c.Members {
			want[id] = true
		}
		add = append(add, *c.Members...)
		for _, m := range g.Members {
			if !want[m.ID] {
				remove = append(remove, m.ID)
			}
		}
	}
	home := caller.SCIM.Defaults.DepartmentID
	for _, id := range remove {
		u, err := findUser(tx, d.AccountID, id)
		if portail.ErrorCode(err) == portail.ENOTFOUND || err == nil && (u.DepartmentID != d.ID || home == d.ID) {
			continue // not a member: nothing to remove
		} else if err != nil {
			return nil, err
		}
		if err := moveMember(tx, caller, id, home); err != nil {
			return nil, err
		}
	}
	for _, id := range add {
		if err := moveMember(tx, caller, id, d.ID); err != nil {
			return nil, err
		}
	}
	return loadSCIMGroup(tx, d)
}

// moveMember puts a user into a department through UpdateUser's checks; a
// member the account does not have, or an admin (above departments), is a
// refused value of the request.
func moveMember(tx *Tx, caller portail.Caller, userID, deptID int64) error {
	_, err := updateUser(tx, caller, userID, portail.UserUpdate{DepartmentID: &deptID}, nil, emailChangePrep{})
	switch portail.ErrorCode(err) {
	case portail.ENOTFOUND:
		return &portail.Error{Code: portail.EINVALID, Message: "The account has no user " + strconv.FormatInt(userID, 10) + ".",
			Fields: []portail.FieldError{{Field: "members", Message: "No such user."}}}
	case portail.EINVALID:
		var e *portail.Error
		errors.As(err, &e)
		out := &portail.Error{Code: portail.EINVALID, Message: "User " + strconv.FormatInt(userID, 10) + " cannot join this group."}
		for _, f := range e.Fields {
			out.Fields = append(out.Fields, portail.FieldError{Field: "members", Message: f.Message})
		}
		return out
	}
	return err
}
