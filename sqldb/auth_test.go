package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/sqldb"
)

// raceDelay slows each direction of a PostgreSQL connection in the race
// tests, so that the time between a check and its act is that of a
// database on another machine.
const raceDelay = 2 * time.Millisecond

const signInPassword = "correct horse battery staple"

// signIn is an account whose admin signs in with signInPassword.
type signIn struct {
	db    *sqldb.DB
	auth  *sqldb.AuthService
	creds *sqldb.CredentialService
	users *sqldb.UserService
	admin *portail.User
}

func newSignIn(t testing.TB, db *sqldb.DB) *signIn {
	t.Helper()
	s := &signIn{db: db, auth: sqldb.NewAuthService(db), creds: sqldb.NewCredentialService(db), users: sqldb.NewUserService(db)}
	var err error
	_, s.admin, err = s.auth.Setup(context.Background(), portail.Setup{AccountName: "Sign-in company", Plan: portail.PlanEnterprise,
		Modules: portail.AllModules, AdminUsername: "boss", AdminEmail: "boss@example.com", AdminPassword: signInPassword})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// from is a context of an anonymous caller at the address ip.
func from(ip string) context.Context {
	return portail.WithCaller(context.Background(), portail.Caller{IP: ip, UserAgent: "test"})
}

// login signs in from ip and returns the error code ("" on success).
func (s *signIn) login(ip, name, pw, device string) string {
	_, _, err := tokenOf(s.auth.Login(from(ip), portail.Login{Login: name, Password: pw, Device: device}))
	return code(err)
}

// session signs the admin in and returns their signed-in context.
func (s *signIn) session(t *testing.T) context.Context {
	t.Helper()
	_, token, err := tokenOf(s.auth.Login(from("192.0.2.1"), portail.Login{Login: "boss", Password: signInPassword}))
	if err != nil {
		t.Fatal(err)
	}
	_, sess, actor, err := s.auth.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return portail.WithCaller(context.Background(), portail.Caller{Actor: actor, SessionID: sess.ID, IP: "192.0.2.1"})
}

// resetLink sends the admin a reset e-mail and returns its token and code.
func (s *signIn) resetLink(t *testing.T, ctx context.Context) (token, code string) {
	t.Helper()
	if err := s.creds.SendPasswordReset(ctx, s.admin.ID); err != nil {
		t.Fatal(err)
	}
	mails, err := sqldb.NewOutboxService(s.db).Claim(context.Background(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range slices.Backward(mails) {
		if m.Template == portail.EmailPasswordReset && m.UserID == s.admin.ID {
			return m.Params.Token, m.Params.Code
		}
	}
	t.Fatal("no reset e-mail")
	return "", ""
}

// TestLoginResetInFlight: a reset that lands while a sign-in with the old
// password is being verified ends that sign-in too (issue 10, item 3).
func TestLoginResetInFlight(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		token, rcode := s.resetLink(t, s.session(t))
		var once sync.Once
		sqldb.SetHook(db, func(point string) {
			if point == "login:verified" {
				once.Do(func() {
					if err := s.creds.ResetPassword(from("198.51.100.7"), token, rcode, "the victim's new passphrase"); err != nil {
						t.Errorf("reset: %v", err)
					}
				})
			}
		})
		_, tok, err := tokenOf(s.auth.Login(from("203.0.113.9"), portail.Login{Login: "boss", Password: signInPassword}))
		sqldb.SetHook(db, nil)
		if err == nil {
			_, _, _, aerr := s.auth.Authenticate(context.Background(), tok)
			t.Fatalf("a sign-in with the password a reset replaced got a session (live: %v)", aerr == nil)
		}
		if code(err) != portail.EUNAUTHENTICATED {
			t.Fatalf("sign-in: %v, want unauthenticated", err)
		}
		if got := s.login("203.0.113.9", "boss", "the victim's new passphrase", ""); got != "" {
			t.Fatalf("new password: %s", got)
		}
	})
}

// TestChangePasswordResetInFlight: a password change whose current
// password a reset replaced meanwhile does not overwrite the reset.
func TestChangePasswordResetInFlight(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		attacker := s.session(t)
		token, rcode := s.resetLink(t, s.session(t))
		var once sync.Once
		sqldb.SetHook(db, func(point string) {
			if point == "password:verified" {
				once.Do(func() {
					if err := s.creds.ResetPassword(from("198.51.100.7"), token, rcode, "the victim's new passphrase"); err != nil {
						t.Errorf("reset: %v", err)
					}
				})
			}
		})
		err := s.auth.ChangePassword(attacker, signInPassword, "the attacker's own passphrase")
		sqldb.SetHook(db, nil)
		if err == nil {
			t.Fatal("a change with the password a reset replaced went through")
		}
		if got := s.login("198.51.100.7", "boss", "the victim's new passphrase", ""); got != "" {
			t.Fatalf("the reset's password: %s", got)
		}
	})
}

// TestThrottleKnownDeviceIgnoresAddress: guesses at other names from the
// user's address lock that address for unknown browsers, never for the
// browser the user signed in from before (issue 10, item 9).
func TestThrottleKnownDeviceIgnoresAddress(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		const ip, dev = "192.0.2.10", "my-browser-cookie"
		if got := s.login(ip, "boss", signInPassword, dev); got != "" {
			t.Fatalf("first sign-in: %s", got)
		}
		for i := range 50 {
			if got := s.login(ip, fmt.Sprintf("guess-%d", i), "wrong password", ""); got != portail.EUNAUTHENTICATED {
				t.Fatalf("guess %d: %s", i, got)
			}
		}
		if got := s.login(ip, "boss", signInPassword, ""); got != portail.ETOOMANYATTEMPTS {
			t.Fatalf("an unknown browser at the locked address: %q, want too_many_attempts", got)
		}
		if got := s.login(ip, "boss", signInPassword, dev); got != "" {
			t.Fatalf("the known browser at the locked address: %q, want a session", got)
		}
	})
}

