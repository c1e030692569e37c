package jobs_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portail/blob"
	"portail/internal/testdb"
	"portail/jobs"
	"portail/sqldb"
)

// counted is the database of one process, counting the work its leased
// jobs do.
type counted struct {
	*sqldb.DB
	work *[3]atomic.Int32 // retention, claim timeout, sweep
}

func (c counted) PurgeActivity(ctx context.Context, before time.Time, batch int) (int64, error) {
	c.work[0].Add(1)
	return c.DB.PurgeActivity(ctx, before, batch)
}

func (c counted) ReturnStale(context.Context, time.Duration) (int, error) {
	c.work[1].Add(1)
	return 0, nil
}

func (c counted) ReferencedBlobs(ctx context.Context, keys []string) (map[string]bool, error) {
	c.work[2].Add(1)
	return c.DB.ReferencedBlobs(ctx, keys)
}

// TestLeasedJobsOneProcessAtATime: the leased jobs of two processes, each
// on its own connection to one database, started at once and run again
// and again within the lease: the work is done by one process alone,
// and once each round. (Purge: TestPurgeOneProcessAtATime.)
func TestLeasedJobsOneProcessAtATime(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := testdb.DSN(t, dialect)
			logger := slog.New(slog.DiscardHandler)
			store := blob.Dir{Root: t.TempDir()}
			if _, _, err := store.Put(ctx, stringsReader("an orphan")); err != nil {
				t.Fatal(err)
			}
			type process struct {
				work [3]atomic.Int32
				jobs []func() error
			}
			later := func() time.Time { return time.Now().Add(48 * time.Hour) }
			procs := make([]*process, 2)
			for i := range procs {
				db, err := sqldb.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				p := &process{}
				c := counted{db, &p.work}
				holder := string(rune('a' + i))
				ret := &jobs.Retention{Store: c, Keep: time.Hour, Holder: holder, Logger: logger}
				claims := &jobs.ClaimTimeout{Store: c, Timeout: time.Hour, Holder: holder, Logger: logger}
				sweep := &jobs.OrphanSweep{Store: c, Blobs: store, Holder: holder, Logger: logger, Now: later}
				p.jobs = []func() error{
					func() error { _, err := ret.RunOnce(ctx); return err },
					func() error { _, err := claims.RunOnce(ctx); return err },
					func() error { _, err := sweep.RunOnce(ctx); return err },
				}
				procs[i] = p
			}
			const rounds = 3
			var wg sync.WaitGroup
			for _, p := range procs {
				wg.Go(func() {
					for range rounds {
						for _, j := range p.jobs {
							if err := j(); err != nil {
								t.Error(err)
							}
						}
					}
				})
			}
			wg.Wait()
			// Each job's lease is its own: the two processes may share
			// the jobs, but each job works in one of them alone, once a
			// round; the sweep finds the orphan in its first round only
			// (the store is empty after that, it asks nothing).
			for j, name := range []string{"retention", "claim timeout", "orphan sweep"} {
				a, b := procs[0].work[j].Load(), procs[1].work[j].Load()
				want := int32(rounds)
				if j == 2 {
					want = 1
				}
				if (a != 0 && b != 0) || a+b != want {
					t.Errorf("%s: work done %d times by a, %d by b; want %d by one of them", name, a, b, want)
				}
			}
		})
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
