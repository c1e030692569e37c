package sqldb

import (
	"context"

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