// TestThrottleIPv6Prefix: the addresses of one IPv6 /64, which one host
// usually holds all of, share the address throttle; the next /64 does not.
// An IPv4-mapped IPv6 address is its IPv4 address.
func TestThrottleIPv6Prefix(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		for i := range 50 {
			if got := s.login(fmt.Sprintf("2001:db8:1:2::%x", i+1), fmt.Sprintf("guess-%d", i), "wrong password", ""); got != portail.EUNAUTHENTICATED {
				t.Fatalf("guess %d: %s", i, got)
			}
		}
		if got := s.login("2001:db8:1:2:ffff:ffff:ffff:ffff", "other", "wrong password", ""); got != portail.ETOOMANYATTEMPTS {
			t.Fatalf("another address of the /64: %q, want too_many_attempts", got)
		}
		if got := s.login("2001:db8:1:3::1", "other", "wrong password", ""); got != portail.EUNAUTHENTICATED {
			t.Fatalf("the next /64: %q, want unauthenticated", got)
		}
		for i := range 50 {
			s.login("192.0.2.77", fmt.Sprintf("guess-%d", i), "wrong password", "")
		}
		if got := s.login("::ffff:192.0.2.77", "other", "wrong password", ""); got != portail.ETOOMANYATTEMPTS {
			t.Fatalf("the IPv4-mapped form of a locked address: %q, want too_many_attempts", got)
		}
	})
}

// TestThrottleOneKeyPerAccount: guesses by username and by e-mail count
// under one key, the account's (issue 10, item 13); unknown names are
// counted by the name typed, and lock the same way.
func TestThrottleOneKeyPerAccount(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		for i, name := range []string{"boss", "boss@example.com", "BOSS", "boss", "Boss@Example.com"} {
			if got := s.login(fmt.Sprintf("192.0.2.%d", i+1), name, "wrong password", ""); got != portail.EUNAUTHENTICATED {
				t.Fatalf("guess %d: %s", i, got)
			}
		}
		for _, name := range []string{"boss", "boss@example.com"} {
			if got := s.login("192.0.2.99", name, signInPassword, ""); got != portail.ETOOMANYATTEMPTS {
				t.Fatalf("after 5 guesses shared between username and e-mail, %s: %q, want too_many_attempts", name, got)
			}
		}
		for i := range 5 {
			s.login(fmt.Sprintf("192.0.2.%d", i+1), "nobody", "wrong password", "")
		}
		if got := s.login("192.0.2.99", "nobody", "wrong password", ""); got != portail.ETOOMANYATTEMPTS {
			t.Fatalf("an unknown name after 5 guesses: %q, want too_many_attempts", got)
		}
	})
}

// TestChangePasswordThrottled: the current-password check is throttled by
// the user like sign-in, each attempt counted before the check (item 12).
func TestChangePasswordThrottled(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		ctx := s.session(t)
		for i := range 5 {
			if err := s.auth.ChangePassword(ctx, "wrong password", "my brand new passphrase"); code(err) != portail.EINVALID {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		err := s.auth.ChangePassword(ctx, signInPassword, "my brand new passphrase")
		var e *portail.Error
		if code(err) != portail.ETOOMANYATTEMPTS || !asError(err, &e) || e.RetryAfter <= 0 {
			t.Fatalf("after 5 wrong current passwords: %v, want too_many_attempts with a wait", err)
		}
	})
}

// TestOutboxClaimDisjoint: parallel claims share the pending e-mails out,
// none twice, with the connection slowed so that the claims overlap.
func TestOutboxClaimDisjoint(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		ctx := s.session(t)
		const mails = 40
		start0 := time.Now()
		for i := range mails {
			// Past an hour every 3 e-mails: a user gets at most 3 resets an hour.
			at := start0.Add(time.Duration(i/portail.MaxResetsPerWindow) * 61 * time.Minute)
			db.Now = func() time.Time { return at }
			if err := s.creds.SendPasswordReset(ctx, s.admin.ID); err != nil {
				t.Fatal(err)
			}
		}
		out := sqldb.NewOutboxService(db)
		claims := make([][]*portail.Email, 8)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range claims {
			wg.Go(func() {
				<-start
				var err error
				if claims[i], err = out.Claim(context.Background(), 6, time.Minute); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
		seen := map[int64]int{}
		for i, c := range claims {
			for _, e := range c {
				if j, dup := seen[e.ID]; dup {
					t.Fatalf("e-mail %d claimed by claims %d and %d", e.ID, j, i)
				}
				seen[e.ID] = i
			}
		}
		// 8 × 6 slots for 40 e-mails (and no other pending one): every
		// e-mail is claimed, by exactly one claim.
		if len(seen) != mails {
			t.Fatalf("%d e-mails claimed, want %d", len(seen), mails)
		}
	})
}

// tokenOf unpacks a sign-in as the tests read it: the user and the new
// session's token.
func tokenOf(in *portail.SignIn, err error) (*portail.User, string, error) {
	if err != nil {
		return nil, "", err
	}
	return in.User, in.Token, nil
}
