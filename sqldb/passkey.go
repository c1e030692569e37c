package sqldb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"portail"
	"portail/passkey"
)

// PasskeyService implements portail.PasskeyService (C11). The ceremonies
// live in the database (passkey_ceremonies), keyed by the SHA-256 of
// their challenge, which the browser signs back inside clientDataJSON:
// any serve process can finish what another began, and an answer takes
// its ceremony away in the statement that reads it (DELETE … RETURNING),
// so a replay finds nothing. The verification (package passkey) runs
// between the taking and the writing; the write then asks again, under
// the user's lock and a compare-and-set on the sign count.
type PasskeyService struct {
	db  *DB
	rp  *passkey.RP // nil: passkeys are off
	mfa *MFAService // a passkey is a second factor of theirs
	// MaxSignIns caps the passwordless sign-in ceremonies alive at once
	// (portail.MaxPasskeySignIns; tests lower it).
	MaxSignIns int
}

// NewPasskeyService returns the passkeys of db for the relying party rp
// (nil: off), second factors of mfa, whose second step and session start
// they share.
func NewPasskeyService(db *DB, rp *passkey.RP, mfa *MFAService) *PasskeyService {
	return &PasskeyService{db: db, rp: rp, mfa: mfa, MaxSignIns: portail.MaxPasskeySignIns}
}

var _ portail.PasskeyService = (*PasskeyService)(nil)

// Ceremony kinds.
const (
	ceremonyRegister = "register" // adding a passkey, bound to its user
	ceremonySignIn   = "signin"   // a passwordless sign-in, anonymous
	ceremonyFactor   = "factor"   // the second step after a password, bound to its user
)

var (
	// errPasskeyRefused is every refusal of a sign-in: which check failed
	// is nobody's business but the log's.
	errPasskeyRefused = portail.Errorf(portail.EUNAUTHENTICATED, "This passkey was not accepted. Try again, or sign in with your password.")
)

func credentialInvalid(msg string) error {
	return &portail.Error{Code: portail.EINVALID, Message: msg, Fields: []portail.FieldError{{Field: "credential", Message: msg}}}
}

// PasskeysEnabled reports whether the base URL lets passkeys on.
func (s *PasskeyService) PasskeysEnabled() bool { return s.rp != nil }

func (s *PasskeyService) on() error {
	if s.rp == nil {
		return portail.ErrPasskeysOff
	}
	return nil
}

// passkeyRow is a stored passkey with what a ceremony needs of it.
type passkeyRow struct {
	id, factorID, userID int64
	handle               []byte
	record               passkey.Record
}

const passkeyRowColumns = `id, factor_id, user_id, credential_id, user_handle, credential, sign_count`

func scanPasskeyRow(sc interface{ Scan(...any) error }) (*passkeyRow, error) {
	var r passkeyRow
	var handle, cred string
	var count int64
	if err := sc.Scan(&r.id, &r.factorID, &r.userID, &r.record.ID, &handle, &cred, &count); err != nil {
		return nil, err
	}
	r.handle, _ = base64.RawURLEncoding.DecodeString(handle)
	r.record.JSON, r.record.SignCount = []byte(cred), uint32(count)
	return &r, nil
}

