package sqldb_test

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"portail"
	"portail/password"
	"portail/sqldb"
)

const moverPassword = "a long enough passphrase to move"

// activeMover is an active user with moverPassword, set in the table: the
// invitation's path is the end-to-end tests' business.
func activeMover(t *testing.T, f *fixture, raw *sql.DB, pg bool, username string) *portail.User {
	t.Helper()
	d := f.MustDepartment(t, "Moves "+username)
	u := f.MustUser(t, username, portail.RoleOperator, d.ID, portail.NewModuleSet(portail.ModuleMail))
	q := `UPDATE users SET status = 'active', password_hash = ? WHERE id = ?`
	if pg {
		q = `UPDATE users SET status = 'active', password_hash = $1 WHERE id = $2`
	}
	if _, err := raw.Exec(q, password.Hash(moverPassword), u.ID); err != nil {
		t.Fatal(err)
	}
	u.Status = portail.StatusActive
	return u
}

func liveEmailLinks(t *testing.T, raw *sql.DB, pg bool, userID int64) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM user_tokens WHERE user_id = ? AND kind = 'email' AND used_at IS NULL`
	if pg {
		q = `SELECT COUNT(*) FROM user_tokens WHERE user_id = $1 AND kind = 'email' AND used_at IS NULL`
	}
	var n int
	if err := raw.QueryRow(q, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEmailChangeConcurrentRequests: simultaneous requests to change one's
// own address leave exactly one live link, the one whose address is
// pending: a newer request kills the older even when they overlap.
func TestEmailChangeConcurrentRequests(t *testing.T) {
	eachDSN(t, func(t *testing.T, db *sqldb.DB, raw *sql.DB) {
		f := MustAccount(t, db, "m", portail.PlanEnterprise)
		for round := range 5 {
			u := activeMover(t, f, raw, db.Postgres(), fmt.Sprintf("mover%d", round))
			ctx := f.as(u)
			// Fewer than the throttle's free attempts: every request has
			// the right password and must get through.
			const burst = 4
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, burst)
			for i := range burst {
				wg.Go(func() {
					<-start
					addr := fmt.Sprintf("mover%d.%d@example.com", round, i)
					_, err := f.users.UpdateUser(ctx, u.ID, portail.UserUpdate{Email: &addr, CurrentPassword: moverPassword})
					errs <- err
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if n := liveEmailLinks(t, raw, db.Postgres(), u.ID); n != 1 {
				t.Fatalf("round %d: %d live e-mail change links after %d requests, want 1", round, n, burst)
			}
			got, err := f.users.FindUser(ctx, u.ID)
			if err != nil || got.PendingEmail == "" || got.Email != u.Email {
				t.Fatalf("round %d: user %+v, %v", round, got, err)
			}
		}
	})
}

// TestEmailChangeThrottled: wrong current passwords count in the sign-in
// throttle, so a session left open cannot be used to guess the password.
func TestEmailChangeThrottled(t *testing.T) {
	eachDSN(t, func(t *testing.T, db *sqldb.DB, raw *sql.DB) {
		f := MustAccount(t, db, "t", portail.PlanEnterprise)
		u := activeMover(t, f, raw, db.Postgres(), "guessed")
		ctx := f.as(u)
		addr := "elsewhere@example.com"
		for i := range 5 {
			_, err := f.users.UpdateUser(ctx, u.ID, portail.UserUpdate{Email: &addr, CurrentPassword: fmt.Sprintf("wrong guess %d", i)})
			var e *portail.Error
			if code(err) != portail.EINVALID || !asError(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "current_password" {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		if _, err := f.users.UpdateUser(ctx, u.ID, portail.UserUpdate{Email: &addr, CurrentPassword: moverPassword}); code(err) != portail.ETOOMANYATTEMPTS {
			t.Fatalf("after 5 wrong passwords: %v, want too_many_attempts", err)
		}
		// The sign-in sees the same lock: the counters are shared.
		if _, _, err := tokenOf(f.auth.Login(f.as(u), portail.Login{Login: u.Username, Password: moverPassword})); code(err) != portail.ETOOMANYATTEMPTS {
			t.Fatalf("sign-in after 5 wrong passwords on the profile: %v", err)
		}
	})
}
