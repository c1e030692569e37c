package sqldb

import "context"

// OpenAt opens the database migrated up to version, as a release of that
// schema left it, so that a test can fill it and watch the later
// migrations (sqldb.Open) carry its rows forward.
func OpenAt(ctx context.Context, dsn string, version int) (*DB, error) {
	return open(ctx, dsn, version)
}

// SetHook makes db call f at its named points (see DB.at).
func SetHook(db *DB, f func(point string)) { db.hook = f }
