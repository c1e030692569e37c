package sqldb_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// TestResetCaps: at most portail.MaxResetsPerWindow reset e-mails reach one
// user an hour, whoever asks: the self-service form is ignored silently
// past the cap (and within a minute of the last reset), an admin is told
// to wait with too_many_attempts. The count is in the database.
func TestResetCaps(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		creds := sqldb.NewCredentialService(db)
		outbox := sqldb.NewOutboxService(db)
		resets := func(to string) int {
			t.Helper()
			list, _, err := outbox.ListAll(context.Background(), portail.MaxPageSize, "")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range list {
				if e.To == to && e.Template == portail.EmailPasswordReset {
					n++
				}
			}
			return n
		}
		// An account whose admin has a password, so is active.
		active := func(prefix string) (*portail.User, context.Context) {
			t.Helper()
			acct, admin, err := sqldb.NewAuthService(db).Setup(context.Background(), portail.Setup{
				AccountName: prefix + " company", Plan: portail.PlanGold, Modules: portail.AllModules,
				AdminUsername: prefix + "admin", AdminEmail: prefix + "admin@example.com", AdminPassword: "correct horse battery staple"})
			if err != nil {
				t.Fatal(err)
			}
			return admin, portail.WithCaller(context.Background(), portail.Caller{Actor: admin.Actor(acct.Modules), IP: "192.0.2.1"})
		}
		anon := portail.WithCaller(context.Background(), portail.Caller{IP: "198.51.100.7", UserAgent: "test"})

		t.Run("SelfService", func(t *testing.T) {
			admin, _ := active("self")
			forgot := func() {
				t.Helper()
				if err := creds.ForgotPassword(anon, admin.Username); err != nil {
					t.Fatal(err)
				}
			}
			forgot()
			advance(10 * time.Second)
			forgot() // within the minute: ignored
			if n := resets(admin.Email); n != 1 {
				t.Fatalf("%d e-mails after two requests 10 s apart, want 1", n)
			}
			for range 5 {
				advance(portail.ResetSpacing)
				forgot()
			}
			if n := resets(admin.Email); n != portail.MaxResetsPerWindow {
				t.Fatalf("%d e-mails in an hour, want %d", n, portail.MaxResetsPerWindow)
			}
			advance(portail.ResetWindow - 5*time.Minute) // the first one leaves the window
			forgot()
			if n := resets(admin.Email); n != portail.MaxResetsPerWindow+1 {
				t.Fatalf("%d e-mails once the first left the hour, want %d", n, portail.MaxResetsPerWindow+1)
			}
		})

		t.Run("Admin", func(t *testing.T) {
			admin, ctx := active("adm")
			for i := range portail.MaxResetsPerWindow {
				if err := creds.SendPasswordReset(ctx, admin.ID); err != nil {
					t.Fatalf("reset %d: %v", i+1, err)
				}
			}
			err := creds.SendPasswordReset(ctx, admin.ID)
			var e *portail.Error
			if code(err) != portail.ETOOMANYATTEMPTS || !asError(err, &e) || e.RetryAfter <= 0 || e.RetryAfter > 3600 {
				t.Fatalf("reset past the cap: %#v", err)
			}
			// The self-service form counts the same e-mails, and stays silent.
			if err := creds.ForgotPassword(anon, admin.Email); err != nil {
				t.Fatal(err)
			}
			if n := resets(admin.Email); n != portail.MaxResetsPerWindow {
				t.Fatalf("%d e-mails, want %d", n, portail.MaxResetsPerWindow)
			}
		})
	})
}

// TestForgotUnknownTakesNoWriter: a "forgot password" for a login nobody
// has is answered from a read transaction. SQLite has one writer for the
// whole database, and every write transaction queues for it: a flood of
// unknown logins that each took it kept sign-ins waiting. With the writer
// held by another connection, the unknown login still returns, while a
// real user's reset (a write) waits, which shows the writer was held.
// SQLite only: PostgreSQL has no such single lock.
func TestForgotUnknownTakesNoWriter(t *testing.T) {
	ctx := context.Background()
	path := testdb.DSN(t, "sqlite")
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, _, err := sqldb.NewAuthService(db).Setup(ctx, portail.Setup{AccountName: "W", Plan: portail.PlanGold, Modules: portail.AllModules,
		AdminUsername: "wadmin", AdminEmail: "wadmin@example.com", AdminPassword: "correct horse battery staple"}); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")

	creds := sqldb.NewCredentialService(db)
	anon := portail.WithCaller(ctx, portail.Caller{IP: "198.51.100.7"})
	short, cancel := context.WithTimeout(anon, 3*time.Second)
	defer cancel()
	if err := creds.ForgotPassword(short, "nobody-at-all"); err != nil {
		t.Fatalf("an unknown login waited for the writer: %v", err)
	}
	short, cancel = context.WithTimeout(anon, 300*time.Millisecond)
	defer cancel()
	if err := creds.ForgotPassword(short, "wadmin"); err == nil {
		t.Fatal("a real user's reset went through while another connection held the writer: the test proves nothing")
	}
}
