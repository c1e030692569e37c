package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// TestOutboxStaleClaimChangesNothing: a worker whose lease ran out, and
// whose e-mail another worker claimed since, must not record the e-mail
// as sent or failed, nor erase its secrets: the e-mail is the other
// worker's now.
func TestOutboxStaleClaimChangesNothing(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		clk := &testClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		f := MustAccount(t, db, "stale", portail.PlanGold)
		ctx := context.Background()
		outbox := sqldb.NewOutboxService(db)
		drainOutbox(t, outbox) // what the setup sent
		u := f.MustUser(t, "invitee", portail.RoleAdmin, 0, 0)

		first, err := outbox.Claim(ctx, 10, time.Minute)
		if err != nil || len(first) != 1 || first[0].UserID != u.ID {
			t.Fatalf("first claim = %v, %v; want the invitation", first, err)
		}
		if again, err := outbox.Claim(ctx, 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("a claim while the lease runs = %v, %v; want nothing", again, err)
		}
		clk.Advance(2 * time.Minute) // the first worker stalled past its lease
		second, err := outbox.Claim(ctx, 10, time.Minute)
		if err != nil || len(second) != 1 || second[0].ID != first[0].ID {
			t.Fatalf("claim after the lease = %v, %v; want the same e-mail", second, err)
		}
		stale := first[0]
		if err := outbox.Renew(ctx, stale, time.Minute); !errors.Is(err, portail.ErrClaimLost) {
			t.Errorf("Renew by the stale claimant = %v, want ErrClaimLost", err)
		}
		if err := outbox.MarkSent(ctx, stale); !errors.Is(err, portail.ErrClaimLost) {
			t.Errorf("MarkSent by the stale claimant = %v, want ErrClaimLost", err)
		}
		if err := outbox.MarkFailed(ctx, stale, errors.New("timeout"), time.Time{}); !errors.Is(err, portail.ErrClaimLost) {
			t.Errorf("MarkFailed by the stale claimant = %v, want ErrClaimLost", err)
		}
		e, err := outbox.Find(ctx, stale.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != portail.EmailPending || e.SentAt != nil || e.LastError != "" || e.Params.Token == "" {
			t.Fatalf("after the stale claimant's calls: status %s, sent %v, error %q, token %q; want untouched",
				e.Status, e.SentAt, e.LastError, e.Params.Token)
		}
		// The second claim is still whole: a further claim gets nothing.
		if again, err := outbox.Claim(ctx, 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("a claim beside the second's = %v, %v; want nothing", again, err)
		}
		// The holder's own calls work.
		if err := outbox.Renew(ctx, second[0], time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := outbox.MarkSent(ctx, second[0]); err != nil {
			t.Fatal(err)
		}
		if e, _ = outbox.Find(ctx, stale.ID); e.Status != portail.EmailSent || e.Params.Token != "" {
			t.Fatalf("after the holder's MarkSent: status %s, token %q", e.Status, e.Params.Token)
		}
		// Once sent, the e-mail is nobody's: the holder cannot mark it again.
		if err := outbox.MarkFailed(ctx, second[0], errors.New("late"), time.Time{}); !errors.Is(err, portail.ErrClaimLost) {
			t.Errorf("MarkFailed after MarkSent = %v, want ErrClaimLost", err)
		}
	})
}

// drainOutbox marks every due e-mail sent.
func drainOutbox(t *testing.T, outbox *sqldb.OutboxService) {
	t.Helper()
	emails, err := outbox.Claim(context.Background(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if err := outbox.MarkSent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOutboxClaimsDisjoint: workers of two processes (two connections to
// one database) claiming at once never get the same e-mail.
func TestOutboxClaimsDisjoint(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dsn := testdb.DSN(t, dialect)
			var dbs []*sqldb.DB
			for range 2 {
				db, err := sqldb.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			f := MustAccount(t, dbs[0], "disjoint", portail.PlanGold)
			if err := f.setExtra(40); err != nil {
				t.Fatal(err)
			}
			const users = 30
			for i := range users {
				f.MustUser(t, fmt.Sprintf("claimed%02d", i), portail.RoleAdmin, 0, 0)
			}
			const workers = 8
			start := make(chan struct{})
			var mu sync.Mutex
			claimed := map[int64]int{}
			var wg sync.WaitGroup
			for w := range workers {
				outbox := sqldb.NewOutboxService(dbs[w%2])
				wg.Go(func() {
					<-start
					for {
						emails, err := outbox.Claim(context.Background(), 3, time.Minute)
						if err != nil {
							t.Error(err)
							return
						}
						if len(emails) == 0 {
							return
						}
						mu.Lock()
						for _, e := range emails {
							claimed[e.ID]++
						}
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			if len(claimed) != users+1 { // and the setup's e-mail
				t.Errorf("%d e-mails claimed, want %d", len(claimed), users+1)
			}
			for id, n := range claimed {
				if n != 1 {
					t.Errorf("e-mail %d claimed %d times", id, n)
				}
			}
		})
	}
}
