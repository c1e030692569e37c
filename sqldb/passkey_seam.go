package sqldb

// TEMPORARY: the session start and throttle helpers of branch mfa's
// refactor ("auth: one session start"), with the same names, until that
// branch is merged; this file is then deleted.

import (
	"database/sql"

	"portail"
)

func signInKeys(tx *Tx, userID int64, key, ipKey, device string) (keys []string, byDevice bool, err error) {
	keys = []string{throttleLoginKey(key), ipKey}
	if userID != 0 {
		keys[0] = throttleUserKey(userID)
	}
	if device != "" {
		known, err := knownDevice(tx, userID, device)
		if err != nil {
			return nil, false, err
		}
		if known {
			return []string{throttleDeviceKey(userID, device)}, true, nil
		}
	}
	return keys, false, nil
}

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

type sessionStart struct {
	Device                 string
	TemporaryPasswordTyped bool
	Detail                 portail.Detail
}

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
		temporary_password_typed_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, tokenHash, micros(tx.now), micros(tx.now),
		micros(tx.now.Add(s.Lifetime)), caller.IP, truncate(caller.UserAgent, 512), typed); err != nil {
		return "", err
	}
	if _, err := tx.exec(`UPDATE users SET last_login_at = ? WHERE id = ?`, micros(tx.now), u.ID); err != nil {
		return "", err
	}
	now := tx.now
	u.LastLoginAt = &now
	return token, logActivity(tx, c, u.AccountID, u.ID, portail.ActivityLoginSucceeded, st.Detail)
}
