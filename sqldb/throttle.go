package sqldb

import (
	"strings"
	"time"

	"portail"
)

// Sign-in throttling (C7). Failed sign-ins are counted per login name and
// per client address, in the database so that every serve process shares
// the counters. Past a number of free failures each failure imposes a
// wait that doubles, capped at maxWait: an attacker is slowed to a crawl,
// yet a real user is never locked out for good. Counting by the name typed
// (not by user) treats unknown names exactly like real ones, so the waits
// reveal nothing. A success clears the counters; a day without failures
// forgets them.
const (
	freeLoginFailures = 5
	freeIPFailures    = 50 // an office behind one address has many people
	firstWait         = 30 * time.Second
	maxWait           = 15 * time.Minute
	forgetAfter       = 24 * time.Hour
)

func throttleLoginKey(login string) string { return "login:" + portail.NormalizeKey(login) }
func throttleIPKey(ip string) string       { return "ip:" + ip }

// loginKeys are the throttle keys under which a user can sign in.
func loginKeys(u *portail.User) []string {
	return []string{throttleLoginKey(u.Username), throttleLoginKey(u.Email)}
}

// throttleWait is the wait imposed after n failures under key.
func throttleWait(key string, n int) time.Duration {
	free := freeLoginFailures
	if strings.HasPrefix(key, "ip:") {
		free = freeIPFailures
	}
	if n < free {
		return 0
	}
	shift := n - free
	if shift > 10 {
		return maxWait
	}
	return min(maxWait, firstWait<<shift)
}

// throttled returns how long until any of keys may try again (0: now).
func throttled(tx *Tx, keys ...string) (time.Duration, error) {
	var wait time.Duration
	for _, k := range keys {
		var until int64
		err := tx.queryRow(`SELECT COALESCE(MAX(locked_until), 0) FROM login_throttle WHERE key = ?`, k).Scan(&until)
		if err != nil {
			return 0, err
		}
		if d := fromMicros(until).Sub(tx.now); d > wait {
			wait = d
		}
	}
	return wait, nil
}

// recordFailure counts a failure under each key, atomically (an upsert), and
// sets the wait it earns.
func recordFailure(tx *Tx, keys ...string) error {
	for _, k := range keys {
		var n int
		if err := tx.queryRow(`INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?, 1, 0, ?)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN login_throttle.updated_at < ? THEN 1 ELSE login_throttle.failures + 1 END,
				updated_at = excluded.updated_at
			RETURNING failures`, k, micros(tx.now), micros(tx.now.Add(-forgetAfter))).Scan(&n); err != nil {
			return err
		}
		if d := throttleWait(k, n); d > 0 {
			if _, err := tx.exec(`UPDATE login_throttle SET locked_until = ? WHERE key = ?`, micros(tx.now.Add(d)), k); err != nil {
				return err
			}
		}
	}
	return nil
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
