package jobs

import (
	"context"
	"log/slog"
	"time"
)

// RetentionStore is what the retention job needs of the database.
type RetentionStore interface {
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// PurgeActivity deletes entries older than before, batch at a time
	// (0: the store's default).
	PurgeActivity(ctx context.Context, before time.Time, batch int) (int64, error)
}

// Retention deletes activity entries older than Keep (L2). Every serve
// process runs it; a lease in the database lets one process at a time do
// the work, and the purge goes in small batches so it never blocks writers.
type Retention struct {
	Store  RetentionStore
	Keep   time.Duration
	Every  time.Duration // how often to purge (default one hour)
	Holder string        // this process's name in the lease
	Logger *slog.Logger
	Now    func() time.Time
}

// Name names the job in logs and in its lease.
func (r *Retention) Name() string { return "activity-retention" }

// Run purges at start and then every r.Every until ctx ends.
func (r *Retention) Run(ctx context.Context) {
	periodically(ctx, r.every(), func(ctx context.Context) error {
		_, err := r.RunOnce(ctx)
		return err
	}, r.Logger, "activity retention")
}

func (r *Retention) every() time.Duration {
	if r.Every <= 0 {
		return time.Hour
	}
	return r.Every
}

// RunOnce purges if this process holds the lease, and returns how many
// entries it deleted.
func (r *Retention) RunOnce(ctx context.Context) (int64, error) {
	ok, err := r.Store.TryLease(ctx, r.Name(), r.Holder, r.every())
	if err != nil || !ok {
		return 0, err
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	n, err := r.Store.PurgeActivity(ctx, now.Add(-r.Keep), 0) // the store's default batch
	if n > 0 {
		r.Logger.Info("activity purged", "entries", n, "older_than", now.Add(-r.Keep))
	}
	return n, err
}
