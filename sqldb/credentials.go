package sqldb

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strings"
	"time"

	"portail"
	"portail/password"
)

// CredentialService implements portail.CredentialService.
type CredentialService struct {
	db    *DB
	Rules password.Rules
}

// NewCredentialService returns the credential service of db.
func NewCredentialService(db *DB) *CredentialService { return &CredentialService{db: db} }

var _ portail.CredentialService = (*CredentialService)(nil)

var errTokenInvalid = portail.Errorf(portail.ETOKENINVALID, "This link is not valid any more: it was used, replaced or has expired. Ask for a new one.")

// killTokens ends a user's unused links of a kind ("" for every kind).
func killTokens(tx *Tx, userID int64, kind string) error {
	q, args := `UPDATE user_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, []any{micros(tx.now), userID}
	if kind != "" {
		q, args = q+` AND kind = ?`, append(args, kind)
	}
	_, err := tx.exec(q, args...)
	return err
}

// issueInvitation kills the user's earlier invitation and queues a new
// one: a link valid 24 hours, single-use (C1).
func issueInvitation(tx *Tx, u *portail.User) error {
	if done, err := onboardBySSO(tx, u); done || err != nil {
		return err
	}
	name, err := accountName(tx, u.AccountID)
	if err != nil {
		return err
	}
	if err := killTokens(tx, u.ID, "invitation"); err != nil {
		return err
	}
	token, hash := portail.NewToken()
	if _, err := tx.exec(`INSERT INTO user_tokens (user_id, kind, token_hash, created_at, expires_at) VALUES (?, 'invitation', ?, ?, ?)`,
		u.ID, hash, micros(tx.now), micros(tx.now.Add(portail.InvitationLifetime))); err != nil {
		return err
	}
	return enqueueEmail(tx, u.AccountID, u.ID, u.Email, u.Language, portail.EmailInvitation, portail.EmailParams{
		FullName: u.FullName, Username: u.Username, Account: name, Token: token})
}

// issueTemporaryPassword makes the user active with a temporary password
// that must be replaced at first sign-in, and e-mails it (C2).
func issueTemporaryPassword(tx *Tx, u *portail.User, temp, hash string) error {
	if done, err := onboardBySSO(tx, u); done || err != nil {
		return err
	}
	name, err := accountName(tx, u.AccountID)
	if err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE users SET status = 'active', password_hash = ?, password_change_required = ? WHERE id = ?`,
		hash, true, u.ID); err != nil {
		return err
	}
	u.Status, u.PasswordChangeRequired = portail.StatusActive, true
	return enqueueEmail(tx, u.AccountID, u.ID, u.Email, u.Language, portail.EmailTemporaryPassword, portail.EmailParams{
		FullName: u.FullName, Username: u.Username, Account: name, Password: temp})
}

// issueReset kills earlier reset links and queues a new link with a
// recovery code, both valid one hour (C3–C5).
func issueReset(tx *Tx, c portail.Caller, u *portail.User) error {
	if off, err := passwordsOff(tx, u); err != nil {
		return err
	} else if off {
		return errResetSSO
	}
	if err := killTokens(tx, u.ID, "reset"); err != nil {
		return err
	}
	token, hash := portail.NewToken()
	code := portail.NewRecoveryCode()
	if _, err := tx.exec(`INSERT INTO user_tokens (user_id, kind, token_hash, code_hash, created_at, expires_at) VALUES (?, 'reset', ?, ?, ?, ?)`,
		u.ID, hash, portail.HashRecoveryCode(token, code), micros(tx.now), micros(tx.now.Add(portail.ResetLifetime))); err != nil {
		return err
	}
	if err := enqueueEmail(tx, u.AccountID, u.ID, u.Email, u.Language, portail.EmailPasswordReset, portail.EmailParams{
		FullName: u.FullName, Username: u.Username, Token: token, Code: code}); err != nil {
		return err
	}
	return logActivity(tx, c, u.AccountID, u.ID, portail.ActivityPasswordResetSent, nil)
}