// holderOf is u as WebAuthn sees them, with every passkey of theirs; the
// handle is their passkeys' (nil before the first).
func holderOf(tx *Tx, u *portail.User) (*passkey.Holder, error) {
	rows, err := tx.query(`SELECT `+passkeyRowColumns+` FROM passkeys WHERE user_id = ? ORDER BY id`, u.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	h := &passkey.Holder{Name: u.Username, DisplayName: u.FullName}
	for rows.Next() {
		r, err := scanPasskeyRow(rows)
		if err != nil {
			return nil, err
		}
		if h.Handle == nil {
			h.Handle = r.handle
		}
		h.Records = append(h.Records, r.record)
	}
	return h, rows.Err()
}

// putCeremony stores a begun ceremony. A user has one live ceremony of
// each kind: a new one replaces the last (a passwordless sign-in, userID
// 0, has no user yet).
func putCeremony(tx *Tx, kind string, userID int64, name string, c *passkey.Ceremony) error {
	if userID != 0 {
		if _, err := tx.exec(`DELETE FROM passkey_ceremonies WHERE user_id = ? AND kind = ?`, userID, kind); err != nil {
			return err
		}
	}
	_, err := tx.exec(`INSERT INTO passkey_ceremonies (challenge_hash, kind, user_id, name, session, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, portail.HashToken(c.Challenge), kind, nullID(userID), name, string(c.Session),
		micros(tx.now), micros(tx.now.Add(portail.PasskeyCeremonyLifetime)))
	return err
}

// ceremony is a taken ceremony; ok is false when none was alive.
type ceremony struct {
	userID  int64
	name    string
	session []byte
	ok      bool
}

// takeCeremony takes away the ceremony of kind whose challenge the
// answer signed: whatever the answer, it is used.
func takeCeremony(tx *Tx, kind, challenge string) (ceremony, error) {
	var c ceremony
	var user sql.NullInt64
	var session string
	var expires int64
	err := tx.queryRow(`DELETE FROM passkey_ceremonies WHERE challenge_hash = ? AND kind = ?
		RETURNING user_id, name, session, expires_at`, portail.HashToken(challenge), kind).Scan(&user, &c.name, &session, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	} else if err != nil {
		return c, err
	}
	c.userID, c.session, c.ok = user.Int64, []byte(session), expires > micros(tx.now)
	return c, nil
}

// newPasskeyHolder locks and reads the signed-in caller, who is to get
// one more passkey, with their passkeys; past portail.MaxPasskeys,
// EINVALID.
func newPasskeyHolder(tx *Tx, c portail.Caller) (*portail.User, *passkey.Holder, error) {
	u, _, err := signedInUser(tx, c)
	if err != nil {
		return nil, nil, err
	}
	h, err := holderOf(tx, u)
	if err != nil {
		return nil, nil, err
	}
	if len(h.Records) >= portail.MaxPasskeys {
		return nil, nil, portail.Errorf(portail.EINVALID, "You have %d passkeys, the most one person may have: remove one first.", portail.MaxPasskeys)
	}
	return u, h, nil
}

// BeginPasskeyRegistration starts adding a passkey to the caller. One
// registration is under way a user: a new one ends the earlier.
func (s *PasskeyService) BeginPasskeyRegistration(ctx context.Context, name string) (json.RawMessage, error) {
	if err := s.on(); err != nil {
		return nil, err
	}
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return nil, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	name, err := portail.PasskeyName(name)
	if err != nil {
		return nil, err
	}
	var out json.RawMessage
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		u, h, err := newPasskeyHolder(tx, c)
		if err != nil {
			return err
		}
		if err := freshSignIn(tx, c, u); err != nil {
			return err
		}
		if h.Handle == nil {
			h.Handle = passkey.NewHandle()
		}
		cer, err := s.rp.BeginRegistration(h)
		if err != nil {
			return err
		}
		out = cer.Options
		return putCeremony(tx, ceremonyRegister, u.ID, name, cer)
	})
	return out, err
}

// FinishPasskeyRegistration verifies the attestation of the caller's
// registration and stores the passkey as a confirmed factor.
func (s *PasskeyService) FinishPasskeyRegistration(ctx context.Context, name string, attestation []byte) (*portail.Passkey, []string, error) {
	if err := s.on(); err != nil {
		return nil, nil, err
	}
	c := portail.CallerFrom(ctx)
	if c.Actor.UserID == 0 {
		return nil, nil, portail.Errorf(portail.EUNAUTHENTICATED, "Sign in first.")
	}
	if strings.TrimSpace(name) != "" {
		var err error
		if name, err = portail.PasskeyName(name); err != nil {
			return nil, nil, err
		}
	}
	att, err := passkey.ParseAttestation(attestation)
	if err != nil {
		return nil, nil, credentialInvalid("This is not the answer of a passkey.")
	}
	var cer ceremony
	if err := s.db.writeTx(ctx, func(tx *Tx) (err error) {
		cer, err = takeCeremony(tx, ceremonyRegister, att.Challenge)
		return err
	}); err != nil {
		return nil, nil, err
	}
	if !cer.ok || cer.userID != c.Actor.UserID {
		return nil, nil, credentialInvalid("This passkey request has expired or was already answered: start again.")
	}
	if name == "" {
		name = cer.name
	}
	pk := &portail.Passkey{UserID: c.Actor.UserID, Name: name}
	var codes []string
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		u, h, err := newPasskeyHolder(tx, c)
		if err != nil {
			return err
		}
		if err := freshSignIn(tx, c, u); err != nil {
			return err
		}
		rec, err := s.rp.FinishRegistration(h, cer.session, att)
		var refused *passkey.Refusal
		if errors.As(err, &refused) {
			return credentialInvalid("The passkey could not be verified: start again.")
		} else if err != nil {
			return err
		}
		pk.CreatedAt, pk.Transports = tx.now, rec.Transports
		if pk.ID, err = tx.insert(`INSERT INTO mfa_factors (user_id, kind, name, confirmed_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			u.ID, portail.FactorWebAuthn, name, micros(tx.now), micros(tx.now)); err != nil {
			return err
		}
		_, err = tx.insert(`INSERT INTO passkeys (factor_id, user_id, credential_id, user_handle, credential, sign_count, transports)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, pk.ID, u.ID, rec.ID, base64.RawURLEncoding.EncodeToString(h.Handle), string(rec.JSON),
			int64(rec.SignCount), strings.Join(rec.Transports, ","))
		if isUniqueViolation(err) {
			return credentialInvalid("This passkey is added already.")
		} else if err != nil {
			return err
		}
		codes, err = s.mfa.factorAdded(tx, c, u, portail.FactorWebAuthn)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return pk, codes, nil
}

// ListPasskeys lists the caller's passkeys, oldest first.
func (s *PasskeyService) ListPasskeys(ctx context.Context) ([]*portail.Passkey, error) {
	c := portail.CallerFrom(ctx)
	var out []*portail.Passkey
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = listPasskeys(tx, c.Actor.UserID)
		return err
	})
	return out, err
}

func listPasskeys(tx *Tx, userID int64) ([]*portail.Passkey, error) {
	rows, err := tx.query(`SELECT f.id, f.user_id, f.name, p.transports, f.created_at, f.last_used_at
		FROM passkeys p JOIN mfa_factors f ON f.id = p.factor_id WHERE p.user_id = ? ORDER BY f.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*portail.Passkey
	for rows.Next() {
		var p portail.Passkey
		var transports string
		var created int64
		var used sql.NullInt64
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &transports, &created, &used); err != nil {
			return nil, err
		}
		if transports != "" {
			p.Transports = strings.Split(transports, ",")
		}
		p.CreatedAt, p.LastUsedAt = fromMicros(created), timePtr(used)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// RemovePasskey removes one of the caller's passkeys: a factor removed as
// any other (MFAService.RemoveFactor: a recent sign-in, never the last
// factor the account requires), its passkey row with it.
func (s *PasskeyService) RemovePasskey(ctx context.Context, id int64) error {
	c := portail.CallerFrom(ctx)
	var n int
	if err := s.db.readTx(ctx, func(tx *Tx) error {
		return tx.queryRow(`SELECT COUNT(*) FROM passkeys WHERE factor_id = ? AND user_id = ?`, id, c.Actor.UserID).Scan(&n)
	}); err != nil {
		return err
	}
	if n == 0 {
		return portail.ErrNotFound("Passkey")
	}
	return s.mfa.RemoveFactor(ctx, id)
}

// BeginPasskeySignIn starts a passwordless sign-in. Anyone may ask, so the
// ceremonies alive at once are capped (and the route is rate limited
// like the sign-in form); on PostgreSQL parallel beginnings may pass the
// cap by their number, which the rate bounds.
func (s *PasskeyService) BeginPasskeySignIn(ctx context.Context) (json.RawMessage, error) {
	if err := s.on(); err != nil {
		return nil, err
	}
	cer, err := s.rp.BeginDiscoverable()
	if err != nil {
		return nil, err
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM passkey_ceremonies WHERE user_id IS NULL AND expires_at > ?`,
			micros(tx.now)).Scan(&n); err != nil {
			return err
		}
		if n >= s.MaxSignIns {
			return tooManyAttempts(portail.PasskeyCeremonyLifetime)
		}
		return putCeremony(tx, ceremonySignIn, 0, "", cer)
	})
	if err != nil {
		return nil, err
	}
	return cer.Options, nil
}

// passkeyOf reads the passkey with this credential id and its user; nil
// for none.
func passkeyOf(tx *Tx, credentialID string) (*passkeyRow, *portail.User, error) {
	r, err := scanPasskeyRow(tx.queryRow(`SELECT `+passkeyRowColumns+` FROM passkeys WHERE credential_id = ?`, credentialID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	u, err := findUserByID(tx, r.userID)
	if err != nil {
		return nil, nil, err
	}
	return r, u, nil
}

// PasskeySignIn verifies a passwordless sign-in's assertion and starts
// the session of the passkey's user. Its attempt is counted before the
// check like a password's (C7): under the passkey's user (or the
// browser, when it is a known one of theirs) and the address.
func (s *PasskeyService) PasskeySignIn(ctx context.Context, assertion []byte, device string) (*portail.SignIn, error) {
	if err := s.on(); err != nil {
		return nil, err
	}
	c := portail.CallerFrom(ctx)
	ipKey := throttleIPKey(c.IP)
	a, parseErr := passkey.ParseAssertion(assertion)
	var cer ceremony
	var row *passkeyRow
	var u *portail.User
	// The ceremony is taken in the attempt's transaction: a refused
	// attempt (the throttle) leaves it, a counted one uses it.
	reserve, byDevice, err := s.db.reserveSignIn(ctx, func(tx *Tx) (keys []string, byDevice bool, err error) {
		if parseErr != nil {
			return []string{ipKey}, false, nil
		}
		if cer, err = takeCeremony(tx, ceremonySignIn, a.Challenge); err != nil {
			return nil, false, err
		}
		if row, u, err = passkeyOf(tx, a.CredentialID); err != nil || u == nil {
			return []string{ipKey}, false, err
		}
		return signInKeys(tx, u.ID, "", ipKey, device)
	})
	if err != nil {
		return nil, err
	}
	if parseErr != nil || !cer.ok || u == nil || u.Status != portail.StatusActive {
		return nil, s.failed(c, u)
	}
	rec, err := s.rp.FinishLogin(&passkey.Holder{Handle: row.handle, Name: u.Username, Records: []passkey.Record{row.record}}, cer.session, a)
	if err != nil {
		return nil, s.failed(c, u)
	}
	in := &portail.SignIn{User: u}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if status, _, err := lockUser(tx, u.ID); err != nil {
			return err
		} else if status != portail.StatusActive {
			return errPasskeyRefused
		}
		// An account that requires single sign-on of this user lets them
		// in through its provider only (C13), which a passkey added before
		// must not get around: the company's directory decides. Said only
		// to whoever holds the passkey.
		if off, err := passwordsOff(tx, u); err != nil {
			return err
		} else if off {
			return errSSORequired
		}
		if err := usePasskey(tx, c, u, row, rec, "sign-in"); err != nil {
			return err
		}
		if err := forgetAttempts(tx, u, "", ipKey, reserve, byDevice); err != nil {
			return err
		}
		// A passkey is both factors: no second step, and it is a factor,
		// so no enrolment is due either.
		in.Token, err = s.mfa.auth.startSession(tx, c, u, sessionStart{Device: device, Detail: portail.Detail{}.Words("passkey")})
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// failed records a refused answer for the passkey's user, if it names
// one, and refuses.
func (s *PasskeyService) failed(c portail.Caller, u *portail.User) error {
	if u != nil {
		s.db.recordActivityLater(portail.Activity{AccountID: u.AccountID, UserID: u.ID, ActorID: c.Actor.UserID,
			Type: portail.ActivityPasskeyFailed, IP: c.IP, UserAgent: c.UserAgent})
	}
	return errPasskeyRefused
}

// usePasskey stores a verified use of row: its new record, if no other
// use landed since it was read (a compare-and-set on the sign count: two
// answers of one authenticator cannot both pass the same count), and the
// activity.
func usePasskey(tx *Tx, c portail.Caller, u *portail.User, row *passkeyRow, rec *passkey.Record, how string) error {
	n, err := execCount(tx.exec(`UPDATE passkeys SET credential = ?, sign_count = ? WHERE id = ? AND sign_count = ?`,
		string(rec.JSON), int64(rec.SignCount), row.id, int64(row.record.SignCount)))
	if err != nil {
		return err
	}
	if n == 0 {
		return errPasskeyRefused
	}
	var name string
	if err := tx.queryRow(`UPDATE mfa_factors SET last_used_at = ? WHERE id = ? RETURNING name`, micros(tx.now), row.factorID).Scan(&name); err != nil {
		return err
	}
	cu := c
	cu.Actor.UserID = u.ID
	return logActivity(tx, cu, u.AccountID, u.ID, portail.ActivityPasskeyUsed, portail.Detail{}.Words(how).Add("name", name))
}

// BeginPasskeyStep starts the second step, by passkey, of the sign-in
// whose password step gave mfaToken: one of that user's passkeys, user
// presence enough. The token is only read here; the step uses it. One
// such ceremony is under way a user: a new one ends the earlier.
func (s *PasskeyService) BeginPasskeyStep(ctx context.Context, mfaToken string) (json.RawMessage, error) {
	if err := s.on(); err != nil {
		return nil, err
	}
	var out json.RawMessage
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		t, err := findMFAToken(tx, mfaToken)
		if err != nil {
			return err
		}
		u, err := findUserByID(tx, t.UserID)
		if err != nil {
			return err
		}
		h, err := holderOf(tx, u)
		if err != nil {
			return err
		}
		if len(h.Records) == 0 {
			return portail.ErrNotFound("Passkey")
		}
		cer, err := s.rp.BeginLogin(h)
		if err != nil {
			return err
		}
		out = cer.Options
		return putCeremony(tx, ceremonyFactor, u.ID, "", cer)
	})
	return out, err
}

// CompletePasskeyStep completes the second step with an assertion, in
// the second step that every factor shares (MFAService): counted before
// it is checked, a wrong one counted against the token. The assertion
// must answer a ceremony begun for this token's user, by one of that
// user's passkeys (another user's is wrong, like a wrong code), with a
// sign count that grew; its ceremony is used whatever the answer.
func (s *PasskeyService) CompletePasskeyStep(ctx context.Context, mfaToken string, assertion []byte, device string) (*portail.SignIn, error) {
	if err := s.on(); err != nil {
		return nil, err
	}
	c := portail.CallerFrom(ctx)
	a, parseErr := passkey.ParseAssertion(assertion)
	return s.mfa.completeSecondStep(ctx, mfaToken, device, func(tx *Tx, u *portail.User) (string, bool, error) {
		if parseErr != nil {
			return portail.MethodWebAuthn, false, nil
		}
		cer, err := takeCeremony(tx, ceremonyFactor, a.Challenge)
		if err != nil || !cer.ok || cer.userID != u.ID {
			return portail.MethodWebAuthn, false, err
		}
		row, _, err := passkeyOf(tx, a.CredentialID)
		if err != nil || row == nil || row.userID != u.ID {
			return portail.MethodWebAuthn, false, err
		}
		h, err := holderOf(tx, u)
		if err != nil {
			return "", false, err
		}
		rec, err := s.rp.FinishLogin(h, cer.session, a)
		if err != nil {
			return portail.MethodWebAuthn, false, nil
		}
		if err := usePasskey(tx, c, u, row, rec, "second factor"); err == errPasskeyRefused {
			return portail.MethodWebAuthn, false, nil
		} else if err != nil {
			return "", false, err
		}
		return portail.MethodWebAuthn, true, nil
	})
}
