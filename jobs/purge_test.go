package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portail/blob"
	"portail/internal/testdb"
	"portail/jobs"
	"portail/sqldb"
)

// TestPurgeOneProcessAtATime: of two processes' purge jobs on one
// database, the lease lets one delete rows; each sweeps its own blob
// store's temporary files.
func TestPurgeOneProcessAtATime(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, err := sqldb.Open(ctx, testdb.DSN(t, dialect))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			clk := &clock{now: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)}
			db.Now = clk.Now
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			newJob := func(holder string) (*jobs.Purge, string) {
				store := blob.Dir{Root: t.TempDir()}
				tmp := filepath.Join(store.Root, "tmp")
				if err := os.MkdirAll(tmp, 0o750); err != nil {
					t.Fatal(err)
				}
				crashed := filepath.Join(tmp, "put-crashed")
				if err := os.WriteFile(crashed, []byte("partial"), 0o600); err != nil {
					t.Fatal(err)
				}
				old := clk.Now().Add(-2 * time.Hour)
				if err := os.Chtimes(crashed, old, old); err != nil {
					t.Fatal(err)
				}
				return &jobs.Purge{Store: db, Tmp: store, Holder: holder, Logger: logger, Now: clk.Now}, crashed
			}
			a, crashedA := newJob("a")
			b, crashedB := newJob("b")
			gotA, err := a.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			gotB, err := b.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := gotA["sessions"]; !ok {
				t.Errorf("the first job did not purge rows: %v", gotA)
			}
			if _, ok := gotB["sessions"]; ok {
				t.Errorf("the second job purged rows while the first held the lease: %v", gotB)
			}
			for _, p := range []string{crashedA, crashedB} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("%s was not swept: %v", p, err)
				}
			}
			// The holder keeps its lease on its next run.
			if got, err := a.RunOnce(ctx); err != nil {
				t.Fatal(err)
			} else if _, ok := got["sessions"]; !ok {
				t.Errorf("the holder lost its lease: %v", got)
			}
			// Once the lease runs out (the holder died), the other takes over.
			clk.Advance(time.Hour + time.Second)
			if got, err := b.RunOnce(ctx); err != nil {
				t.Fatal(err)
			} else if _, ok := got["sessions"]; !ok {
				t.Errorf("the other job did not take over an expired lease: %v", got)
			}
		})
	}
}