// ResendInvitation kills the invitation link of an invited user and sends
// a new one. ENOTFOUND, EFORBIDDEN, ECONFLICT.
func (s *CredentialService) ResendInvitation(ctx context.Context, userID int64) error {
	c := portail.CallerFrom(ctx)
	return s.db.writeTx(ctx, func(tx *Tx) error {
		u, err := visibleUser(tx, c.Actor, userID)
		if err != nil {
			return err
		}
		if !portail.Can(c.Actor, portail.ActEditUser, u.Resource()) || u.ID == c.Actor.UserID {
			return portail.ErrForbidden()
		}
		if u.Status != portail.StatusInvited {
			return portail.Errorf(portail.ECONFLICT, "Only an invited user gets an invitation; this user is %s.", u.Status)
		}
		if err := issueInvitation(tx, u); err != nil {
			return err
		}
		return logActivity(tx, c, u.AccountID, u.ID, portail.ActivityInvitationSent, nil)
	})
}

// SendPasswordReset e-mails reset instructions to an active user, within
// the cap of reset e-mails to one user (portail.ResetWait).
// ENOTFOUND, EFORBIDDEN, ECONFLICT, ETOOMANYATTEMPTS.
func (s *CredentialService) SendPasswordReset(ctx context.Context, userID int64) error {
	c := portail.CallerFrom(ctx)
	return s.db.writeTx(ctx, func(tx *Tx) error {
		u, err := visibleUser(tx, c.Actor, userID)
		if err != nil {
			return err
		}
		if !portail.Can(c.Actor, portail.ActEditUser, u.Resource()) {
			return portail.ErrForbidden()
		}
		switch u.Status {
		case portail.StatusInvited:
			return portail.Errorf(portail.ECONFLICT, "This user has not set a password yet: resend the invitation instead.")
		case portail.StatusInactive:
			return portail.Errorf(portail.ECONFLICT, "This user is inactive: reactivate them first.")
		}
		wait, err := resetWait(tx, u.ID, false)
		if err != nil {
			return err
		}
		if wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second)
			e := portail.Errorf(portail.ETOOMANYATTEMPTS, "This user was sent %d reset e-mails in the last hour, the most allowed. Try again in %d minutes.",
				portail.MaxResetsPerWindow, (secs+59)/60)
			e.RetryAfter = secs
			return e
		}
		return issueReset(tx, c, u)
	})
}

// resetWait is portail.ResetWait over the user's resets of the last
// window. It first takes the user row lock (lockUser), so that two
// requests for one user take turns between the count and the insert.
func resetWait(tx *Tx, userID int64, selfService bool) (time.Duration, error) {
	if _, _, err := lockUser(tx, userID); err != nil {
		return 0, err
	}
	rows, err := tx.query(`SELECT created_at FROM user_tokens WHERE user_id = ? AND kind = 'reset' AND created_at > ?`,
		userID, micros(tx.now.Add(-portail.ResetWindow)))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var sent []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return 0, err
		}
		sent = append(sent, fromMicros(at))
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return portail.ResetWait(tx.now, sent, selfService), nil
}

