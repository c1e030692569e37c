package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"portail"
	"portail/password"
)

// UserService implements portail.UserService.
type UserService struct{ db *DB }

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService { return &UserService{db} }

var _ portail.UserService = (*UserService)(nil)

const userColumns = `id, account_id, username, full_name, email, role, department_id, modules, status, language,
	created_at, last_login_at, password_change_required`

// scanUser scans userColumns and then the extra destinations.
func scanUser(row interface{ Scan(...any) error }, extra ...any) (*portail.User, error) {
	var u portail.User
	var role, status string
	var dept, lastLogin sql.NullInt64
	var created int64
	dest := append([]any{&u.ID, &u.AccountID, &u.Username, &u.FullName, &u.Email, &role, &dept, &u.Modules,
		&status, &u.Language, &created, &lastLogin, &u.PasswordChangeRequired}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.Role, _ = portail.ParseRole(role)
	u.DepartmentID = dept.Int64
	u.Status = portail.UserStatus(status)
	u.CreatedAt = fromMicros(created)
	u.LastLoginAt = timePtr(lastLogin)
	return &u, nil
}

// findUser loads a user of the account; ENOTFOUND when there is none.
func findUser(tx *Tx, accountID, id int64) (*portail.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("User")
	}
	return u, err
}

// visibleUser loads a user the caller may see: ENOTFOUND otherwise, so that
// a foreign id looks exactly like a missing one (T1).
func visibleUser(tx *Tx, a portail.Actor, id int64) (*portail.User, error) {
	u, err := findUser(tx, a.AccountID, id)
	if err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActViewUser, u.Resource()) {
		return nil, portail.ErrNotFound("User")
	}
	return u, nil
}

// FindUser returns a user the caller may see. ENOTFOUND.
func (s *UserService) FindUser(ctx context.Context, id int64) (*portail.User, error) {
	a := portail.CallerFrom(ctx).Actor
	// One statement (DB.readRow): GET /me and GET /users/{id} run it.
	var pending sql.NullString
	u, err := scanUser(s.db.readRow(ctx, `SELECT `+userColumns+`, `+pendingEmailSQL("users.id")+`
		FROM users WHERE id = ? AND account_id = ?`, micros(s.db.Now()), portail.MaxCodeAttempts, id, a.AccountID), &pending)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("User")
	} else if err != nil {
		return nil, s.db.unreachable(err)
	}
	if !portail.Can(a, portail.ActViewUser, u.Resource()) {
		return nil, portail.ErrNotFound("User")
	}
	u.PendingEmail = pending.String
	return u, nil
}

