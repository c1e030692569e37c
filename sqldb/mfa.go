package sqldb

// Second factors (C11): TOTP, recovery codes, the second step of a
// sign-in and the account's requirement. The factor rows of every kind
// live in mfa_factors (migration 0022); a kind keeps what only it needs
// beside its row. Every write takes the user row's lock first (lockUser),
// so a code is accepted once, a token used once and a last factor never
// removed twice over, on both databases.
//
// Another kind of factor (passkeys) plugs in here: its enrolment inserts
// its mfa_factors row (kind webauthn, confirmed_at set) with its own row
// beside it (a foreign key to mfa_factors ON DELETE CASCADE, so every
// removal here removes it too) and then calls factorAdded, which logs,
// emits user.updated and makes the first factor's recovery codes; its
// second step is completeSecondStep with a proof that checks the
// assertion (findMFAToken names the user of a token for the assertion's
// options); a passwordless sign-in ends in AuthService.startSession.

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"regexp"
	"strconv"

	"portail"
	"portail/secret"
)

// MFAService implements portail.MFAService.
type MFAService struct {
	db   *DB
	auth *AuthService // starts the session of a second step
	keys *secret.Keys // seal TOTP secrets and recovery-code keys
}

// NewMFAService returns the second factors of db; auth starts sessions,
// keys seal the secrets.
func NewMFAService(db *DB, auth *AuthService, keys *secret.Keys) *MFAService {
	return &MFAService{db: db, auth: auth, keys: keys}
}

var _ portail.MFAService = (*MFAService)(nil)

// hasFactorSQL is true when the user (a column expression) has a
// confirmed second factor of any kind: the one place that says what
// "has a second factor" means.
func hasFactorSQL(user string) string {
	return `EXISTS (SELECT 1 FROM mfa_factors f WHERE f.user_id = ` + user + ` AND f.confirmed_at IS NOT NULL)`
}

// enrolmentDue reports whether u must enrol before anything else.
func enrolmentDue(tx *Tx, u *portail.User) (bool, error) {
	var req string
	var has bool
	err := tx.queryRow(`SELECT a.mfa_required, `+hasFactorSQL("u.id")+` FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE u.id = ?`, u.ID).Scan(&req, &has)
	return portail.MFAEnrolmentDue(portail.MFARequirement(req), u.Role, has, false), err
}

// secondStepMethods are the ways u can prove the second step: the kinds
// of their confirmed factors, and recovery_code while one is unused.
// None: no second step is due.
func secondStepMethods(tx *Tx, userID int64) ([]string, error) {
	rows, err := tx.query(`SELECT DISTINCT kind FROM mfa_factors WHERE user_id = ? AND confirmed_at IS NOT NULL ORDER BY kind`, userID)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return nil, err
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		out = append(out, portail.MethodRecoveryCode)
	}
	return out, nil
}

