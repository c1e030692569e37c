package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"portail"
)

// PurgeStore is what the purge job needs of the database.
type PurgeStore interface {
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// PurgeExpired deletes the rows past their retention as of now, batch
	// at a time (0: the store's default), and counts them by kind.
	PurgeExpired(ctx context.Context, now time.Time, batch int) (map[string]int64, error)
}

// TmpSweeper removes the temporary files a crash left behind.
type TmpSweeper interface {
	SweepTmp(before time.Time) (int, error)
}

// Purge deletes what portail keeps only for a while (portail's
// retention.go): sessions, dead links, throttle counters, known browsers
// and delivered e-mails past their retention, and the blob store's
// temporary files left by a crash. Every serve process runs it.
//
// The rows are shared, so a lease in the database lets one process at a
// time delete them, in small batches that never hold writers up for long.
// The temporary files are each process's own business: the blob directory
// may be one per host, so every process sweeps its own, outside the lease
// (a file swept twice is simply gone).
type Purge struct {
	Store  PurgeStore
	Tmp    TmpSweeper    // nil: no blob store to sweep
	Every  time.Duration // how often to purge (default one hour)
	Holder string        // this process's name in the lease
	Logger *slog.Logger
	Now    func() time.Time
}

// Name names the job in logs and in its lease.
func (p *Purge) Name() string { return "purge" }

// Run purges at start and then every p.Every until ctx ends.
func (p *Purge) Run(ctx context.Context) {
	periodically(ctx, p.every(), func(ctx context.Context) error {
		_, err := p.RunOnce(ctx)
		return err
	}, p.Logger, "purge")
}

// RunOnce sweeps the temporary files, then purges the rows if this
// process holds the lease; it returns how many rows of each kind it
// deleted (nil without the lease) and, under "tmp_files", how many files.
func (p *Purge) RunOnce(ctx context.Context) (map[string]int64, error) {
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	var counts map[string]int64
	var tmpErr error
	if p.Tmp != nil {
		n, err := p.Tmp.SweepTmp(now.Add(-portail.TmpFileRetention))
		if n > 0 {
			p.Logger.Info("temporary files removed", "files", n)
		}
		counts, tmpErr = map[string]int64{"tmp_files": int64(n)}, err
	}
	ok, err := p.Store.TryLease(ctx, p.Name(), p.Holder, p.every())
	if err != nil || !ok {
		return counts, errors.Join(tmpErr, err)
	}
	rows, err := p.Store.PurgeExpired(ctx, now, 0) // the store's default batch
	if counts == nil {
		counts = map[string]int64{}
	}
	for kind, n := range rows {
		counts[kind] = n
		if n > 0 {
			p.Logger.Info("purged", "kind", kind, "rows", n)
		}
	}
	return counts, errors.Join(tmpErr, err)
}

func (p *Purge) every() time.Duration {
	if p.Every > 0 {
		return p.Every
	}
	return time.Hour
}