// ListUsers returns a page of the users the caller may see, ordered by
// username, and the cursor of the next page ("" on the last).
func (s *UserService) ListUsers(ctx context.Context, f portail.UserFilter) ([]*portail.User, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	a := portail.CallerFrom(ctx).Actor
	scope := portail.ScopeFor(a, portail.ActViewUser, 0)
	if scope.None {
		return nil, "", nil
	}
	where, args := []string{"account_id = ?"}, []any{a.AccountID}
	if scope.DepartmentID != 0 {
		where, args = append(where, "department_id = ?"), append(args, scope.DepartmentID)
	}
	if scope.OwnerID != 0 {
		where, args = append(where, "id = ?"), append(args, scope.OwnerID)
	}
	switch f.Status {
	case "":
		where = append(where, "status <> 'inactive'")
	case "all":
	default:
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.DepartmentID != 0 {
		where, args = append(where, "department_id = ?"), append(args, f.DepartmentID)
	}
	if f.Role != 0 {
		where, args = append(where, "role = ?"), append(args, f.Role.String())
	}
	if f.Module != 0 {
		where, args = append(where, "(modules & ?) <> 0"), append(args, int(f.Module))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// Case-folded search on the keys and the name; the pattern's own
		// wildcards are escaped so that "_" means an underscore. The keys
		// are searched by q's own key, and the e-mail key also by q as a
		// domain: "müller.de" finds the key's "xn--mller-kva.de".
		like := func(s string) string { return "%" + likeEscaper.Replace(s) + "%" }
		key, domain := portail.NormalizeKey(q), ""
		if key == "" {
			key = q // longer than any key: it matches none, and must not match all
		}
		if d := portail.NormalizeKey("@" + key); d != "" {
			domain = strings.TrimPrefix(d, "@")
		} else {
			domain = key
		}
		where = append(where, `(username_key LIKE ? ESCAPE '\' OR email_key LIKE ? ESCAPE '\' OR email_key LIKE ? ESCAPE '\'
			OR LOWER(full_name) LIKE ? ESCAPE '\')`)
		args = append(args, like(key), like(key), like(domain), like(strings.ToLower(q)))
	}
	sort := cmp.Or(f.Sort, "username")
	col, desc := userSortColumns[strings.TrimPrefix(sort, "-")], strings.HasPrefix(sort, "-")
	if f.Cursor != "" {
		key, id, err := decodeKeyCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		value, ok := strings.CutPrefix(key, sort+"|") // a cursor serves the order it was made for
		if !ok {
			return nil, "", badCursor()
		}
		var arg any = value
		if col == "created_at" {
			if arg, err = strconv.ParseInt(value, 10, 64); err != nil {
				return nil, "", badCursor()
			}
		}
		// A row value, so that both databases seek the index to the cursor
		// instead of filtering every earlier row.
		where, args = append(where, "("+col+", id) "+map[bool]string{false: ">", true: "<"}[desc]+" (?, ?)"), append(args, arg, id)
	}
	limit := f.Limit
	if limit == 0 {
		limit = portail.DefaultPageSize
	}
	order := col + ", id"
	if desc {
		order = col + " DESC, id DESC"
	}
	// The sort key (as the cursor carries it: a key is read as stored, not
	// recomputed, as the newer of two users whose names became one key
	// holds a distinct one, KeyCollision) and the pending address come
	// with each row: one statement makes the page.
	q := `SELECT ` + userColumns + `, ` + col + `, ` + pendingEmailSQL("users.id") + ` FROM users WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(limit+1)
	args = append([]any{micros(s.db.Now()), portail.MaxCodeAttempts}, args...)
	keys := map[int64]string{} // the sort key of each row, by id
	return readPage(ctx, s.db, pageQuery[*portail.User]{q: q, args: args, limit: limit,
		ordered: sort == "username", // users_account_order, users_department_order
		scan: func(row interface{ Scan(...any) error }) (*portail.User, error) {
			var key string
			var pending sql.NullString
			u, err := scanUser(row, &key, &pending)
			if err != nil {
				return nil, err
			}
			u.PendingEmail = pending.String
			keys[u.ID] = key
			return u, nil
		},
		cursor: func(_ *Tx, last *portail.User) (string, error) {
			return encodeKeyCursor(sort+"|"+keys[last.ID], last.ID), nil
		},
	})
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Cursors are opaque to clients: the sort key and id of the last row.
// userSortColumns are the columns of the user list's orders. The full name
// sorts as stored: a lower-cased key would differ between SQLite's LOWER,
// which knows only ASCII, and Go's.
var userSortColumns = map[string]string{"username": "username_key", "full_name": "full_name", "email": "email_key", "created_at": "created_at"}

// CreateUser adds a user in the invited state (or active with a temporary
// password), within the seats of the plan. EINVALID, EFORBIDDEN,
// EUSERNAMETAKEN, EEMAILTAKEN, ESEATLIMIT.
func (s *UserService) CreateUser(ctx context.Context, c portail.UserCreate) (*portail.User, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	if !a.SignedIn() {
		return nil, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	c.Normalize()
	// The form's problems are said all at once: those of the fields
	// themselves, then in the transaction those the database knows
	// (department, modules, names taken).
	invalid := c.Validate()
	onboarding := c.Onboarding
	if onboarding == "" {
		if err := s.db.readTx(ctx, func(tx *Tx) error {
			return tx.queryRow(`SELECT onboarding FROM accounts WHERE id = ?`, a.AccountID).Scan(&onboarding)
		}); err != nil {
			return nil, err
		}
	}
	// A temporary password is hashed before the transaction: hashing takes
	// tens of milliseconds and must not hold the SQLite writer.
	var temp, tempHash string
	if onboarding == portail.OnboardingTemporaryPassword && invalid == nil {
		temp = portail.NewTemporaryPassword()
		tempHash = password.Hash(temp)
	}
	var u *portail.User
	err := s.db.writeTx(ctx, func(tx *Tx) (err error) {
		if u, err = addUser(tx, caller, c, invalid, onboarding); err != nil {
			return err
		}
		if onboarding == portail.OnboardingTemporaryPassword {
			return issueTemporaryPassword(tx, u, temp, tempHash)
		}
		return issueInvitation(tx, u)
	})
	if isUniqueViolation(err) {
		// A concurrent request took the name between our check and our
		// insert; the unique index refused it. Say which, as the check would.
		return nil, s.conflictAfterRace(ctx, c.Username, c.Email, 0)
	}
	return u, err
}

// addUser checks a new user under the account's lock (the caller's right
// to add them, the department and modules, the names taken, the seats)
// and writes them, invited; the caller then sends their onboarding.
// invalid holds the problems of the fields themselves, said with those
// found here.
func addUser(tx *Tx, caller portail.Caller, c portail.UserCreate, invalid error, onboarding portail.Onboarding) (*portail.User, error) {
	a := caller.Actor
	acct, err := lockAccount(tx, a.AccountID)
	if err != nil {
		return nil, err
	}
	grant := checkGrant(tx, acct, c.DepartmentID, c.Modules)
	if !portail.Can(a, portail.ActCreateUser, portail.Resource{AccountID: a.AccountID, DepartmentID: c.DepartmentID, Role: c.Role, Modules: c.Modules}) {
		if err := portail.JoinInvalid(invalid, grant); err != nil {
			return nil, err
		}
		return nil, portail.Errorf(portail.EFORBIDDEN, "You may not add this user: a department admin adds users only to their own department, never an admin, and grants only modules they hold.")
	}
	// Whether a name is taken is said only to who may add this user,
	// and only of a name that is itself valid.
	username, email := c.Username, c.Email
	if invalidField(invalid, "username") {
		username = ""
	}
	if invalidField(invalid, "email") {
		email = ""
	}
	if err := portail.JoinInvalid(invalid, grant, userConflict(tx, a.AccountID, username, email, 0)); err != nil {
		return nil, err
	}
	if err := acct.CheckSeats(tx.now, 1); err != nil {
		return nil, err
	}
	return insertUser(tx, caller, c, onboarding)
}

// insertUser writes a checked new user, invited, with its activity entry;
// the caller then sends its onboarding (an invitation or a temporary
// password). CreateUser and the CSV import both write users through it.
func insertUser(tx *Tx, caller portail.Caller, c portail.UserCreate, onboarding portail.Onboarding) (*portail.User, error) {
	a := caller.Actor
	lang := c.Language
	if lang == "" {
		lang = portail.DefaultLanguage
	}
	id, err := tx.insert(`INSERT INTO users (account_id, username, username_key, full_name, email, email_key, role,
		department_id, modules, status, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'invited', ?, ?, ?)`,
		a.AccountID, c.Username, portail.NormalizeKey(c.Username), c.FullName, c.Email, portail.NormalizeKey(c.Email),
		c.Role.String(), nullID(c.DepartmentID), int(c.Modules), lang, micros(tx.now), micros(tx.now))
	if err != nil {
		return nil, err
	}
	u, err := findUser(tx, a.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := logActivity(tx, caller, u.AccountID, u.ID, portail.ActivityUserCreated,
		portail.Detail{}.Add("username", u.Username).Add("role", u.Role.String()).Add("department_id", strconv.FormatInt(u.DepartmentID, 10)).
			Add("modules", u.Modules.String()).Add("onboarding", string(onboarding))); err != nil {
		return nil, err
	}
	if err := emitUserEvent(tx, portail.EventUserCreated, u); err != nil {
		return nil, err
	}
	return u, nil
}

// invalidField reports whether err has a problem with field.
func invalidField(err error, field string) bool {
	var e *portail.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			if f.Field == field {
				return true
			}
		}
	}
	return false
}

// conflictAfterRace names the field a unique index refused.
func (s *UserService) conflictAfterRace(ctx context.Context, username, email string, exclude int64) error {
	err := s.db.readTx(ctx, func(tx *Tx) error { return userConflict(tx, -1, username, email, exclude) })
	if err == nil {
		return portail.Errorf(portail.ECONFLICT, "Another change happened at the same time; please try again.")
	}
	return err
}

// userConflict returns EUSERNAMETAKEN or EEMAILTAKEN (with field errors for
// both when both are taken) when another user holds the username or the
// e-mail, compared case-insensitively across the installation (U2).
//
// accountID is the account the address is for: an
// address of a domain another account claims for its single sign-on is
// refused too (C13: a domain's people are that account's). Below 0, the
// domains are not looked at (setup, the operator's act, and the
// explanation of a unique index's refusal).
func userConflict(tx *Tx, accountID int64, username, email string, exclude int64) error {
	if email != "" && accountID >= 0 {
		if err := domainElsewhere(tx, accountID, email); err != nil {
			return err
		}
	}
	var v portail.Validation
	code := ""
	if username != "" {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE username_key = ? AND id <> ?`, portail.NormalizeKey(username), exclude).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			v.Add("username", "This username is taken.")
			code = portail.EUSERNAMETAKEN
		}
	}
	if email != "" {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE email_key = ? AND id <> ?`, portail.NormalizeKey(email), exclude).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			v.Add("email", "This e-mail address is already used by another user.")
			if code == "" {
				code = portail.EEMAILTAKEN
			}
		}
	}
	if code == "" {
		return nil
	}
	msg := "This username is taken."
	if code == portail.EEMAILTAKEN {
		msg = "This e-mail address is already used by another user."
	}
	return &portail.Error{Code: code, Message: msg, Fields: v.Fields}
}

// checkGrant checks that a department exists in the account and that the
// modules are subscribed, as field errors.
func checkGrant(tx *Tx, acct *portail.Account, deptID int64, mods portail.ModuleSet) error {
	var v portail.Validation
	if deptID != 0 {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM departments WHERE id = ? AND account_id = ?`, deptID, acct.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			v.Add("department_id", "Choose an existing department.")
		}
	}
	if !mods.SubsetOf(acct.Modules) {
		v.Add("modules", "Grant only modules the account subscribes to.")
	}
	err := v.Err()
	if e, ok := err.(*portail.Error); ok {
		e.Modules = mods &^ acct.Modules
	}
	return err
}