// newMFAToken starts the second step for u after their password (hash,
// as checked) was verified: the token is stored hashed, lives
// portail.MFATokenLifetime and is used once.
func newMFAToken(tx *Tx, u *portail.User, hash string) (string, error) {
	token, tokenHash := portail.NewToken()
	_, err := tx.insert(`INSERT INTO mfa_tokens (user_id, token_hash, password_hash, temporary_password, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, u.ID, tokenHash, hash, u.PasswordChangeRequired, micros(tx.now), micros(tx.now.Add(portail.MFATokenLifetime)))
	return token, err
}

// mfaToken is a live second-step token.
type mfaToken struct {
	ID, UserID   int64
	PasswordHash string
	Temporary    bool
}

var errMFATokenInvalid = portail.Errorf(portail.ETOKENINVALID, "This sign-in has expired: sign in again with your password.")

// findMFAToken reads a live token (not used, not expired, not killed).
// ETOKENINVALID.
func findMFAToken(tx *Tx, token string) (*mfaToken, error) {
	var t mfaToken
	err := tx.queryRow(`SELECT id, user_id, password_hash, temporary_password FROM mfa_tokens
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ?`,
		portail.HashToken(token), micros(tx.now), portail.MaxMFAFailures).Scan(&t.ID, &t.UserID, &t.PasswordHash, &t.Temporary)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errMFATokenInvalid
	}
	return &t, err
}

// A proof is what a second step shows for a user, checked in the step's
// transaction under the user's lock: the method it proved, or ok false
// for a wrong one (which counts as a failure of the token and in the
// sign-in throttle). An error aborts the step without counting it.
type proof func(tx *Tx, u *portail.User) (method string, ok bool, err error)

var errWrongFactor = portail.Errorf(portail.EUNAUTHENTICATED, "Wrong code.")

// CompleteMFA checks a TOTP code or a recovery code for the token and
// starts the session.
func (s *MFAService) CompleteMFA(ctx context.Context, st portail.SecondStep) (*portail.SignIn, error) {
	return s.completeSecondStep(ctx, st.Token, st.Device, func(tx *Tx, u *portail.User) (string, bool, error) {
		return s.proveCode(tx, portail.CallerFrom(ctx), u, st.Code)
	})
}

// completeSecondStep completes the second step of the sign-in whose
// token is given once prove says the factor is proven, and starts the
// session (C6 holds from here, not from the password). Every kind of
// factor comes through here: each attempt counts in the sign-in throttle
// before it is checked, as a password does; a wrong proof counts against
// the token, whose portail.MaxMFAFailures-th kills it; a right one uses
// the token and forgives the person's failures.
func (s *MFAService) completeSecondStep(ctx context.Context, token, device string, prove proof) (*portail.SignIn, error) {
	caller := portail.CallerFrom(ctx)
	ipKey := throttleIPKey(caller.IP)
	reserve, byDevice, err := s.db.reserveSignIn(ctx, func(tx *Tx) ([]string, bool, error) {
		t, err := findMFAToken(tx, token)
		if err != nil {
			return nil, false, err
		}
		return signInKeys(tx, t.UserID, "", ipKey, device)
	})
	if err != nil {
		return nil, err
	}
	var in *portail.SignIn
	var failed error // a wrong proof, said after its count is committed
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		t, err := findMFAToken(tx, token)
		if err != nil {
			return err
		}
		status, hash, err := lockUser(tx, t.UserID)
		if err != nil {
			return err
		}
		if status != portail.StatusActive || !hash.Valid || hash.String != t.PasswordHash {
			return errMFATokenInvalid // deactivated or reset since the password
		}
		// Read again under the lock: a parallel step may have used it.
		if t, err = findMFAToken(tx, token); err != nil {
			return err
		}
		u, err := findUserByID(tx, t.UserID)
		if err != nil {
			return err
		}
		method, ok, err := prove(tx, u)
		if err != nil {
			return err
		}
		c := caller
		c.Actor.UserID = u.ID
		if !ok {
			failed = errWrongFactor
			var n int
			if err := tx.queryRow(`UPDATE mfa_tokens SET failures = failures + 1 WHERE id = ? RETURNING failures`, t.ID).Scan(&n); err != nil {
				return err
			}
			detail := portail.Detail{}.Words("wrong second factor")
			if n >= portail.MaxMFAFailures {
				failed = portail.Errorf(portail.ETOKENINVALID, "Too many wrong codes: sign in again with your password.")
				detail = detail.Words("sign-in ended")
			}
			return logActivity(tx, c, u.AccountID, u.ID, portail.ActivityMFAFailed, detail)
		}
		if _, err := tx.exec(`UPDATE mfa_tokens SET used_at = ? WHERE id = ?`, micros(tx.now), t.ID); err != nil {
			return err
		}
		if err := forgetAttempts(tx, u, u.Username, ipKey, reserve, byDevice); err != nil {
			return err
		}
		in = &portail.SignIn{User: u}
		in.Token, err = s.auth.startSession(tx, caller, u, sessionStart{Device: device, TemporaryPasswordTyped: t.Temporary,
			Detail: portail.Detail{}.Add("second factor", method)})
		return err
	})
	if err != nil {
		return nil, err
	}
	if failed != nil {
		return nil, failed
	}
	return in, nil
}

var digits6 = regexp.MustCompile(`^[0-9]{6}$`)

// proveCode checks a TOTP code of u's (6 digits) or else an unused
// recovery code; a TOTP step or a recovery code is used up here.
func (s *MFAService) proveCode(tx *Tx, c portail.Caller, u *portail.User, code string) (string, bool, error) {
	if digits6.MatchString(code) {
		ok, err := s.matchTOTP(tx, u.ID, code, true)
		return portail.MethodTOTP, ok, err
	}
	if portail.NormalizeRecoveryCode(code) == "" {
		return portail.MethodRecoveryCode, false, nil
	}
	ok, err := s.useRecoveryCode(tx, u.ID, code)
	if ok && err == nil {
		c.Actor.UserID = u.ID
		var left int
		if err := tx.queryRow(`SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, u.ID).Scan(&left); err != nil {
			return "", false, err
		}
		err = logActivity(tx, c, u.AccountID, u.ID, portail.ActivityMFARecoveryUsed, portail.Detail{}.Add("left", strconv.Itoa(left)))
	}
	return portail.MethodRecoveryCode, ok, err
}

