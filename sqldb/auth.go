package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"portail"
	"portail/password"
)

// AuthService implements portail.AuthService.
type AuthService struct {
	db *DB
	// Idle ends a session unused this long; Lifetime ends any session this
	// old. Rules checks new passwords.
	Idle     time.Duration
	Lifetime time.Duration
	Rules    password.Rules
}

// NewAuthService returns the auth service of db with default lifetimes.
func NewAuthService(db *DB) *AuthService {
	return &AuthService{db: db, Idle: portail.DefaultSessionIdle, Lifetime: portail.DefaultSessionLifetime}
}

var _ portail.AuthService = (*AuthService)(nil)

var errBadLogin = portail.Errorf(portail.EUNAUTHENTICATED, "Wrong username or password.")

var errInactive = portail.Errorf(portail.EACCOUNTINACTIVE, "Your account is deactivated. Ask an administrator of your account to reactivate it.")

// Login checks a username or e-mail and a password. It answers the same
// error, after the same work, for an unknown login, an invited user and a
// wrong password (C7); a deactivated user who typed the right password is
// told so (account_inactive), which the password alone earns, after the
// same work and with the attempt counted as a failure. On success the
// session starts (startSession).
func (s *AuthService) Login(ctx context.Context, l portail.Login) (*portail.SignIn, error) {
	caller := portail.CallerFrom(ctx)
	key := portail.NormalizeKey(l.Login)
	ipKey := throttleIPKey(caller.IP)
	var u *portail.User
	var hash sql.NullString
	// reserve: the keys this attempt counts under.
	reserve, byDevice, err := s.db.reserveSignIn(ctx, func(tx *Tx) ([]string, bool, error) {
		// A login names a username first, else an e-mail: both are unique,
		// and a username holds no "@", so at most one user matches.
		row := tx.queryRow(`SELECT `+userColumns+`, password_hash FROM users WHERE username_key = ? OR email_key = ?
			ORDER BY CASE WHEN username_key = ? THEN 0 ELSE 1 END LIMIT 1`, key, key, key)
		var err error
		u, err = scanUser(row, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			u, err = nil, nil
		}
		if err != nil {
			return nil, false, err
		}
		if u != nil {
			// An account that requires SSO of this user takes no password
			// (C13); saying so tells what the sign-in page's discovery
			// tells anyway (Wave-2 details 13).
			if off, err := passwordsOff(tx, u); err != nil {
				return nil, false, err
			} else if off {
				return nil, false, errSSORequired
			}
		}
		var userID int64
		if u != nil {
			userID = u.ID
		}
		return signInKeys(tx, userID, key, ipKey, l.Device)
	})
	if err != nil {
		return nil, err
	}
	// Hash outside any transaction: it takes tens of milliseconds of CPU
	// and must not hold the SQLite writer. Unknown and passwordless users
	// cost the same time as a wrong password.
	ok := false
	if u != nil && hash.Valid {
		ok = password.Verify(hash.String, l.Password)
	} else {
		password.VerifyNothing(l.Password)
	}
	s.db.at("login:verified")
	if !ok || u.Status != portail.StatusActive {
		if u != nil {
			// After answering, through the group committer: a transaction
			// of its own here made a wrong password at an existing name
			// one commit slower than at an unknown name, which writes
			// nothing more (issue 10, item 8).
			s.db.recordActivityLater(portail.Activity{AccountID: u.AccountID, UserID: u.ID, ActorID: caller.Actor.UserID,
				Type: portail.ActivityLoginFailed, IP: caller.IP, UserAgent: caller.UserAgent})
		}
		if ok && u.Status == portail.StatusInactive {
			return nil, errInactive // counted as well
		}
		return nil, errBadLogin // its attempt is counted already
	}
	in := &portail.SignIn{User: u}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// The user row first, locked: a deactivation, a reset or another
		// sign-in of the same person may have landed while the password
		// was being hashed, and each takes this lock before it acts. The
		// password verified must still be the user's (item 3), and the
		// sessions ended below are all those committed before (C6).
		status, current, err := lockUser(tx, u.ID)
		if err != nil {
			return err
		}
		if status != portail.StatusActive || current != hash {
			return errBadLogin
		}
		// A second factor due (C11): no session yet, and C6 waits for the
		// second step. The right password neither counts as a failure nor
		// forgives the earlier ones: the person's failures, passwords and
		// codes together, are forgiven only when the second step succeeds,
		// so a known password does not buy fresh guesses at the code.
		if in.Methods, err = secondStepMethods(tx, u.ID); err != nil {
			return err
		}
		if len(in.Methods) > 0 {
			for _, k := range reserve {
				if err := releaseAttempt(tx, k); err != nil {
					return err
				}
			}
			in.MFAToken, err = newMFAToken(tx, u, hash.String)
			return err
		}
		if err := forgetAttempts(tx, u, key, ipKey, reserve, byDevice); err != nil {
			return err
		}
		in.Token, err = s.startSession(tx, caller, u, sessionStart{Device: l.Device, TemporaryPasswordTyped: u.PasswordChangeRequired})
		if err != nil {
			return err
		}
		in.MFAEnrolmentRequired, err = enrolmentDue(tx, u)
		u.MFAEnrolmentRequired = in.MFAEnrolmentRequired
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// reserveSignIn counts a sign-in attempt (a password, a second step)
// before its proof is checked, under the keys keysOf finds in the
// transaction (and whether they are a known browser's); a key locked
// refuses it with 429 too_many_attempts, counting nothing.
func (db *DB) reserveSignIn(ctx context.Context, keysOf func(tx *Tx) ([]string, bool, error)) ([]string, bool, error) {
	var keys []string
	byDevice := false
	err := db.writeTx(ctx, func(tx *Tx) (err error) {
		if keys, byDevice, err = keysOf(tx); err != nil {
			return err
		}
		return reserveAttempt(tx, keys...)
	})
	var throttled errThrottled
	if errors.As(err, &throttled) {
		return nil, false, tooManyAttempts(throttled.wait)
	}
	return keys, byDevice, err
}

// signInKeys are the throttle keys a sign-in attempt counts under: the
// user's (or the name typed, when it names nobody) and the address's, or
// a known browser's alone. userID 0 is nobody.
func signInKeys(tx *Tx, userID int64, key, ipKey, device string) (keys []string, byDevice bool, err error) {
	keys = []string{throttleLoginKey(key), ipKey}
	if userID != 0 {
		keys[0] = throttleUserKey(userID)
	}
	if device != "" {
		// Asked for an unknown name too (user 0 has no browser): both
		// paths do the same work.
		known, err := knownDevice(tx, userID, device)
		if err != nil {
			return nil, false, err
		}
		if known {
			// Counted under the browser alone: a stolen device cookie is
			// throttled like a name, but the guesses made elsewhere, at
			// the name or from the address, do not keep the real user
			// out; behind a proxy or in an office, everyone shares the
			// address.
			return []string{throttleDeviceKey(userID, device)}, true, nil
		}
	}
	return keys, false, nil
}

// forgetAttempts is a success's effect on the throttle: it forgets the
// failures of this person, and takes its own attempt back from the
// address's count. A sign-in from a known browser that passed a lock on
// the name leaves the lock to the others: it says nothing of the guesses
// made elsewhere.
func forgetAttempts(tx *Tx, u *portail.User, key, ipKey string, reserved []string, byDevice bool) error {
	forget := append(loginKeys(u), throttleLoginKey(key))
	if byDevice {
		forget = reserved
	}
	if err := clearThrottle(tx, forget...); err != nil {
		return err
	}
	if byDevice {
		return nil
	}
	return releaseAttempt(tx, ipKey)
}

// sessionStart is what a sign-in knows besides the user when it starts a
// session.
type sessionStart struct {
	// Device is the browser's device cookie, remembered as known to the
	// user (the sign-in throttle's own key); empty for a client without.
	Device string
	// TemporaryPasswordTyped: the sign-in typed the temporary password the
	// user must replace, which this session may then replace without
	// typing it again, for a few minutes (C2).
	TemporaryPasswordTyped bool
	// Detail, when set, is the login_succeeded entry's detail (how the
	// user proved who they are: a second factor, a passkey, SSO).
	Detail portail.Detail
	// SSO: the company's provider signed the user in; the session owes
	// no portail second factor.
	SSO bool
}

// startSession starts a browser session for u, who has proved who they
// are, and returns its token: the one way every sign-in (password, second
// factor, passkey, SSO) lets a person in. It runs in the caller's write
// transaction, which must hold the user row's lock (lockUser) taken after
// the proof was checked, so that the sessions ended here are all those
// committed before (C6: one browser session per person; the ended ones
// answer session_replaced). It records the address and user agent, the
// browser as known, last_login_at, and the activity.
func (s *AuthService) startSession(tx *Tx, caller portail.Caller, u *portail.User, st sessionStart) (string, error) {
	if st.Device != "" {
		if err := rememberDevice(tx, u.ID, st.Device); err != nil {
			return "", err
		}
	}
	n, err := endSessionsCount(tx, u.ID, 0, portail.SessionEndReplaced)
	if err != nil {
		return "", err
	}
	c := caller
	c.Actor.UserID = u.ID
	if n > 0 {
		if err := logActivity(tx, c, u.AccountID, u.ID, portail.ActivitySessionReplaced, portail.Detail{}.Words("an earlier session was ended by this login")); err != nil {
			return "", err
		}
	}
	var typed sql.NullInt64
	if st.TemporaryPasswordTyped {
		typed = sql.NullInt64{Int64: micros(tx.now.Add(portail.TemporaryPasswordGrace)), Valid: true}
	}
	token, tokenHash := portail.NewToken()
	if _, err := tx.insert(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent,
		temporary_password_typed_until, sso) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, tokenHash, micros(tx.now), micros(tx.now),
		micros(tx.now.Add(s.Lifetime)), caller.IP, truncate(caller.UserAgent, 512), typed, st.SSO); err != nil {
		return "", err
	}
	if _, err := tx.exec(`UPDATE users SET last_login_at = ? WHERE id = ?`, micros(tx.now), u.ID); err != nil {
		return "", err
	}
	now := tx.now
	u.LastLoginAt = &now
	return token, logActivity(tx, c, u.AccountID, u.ID, portail.ActivityLoginSucceeded, st.Detail)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Authenticate resolves a session token. An ended session answers
// ESESSIONREPLACED when a newer login ended it, so the browser can tell
// its user why; any other dead session answers EUNAUTHENTICATED.
func (s *AuthService) Authenticate(ctx context.Context, token string) (*portail.User, *portail.Session, portail.Actor, error) {
	var sess portail.Session
	var accountModules portail.ModuleSet
	now := s.db.Now()
	// One statement (DB.readRow): every authenticated request runs it.
	var created, seen, expires int64
	var ended sql.NullInt64
	var reason sql.NullString
	var mfaRequired string
	var hasFactor, bySSO bool
	u, err := scanUser(s.db.readRow(ctx, authenticateQuery, portail.HashToken(token)),
		&sess.ID, &created, &seen, &expires, &ended, &reason, &accountModules, &mfaRequired, &hasFactor, &bySSO)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, portail.Actor{}, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	} else if err != nil {
		return nil, nil, portail.Actor{}, s.db.unreachable(err)
	}
	sess.UserID = u.ID
	u.MFAEnrolmentRequired = portail.MFAEnrolmentDue(portail.MFARequirement(mfaRequired), u.Role, hasFactor, bySSO)
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	sess.EndedAt, sess.EndReason = timePtr(ended), reason.String
	switch {
	case sess.EndedAt != nil && sess.EndReason == portail.SessionEndReplaced:
		return nil, nil, portail.Actor{}, portail.Errorf(portail.ESESSIONREPLACED, "You were signed out because you signed in somewhere else.")
	case sess.EndedAt != nil && sess.EndReason == portail.SessionEndEnded && u.Status == portail.StatusActive:
		return nil, nil, portail.Actor{}, portail.Errorf(portail.ESESSIONENDED, "You were signed out: this session was ended from another place, by you or by an administrator.")
	case sess.EndedAt != nil, u.Status != portail.StatusActive:
		return nil, nil, portail.Actor{}, portail.Errorf(portail.EUNAUTHENTICATED, "Your session has ended; sign in again.")
	case now.After(sess.ExpiresAt), now.Sub(sess.LastSeenAt) > s.Idle:
		return nil, nil, portail.Actor{}, portail.Errorf(portail.EUNAUTHENTICATED, "Your session has expired; sign in again.")
	}
	// Record activity at most once a minute: the idle timeout needs no
	// finer grain and most requests then stay read-only.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL`, micros(now), sess.ID)
			return err
		}); err != nil {
			return nil, nil, portail.Actor{}, err
		}
		sess.LastSeenAt = now
	}
	return u, &sess, u.Actor(accountModules), nil
}

