package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// TestPurgeExpired walks a fake clock through 40 days and a year: each
// kind of row goes once past its retention (portail's retention.go), and
// not before; a live session, a live link, a locked throttle counter and a
// pending e-mail are never touched. Deleting one row per batch makes the
// purge go through its batching.
func TestPurgeExpired(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := testdb.DSN(t, dialect)
			db, err := sqldb.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			raw := openRaw(t, dialect, dsn)
			t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
			clk := &testClock{now: t0}
			db.Now = clk.Now
			count := func(q string, args ...any) int {
				t.Helper()
				if dialect == "postgres" {
					for i := 1; strings.Contains(q, "?"); i++ {
						q = strings.Replace(q, "?", "$"+string(rune('0'+i)), 1)
					}
				}
				var n int
				if err := raw.QueryRow(q, args...).Scan(&n); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return n
			}
			tables := []string{"sessions", "user_tokens", "login_throttle", "known_devices", "outbox"}
			purge := func() map[string]int64 {
				t.Helper()
				before := map[string]int{}
				for _, tb := range tables {
					before[tb] = count(`SELECT COUNT(*) FROM ` + tb)
				}
				got, err := db.PurgeExpired(ctx, clk.Now(), 1)
				if err != nil {
					t.Fatal(err)
				}
				for _, tb := range tables {
					if gone := before[tb] - count(`SELECT COUNT(*) FROM `+tb); int64(gone) != got[tb] {
						t.Errorf("%s: PurgeExpired counts %d deleted, the table lost %d", tb, got[tb], gone)
					}
				}
				return got
			}

			f := MustAccount(t, db, "purge", portail.PlanGold)
			if err := f.setExtra(10); err != nil {
				t.Fatal(err)
			}
			outbox := sqldb.NewOutboxService(db)
			creds := sqldb.NewCredentialService(db)
			from := func(ip string) context.Context {
				return portail.WithCaller(ctx, portail.Caller{IP: ip, UserAgent: "test"})
			}
			const pw = "Tulipe-Violette-Hangar-93"
			login := func(ip, name, password, device string) (string, error) {
				_, token, err := tokenOf(f.auth.Login(from(ip), portail.Login{Login: name, Password: password, Device: device}))
				return token, err
			}
			live := func(token string) error {
				_, _, _, err := f.auth.Authenticate(ctx, token)
				return err
			}
			const oldDevice, newDevice = "old-browser-0123456789abcdef0123456789", "new-browser-0123456789abcdef0123456789"

			// Day 0: alice accepts her invitation (her link is used) and
			// signs in from a browser; an hour later a second sign-in ends
			// the first session. Someone guesses at a name that does not
			// exist. The e-mails go out, but carol's is given up.
			alice := f.MustUser(t, "alice", portail.RoleAdmin, 0, 0)
			carol := f.MustUser(t, "carol", portail.RoleAdmin, 0, 0)
			if err := creds.AcceptInvitation(from("192.0.2.1"), linkToken(t, outbox, alice.ID), pw); err != nil {
				t.Fatal(err)
			}
			if _, err := login("192.0.2.1", "alice", pw, oldDevice); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Hour)
			if _, err := login("192.0.2.1", "alice", pw, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := login("198.51.100.1", "nobody", "guess", ""); err == nil {
				t.Fatal("an unknown name signed in")
			}
			emails, err := outbox.Claim(ctx, 100, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range emails {
				if e.UserID == carol.ID {
					err = outbox.MarkFailed(ctx, e, errors.New("mailbox unavailable"), time.Time{})
				} else {
					err = outbox.MarkSent(ctx, e)
				}
				if err != nil {
					t.Fatal(err)
				}
			}

			// Day 10: alice signs in again (her session of day 0 expired on
			// day 7); bob's invitation is live and unsent; mallory is
			// locked out. Alice's used link and the forgotten counters go;
			// everything else is within its retention.
			clk.Advance(10*24*time.Hour - time.Hour)
			s10, err := login("192.0.2.1", "alice", pw, "")
			if err != nil {
				t.Fatal(err)
			}
			bob := f.MustUser(t, "bob", portail.RoleAdmin, 0, 0)
			for range 6 {
				login("203.0.113.9", "mallory", "guess", "")
			}
			if n := count(`SELECT COUNT(*) FROM login_throttle WHERE key = 'login:mallory' AND locked_until > ?`, clk.Now().UnixMicro()); n != 1 {
				t.Fatalf("mallory is not locked out (%d rows)", n)
			}
			got := purge()
			if got["user_tokens"] == 0 || count(`SELECT COUNT(*) FROM user_tokens WHERE user_id = ?`, alice.ID) != 0 {
				t.Errorf("day 10: alice's used link is still there (%v)", got)
			}
			if count(`SELECT COUNT(*) FROM user_tokens WHERE user_id = ? AND used_at IS NULL`, bob.ID) != 1 {
				t.Error("day 10: bob's live link was purged")
			}
			if got["sessions"] != 0 || got["outbox"] != 0 || got["known_devices"] != 0 {
				t.Errorf("day 10: purged %v; sessions, e-mails and devices are within their retention", got)
			}
			if n := count(`SELECT COUNT(*) FROM login_throttle WHERE key IN ('login:nobody', 'ip:198.51.100.1')`); n != 0 {
				t.Errorf("day 10: %d forgotten throttle counters left", n)
			}
			if n := count(`SELECT COUNT(*) FROM login_throttle WHERE key IN ('login:mallory', 'ip:203.0.113.9')`); n != 2 {
				t.Errorf("day 10: mallory's lock was purged (%d rows left of 2)", n)
			}
			if err := live(s10); err != nil {
				t.Errorf("day 10: the live session no longer authenticates: %v", err)
			}

			// Day 40: the session ended on day 0 and the one expired on
			// day 7 go; the one that expired on day 17 stays for now, and
			// so does the new one; the e-mails sent or given up on
			// day 0 go, bob's pending one stays; bob's link, expired on day
			// 11, goes.
			clk.Advance(30 * 24 * time.Hour)
			s3, err := login("192.0.2.1", "alice", pw, newDevice)
			if err != nil {
				t.Fatal(err)
			}
			got = purge()
			if got["sessions"] != 2 || count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, alice.ID) != 2 {
				t.Errorf("day 40: purged %d sessions, want the ended and the expired one", got["sessions"])
			}
			if err := live(s3); err != nil {
				t.Errorf("day 40: the live session no longer authenticates: %v", err)
			}
			if n := count(`SELECT COUNT(*) FROM outbox WHERE status <> 'pending'`); n != 0 {
				t.Errorf("day 40: %d sent or given-up e-mails left", n)
			}
			if n := count(`SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND user_id = ?`, bob.ID); n != 1 {
				t.Errorf("day 40: bob's pending e-mail was purged")
			}
			if n := count(`SELECT COUNT(*) FROM user_tokens WHERE user_id = ?`, bob.ID); n != 0 {
				t.Errorf("day 40: bob's expired link is still there")
			}
			if got["known_devices"] != 0 {
				t.Errorf("day 40: purged %d known browsers", got["known_devices"])
			}

			// A year after day 0 the browser unused since goes; the one
			// used on day 40 stays.
			clk.Advance(326*24*time.Hour + time.Minute)
			got = purge()
			if got["known_devices"] != 1 || count(`SELECT COUNT(*) FROM known_devices WHERE user_id = ?`, alice.ID) != 1 {
				t.Errorf("after a year: purged %d known browsers, want the old one only", got["known_devices"])
			}
			if got := purge(); len(got) == 0 || got["sessions"]+got["user_tokens"]+got["login_throttle"]+got["known_devices"]+got["outbox"] != 0 {
				t.Errorf("a second purge deleted %v, want nothing", got)
			}
		})
	}
}

// linkToken returns the token of the link in the newest e-mail to user.
func linkToken(t *testing.T, outbox *sqldb.OutboxService, userID int64) string {
	t.Helper()
	emails, _, err := outbox.ListAll(context.Background(), 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if e.UserID == userID && e.Params.Token != "" {
			return e.Params.Token
		}
	}
	t.Fatalf("no link for user %d", userID)
	return ""
}

// openRaw opens a second connection to the test database, to count rows
// that no service lists.
func openRaw(t *testing.T, dialect, dsn string) *sql.DB {
	t.Helper()
	driver := "pgx"
	if dialect == "sqlite" {
		driver, dsn = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
