package sqldb

import (
	"fmt"
	"strconv"

	"portail"
)

// KeyCollision is two users whose usernames or e-mail addresses were
// distinct keys under an earlier key function and are one key under
// portail.NormalizeKey (fullwidth "ａｄｍｉｎ" and "admin"). The older user
// keeps the key; the newer one gets Key, which no login reaches, until an
// admin resolves it: a username cannot change (U3), so that user signs in
// with their e-mail; an e-mail can, and should.
type KeyCollision struct {
	Column  string // username or email
	Shared  string // the key both users have under NormalizeKey
	Kept    int64  // the older user, who keeps Shared
	Renamed int64  // the newer user, whose key is Key
	Key     string
}

func (k KeyCollision) String() string {
	return fmt.Sprintf("users %d and %d share the %s key %q: user %d keeps it; user %d is keyed %q and cannot be found by that %s until an admin resolves it",
		k.Kept, k.Renamed, k.Column, k.Shared, k.Kept, k.Renamed, k.Key, k.Column)
}

// KeyCollisions returns the collisions the migrations found while this DB
// opened, for the caller to log: the admin must resolve each.
func (db *DB) KeyCollisions() []KeyCollision { return db.collisions }

// collisionSuffix makes the key of the newer of two colliding users
// unique: no username or valid e-mail address holds a space, so no new
// key can equal it.
func collisionSuffix(id int64) string { return " #" + strconv.FormatInt(id, 10) }

// rekeyIdentities recomputes username_key and email_key of every user with
// portail.NormalizeKey, in the migration's transaction. Users are taken
// oldest first, so that of two users whose keys now collide the older
// keeps the key. Rows whose keys change first take a temporary key, so
// that an exchange of keys between rows never trips the unique indexes
// midway.
func (db *DB) rekeyIdentities(tx *Tx) error {
	type row struct {
		id                   int64
		username, email      string
		oldUserKey, oldEmail string
		userKey, emailKey    string
	}
	rows, err := tx.query(`SELECT id, username, email, username_key, email_key FROM users ORDER BY created_at, id`)
	if err != nil {
		return err
	}
	var all []*row
	for rows.Next() {
		r := new(row)
		if err := rows.Scan(&r.id, &r.username, &r.email, &r.oldUserKey, &r.oldEmail); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	userKeys, emailKeys := map[string]int64{}, map[string]int64{}
	assign := func(taken map[string]int64, column string, id int64, key string) string {
		if first, ok := taken[key]; ok {
			db.collisions = append(db.collisions, KeyCollision{Column: column, Shared: key, Kept: first, Renamed: id, Key: key + collisionSuffix(id)})
			key += collisionSuffix(id)
		}
		taken[key] = id
		return key
	}
	var changed []*row
	for _, r := range all {
		r.userKey = assign(userKeys, "username", r.id, portail.NormalizeKey(r.username))
		r.emailKey = assign(emailKeys, "email", r.id, portail.NormalizeKey(r.email))
		if r.userKey != r.oldUserKey || r.emailKey != r.oldEmail {
			changed = append(changed, r)
		}
	}
	for _, r := range changed {
		// A space and a colon: no key, old or new, holds both.
		tmp := " rekey:" + strconv.FormatInt(r.id, 10)
		if _, err := tx.exec(`UPDATE users SET username_key = ?, email_key = ? WHERE id = ?`, tmp, tmp, r.id); err != nil {
			return err
		}
	}
	for _, r := range changed {
		if _, err := tx.exec(`UPDATE users SET username_key = ?, email_key = ? WHERE id = ?`, r.userKey, r.emailKey, r.id); err != nil {
			return err
		}
	}
	return nil
}