// ForgotPassword e-mails reset instructions to the active user with this
// username or e-mail; for anyone else it does nothing, and says nothing.
// Past the cap of reset e-mails to the user it does nothing either. The
// login is looked up in a read transaction: only a real active user costs
// a write, so a flood of unknown names never queues on the writer.
func (s *CredentialService) ForgotPassword(ctx context.Context, login string) error {
	c := portail.CallerFrom(ctx)
	key := portail.NormalizeKey(login)
	if key == "" {
		return nil
	}
	find := func(tx *Tx) (*portail.User, error) {
		u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE (username_key = ? OR email_key = ?) AND status = 'active'
			ORDER BY CASE WHEN username_key = ? THEN 0 ELSE 1 END LIMIT 1`, key, key, key))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return u, err
	}
	var found *portail.User
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) { found, err = find(tx); return err }); err != nil || found == nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// Again under the write: the user may have changed meanwhile.
		u, err := find(tx)
		if err != nil || u == nil {
			return err
		}
		if wait, err := resetWait(tx, u.ID, true); err != nil || wait > 0 {
			return err
		}
		if off, err := passwordsOff(tx, u); err != nil || off {
			return err // no reset of a user whose account requires SSO (C13), and nothing said
		}
		c.Actor = portail.Actor{UserID: u.ID}
		return issueReset(tx, c, u)
	})
}

// liveToken finds a live link of a kind by its token.
type liveToken struct {
	id, userID int64
	codeHash   string
	email      string // the address an e-mail change link confirms
}

func findLiveToken(tx *Tx, token, kind string) (*liveToken, error) {
	var t liveToken
	var code, email sql.NullString
	err := tx.queryRow(`SELECT id, user_id, code_hash, email FROM user_tokens WHERE token_hash = ? AND kind = ?
		AND used_at IS NULL AND expires_at > ? AND attempts < ?`, portail.HashToken(token), kind, micros(tx.now), portail.MaxCodeAttempts).
		Scan(&t.id, &t.userID, &code, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTokenInvalid
	}
	t.codeHash, t.email = code.String, email.String
	return &t, err
}

// consumeToken uses a link up, atomically: of two requests racing with the
// same token, one wins.
func consumeToken(tx *Tx, id int64) error {
	res, err := tx.exec(`UPDATE user_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ? AND attempts < ?`,
		micros(tx.now), id, micros(tx.now), portail.MaxCodeAttempts)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errTokenInvalid
	}
	return nil
}

// CheckInvitationToken reports whether an invitation link is live. Opening
// a link never uses it up: mail scanners open links.
func (s *CredentialService) CheckInvitationToken(ctx context.Context, token string) error {
	return s.db.readTx(ctx, func(tx *Tx) error { _, err := findLiveToken(tx, token, "invitation"); return err })
}

// CheckResetToken reports whether a reset link is live.
func (s *CredentialService) CheckResetToken(ctx context.Context, token string) error {
	return s.db.readTx(ctx, func(tx *Tx) error { _, err := findLiveToken(tx, token, "reset"); return err })
}

// AcceptInvitation sets the first password of an invited user and makes
// them active. A password the rules refuse leaves the link usable.
// ETOKENINVALID, EINVALID.
func (s *CredentialService) AcceptInvitation(ctx context.Context, token, newPassword string) error {
	c := portail.CallerFrom(ctx)
	var t *liveToken
	var u *portail.User
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		if t, err = findLiveToken(tx, token, "invitation"); err != nil {
			return err
		}
		u, err = findUserByID(tx, t.userID)
		return err
	}); err != nil {
		return err
	}
	if u.Status != portail.StatusInvited {
		return errTokenInvalid
	}
	if err := s.Rules.Check("new_password", newPassword, u.Username); err != nil {
		return err
	}
	hash := password.Hash(newPassword)
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// The user row first, as every change of a user does (lockUser):
		// a deactivation takes it, then the links; taken the other way
		// round, the two would deadlock on PostgreSQL.
		if _, _, err := lockUser(tx, u.ID); err != nil {
			return err
		}
		if err := consumeToken(tx, t.id); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE users SET password_hash = ?, password_change_required = ?, status = 'active', updated_at = ?
			WHERE id = ? AND status = 'invited'`, hash, false, micros(tx.now), u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errTokenInvalid
		}
		// Invited → active is a change of the user the account's systems
		// hear of (D10), as a deactivation is.
		active, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, u.ID))
		if err != nil {
			return err
		}
		if err := emitUserEvent(tx, portail.EventUserUpdated, active); err != nil {
			return err
		}
		c.Actor = portail.Actor{UserID: u.ID}
		return logActivity(tx, c, u.AccountID, u.ID, portail.ActivityPasswordChanged, portail.Detail{}.Words("invitation accepted"))
	})
}

var errWrongCode = &portail.Error{Code: portail.ETOKENINVALID, Message: "The recovery code is wrong. Check the code in the e-mail; after 5 wrong codes, ask for a new e-mail.",
	Fields: []portail.FieldError{{Field: "code", Message: "The recovery code is wrong."}}}