// UpdateUser changes a user's profile or access. A new address of the
// caller's own needs their current password and only becomes pending: it
// takes effect when confirmed (ConfirmEmailChange). An admin's change of
// another user's address applies at once. Either change kills the links
// sent to the old address. EINVALID, ENOTFOUND, EFORBIDDEN, EEMAILTAKEN,
// ETOOMANYATTEMPTS.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd portail.UserUpdate) (*portail.User, error) {
	caller := portail.CallerFrom(ctx)
	upd.Normalize()
	// The fields' own problems are said with those of the access asked
	// (department, modules), found in the transaction: all at once.
	invalid := upd.Validate()
	var prep emailChangePrep
	var err error
	if !invalidField(invalid, "email") {
		// The current password a new address of one's own needs is
		// checked even when other fields are refused, and said with them.
		if prep, err = s.prepareEmailChange(ctx, caller, id, upd); err != nil {
			if invalid = portail.JoinInvalid(invalid, err); portail.ErrorCode(invalid) != portail.EINVALID {
				return nil, invalid
			}
		}
	}
	var u *portail.User
	err = s.db.writeTx(ctx, func(tx *Tx) (err error) {
		u, err = updateUser(tx, caller, id, upd, invalid, prep)
		return err
	})
	if isUniqueViolation(err) {
		// Only the e-mail key is unique among what an update writes; read
		// it from the update only when there is one.
		email := ""
		if upd.Email != nil {
			email = *upd.Email
		}
		return nil, s.conflictAfterRace(ctx, "", email, id)
	}
	return u, err
}

