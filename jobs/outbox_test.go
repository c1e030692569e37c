package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/smtptest"
	"portail/internal/testdb"
	"portail/jobs"
	"portail/mail"
	"portail/sqldb"
)

// TestDeliveryTwoProcessesSlowSMTP runs two delivery workers, each on its
// own connection to one database as two serve processes would, against an
// SMTP server slow enough that a batch outlasts the claim's lease: the
// other worker then claims what the first has not reached yet. Every
// e-mail must still arrive exactly once.
func TestDeliveryTwoProcessesSlowSMTP(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := testdb.DSN(t, dialect)
			open := func() *sqldb.DB {
				db, err := sqldb.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			dbA, dbB := open(), open()

			acct, admin, err := sqldb.NewAuthService(dbA).Setup(ctx, portail.Setup{AccountName: "Mail", Plan: portail.PlanGold,
				Modules: portail.AllModules, AdminUsername: "mailadmin", AdminEmail: "mailadmin@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			as := portail.WithCaller(ctx, portail.Caller{Actor: admin.Actor(acct.Modules)})
			const n = 16 // fewer than a batch: one claim can take them all
			extra := 100
			if _, err := sqldb.NewAccountService(dbA).UpdateSubscription(as, portail.SubscriptionUpdate{ExtraSeats: &extra}); err != nil {
				t.Fatal(err)
			}
			to := []string{admin.Email} // the setup's e-mail to the admin
			for i := range n {
				u, err := sqldb.NewUserService(dbA).CreateUser(as, portail.UserCreate{Username: fmt.Sprintf("invitee%02d", i),
					FullName: "Invitee", Email: fmt.Sprintf("invitee%02d@example.com", i), Role: portail.RoleAdmin})
				if err != nil {
					t.Fatal(err)
				}
				to = append(to, u.Email)
			}

			srv := smtptest.Start(t)
			srv.SetDelay(150 * time.Millisecond) // 16 sends take 2.4 s, more than twice the lease
			mailer, err := mail.NewSMTP(srv.URL()+"?tls=none", "portail <no-reply@example.com>")
			if err != nil {
				t.Fatal(err)
			}
			logs := &countingHandler{Handler: slog.NewTextHandler(io.Discard, nil), counts: map[string]int{}}
			logger := slog.New(logs)
			runCtx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for _, db := range []*sqldb.DB{dbA, dbB} {
				d := &jobs.Delivery{Outbox: sqldb.NewOutboxService(db), Mailer: mailer, Logger: logger,
					Interval: 10 * time.Millisecond, RetryBase: 10 * time.Millisecond,
					Lease: time.Second, SendTimeout: 600 * time.Millisecond}
				wg.Go(func() { d.Run(runCtx) })
			}
			// Wait until the outbox has nothing left to send, then until
			// both workers have stopped, so that no send is still on its
			// way when the server's messages are counted.
			outbox := sqldb.NewOutboxService(dbA)
			deadline := time.Now().Add(time.Minute)
			for {
				c, err := outbox.CountUnsent(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if c[portail.EmailPending] == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("e-mails still pending after a minute: %v", c)
				}
				time.Sleep(20 * time.Millisecond) // a poll of the database: no event tells of its state
			}
			stop()
			wg.Wait()
			for _, addr := range to {
				if got := srv.Count(addr); got != 1 {
					t.Errorf("%s received %d e-mails, want exactly 1", addr, got)
				}
			}
			if got := len(srv.Messages()); got != len(to) {
				t.Errorf("the server received %d e-mails, want %d", got, len(to))
			}
			// The batch outlasted its lease: the other worker took e-mails
			// over, and the first skipped them (else the test proved nothing).
			if logs.count("e-mail claimed by another worker; left to it") == 0 {
				t.Error("no e-mail changed hands: the lease did not run out mid-batch")
			}
		})
	}
}

// countingHandler counts log records by message.
type countingHandler struct {
	slog.Handler
	mu     sync.Mutex
	counts map[string]int
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	h.counts[r.Message]++
	h.mu.Unlock()
	return h.Handler.Handle(ctx, r)
}

func (h *countingHandler) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[msg]
}