// ResetPassword sets a new password with a reset link's token and its
// recovery code; every session of the user ends. Each wrong code counts,
// and the fifth kills the link. A password the rules refuse costs no
// attempt and leaves the link usable. ETOKENINVALID, EINVALID.
func (s *CredentialService) ResetPassword(ctx context.Context, token, code, newPassword string) error {
	c := portail.CallerFrom(ctx)
	var linkID int64
	var u *portail.User
	wrong := false
	// The attempt is counted and the code compared in one transaction: the
	// UPDATE that counts it holds the limit in its WHERE and locks the
	// link's row until the comparison's transaction ends, so that of codes
	// sent at once no more than MaxCodeAttempts are ever compared (issue
	// 10, item 10). A right code takes its attempt back, by rolling back:
	// a password the rules refuse must cost none.
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		var userID int64
		var codeHash sql.NullString
		err := tx.queryRow(`UPDATE user_tokens SET attempts = attempts + 1 WHERE token_hash = ? AND kind = 'reset'
			AND used_at IS NULL AND expires_at > ? AND attempts < ? RETURNING id, user_id, code_hash`,
			portail.HashToken(token), micros(tx.now), portail.MaxCodeAttempts).Scan(&linkID, &userID, &codeHash)
		if errors.Is(err, sql.ErrNoRows) {
			return errTokenInvalid
		} else if err != nil {
			return err
		}
		if portail.NormalizeRecoveryCode(code) == "" ||
			subtle.ConstantTimeCompare([]byte(portail.HashRecoveryCode(token, code)), []byte(codeHash.String)) != 1 {
			wrong = true
			return nil // the attempt stays counted
		}
		if u, err = findUserByID(tx, userID); err != nil {
			return err
		}
		return errRightCode
	})
	switch {
	case wrong && err == nil:
		return errWrongCode
	case !errors.Is(err, errRightCode):
		return err
	}
	if u.Status != portail.StatusActive {
		return errTokenInvalid
	}
	if err := s.Rules.Check("new_password", newPassword, u.Username); err != nil {
		return err
	}
	hash := password.Hash(newPassword)
	s.db.at("reset:hashed")
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// The user row first, as every change of a user does (lockUser):
		// a deactivation may have landed while the password was hashed.
		status, _, err := lockUser(tx, u.ID)
		if err != nil {
			return err
		}
		if status != portail.StatusActive {
			return errTokenInvalid
		}
		if err := consumeToken(tx, linkID); err != nil {
			return err
		}
		c.Actor = portail.Actor{UserID: u.ID}
		return setPassword(tx, c, u, hash, 0, portail.Detail{}.Word("reset"))
	})
}

// errRightCode rolls back the attempt of a right recovery code.
var errRightCode = errors.New("right recovery code")

// setPassword stores a new password hash, ends the user's sessions but
// keep, clears their sign-in throttle, logs it and tells the user (C10).
func setPassword(tx *Tx, c portail.Caller, u *portail.User, hash string, keep int64, detail portail.Detail) error {
	if _, err := tx.exec(`UPDATE users SET password_hash = ?, password_change_required = ?, updated_at = ? WHERE id = ?`,
		hash, false, micros(tx.now), u.ID); err != nil {
		return err
	}
	if err := endSessions(tx, u.ID, keep, portail.SessionEndPassword); err != nil {
		return err
	}
	if err := clearThrottle(tx, loginKeys(u)...); err != nil {
		return err
	}
	if err := logActivity(tx, c, u.AccountID, u.ID, portail.ActivityPasswordChanged, detail); err != nil {
		return err
	}
	return enqueueEmail(tx, u.AccountID, u.ID, u.Email, u.Language, portail.EmailPasswordChanged,
		portail.EmailParams{FullName: u.FullName, Username: u.Username})
}

// --- API keys ---

// CreateAPIKey makes a personal key for the caller; the key itself is
// returned once and only its hash is kept. EINVALID, EUNAUTHENTICATED.
func (s *CredentialService) CreateAPIKey(ctx context.Context, name string) (*portail.APIKey, string, error) {
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return nil, "", portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	name = strings.TrimSpace(name)
	if err := portail.ValidateAPIKeyName(name); err != nil {
		return nil, "", err
	}
	token, _ := portail.NewToken()
	key := portail.APIKeyPrefix + token
	k := &portail.APIKey{UserID: c.Actor.UserID, Name: name, Prefix: key[:12]}
	err := s.db.writeTx(ctx, func(tx *Tx) (err error) {
		k.CreatedAt = tx.now
		if k.ID, err = tx.insert(`INSERT INTO api_keys (user_id, name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)`,
			k.UserID, name, portail.HashToken(key), k.Prefix, micros(tx.now)); err != nil {
			return err
		}
		return logActivity(tx, c, c.Actor.AccountID, c.Actor.UserID, portail.ActivityAPIKeyCreated, portail.Detail{}.Add("name", name).Add("prefix", k.Prefix))
	})
	if err != nil {
		return nil, "", err
	}
	return k, key, nil
}

