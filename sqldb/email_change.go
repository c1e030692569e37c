package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"portail"
	"portail/password"
)

// Changes of e-mail address (SPEC §9 Wave-2 details 15, C10, U4).
//
// The address is where reset links go, so whoever sets it can take the
// account over, and it is unique across the installation, so setting it
// blocks it for its real owner. A change of one's own address therefore
// needs the current password and only takes effect when the new address
// confirms a link sent there; an admin's change of another user's address
// applies at once. Either way, once the address changes, every link sent
// to the old one dies and an onboarding still due goes to the new one.

// emailChangePrep is what UpdateUser works out before its transaction: the
// password check and the hash of a new temporary password take tens of
// milliseconds and must not hold the SQLite writer.
type emailChangePrep struct {
	ownVerified bool         // the caller proved their password for a change of their own
	temp        newTemporary // for a user whose temporary password was mailed to the old address
}

// newTemporary is a temporary password and its hash, made before the
// transaction that sends it.
type newTemporary struct{ password, hash string }

func makeTemporary() newTemporary {
	p := portail.NewTemporaryPassword()
	return newTemporary{p, password.Hash(p)}
}

// prepareEmailChange checks, for an update that changes the address, the
// current password of a user changing their own, and makes a temporary
// password for a user who still has to replace the one sent to the old
// address. Visibility and permission are decided again in the transaction.
func (s *UserService) prepareEmailChange(ctx context.Context, c portail.Caller, id int64, upd portail.UserUpdate) (emailChangePrep, error) {
	var prep emailChangePrep
	if upd.Email == nil {
		return prep, nil
	}
	var old *portail.User
	var hash sql.NullString
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		old, err = scanUser(tx.queryRow(`SELECT `+userColumns+`, password_hash FROM users WHERE id = ? AND account_id = ?`,
			id, c.Actor.AccountID), &hash)
		if errors.Is(err, sql.ErrNoRows) {
			old, err = nil, nil
		}
		return err
	})
	if err != nil || old == nil || portail.NormalizeKey(old.Email) == portail.NormalizeKey(*upd.Email) ||
		!portail.Can(c.Actor, portail.ActChangeUserEmail, old.Resource()) {
		return prep, err // the transaction refuses what is missing or forbidden
	}
	if old.ID == c.Actor.UserID {
		if err := s.db.checkOwnPassword(ctx, old, hash, upd.CurrentPassword); err != nil {
			return prep, err
		}
		prep.ownVerified = true
	} else if old.PasswordChangeRequired {
		prep.temp = makeTemporary()
	}
	return prep, nil
}

var (
	errPasswordMissing = &portail.Error{Code: portail.EINVALID, Message: "Enter your current password to change your e-mail address.",
		Fields: []portail.FieldError{{Field: "current_password", Message: "Enter your current password to change your e-mail address."}}}
	errPasswordWrong = &portail.Error{Code: portail.EINVALID, Message: "The current password is wrong.",
		Fields: []portail.FieldError{{Field: "current_password", Message: "The current password is wrong."}}}
)

// checkOwnPassword checks the password a signed-in user typed to prove it
// is them, counted in the throttle under the user before it is checked,
// as a password change is (reservePasswordGuess): a stolen session cannot
// guess the password at leisure here.
func (db *DB) checkOwnPassword(ctx context.Context, u *portail.User, hash sql.NullString, pw string) error {
	if pw == "" {
		return errPasswordMissing
	}
	if err := db.reservePasswordGuess(ctx, u.ID); err != nil {
		return err
	}
	if !verifyStored(hash, pw) {
		return errPasswordWrong
	}
	return db.writeTx(ctx, func(tx *Tx) error { return clearThrottle(tx, throttleUserKey(u.ID)) })
}

// requestEmailChange kills the user's earlier pending change and sends a
// link valid 24 hours to the new address; the address stays as it is
// until the link is confirmed.
func requestEmailChange(tx *Tx, c portail.Caller, u *portail.User, newEmail string) error {
	if err := killTokens(tx, u.ID, "email"); err != nil {
		return err
	}
	token, hash := portail.NewToken()
	if _, err := tx.exec(`INSERT INTO user_tokens (user_id, kind, token_hash, email, created_at, expires_at) VALUES (?, 'email', ?, ?, ?, ?)`,
		u.ID, hash, newEmail, micros(tx.now), micros(tx.now.Add(portail.EmailChangeLifetime))); err != nil {
		return err
	}
	if err := enqueueEmail(tx, u.AccountID, u.ID, newEmail, u.Language, portail.EmailConfirmAddress, portail.EmailParams{
		FullName: u.FullName, Username: u.Username, NewEmail: newEmail, Token: token}); err != nil {
		return err
	}
	return logActivity(tx, c, u.AccountID, u.ID, portail.ActivityEmailChangeRequested, nil)
}

