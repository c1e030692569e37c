package sqldb

// SetHook makes db call f at its named points (see DB.at).
func SetHook(db *DB, f func(point string)) { db.hook = f }
