// Job leases (job_leases): which serve process runs a job that must run
// in one process at a time.

package sqldb

import (
	"context"
	"time"
)

// TryLease takes or renews the lease of a named job for holder until ttl
// from now, and reports whether holder has it. Leases make a job run in one
// serve process at a time, whatever the database.
func (db *DB) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	var got bool
	err := db.writeTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(`INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE job_leases.expires_at < ? OR job_leases.holder = excluded.holder`,
			name, holder, micros(tx.now.Add(ttl)), micros(tx.now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		got = n == 1
		return err
	})
	return got, err
}