// authenticateQuery reads a session with its user (userColumns, then the
// session's), the modules of the user's account, and whether the user
// must enrol a second factor (the account's requirement, and whether the
// user has one).
var authenticateQuery = `SELECT ` + prefixColumns("u.", userColumns) + `,
	s.id, s.created_at, s.last_seen_at, s.expires_at, s.ended_at, s.end_reason, a.modules, a.mfa_required, ` + hasFactorSQL("u.id") + `, s.sso
	FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id
	WHERE s.token_hash = ?`

// Logout ends the caller's session.
func (s *AuthService) Logout(ctx context.Context) error {
	c := portail.CallerFrom(ctx)
	if c.SessionID == 0 {
		return nil
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`,
			micros(tx.now), portail.SessionEndLogout, c.SessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return logActivity(tx, c, c.Actor.AccountID, c.Actor.UserID, portail.ActivityLogout, nil)
	})
}

// ChangePassword replaces the caller's password after checking the current
// one, and ends every other session of theirs. The check is throttled by
// the user like a sign-in, each attempt counted before the password is
// checked (issue 10, item 12): a stolen session must not give unlimited
// guesses at the password. EINVALID, EUNAUTHENTICATED, ETOOMANYATTEMPTS.
func (s *AuthService) ChangePassword(ctx context.Context, current, next string) error {
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	var hash sql.NullString
	var username string
	typed := false // the temporary password was typed at this session's sign-in
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		if err := tx.queryRow(`SELECT password_hash, username FROM users WHERE id = ?`, c.Actor.UserID).Scan(&hash, &username); err != nil {
			return err
		}
		if current == "" {
			typed, err = temporaryPasswordTyped(tx, c)
		}
		return err
	}); err != nil {
		return err
	}
	// A wrong current password and a refused new one are said together.
	rules := s.Rules.Check("new_password", next, username)
	if !typed {
		if err := s.db.reservePasswordGuess(ctx, c.Actor.UserID); err != nil {
			return err
		}
		if !verifyStored(hash, current) {
			return portail.JoinInvalid(&portail.Error{Code: portail.EINVALID, Message: "The current password is wrong.",
				Fields: []portail.FieldError{{Field: "current_password", Message: "The current password is wrong."}}}, rules)
		}
	}
	s.db.at("password:verified")
	if rules != nil {
		return rules
	}
	newHash := password.Hash(next)
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// The password checked must still be the user's: a reset may have
		// replaced it meanwhile, and this change must not undo it.
		status, now, err := lockUser(tx, c.Actor.UserID)
		if err != nil {
			return err
		}
		if status != portail.StatusActive || now != hash {
			return portail.Errorf(portail.EUNAUTHENTICATED, "Your session has ended; sign in again.")
		}
		if typed {
			// Asked again under the lock: the grace is one change.
			if still, err := temporaryPasswordTyped(tx, c); err != nil {
				return err
			} else if !still {
				return portail.Errorf(portail.EUNAUTHENTICATED, "Your session has ended; sign in again.")
			}
			if _, err := tx.exec(`UPDATE sessions SET temporary_password_typed_until = NULL WHERE id = ?`, c.SessionID); err != nil {
				return err
			}
		}
		u, err := findUserByID(tx, c.Actor.UserID)
		if err != nil {
			return err
		}
		return setPassword(tx, c, u, newHash, c.SessionID, nil) // clears the throttle too
	})
}

// TemporaryPasswordTyped reports whether the caller's session began, less
// than portail.TemporaryPasswordGrace ago, with a sign-in that typed the
// temporary password the caller must still replace.
func (s *AuthService) TemporaryPasswordTyped(ctx context.Context) (bool, error) {
	c := portail.CallerFrom(ctx)
	var typed bool
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		typed, err = temporaryPasswordTyped(tx, c)
		return err
	})
	return typed, err
}

// temporaryPasswordTyped asks the flag the sign-in set on the caller's
// session: only that session (never an API key), only while it lives and
// within the grace, only while the password is still to be replaced.
func temporaryPasswordTyped(tx *Tx, c portail.Caller) (bool, error) {
	if c.SessionID == 0 || c.Actor.UserID == 0 {
		return false, nil
	}
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = ? AND s.user_id = ? AND s.ended_at IS NULL AND s.temporary_password_typed_until > ?
		AND u.password_change_required = ?`, c.SessionID, c.Actor.UserID, micros(tx.now), true).Scan(&n)
	return n > 0, err
}

// endSessions ends the live sessions of a user, all but keep, for reason.
func endSessions(tx *Tx, userID, keep int64, reason string) error {
	_, err := endSessionsCount(tx, userID, keep, reason)
	return err
}

func endSessionsCount(tx *Tx, userID, keep int64, reason string) (int64, error) {
	res, err := tx.exec(`UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL AND id <> ?`,
		micros(tx.now), reason, userID, keep)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
