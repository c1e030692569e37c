package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/password"
)

// Sign-in throttling (C7). Failed sign-ins are counted per account and
// per client address, in the database so that every serve process shares
// the counters; the schedule of free failures and waits is the root's
// (portail.ThrottleWait). A name that resolves to a
// user counts under the user, whether typed as username or e-mail, so
// that both give 5 free guesses together, not 5 each; a name that does
// not resolve counts under the name typed, with the same free failures
// and waits, so that the waits reveal nothing. Every attempt is counted
// before its password is checked (reserveAttempt), so that a burst of
// parallel guesses gets no more than the free ones; a success then clears
// the person's counters and takes its attempt back from the address's. A
// browser the user signed in from before (a device cookie, known_devices)
// is counted under its own key alone, neither the account's nor the
// address's, so that guesses made elsewhere cannot keep the real user out
// for ever. A day without failures forgets them. The current-password
// check of a password change counts under the account's key too.

func throttleLoginKey(login string) string { return "login:" + portail.NormalizeKey(login) }

// throttleUserKey counts the failures at a user's password, whatever name
// was typed.
func throttleUserKey(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// throttleIPKey counts the failures of a client address. An IPv6 host
// usually holds a whole /64 and can pick a new address in it for every
// guess: the /64 is the client. An IPv4-mapped address is its IPv4
// address.
func throttleIPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// throttleDeviceKey counts the failures of a known browser at its user.
func throttleDeviceKey(userID int64, device string) string {
	return "device:" + strconv.FormatInt(userID, 10) + ":" + portail.HashToken(device)
}

// loginKeys are the throttle keys a user's success forgets: the user's,
// and those of the names they sign in with, counted before the names
// were theirs.
func loginKeys(u *portail.User) []string {
	return []string{throttleUserKey(u.ID), throttleLoginKey(u.Username), throttleLoginKey(u.Email)}
}

// throttleKind is the kind of key, for the schedule.
func throttleKind(key string) portail.ThrottleKind {
	if strings.HasPrefix(key, "ip:") {
		return portail.ThrottleAddress
	}
	return portail.ThrottlePerson
}

// errThrottled refuses an attempt while a key is locked; returned from a
// transaction, it rolls the attempt's reservation back.
type errThrottled struct{ wait time.Duration }

func (e errThrottled) Error() string { return "sign-in throttled" }

// reserveAttempt counts an attempt under each key, before its password is
// checked. The upsert locks each counter row, so parallel attempts queue
// on it and each sees the lock the ones before it set. While a key is
// locked the attempt is refused with errThrottled, and the transaction
// must roll back so that the refusal counts nothing.
func reserveAttempt(tx *Tx, keys ...string) error {
	var wait time.Duration
	counts := make([]int, len(keys))
	for i, k := range keys {
		var until int64
		if err := tx.queryRow(`INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?, 1, 0, ?)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN login_throttle.updated_at < ? THEN 1 ELSE login_throttle.failures + 1 END,
				updated_at = excluded.updated_at
			RETURNING failures, locked_until`, k, micros(tx.now), micros(tx.now.Add(-portail.ThrottleForgetAfter))).Scan(&counts[i], &until); err != nil {
			return err
		}
		if d := fromMicros(until).Sub(tx.now); d > wait {
			wait = d
		}
	}
	if wait > 0 {
		return errThrottled{wait}
	}
	for i, k := range keys {
		if d := portail.ThrottleWait(throttleKind(k), counts[i]); d > 0 {
			if _, err := tx.exec(`UPDATE login_throttle SET locked_until = ? WHERE key = ?`, micros(tx.now.Add(d)), k); err != nil {
				return err
			}
		}
	}
	return nil
}

// releaseAttempt takes back the reserved attempt of a success under a
// key that success does not clear: the address's (one valid account must
// not wipe the guesses made from its address at other names), or the
// person's while a second factor is still due.
func releaseAttempt(tx *Tx, key string) error {
	_, err := tx.exec(`UPDATE login_throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
		locked_until = CASE WHEN failures - 1 < ? THEN 0 ELSE locked_until END WHERE key = ?`, throttleKind(key).FreeFailures(), key)
	return err
}

// clearThrottle forgets the failures under keys.
func clearThrottle(tx *Tx, keys ...string) error {
	for _, k := range keys {
		if _, err := tx.exec(`DELETE FROM login_throttle WHERE key = ?`, k); err != nil {
			return err
		}
	}
	return nil
}

// tooManyAttempts is the 429 answer, with its Retry-After in seconds.
func tooManyAttempts(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	e := portail.Errorf(portail.ETOOMANYATTEMPTS, "Too many failed sign-ins. Wait %s before trying again, or reset your password.", (time.Duration(secs) * time.Second).String())
	e.RetryAfter = secs
	return e
}

// reservePasswordGuess counts a signed-in user's attempt at their own
// password (a password change, an e-mail change) under the user's key
// before the password is checked, as a sign-in counts its own.
func (db *DB) reservePasswordGuess(ctx context.Context, userID int64) error {
	err := db.writeTx(ctx, func(tx *Tx) error { return reserveAttempt(tx, throttleUserKey(userID)) })
	var throttled errThrottled
	if errors.As(err, &throttled) {
		return tooManyPasswordGuesses(throttled.wait)
	}
	return err
}

// verifyStored checks pw against a stored hash; without one it costs the
// same time and fails.
func verifyStored(hash sql.NullString, pw string) bool {
	if hash.Valid {
		return password.Verify(hash.String, pw)
	}
	password.VerifyNothing(pw)
	return false
}

// tooManyPasswordGuesses is the 429 answer of a throttled password
// change, its message next to the current password's field.
func tooManyPasswordGuesses(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	msg := fmt.Sprintf("Too many wrong passwords. Wait %d seconds before trying again.", secs)
	return &portail.Error{Code: portail.ETOOMANYATTEMPTS, Message: msg, RetryAfter: secs,
		Fields: []portail.FieldError{{Field: "current_password", Message: msg}}}
}