// emailChanged does what follows a change of address already written:
// every link sent to the old address dies (invitation, reset, a pending
// change), as at deactivation (U4), and an onboarding still due goes to
// the new address: a new invitation, or a new temporary password that ends
// the sessions opened with the old one. Otherwise the old address is told
// (C10). An address that only ever received an onboarding e-mail is not
// told: its owner may be a stranger reached by a typing mistake, who must
// not learn where the account went.
func emailChanged(tx *Tx, c portail.Caller, old *portail.User, newEmail string, temp newTemporary) error {
	if err := killTokens(tx, old.ID, ""); err != nil {
		return err
	}
	u := *old
	u.Email = newEmail
	switch {
	case old.Status == portail.StatusInvited:
		if err := issueInvitation(tx, &u); err != nil {
			return err
		}
		return logActivity(tx, c, u.AccountID, u.ID, portail.ActivityInvitationSent, portail.Detail{}.Words("to the new address"))
	case old.PasswordChangeRequired:
		if temp.hash == "" {
			// The user got a temporary password after our reading: the
			// caller made none for them.
			return portail.Errorf(portail.ECONFLICT, "Another change happened at the same time; please try again.")
		}
		if err := endSessions(tx, u.ID, 0, portail.SessionEndPassword); err != nil {
			return err
		}
		if err := issueTemporaryPassword(tx, &u, temp.password, temp.hash); err != nil {
			return err
		}
		return logActivity(tx, c, u.AccountID, u.ID, portail.ActivityPasswordChanged, portail.Detail{}.Words("temporary password sent to the new address"))
	}
	return enqueueEmail(tx, old.AccountID, old.ID, old.Email, old.Language, portail.EmailAddressChanged,
		portail.EmailParams{FullName: old.FullName, Username: old.Username, NewEmail: newEmail})
}

// liveEmailLink is the condition on user_tokens of a live e-mail change
// link; its arguments are the time now and portail.MaxCodeAttempts.
const liveEmailLink = `kind = 'email' AND used_at IS NULL AND expires_at > ? AND attempts < ?`

// pendingEmailSQL is the address of the last live e-mail change link of
// the user (a column expression), or NULL; its arguments are
// liveEmailLink's.
func pendingEmailSQL(user string) string {
	return `(SELECT t.email FROM user_tokens t WHERE t.user_id = ` + user + ` AND ` + liveEmailLink + ` ORDER BY t.id DESC LIMIT 1)`
}

// withPendingEmails fills PendingEmail of the users from their live
// e-mail change links, in one query.
func withPendingEmails(tx *Tx, users ...*portail.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[int64]*portail.User, len(users))
	args := []any{micros(tx.now), portail.MaxCodeAttempts}
	for _, u := range users {
		byID[u.ID] = u
		u.PendingEmail = ""
		args = append(args, u.ID)
	}
	rows, err := tx.query(`SELECT user_id, email FROM user_tokens WHERE `+liveEmailLink+`
		AND user_id IN (?`+strings.Repeat(", ?", len(users)-1)+`) ORDER BY id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			return err
		}
		byID[id].PendingEmail = email
	}
	return rows.Err()
}

// CheckEmailChangeToken reports whether a link confirming a new address
// is live, and which address it confirms. Opening a link never uses it
// up: mail scanners open links.
func (s *CredentialService) CheckEmailChangeToken(ctx context.Context, token string) (string, error) {
	var email string
	err := s.db.readTx(ctx, func(tx *Tx) error {
		t, err := findLiveToken(tx, token, "email")
		if err != nil {
			return err
		}
		u, err := findUserByID(tx, t.userID)
		if err != nil {
			return err
		}
		if u.Status == portail.StatusInactive {
			return errTokenInvalid
		}
		email = t.email
		return nil
	})
	return email, err
}

// ConfirmEmailChange makes the link's address the user's, uses the link up
// and tells the old address (C10). The address must still be free: a
// pending change reserves nothing, so that asking for someone else's
// address blocks nobody. ETOKENINVALID, EEMAILTAKEN.
func (s *CredentialService) ConfirmEmailChange(ctx context.Context, token string) error {
	c := portail.CallerFrom(ctx)
	var t *liveToken
	var u *portail.User
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		if t, err = findLiveToken(tx, token, "email"); err != nil {
			return err
		}
		u, err = findUserByID(tx, t.userID)
		return err
	}); err != nil {
		return err
	}
	var temp newTemporary
	if u.PasswordChangeRequired {
		temp = makeTemporary()
	}
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if _, _, err := lockUser(tx, t.userID); err != nil {
			return err
		}
		if err := consumeToken(tx, t.id); err != nil {
			return err
		}
		old, err := findUserByID(tx, t.userID)
		if err != nil {
			return err
		}
		if old.Status == portail.StatusInactive {
			return errTokenInvalid
		}
		if portail.NormalizeKey(old.Email) == portail.NormalizeKey(t.email) {
			return nil // an admin set this very address meanwhile
		}
		if err := userConflict(tx, old.AccountID, "", t.email, old.ID); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE users SET email = ?, email_key = ?, updated_at = ? WHERE id = ?`,
			t.email, portail.NormalizeKey(t.email), micros(tx.now), old.ID); err != nil {
			return err
		}
		c.Actor = portail.Actor{UserID: old.ID, AccountID: old.AccountID}
		if err := emailChanged(tx, c, old, t.email, temp); err != nil {
			return err
		}
		if err := logActivity(tx, c, old.AccountID, old.ID, portail.ActivityUserUpdated, portail.Detail{}.Word("email")); err != nil {
			return err
		}
		u, err := findUser(tx, old.AccountID, old.ID)
		if err != nil {
			return err
		}
		return emitUserEvent(tx, portail.EventUserUpdated, u)
	})
	if isUniqueViolation(err) {
		// Another user took the address between our check and our update.
		if err := s.db.readTx(ctx, func(tx *Tx) error { return userConflict(tx, -1, "", t.email, t.userID) }); err != nil {
			return err
		}
		return portail.Errorf(portail.ECONFLICT, "Another change happened at the same time; please try again.")
	}
	return err
}