// updateUser checks and applies an update in tx (UpdateUser); invalid
// holds the problems of the fields themselves, prep what was checked of a
// change of one's own address before the transaction.
func updateUser(tx *Tx, caller portail.Caller, id int64, upd portail.UserUpdate, invalid error, prep emailChangePrep) (u *portail.User, err error) {
	a := caller.Actor
	err = func() error {
		if upd.Email != nil {
			if _, _, err := lockUser(tx, id); err != nil {
				return err
			}
		}
		old, err := visibleUser(tx, a, id)
		if err != nil {
			return err
		}
		if !portail.Can(a, portail.ActEditUser, old.Resource()) {
			return portail.ErrForbidden()
		}
		next := upd.Apply(*old)
		if upd.ChangesAccess() {
			if old.ID == a.UserID {
				return portail.Errorf(portail.EFORBIDDEN, "You cannot change your own role, department or modules.")
			}
			var access error
			if next.Role.Valid() {
				access = portail.ValidateAccess(next)
			}
			acct, err := findAccount(tx, a.AccountID)
			if err != nil {
				return err
			}
			if err := portail.JoinInvalid(invalid, access, checkGrant(tx, acct, next.DepartmentID, next.Modules)); err != nil {
				return err
			}
			r := next.Resource()
			r.Modules = old.Modules ^ next.Modules // only what changes must be the actor's to grant
			if !portail.Can(a, portail.ActChangeUserAccess, r) {
				return portail.Errorf(portail.EFORBIDDEN, "You may not give this access: a department admin keeps users in their own department, never makes an admin, and grants only modules they hold.")
			}
		}
		if invalid != nil {
			return invalid
		}
		newAddress := upd.Email != nil && portail.NormalizeKey(next.Email) != portail.NormalizeKey(old.Email)
		pending := ""
		if newAddress {
			if !portail.Can(a, portail.ActChangeUserEmail, old.Resource()) {
				return portail.Errorf(portail.EFORBIDDEN, "Only the user or an admin may change an e-mail address: reset instructions go there.")
			}
			if old.ID == a.UserID && !prep.ownVerified {
				// The address changed between the password check and now.
				return portail.Errorf(portail.ECONFLICT, "Another change happened at the same time; please try again.")
			}
			// Taken now is refused now, though the confirmation checks again.
			if err := userConflict(tx, old.AccountID, "", next.Email, old.ID); err != nil {
				return err
			}
			if old.ID == a.UserID {
				pending, next.Email = next.Email, old.Email
			}
		}
		if pending != "" {
			if err := requestEmailChange(tx, caller, old, pending); err != nil {
				return err
			}
		}
		changes := portail.UserChanges(*old, next)
		if len(changes) == 0 {
			u = old
			return withPendingEmails(tx, u)
		}
		// An unchanged address keeps its stored key: the newer of two users
		// whose addresses became one key holds a distinct one (KeyCollision),
		// and must stay editable until their address changes.
		if _, err := tx.exec(`UPDATE users SET full_name = ?, email_key = CASE WHEN email = ? THEN email_key ELSE ? END, email = ?,
		language = ?, role = ?, department_id = ?, modules = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			next.FullName, next.Email, portail.NormalizeKey(next.Email), next.Email, next.Language, next.Role.String(),
			nullID(next.DepartmentID), int(next.Modules), micros(tx.now), old.ID, a.AccountID); err != nil {
			return err
		}
		if portail.NormalizeKey(next.Email) != portail.NormalizeKey(old.Email) {
			if err := emailChanged(tx, caller, old, next.Email, prep.temp); err != nil {
				return err
			}
		}
		typ := portail.ActivityUserUpdated
		if next.Role != old.Role {
			typ = portail.ActivityRoleChanged
		}
		if err := logActivity(tx, caller, old.AccountID, old.ID, typ, changes); err != nil {
			return err
		}
		if u, err = findUser(tx, a.AccountID, id); err != nil {
			return err
		}
		if err := emitUserEvent(tx, portail.EventUserUpdated, u); err != nil {
			return err
		}
		return withPendingEmails(tx, u)
	}()
	return u, err
}

// DeactivateUser makes a user inactive and ends their sessions at once
// (U4). Deactivating an inactive user changes nothing. ENOTFOUND,
// EFORBIDDEN.
func (s *UserService) DeactivateUser(ctx context.Context, id int64) (*portail.User, error) {
	caller := portail.CallerFrom(ctx)
	var u *portail.User
	err := s.db.writeTx(ctx, func(tx *Tx) (err error) {
		u, err = deactivateUser(tx, caller, id)
		return err
	})
	return u, err
}

// deactivateUser is DeactivateUser in tx.
func deactivateUser(tx *Tx, caller portail.Caller, id int64) (*portail.User, error) {
	a := caller.Actor
	old, err := visibleUser(tx, a, id)
	if err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActDeactivateUser, old.Resource()) {
		return nil, portail.ErrForbidden()
	}
	if old.Status == portail.StatusInactive {
		return old, nil
	}
	if _, err := tx.exec(`UPDATE users SET status = 'inactive', updated_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
		return nil, err
	}
	if err := endSessions(tx, id, 0, portail.SessionEndDeactivated); err != nil {
		return nil, err
	}
	if err := revokeCredentials(tx, id); err != nil {
		return nil, err
	}
	return statusChanged(tx, caller, old, portail.ActivityUserDeactivated, portail.EventUserDeactivated)
}

// statusChanged logs and announces a user's new status (a deactivation,
// a reactivation) and returns the user as they now are.
func statusChanged(tx *Tx, caller portail.Caller, old *portail.User, typ portail.ActivityType, event portail.WebhookEventType) (*portail.User, error) {
	if err := logActivity(tx, caller, old.AccountID, old.ID, typ, nil); err != nil {
		return nil, err
	}
	u, err := findUser(tx, old.AccountID, old.ID)
	if err != nil {
		return nil, err
	}
	return u, emitUserEvent(tx, event, u)
}

// ReactivateUser brings a user back, within the seats: active when they
// have a password, invited again when they never set one. ENOTFOUND,
// EFORBIDDEN, ESEATLIMIT.
func (s *UserService) ReactivateUser(ctx context.Context, id int64) (*portail.User, error) {
	caller := portail.CallerFrom(ctx)
	var u *portail.User
	err := s.db.writeTx(ctx, func(tx *Tx) (err error) {
		u, err = reactivateUser(tx, caller, id)
		return err
	})
	return u, err
}

// reactivateUser is ReactivateUser in tx.
func reactivateUser(tx *Tx, caller portail.Caller, id int64) (*portail.User, error) {
	a := caller.Actor
	acct, err := lockAccount(tx, a.AccountID)
	if err != nil {
		return nil, err
	}
	old, err := visibleUser(tx, a, id)
	if err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActReactivateUser, old.Resource()) {
		return nil, portail.ErrForbidden()
	}
	if old.Status != portail.StatusInactive {
		return old, nil
	}
	if err := acct.CheckSeats(tx.now, 1); err != nil {
		return nil, err
	}
	if _, err := tx.exec(`UPDATE users SET status = CASE WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END,
		updated_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
		return nil, err
	}
	return statusChanged(tx, caller, old, portail.ActivityUserReactivated, portail.EventUserReactivated)
}

// lockUser reads a user's status and password hash and locks the row
// until the transaction ends. Every check-then-act on a user (sign-in,
// password change, reset, deactivation) takes this lock before it acts,
// and first, so that they queue in one order and do not deadlock. On
// PostgreSQL that is SELECT … FOR UPDATE (READ COMMITTED would otherwise
// let two of them act on the same check); on SQLite the write
// transaction, begun IMMEDIATE, holds the only writer already.
func lockUser(tx *Tx, id int64) (portail.UserStatus, sql.NullString, error) {
	lock := ""
	if tx.pg {
		lock = " FOR UPDATE"
	}
	var status string
	var hash sql.NullString
	err := tx.queryRow(`SELECT status, password_hash FROM users WHERE id = ?`+lock, id).Scan(&status, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", hash, portail.ErrNotFound("User")
	}
	return portail.UserStatus(status), hash, err
}

// prefixColumns qualifies each column of a comma-separated list.
func prefixColumns(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func findUserByID(tx *Tx, id int64) (*portail.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("User")
	}
	return u, err
}