// matchTOTP checks code against u's TOTP factors (confirmed ones, or the
// pending one when confirmed is false) and records its step, so that the
// same code, or an older one, is refused from then on.
func (s *MFAService) matchTOTP(tx *Tx, userID int64, code string, confirmed bool) (bool, error) {
	cond := `confirmed_at IS NOT NULL`
	if !confirmed {
		cond = `confirmed_at IS NULL`
	}
	rows, err := tx.query(`SELECT id, secret, last_step FROM mfa_factors WHERE user_id = ? AND kind = ? AND `+cond, userID, portail.FactorTOTP)
	if err != nil {
		return false, err
	}
	type cand struct {
		id     int64
		sealed string
		last   int64
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.id, &c.sealed, &c.last); err != nil {
			rows.Close()
			return false, err
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, c := range cands {
		sec, err := s.keys.Open(c.sealed)
		if err != nil {
			return false, err
		}
		step, ok := portail.MatchTOTP(sec, code, tx.now, c.last)
		if !ok {
			continue
		}
		// The confirming code is not a use: last_used_at waits for a sign-in.
		used := sql.NullInt64{Int64: micros(tx.now), Valid: confirmed}
		_, err = tx.exec(`UPDATE mfa_factors SET last_step = ?, last_used_at = COALESCE(?, last_used_at) WHERE id = ?`, step, used, c.id)
		return true, err
	}
	return false, nil
}

// useRecoveryCode uses up one unused recovery code of the user's that
// code is. Every unused code is compared, so the time says nothing.
func (s *MFAService) useRecoveryCode(tx *Tx, userID int64, code string) (bool, error) {
	rows, err := tx.query(`SELECT id, code_hash, sealed_key FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID)
	if err != nil {
		return false, err
	}
	var match int64
	for rows.Next() {
		var id int64
		var hash, sealed string
		if err := rows.Scan(&id, &hash, &sealed); err != nil {
			rows.Close()
			return false, err
		}
		key, err := s.keys.Open(sealed)
		if err != nil {
			rows.Close()
			return false, err
		}
		if subtle.ConstantTimeCompare([]byte(portail.HashRecoveryCode(key, code)), []byte(hash)) == 1 {
			match = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || match == 0 {
		return false, err
	}
	_, err = tx.exec(`UPDATE mfa_recovery_codes SET used_at = ? WHERE id = ?`, micros(tx.now), match)
	return err == nil, err
}

// newRecoveryCodes replaces the user's recovery codes by
// portail.RecoveryCodeCount new ones, returned once in clear.
func (s *MFAService) newRecoveryCodes(tx *Tx, userID int64) ([]string, error) {
	if _, err := tx.exec(`DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID); err != nil {
		return nil, err
	}
	codes := make([]string, portail.RecoveryCodeCount)
	for i := range codes {
		codes[i] = portail.NewRecoveryCode()
		key, _ := portail.NewToken()
		sealed, err := s.keys.Seal(key)
		if err != nil {
			return nil, err
		}
		if _, err := tx.insert(`INSERT INTO mfa_recovery_codes (user_id, code_hash, sealed_key, created_at) VALUES (?, ?, ?, ?)`,
			userID, portail.HashRecoveryCode(key, codes[i]), sealed, micros(tx.now)); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// factorAdded is what follows a factor's confirmation, of any kind: the
// activity entry, the user.updated event, and for the user's first
// factor their recovery codes (returned once; nil for a later factor).
// Call it after the factor row is confirmed, under the user's lock.
func (s *MFAService) factorAdded(tx *Tx, c portail.Caller, u *portail.User, kind portail.FactorKind) ([]string, error) {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM mfa_factors WHERE user_id = ? AND confirmed_at IS NOT NULL`, u.ID).Scan(&n); err != nil {
		return nil, err
	}
	if err := logActivity(tx, c, u.AccountID, u.ID, portail.ActivityMFAAdded, portail.Detail{}.Add("kind", string(kind))); err != nil {
		return nil, err
	}
	if err := emitUserEvent(tx, portail.EventUserUpdated, u); err != nil {
		return nil, err
	}
	if n > 1 {
		return nil, nil
	}
	return s.newRecoveryCodes(tx, u.ID)
}

// removeFactors removes factors of a user (one, or all when id is 0)
// and, once none is left, the recovery codes and the second steps under
// way. It returns how many factors it removed.
func removeFactors(tx *Tx, userID, id int64) (int64, error) {
	q, args := `DELETE FROM mfa_factors WHERE user_id = ?`, []any{userID}
	if id != 0 {
		q, args = q+` AND id = ? AND confirmed_at IS NOT NULL`, append(args, id)
	}
	res, err := tx.exec(q, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	var left bool
	if err := tx.queryRow(`SELECT `+hasFactorSQL("?"), userID).Scan(&left); err != nil {
		return 0, err
	}
	if !left {
		if _, err := tx.exec(`DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return 0, err
		}
		if _, err := tx.exec(`UPDATE mfa_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, micros(tx.now), userID); err != nil {
			return 0, err
		}
	}
	return n, nil
}

var errNotFresh = portail.Errorf(portail.EFORBIDDEN, "Sign in again (within the last 10 minutes), in a browser, to change your second factors.")

// freshSignIn: adding, renewing or removing a second factor needs a
// browser session begun within RecentSignIn, so that an API key or an old
// stolen cookie cannot turn itself into a lasting way in (a passkey signs
// in without the password). Given u, a user the account makes enrol is let
// through whatever their session's age: enrolling is all they may do.
func freshSignIn(tx *Tx, c portail.Caller, u *portail.User) error {
	if c.SessionID == 0 {
		return errNotFresh
	}
	var created int64
	if err := tx.queryRow(`SELECT created_at FROM sessions WHERE id = ?`, c.SessionID).Scan(&created); err != nil {
		return err
	}
	if tx.now.Sub(fromMicros(created)) <= portail.RecentSignIn {
		return nil
	}
	if u != nil {
		if due, err := enrolmentDue(tx, u); err != nil || due {
			return err
		}
	}
	return errNotFresh
}

// signedInUser locks and reads the caller's own user row.
func signedInUser(tx *Tx, c portail.Caller) (*portail.User, sql.NullString, error) {
	if c.Actor.UserID == 0 {
		return nil, sql.NullString{}, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	status, hash, err := lockUser(tx, c.Actor.UserID)
	if err != nil {
		return nil, hash, err
	}
	if status != portail.StatusActive {
		return nil, hash, portail.Errorf(portail.EUNAUTHENTICATED, "Your session has ended; sign in again.")
	}
	u, err := findUserByID(tx, c.Actor.UserID)
	return u, hash, err
}

// Factors lists the caller's confirmed factors, oldest first.
func (s *MFAService) Factors(ctx context.Context) ([]portail.Factor, error) {
	c := portail.CallerFrom(ctx)
	var out []portail.Factor
	err := s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, kind, name, created_at, last_used_at FROM mfa_factors
			WHERE user_id = ? AND confirmed_at IS NOT NULL ORDER BY id`, c.Actor.UserID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f portail.Factor
			var kind string
			var created int64
			var used sql.NullInt64
			if err := rows.Scan(&f.ID, &kind, &f.Name, &created, &used); err != nil {
				return err
			}
			f.Kind, f.CreatedAt, f.LastUsedAt = portail.FactorKind(kind), fromMicros(created), timePtr(used)
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

// StartTOTP makes a pending TOTP secret for the caller, replacing an
// earlier pending one. A user has one authenticator app: with a confirmed
// one, ECONFLICT.
func (s *MFAService) StartTOTP(ctx context.Context) (*portail.TOTPEnrolment, error) {
	c := portail.CallerFrom(ctx)
	var e portail.TOTPEnrolment
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		u, _, err := signedInUser(tx, c)
		if err != nil {
			return err
		}
		if err := freshSignIn(tx, c, u); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM mfa_factors WHERE user_id = ? AND kind = ? AND confirmed_at IS NOT NULL`,
			u.ID, portail.FactorTOTP).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return portail.Errorf(portail.ECONFLICT, "You already have an authenticator app; remove it first to add another.")
		}
		if _, err := tx.exec(`DELETE FROM mfa_factors WHERE user_id = ? AND kind = ? AND confirmed_at IS NULL`, u.ID, portail.FactorTOTP); err != nil {
			return err
		}
		if e.Secret, e.URL, err = portail.NewTOTP(u.Username); err != nil {
			return err
		}
		sealed, err := s.keys.Seal(e.Secret)
		if err != nil {
			return err
		}
		_, err = tx.insert(`INSERT INTO mfa_factors (user_id, kind, name, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
			u.ID, portail.FactorTOTP, "Authenticator app", sealed, micros(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// recoveryCodesOf runs fn for the caller, locked, and answers the
// recovery codes it made (never nil: none is an empty list).
func (s *MFAService) recoveryCodesOf(ctx context.Context, fn func(tx *Tx, c portail.Caller, u *portail.User) ([]string, error)) ([]string, error) {
	c := portail.CallerFrom(ctx)
	var codes []string
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		u, _, err := signedInUser(tx, c)
		if err != nil {
			return err
		}
		if err := freshSignIn(tx, c, u); err != nil {
			return err
		}
		codes, err = fn(tx, c, u)
		return err
	})
	if codes == nil && err == nil {
		codes = []string{}
	}
	return codes, err
}

// ConfirmTOTP activates the pending secret with one of its codes.
func (s *MFAService) ConfirmTOTP(ctx context.Context, code string) ([]string, error) {
	return s.recoveryCodesOf(ctx, func(tx *Tx, c portail.Caller, u *portail.User) ([]string, error) {
		ok, err := false, error(nil)
		if digits6.MatchString(code) {
			if ok, err = s.matchTOTP(tx, u.ID, code, false); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, portail.Invalid("code", "The code is wrong or expired: type the code your app shows now.")
		}
		if _, err := tx.exec(`UPDATE mfa_factors SET confirmed_at = ? WHERE user_id = ? AND kind = ? AND confirmed_at IS NULL`,
			micros(tx.now), u.ID, portail.FactorTOTP); err != nil {
			return nil, err
		}
		return s.factorAdded(tx, c, u, portail.FactorTOTP)
	})
}

// NewRecoveryCodes replaces the caller's recovery codes.
func (s *MFAService) NewRecoveryCodes(ctx context.Context) ([]string, error) {
	return s.recoveryCodesOf(ctx, func(tx *Tx, c portail.Caller, u *portail.User) ([]string, error) {
		var has bool
		if err := tx.queryRow(`SELECT `+hasFactorSQL("?"), u.ID).Scan(&has); err != nil {
			return nil, err
		}
		if !has {
			return nil, portail.Errorf(portail.EFORBIDDEN, "Add a second factor first: recovery codes stand in for one.")
		}
		codes, err := s.newRecoveryCodes(tx, u.ID)
		if err != nil {
			return nil, err
		}
		return codes, logActivity(tx, c, u.AccountID, u.ID, portail.ActivityMFARecoveryRenewed, nil)
	})
}

var errStillRequired = portail.Errorf(portail.EFORBIDDEN, "Your account requires a second factor: you cannot remove your last one.")

// requiredOf reports whether u's account requires a factor of them.
func requiredOf(tx *Tx, u *portail.User) (bool, error) {
	var req string
	if err := tx.queryRow(`SELECT mfa_required FROM accounts WHERE id = ?`, u.AccountID).Scan(&req); err != nil {
		return false, err
	}
	return portail.MFARequirement(req).Requires(u.Role), nil
}

// RemoveFactors removes all of the caller's factors after their password.
func (s *MFAService) RemoveFactors(ctx context.Context, pw string) error {
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	var hash sql.NullString
	if err := s.db.readTx(ctx, func(tx *Tx) error {
		return tx.queryRow(`SELECT password_hash FROM users WHERE id = ?`, c.Actor.UserID).Scan(&hash)
	}); err != nil {
		return err
	}
	if err := s.db.reservePasswordGuess(ctx, c.Actor.UserID); err != nil {
		return err
	}
	if !verifyStored(hash, pw) {
		return portail.Invalid("password", "The password is wrong.")
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		u, now, err := signedInUser(tx, c)
		if err != nil {
			return err
		}
		if now != hash {
			return portail.Invalid("password", "The password is wrong.")
		}
		if req, err := requiredOf(tx, u); err != nil {
			return err
		} else if req {
			return errStillRequired
		}
		if err := clearThrottle(tx, throttleUserKey(u.ID)); err != nil {
			return err
		}
		n, err := removeFactors(tx, u.ID, 0)
		if err != nil || n == 0 {
			return err
		}
		return s.removed(tx, c, u, portail.ActivityMFARemoved, portail.Detail{}.Words("every second factor"))
	})
}

// removed records a removal: its entry and the user.updated event.
func (s *MFAService) removed(tx *Tx, c portail.Caller, u *portail.User, typ portail.ActivityType, d portail.Detail) error {
	if err := logActivity(tx, c, u.AccountID, u.ID, typ, d); err != nil {
		return err
	}
	return emitUserEvent(tx, portail.EventUserUpdated, u)
}

// RemoveFactor removes one of the caller's factors; the caller's browser
// session must have signed in within portail.RecentSignIn (an API key
// never may: it proves no recent sign-in).
func (s *MFAService) RemoveFactor(ctx context.Context, id int64) error {
	c := portail.CallerFrom(ctx)
	return s.db.writeTx(ctx, func(tx *Tx) error {
		u, _, err := signedInUser(tx, c)
		if err != nil {
			return err
		}
		var kind string
		if err := tx.queryRow(`SELECT kind FROM mfa_factors WHERE id = ? AND user_id = ? AND confirmed_at IS NOT NULL`, id, u.ID).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
			return portail.ErrNotFound("Factor")
		} else if err != nil {
			return err
		}
		if err := freshSignIn(tx, c, nil); err != nil {
			return err
		}
		var others int
		if err := tx.queryRow(`SELECT COUNT(*) FROM mfa_factors WHERE user_id = ? AND id <> ? AND confirmed_at IS NOT NULL`, u.ID, id).Scan(&others); err != nil {
			return err
		}
		if others == 0 {
			if req, err := requiredOf(tx, u); err != nil {
				return err
			} else if req {
				return errStillRequired
			}
		}
		if _, err := removeFactors(tx, u.ID, id); err != nil {
			return err
		}
		return s.removed(tx, c, u, portail.ActivityMFARemoved, portail.Detail{}.Add("kind", kind))
	})
}

// ResetMFA removes every factor of a user the caller manages, and tells
// the user by e-mail in the same transaction.
func (s *MFAService) ResetMFA(ctx context.Context, userID int64) error {
	c := portail.CallerFrom(ctx)
	return s.db.writeTx(ctx, func(tx *Tx) error {
		u, err := visibleUser(tx, c.Actor, userID)
		if err != nil {
			return err
		}
		if !portail.Can(c.Actor, portail.ActResetUserMFA, u.Resource()) {
			return portail.Errorf(portail.EFORBIDDEN, "You may not reset this user's second factors.")
		}
		if _, _, err := lockUser(tx, u.ID); err != nil {
			return err
		}
		if _, err := removeFactors(tx, u.ID, 0); err != nil {
			return err
		}
		if err := s.removed(tx, c, u, portail.ActivityMFAReset, nil); err != nil {
			return err
		}
		return enqueueEmail(tx, u.AccountID, u.ID, u.Email, u.Language, portail.EmailMFAReset,
			portail.EmailParams{FullName: u.FullName, Username: u.Username})
	})
}

// MFARequirement reads the caller's account's setting (admins).
func (s *MFAService) MFARequirement(ctx context.Context) (portail.MFARequirement, error) {
	a := portail.CallerFrom(ctx).Actor
	if !portail.Can(a, portail.ActManageAccountSecurity, portail.Resource{AccountID: a.AccountID}) {
		return "", portail.Errorf(portail.EFORBIDDEN, "Only an admin sees the account's security settings.")
	}
	var req string
	err := s.db.readTx(ctx, func(tx *Tx) error {
		return tx.queryRow(`SELECT mfa_required FROM accounts WHERE id = ?`, a.AccountID).Scan(&req)
	})
	return portail.MFARequirement(req), err
}

// SetMFARequirement sets whom the account requires a second factor of.
func (s *MFAService) SetMFARequirement(ctx context.Context, r portail.MFARequirement) error {
	c := portail.CallerFrom(ctx)
	if !portail.Can(c.Actor, portail.ActManageAccountSecurity, portail.Resource{AccountID: c.Actor.AccountID}) {
		return portail.Errorf(portail.EFORBIDDEN, "Only an admin changes the account's security settings.")
	}
	if !r.Valid() {
		return portail.Invalid("mfa_required", "Choose none, admins or everyone.")
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		var old string
		if err := tx.queryRow(`SELECT mfa_required FROM accounts WHERE id = ?`, c.Actor.AccountID).Scan(&old); err != nil {
			return err
		}
		if old == string(r) {
			return nil
		}
		if _, err := tx.exec(`UPDATE accounts SET mfa_required = ? WHERE id = ?`, string(r), c.Actor.AccountID); err != nil {
			return err
		}
		return logActivity(tx, c, c.Actor.AccountID, 0, portail.ActivityAccountSecuritySet, portail.Detail{}.Change("mfa_required", old, string(r)))
	})
}
