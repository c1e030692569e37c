// The browsers a user signed in from (known_devices), which the sign-in
// throttle counts under their own key.

package sqldb

import "portail"

// maxDevices is how many browsers a user's sign-ins remember; the least
// recently used is forgotten first.
const maxDevices = 20

func knownDevice(tx *Tx, userID int64, device string) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM known_devices WHERE user_id = ? AND token_hash = ?`, userID, portail.HashToken(device)).Scan(&n)
	return n > 0, err
}

// rememberDevice marks the browser known to the user after a successful
// sign-in.
func rememberDevice(tx *Tx, userID int64, device string) error {
	if _, err := tx.exec(`INSERT INTO known_devices (user_id, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, token_hash) DO UPDATE SET last_used_at = excluded.last_used_at`,
		userID, portail.HashToken(device), micros(tx.now), micros(tx.now)); err != nil {
		return err
	}
	_, err := tx.exec(`DELETE FROM known_devices WHERE user_id = ? AND token_hash NOT IN
		(SELECT token_hash FROM known_devices WHERE user_id = ? ORDER BY last_used_at DESC LIMIT ?)`, userID, userID, maxDevices)
	return err
}