// ListAPIKeys returns the caller's live keys, newest first.
func (s *CredentialService) ListAPIKeys(ctx context.Context) ([]*portail.APIKey, error) {
	c := portail.CallerFrom(ctx)
	var out []*portail.APIKey
	err := s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_keys
			WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC`, c.Actor.UserID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k portail.APIKey
			var created int64
			var used sql.NullInt64
			if err := rows.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &created, &used); err != nil {
				return err
			}
			k.CreatedAt, k.LastUsedAt = fromMicros(created), timePtr(used)
			out = append(out, &k)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeAPIKey revokes one of the caller's keys. ENOTFOUND.
func (s *CredentialService) RevokeAPIKey(ctx context.Context, id int64) error {
	c := portail.CallerFrom(ctx)
	return s.db.writeTx(ctx, func(tx *Tx) error { return revokeAPIKey(tx, c, id) })
}

// revokeAPIKey revokes the caller's live key id, from the keys' list or
// the sessions' (C12), with its api_key_revoked entry. The conditional
// UPDATE decides: of two revocations at once, one wins and the other is
// ENOTFOUND.
func revokeAPIKey(tx *Tx, c portail.Caller, id int64) error {
	var name, prefix string
	err := tx.queryRow(`SELECT name, prefix FROM api_keys WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, id, c.Actor.UserID).
		Scan(&name, &prefix)
	if errors.Is(err, sql.ErrNoRows) {
		return portail.ErrNotFound("API key")
	} else if err != nil {
		return err
	}
	res, err := tx.exec(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
		micros(tx.now), id, c.Actor.UserID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return portail.ErrNotFound("API key")
	}
	return logActivity(tx, c, c.Actor.AccountID, c.Actor.UserID, portail.ActivityAPIKeyRevoked,
		portail.Detail{}.Add("name", name).Add("prefix", prefix))
}

// AuthenticateAPIKey resolves a key to its active user, recording the
// use (when, and the caller's address and user agent, from ctx).
// EUNAUTHENTICATED.
func (s *CredentialService) AuthenticateAPIKey(ctx context.Context, key string) (*portail.User, *portail.APIKey, portail.Actor, error) {
	bad := portail.Errorf(portail.EUNAUTHENTICATED, "The API key is not valid.")
	if !strings.HasPrefix(key, portail.APIKeyPrefix) {
		return nil, nil, portail.Actor{}, bad
	}
	var k portail.APIKey
	var mods portail.ModuleSet
	var used sql.NullInt64
	var created int64
	var mfaRequired string
	var hasFactor bool
	// One statement (DB.readRow), as for a session.
	u, err := scanUser(s.db.readRow(ctx, apiKeyQuery, portail.HashToken(key)),
		&k.ID, &k.Name, &k.Prefix, &created, &used, &mods, &mfaRequired, &hasFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, portail.Actor{}, bad
	} else if err != nil {
		return nil, nil, portail.Actor{}, s.db.unreachable(err)
	}
	k.UserID, k.CreatedAt = u.ID, fromMicros(created)
	// An API key is held to the account's second-factor requirement like
	// a session (C11); it never comes from single sign-on.
	u.MFAEnrolmentRequired = portail.MFAEnrolmentDue(portail.MFARequirement(mfaRequired), u.Role, hasFactor, false)
	now := s.db.Now()
	if !used.Valid || now.Sub(fromMicros(used.Int64)) > time.Minute {
		// At most once a minute per key, and where from (C12): the
		// UPDATE asks again, so that several serve processes, or requests
		// of one client in parallel, write it once.
		caller := portail.CallerFrom(ctx)
		if err := s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE api_keys SET last_used_at = ?, ip = ?, user_agent = ? WHERE id = ?
				AND (last_used_at IS NULL OR last_used_at < ?)`, micros(tx.now), caller.IP, truncate(caller.UserAgent, 512), k.ID,
				micros(tx.now.Add(-time.Minute)))
			return err
		}); err != nil {
			return nil, nil, portail.Actor{}, err
		}
	}
	k.LastUsedAt = &now
	return u, &k, u.Actor(mods), nil
}

// apiKeyQuery reads a live key of an active user with the user
// (userColumns, then the key's), the modules of the user's account and
// what the second-factor requirement needs.
var apiKeyQuery = `SELECT ` + prefixColumns("u.", userColumns) + `,
	k.id, k.name, k.prefix, k.created_at, k.last_used_at, a.modules, a.mfa_required, ` + hasFactorSQL("u.id") + `
	FROM api_keys k JOIN users u ON u.id = k.user_id JOIN accounts a ON a.id = u.account_id
	WHERE k.key_hash = ? AND k.revoked_at IS NULL AND u.status = 'active'`

// revokeCredentials ends everything that lets a user in besides a
// session: API keys and pending invitation and reset links (U4).
func revokeCredentials(tx *Tx, userID int64) error {
	if _, err := tx.exec(`UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, micros(tx.now), userID); err != nil {
		return err
	}
	return killTokens(tx, userID, "")
}
