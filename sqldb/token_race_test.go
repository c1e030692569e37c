package sqldb_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/sqldb"
)

// burst runs fn n times at once and returns how many calls succeeded,
// the index of the last that did, and the errors of the others.
func burst(n int, fn func(i int) error) (ok, won int, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok, won = ok+1, i
			} else {
				errs = append(errs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, won, errs
}

// mailedToken is the token of the newest e-mail of the template to user.
func mailedToken(t *testing.T, db *sqldb.DB, tmpl portail.EmailTemplate, userID int64) string {
	t.Helper()
	mails, err := sqldb.NewOutboxService(db).Claim(context.Background(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range slices.Backward(mails) {
		if m.Template == tmpl && m.UserID == userID && m.Params.Token != "" {
			return m.Params.Token
		}
	}
	t.Fatalf("no %s e-mail to user %d", tmpl, userID)
	return ""
}

// TestRaceInvitationSingleUse: an invitation link accepted by 20 requests
// at once sets one password; every other request is told the link is
// used, and the user ends with the password of the one that won.
func TestRaceInvitationSingleUse(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		ctx := s.session(t)
		u, err := s.users.CreateUser(ctx, portail.UserCreate{Username: "newcomer", FullName: "New Comer",
			Email: "newcomer@example.com", Role: portail.RoleAdmin, Onboarding: portail.OnboardingInvitation})
		if err != nil {
			t.Fatal(err)
		}
		token := mailedToken(t, db, portail.EmailInvitation, u.ID)
		const n = 20
		passwords := make([]string, n)
		for i := range passwords {
			passwords[i] = "a fresh passphrase of mine " + string(rune('a'+i))
		}
		ok, won, errs := burst(n, func(i int) error {
			return s.creds.AcceptInvitation(from("198.51.100.9"), token, passwords[i])
		})
		if ok != 1 {
			t.Fatalf("%d of %d simultaneous acceptances succeeded, want 1 (errors: %v)", ok, n, errs)
		}
		for _, err := range errs {
			if code(err) != portail.ETOKENINVALID {
				t.Fatalf("a losing acceptance answered %v, want token_invalid", err)
			}
		}
		// The winner's password is the one stored; a loser's is not.
		if got := s.login("198.51.100.10", "newcomer", passwords[won], ""); got != "" {
			t.Fatalf("the winning password does not sign in: %s", got)
		}
		if got := s.login("198.51.100.10", "newcomer", passwords[(won+1)%n], ""); got != portail.EUNAUTHENTICATED {
			t.Fatalf("a losing password signs in (%q): two acceptances wrote a password", got)
		}
	})
}

// TestRaceResetSingleUse: a reset link with its right code, submitted 20
// times at once, sets one password: one success, the rest token_invalid.
func TestRaceResetSingleUse(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		token, rcode := s.resetLink(t, s.session(t))
		const n = 20
		ok, _, errs := burst(n, func(i int) error {
			return s.creds.ResetPassword(from("198.51.100.11"), token, rcode, "reset passphrase number "+string(rune('a'+i)))
		})
		if ok != 1 {
			t.Fatalf("%d of %d simultaneous resets succeeded, want 1 (errors: %v)", ok, n, errs)
		}
		for _, err := range errs {
			if code(err) != portail.ETOKENINVALID {
				t.Fatalf("a losing reset answered %v, want token_invalid", err)
			}
		}
	})
}

// TestSessionExpiry: with the default lifetimes, a session unused for
// longer than the idle timeout ends, and a session in constant use ends
// at its absolute lifetime (ASVS 3.3.1, 3.3.2), driven by the clock.
func TestSessionExpiry(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		now := time.Now()
		db.Now = func() time.Time { return now }
		newSignIn(t, db)
		auth := sqldb.NewAuthService(db)
		if auth.Idle != 30*time.Minute || auth.Lifetime != 12*time.Hour {
			t.Fatalf("default lifetimes idle %s, absolute %s; want 30m and 12h", auth.Idle, auth.Lifetime)
		}
		signIn := func() string {
			_, token, err := tokenOf(auth.Login(from("192.0.2.20"), portail.Login{Login: "boss", Password: signInPassword}))
			if err != nil {
				t.Fatal(err)
			}
			return token
		}
		alive := func(token string) bool {
			_, _, _, err := auth.Authenticate(context.Background(), token)
			if err != nil && code(err) != portail.EUNAUTHENTICATED {
				t.Fatal(err)
			}
			return err == nil
		}

		// Idle: 29 minutes unused is fine, the next 31 are not.
		token := signIn()
		now = now.Add(29 * time.Minute)
		if !alive(token) {
			t.Fatal("a session used 29 minutes ago has ended")
		}
		now = now.Add(31 * time.Minute)
		if alive(token) {
			t.Fatal("a session unused for 31 minutes is still alive")
		}

		// Absolute: used every 20 minutes, it lives until 12 hours.
		token = signIn()
		for range 12*3 - 1 {
			now = now.Add(20 * time.Minute)
			if !alive(token) {
				t.Fatalf("a session in use ended before its lifetime")
			}
		}
		now = now.Add(21 * time.Minute)
		if alive(token) {
			t.Fatal("a session in use is alive past 12 hours")
		}
	})
}
