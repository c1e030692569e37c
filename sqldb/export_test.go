package sqldb

import (
	"context"
	"strings"

	"portail"
)

// OpenAt opens the database migrated up to version, as a release of that
// schema left it, so that a test can fill it and watch the later
// migrations (sqldb.Open) carry its rows forward.
func OpenAt(ctx context.Context, dsn string, version int) (*DB, error) {
	return open(ctx, dsn, version)
}

// SetHook makes db call f at its named points (see DB.at).
func SetHook(db *DB, f func(point string)) { db.hook = f }

// EmitThenFail writes a user.created event for u in a transaction that
// then fails, as a change failing after its event would.
func EmitThenFail(ctx context.Context, db *DB, u *portail.User) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		if err := emitUserEvent(tx, portail.EventUserCreated, u); err != nil {
			return err
		}
		return errRolledBack
	})
}

var errRolledBack = portail.Errorf(portail.EINVALID, "rolled back on purpose")

// CountRows counts the rows of a table.
func CountRows(ctx context.Context, db *DB, table string) (n int, err error) {
	err = db.readTx(ctx, func(tx *Tx) error { return tx.queryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n) })
	return n, err
}

// CloneDocument copies document id n times, as n letters of the same
// sender waiting alike: benchmarks fill the queue without n uploads.
func CloneDocument(ctx context.Context, db *DB, id int64, n int) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT * FROM documents WHERE id = ?`, id)
		if err != nil {
			return err
		}
		cols, err := rows.Columns()
		rows.Close()
		if err != nil {
			return err
		}
		var keep []string
		for _, c := range cols {
			if c != "id" {
				keep = append(keep, c)
			}
		}
		list := strings.Join(keep, ", ")
		for range n {
			if _, err := tx.exec(`INSERT INTO documents (`+list+`) SELECT `+list+` FROM documents WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ResetClaims puts every claimed letter back in received, unclaimed,
// without history: a benchmark's next round starts from the same queue.
func ResetClaims(ctx context.Context, db *DB) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE documents SET status = 'received', partner_id = NULL, claimed_at = NULL, last_event_at = NULL`)
		return err
	})
}

// Browser gives u a browser session begun now, as a sign-in would, and
// the caller of it: changing one's second factors needs one
// (freshSignIn), which a bare actor does not have.
func Browser(ctx context.Context, db *DB, u *portail.User) (context.Context, error) {
	var id int64
	err := db.writeTx(ctx, func(tx *Tx) (err error) {
		_, hash := portail.NewToken()
		id, err = tx.insert(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, hash, micros(tx.now), micros(tx.now), micros(tx.now.Add(portail.DefaultSessionLifetime)), "192.0.2.1", "test")
		return err
	})
	return portail.WithCaller(ctx, portail.Caller{Actor: u.Actor(portail.AllModules), SessionID: id, IP: "192.0.2.1", UserAgent: "test"}), err
}
