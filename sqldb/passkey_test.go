package sqldb_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/webauthntest"
	"portail/passkey"
	"portail/sqldb"
)

const passkeyOrigin = "http://localhost:8080"

// passkeys is a signIn account with the passkeys of localhost and a
// software authenticator in the browser at passkeyOrigin.
type passkeys struct {
	*signIn
	svc  *sqldb.PasskeyService
	key  *webauthntest.Authenticator
	acts *sqldb.ActivityService

	mu       sync.Mutex
	sessions map[int64]context.Context // the browser of each user, by as
}

func newPasskeys(t *testing.T, db *sqldb.DB) *passkeys {
	t.Helper()
	rp, err := passkey.New(passkeyOrigin, "portail")
	if err != nil {
		t.Fatal(err)
	}
	s := newSignIn(t, db)
	return &passkeys{signIn: s, svc: sqldb.NewPasskeyService(db, rp, sqldb.NewMFAService(db, s.auth, testKeys(t))),
		key: &webauthntest.Authenticator{Origin: passkeyOrigin}, acts: sqldb.NewActivityService(db)}
}

// as is a context of u signed in from the test's address, in a browser
// session of their own begun now (one a user, made at the first call).
func (p *passkeys) as(u *portail.User) context.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ctx, ok := p.sessions[u.ID]; ok {
		return ctx
	}
	ctx, err := sqldb.Browser(context.Background(), p.db, u)
	if err != nil {
		panic(err)
	}
	if p.sessions == nil {
		p.sessions = map[int64]context.Context{}
	}
	p.sessions[u.ID] = ctx
	return ctx
}

// register adds a passkey to u through the authenticator a.
func (p *passkeys) register(t *testing.T, u *portail.User, a *webauthntest.Authenticator, name string) *portail.Passkey {
	t.Helper()
	opts, err := p.svc.BeginPasskeyRegistration(p.as(u), name)
	if err != nil {
		t.Fatal(err)
	}
	att, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	pk, codes, err := p.svc.FinishPasskeyRegistration(p.as(u), "", att)
	if err != nil {
		t.Fatal(err)
	}
	// The first factor comes with the recovery codes, a later one not.
	if first := len(p.list(t, u)) == 1; first != (len(codes) == portail.RecoveryCodeCount) || !first && codes != nil {
		t.Errorf("registration gave %d recovery codes", len(codes))
	}
	return pk
}

func (p *passkeys) list(t *testing.T, u *portail.User) []*portail.Passkey {
	t.Helper()
	list, err := p.svc.ListPasskeys(p.as(u))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// session is a context of the session token's caller.
func (p *passkeys) session(t *testing.T, token string) context.Context {
	t.Helper()
	u, sess, actor, err := p.auth.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != actor.UserID {
		t.Fatalf("session of %d acts as %d", u.ID, actor.UserID)
	}
	return portail.WithCaller(context.Background(), portail.Caller{Actor: actor, SessionID: sess.ID, IP: "192.0.2.1", UserAgent: "test"})
}

// assertion begins a passwordless sign-in and answers it with a.
func (p *passkeys) assertion(t *testing.T, a *webauthntest.Authenticator) []byte {
	t.Helper()
	opts, err := p.svc.BeginPasskeySignIn(from("198.51.100.7"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (p *passkeys) types(t *testing.T, u *portail.User) map[portail.ActivityType]int {
	t.Helper()
	items, _, err := p.acts.ListActivity(p.as(p.admin), portail.ActivityFilter{UserID: u.ID, Limit: portail.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	out := map[portail.ActivityType]int{}
	for _, e := range items {
		out[e.Type]++
	}
	return out
}

func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		p := newPasskeys(t, db)
		hooks := sqldb.NewWebhookService(db, testKeys(t))
		mustWebhook(t, hooks, p.as(p.admin), "https://hooks.example.com/users", "user.updated")
		pk := p.register(t, p.admin, p.key, "Laptop")
		// Adding a factor is a change of the user, for the webhooks.
		if got := claimAll(t, hooks); len(got) != 1 || got[0].Event.Type != portail.EventUserUpdated {
			t.Errorf("after adding a passkey: %+v", got)
		}
		if pk.Name != "Laptop" || pk.UserID != p.admin.ID || len(pk.Transports) != 1 || pk.Transports[0] != "internal" {
			t.Fatalf("passkey %+v", pk)
		}
		if list := p.list(t, p.admin); len(list) != 1 || list[0].ID != pk.ID || list[0].LastUsedAt != nil {
			t.Fatalf("list %v", list)
		}

		first := p.assertion(t, p.key)
		in, err := p.svc.PasskeySignIn(from("198.51.100.7"), first, "")
		if err != nil || in.User.ID != p.admin.ID || in.Token == "" || in.MFARequired() || in.MFAEnrolmentRequired {
			t.Fatalf("sign-in: %+v, %v", in, err)
		}
		token := in.Token
		if _, _, _, err := p.auth.Authenticate(context.Background(), token); err != nil {
			t.Fatalf("the new session: %v", err)
		}
		// C6: a passkey sign-in ends the earlier session, like a password's.
		in, err = p.svc.PasskeySignIn(from("198.51.100.7"), p.assertion(t, p.key), "")
		if err != nil {
			t.Fatal(err)
		}
		token2 := in.Token
		if _, _, _, err := p.auth.Authenticate(context.Background(), token); code(err) != portail.ESESSIONREPLACED {
			t.Errorf("the earlier session: %v, want session_replaced", err)
		}
		if _, _, _, err := p.auth.Authenticate(context.Background(), token2); err != nil {
			t.Errorf("the later session: %v", err)
		}
		if list := p.list(t, p.admin); list[0].LastUsedAt == nil {
			t.Error("last_used_at not set")
		}

		// The same answer again: its ceremony is gone.
		if _, err := p.svc.PasskeySignIn(from("198.51.100.7"), first, ""); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("replayed assertion: %v, want unauthenticated", err)
		}
		// Two replaced: the browser the passkey was added in, then the
		// first passkey session (C6).
		got := p.types(t, p.admin)
		if got[portail.ActivityMFAAdded] != 1 || got[portail.ActivityPasskeyUsed] != 2 || got[portail.ActivityLoginSucceeded] != 2 ||
			got[portail.ActivitySessionReplaced] != 2 || got[portail.ActivityPasskeyFailed] != 1 {
			t.Errorf("activity %v", got)
		}

		// Nor can such a caller add one (it would outlive the key).
		if _, err := p.svc.BeginPasskeyRegistration(portail.WithCaller(context.Background(), portail.Caller{Actor: p.admin.Actor(portail.AllModules)}), "Key"); code(err) != portail.EFORBIDDEN {
			t.Errorf("registration without a browser session: %v, want forbidden", err)
		}

		// A passkey is a factor: the password now asks for a second step,
		// offering it.
		step, err := p.auth.Login(from("198.51.100.7"), portail.Login{Login: "boss", Password: signInPassword})
		if err != nil || !step.MFARequired() || !slices.Contains(step.Methods, portail.MethodWebAuthn) {
			t.Fatalf("password sign-in with a passkey: %+v, %v", step, err)
		}

		// Removing it takes a recent sign-in in a browser: a caller
		// without a session (an API key's) is refused.
		keyCaller := portail.WithCaller(context.Background(), portail.Caller{Actor: p.admin.Actor(portail.AllModules), IP: "192.0.2.1"})
		if err := p.svc.RemovePasskey(keyCaller, pk.ID); code(err) != portail.EFORBIDDEN {
			t.Errorf("removed without a session: %v, want forbidden", err)
		}
		if err := p.svc.RemovePasskey(p.session(t, token2), pk.ID); err != nil {
			t.Fatal(err)
		}
		if got := claimAll(t, hooks); len(got) != 1 || got[0].Event.Type != portail.EventUserUpdated {
			t.Errorf("after removing a passkey: %+v", got)
		}
		if err := p.svc.RemovePasskey(p.session(t, token2), pk.ID); code(err) != portail.ENOTFOUND {
			t.Errorf("removed twice: %v", err)
		}
		if _, err := p.svc.PasskeySignIn(from("198.51.100.7"), p.assertion(t, p.key), ""); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("a removed passkey: %v, want unauthenticated", err)
		}
		if got := p.types(t, p.admin); got[portail.ActivityMFARemoved] != 1 {
			t.Errorf("activity %v", got)
		}
		if list := p.list(t, p.admin); len(list) != 0 {
			t.Errorf("left %v", list)
		}
	})
}

func TestPasskeyRefusals(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		p := newPasskeys(t, db)
		now := time.Now()
		db.Now = func() time.Time { return now }
		p.register(t, p.admin, p.key, "")

		t.Run("ExpiredCeremony", func(t *testing.T) {
			resp := p.assertion(t, p.key)
			now = now.Add(portail.PasskeyCeremonyLifetime + time.Second)
			if _, err := p.svc.PasskeySignIn(from("198.51.100.7"), resp, ""); code(err) != portail.EUNAUTHENTICATED {
				t.Errorf("expired ceremony: %v, want unauthenticated", err)
			}
			// The purge takes expired ceremonies away.
			if _, err := p.svc.BeginPasskeySignIn(from("198.51.100.7")); err != nil {
				t.Fatal(err)
			}
			counts, err := db.PurgeExpired(context.Background(), now.Add(portail.PasskeyCeremonyLifetime+time.Second), 0)
			if err != nil || counts["passkey_ceremonies"] != 1 {
				t.Errorf("purged %v, %v", counts, err)
			}
		})

		t.Run("SignCountRegression", func(t *testing.T) {
			if _, err := p.svc.PasskeySignIn(from("198.51.100.7"), p.assertion(t, p.key), ""); err != nil {
				t.Fatal(err)
			}
			p.key.Credentials[0].Count = 0 // a clone of the authenticator
			if _, err := p.svc.PasskeySignIn(from("198.51.100.7"), p.assertion(t, p.key), ""); code(err) != portail.EUNAUTHENTICATED {
				t.Errorf("regressed sign count: %v, want unauthenticated", err)
			}
			if got := p.types(t, p.admin); got[portail.ActivityPasskeyFailed] < 1 {
				t.Errorf("no passkey_failed entry: %v", got)
			}
		})

		t.Run("RegistrationReplayed", func(t *testing.T) {
			opts, err := p.svc.BeginPasskeyRegistration(p.as(p.admin), "Phone")
			if err != nil {
				t.Fatal(err)
			}
			phone := &webauthntest.Authenticator{Origin: passkeyOrigin}
			att, err := phone.Create(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := p.svc.FinishPasskeyRegistration(p.as(p.admin), "", att); err != nil {
				t.Fatal(err)
			}
			if _, _, err := p.svc.FinishPasskeyRegistration(p.as(p.admin), "", att); code(err) != portail.EINVALID {
				t.Errorf("replayed attestation: %v, want invalid", err)
			}
		})

		t.Run("AnotherUsersCeremony", func(t *testing.T) {
			other := mustSetup(t, db, "other")
			opts, err := p.svc.BeginPasskeyRegistration(p.as(p.admin), "")
			if err != nil {
				t.Fatal(err)
			}
			att, err := (&webauthntest.Authenticator{Origin: passkeyOrigin}).Create(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := p.svc.FinishPasskeyRegistration(p.as(other), "", att); code(err) != portail.EINVALID {
				t.Errorf("another user's ceremony: %v, want invalid", err)
			}
			if list, _ := p.svc.ListPasskeys(p.as(other)); len(list) != 0 {
				t.Errorf("the other user got %v", list)
			}
			// Nor may they remove the first user's passkeys.
			mine, _ := p.svc.ListPasskeys(p.as(p.admin))
			if err := p.svc.RemovePasskey(p.as(other), mine[0].ID); code(err) != portail.ENOTFOUND {
				t.Errorf("removing another's passkey: %v, want not_found", err)
			}
		})

		t.Run("ForeignOrigin", func(t *testing.T) {
			evil := &webauthntest.Authenticator{Origin: "http://localhost.evil.example", Credentials: p.key.Credentials}
			if _, err := p.svc.PasskeySignIn(from("198.51.100.7"), p.assertion(t, evil), ""); code(err) != portail.EUNAUTHENTICATED {
				t.Errorf("foreign origin: %v, want unauthenticated", err)
			}
		})

		t.Run("CapOnSignIns", func(t *testing.T) {
			p.svc.MaxSignIns = 2
			defer func() { p.svc.MaxSignIns = portail.MaxPasskeySignIns }()
			now = now.Add(time.Hour) // the earlier ceremonies are dead
			for range 2 {
				if _, err := p.svc.BeginPasskeySignIn(from("198.51.100.7")); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := p.svc.BeginPasskeySignIn(from("198.51.100.7")); code(err) != portail.ETOOMANYATTEMPTS {
				t.Errorf("past the cap: %v, want too_many_attempts", err)
			}
		})
	})
}

// mustSetup makes another account with an admin of this name and the
// sign-in password.
func mustSetup(t *testing.T, db *sqldb.DB, name string) *portail.User {
	t.Helper()
	_, u, err := sqldb.NewAuthService(db).Setup(context.Background(), portail.Setup{AccountName: name + " company", Plan: portail.PlanEnterprise,
		Modules: portail.AllModules, AdminUsername: name, AdminEmail: name + "@example.com", AdminPassword: signInPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPasskeysOff(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := newSignIn(t, db)
		svc := sqldb.NewPasskeyService(db, nil, sqldb.NewMFAService(db, s.auth, testKeys(t)))
		if svc.PasskeysEnabled() {
			t.Error("enabled without a relying party")
		}
		ctx := portail.WithCaller(context.Background(), portail.Caller{Actor: s.admin.Actor(portail.AllModules)})
		if _, err := svc.BeginPasskeyRegistration(ctx, ""); code(err) != portail.ENOTFOUND {
			t.Errorf("registration: %v, want not_found", err)
		}
		if _, err := svc.BeginPasskeySignIn(from("192.0.2.1")); code(err) != portail.ENOTFOUND {
			t.Errorf("sign-in: %v, want not_found", err)
		}
	})
}

// TestPasskeySecondStep: after the password, a passkey of the same user
// is the second step; another user's passkey, a replayed answer and a
// passwordless ceremony's answer are wrong factors.
func TestPasskeySecondStep(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		p := newPasskeys(t, db)
		p.register(t, p.admin, p.key, "Laptop")
		other := mustSetup(t, db, "other")
		otherKey := &webauthntest.Authenticator{Origin: passkeyOrigin}
		p.register(t, other, otherKey, "Theirs")

		password := func() string {
			t.Helper()
			in, err := p.auth.Login(from("198.51.100.7"), portail.Login{Login: "boss", Password: signInPassword})
			if err != nil || !in.MFARequired() {
				t.Fatalf("password step: %+v, %v", in, err)
			}
			return in.MFAToken
		}
		token := password()
		opts, err := p.svc.BeginPasskeyStep(from("198.51.100.7"), token)
		if err != nil {
			t.Fatal(err)
		}
		// Another user's passkey signing this step's challenge.
		foreign, err := otherKey.Sign(otherKey.Credentials[0], webauthntest.Challenge(opts))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.svc.CompletePasskeyStep(from("198.51.100.7"), token, foreign, ""); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("another user's passkey: %v, want unauthenticated", err)
		}
		// The ceremony went with that answer: the right passkey must ask again.
		late, err := p.key.Sign(p.key.Credentials[0], webauthntest.Challenge(opts))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.svc.CompletePasskeyStep(from("198.51.100.7"), token, late, ""); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("an answered ceremony: %v, want unauthenticated", err)
		}
		// A passwordless sign-in's answer is not this step's.
		if _, err := p.svc.CompletePasskeyStep(from("198.51.100.7"), token, p.assertion(t, p.key), ""); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("a passwordless ceremony's answer: %v, want unauthenticated", err)
		}

		opts, err = p.svc.BeginPasskeyStep(from("198.51.100.7"), token)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := p.key.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		in, err := p.svc.CompletePasskeyStep(from("198.51.100.7"), token, resp, "")
		if err != nil || in.Token == "" || in.User.ID != p.admin.ID {
			t.Fatalf("second step: %+v, %v", in, err)
		}
		if _, _, _, err := p.auth.Authenticate(context.Background(), in.Token); err != nil {
			t.Errorf("the session: %v", err)
		}
		// The same answer for a new password step: its ceremony is gone.
		if _, err := p.svc.CompletePasskeyStep(from("198.51.100.7"), password(), resp, ""); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("replayed second step: %v, want unauthenticated", err)
		}
		if _, err := p.svc.BeginPasskeyStep(from("198.51.100.7"), "not a token"); code(err) != portail.ETOKENINVALID {
			t.Errorf("a bogus token: %v, want token_invalid", err)
		}
		if got := p.types(t, p.admin); got[portail.ActivityMFAFailed] != 4 || got[portail.ActivityPasskeyUsed] != 1 {
			t.Errorf("activity %v", got)
		}
	})
}

// TestPasskeyThrottleAndEnforcement: refused passkey sign-ins count in
// the sign-in throttle of the passkey's user; a passkey is the second
// factor an account's requirement asks for.
func TestPasskeyThrottleAndEnforcement(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		p := newPasskeys(t, db)
		p.register(t, p.admin, p.key, "")
		p.key.Credentials[0].Count = 1 << 20 // one good sign-in moves the stored count far ahead
		if _, err := p.svc.PasskeySignIn(from("198.51.100.7"), p.assertion(t, p.key), ""); err != nil {
			t.Fatal(err)
		}
		p.key.Credentials[0].Count = 0
		var last error
		for i := 0; i <= portail.FreeSignInFailures; i++ {
			_, last = p.svc.PasskeySignIn(from("198.51.100.7"), p.assertion(t, p.key), "")
		}
		if code(last) != portail.ETOOMANYATTEMPTS {
			t.Errorf("after %d refused passkeys: %v, want too_many_attempts", portail.FreeSignInFailures+1, last)
		}
		// The lock is the user's: the password waits too.
		if _, err := p.auth.Login(from("203.0.113.9"), portail.Login{Login: "boss", Password: signInPassword}); code(err) != portail.ETOOMANYATTEMPTS {
			t.Errorf("the password after refused passkeys: %v, want too_many_attempts", err)
		}

		mfa := sqldb.NewMFAService(db, p.auth, testKeys(t))
		if err := mfa.SetMFARequirement(p.as(p.admin), portail.MFAEveryone); err != nil {
			t.Fatal(err)
		}
		other := mustSetup(t, db, "other")
		if err := mfa.SetMFARequirement(p.as(other), portail.MFAEveryone); err != nil {
			t.Fatal(err)
		}
		// With a passkey alone, the requirement is met: the password asks
		// for it, no enrolment.
		otherKey := &webauthntest.Authenticator{Origin: passkeyOrigin}
		in, err := p.auth.Login(from("203.0.113.9"), portail.Login{Login: "other", Password: signInPassword})
		if err != nil || !in.MFAEnrolmentRequired {
			t.Fatalf("without a factor: %+v, %v (want enrolment)", in, err)
		}
		p.register(t, other, otherKey, "")
		in, err = p.auth.Login(from("203.0.113.9"), portail.Login{Login: "other", Password: signInPassword})
		if err != nil || in.MFAEnrolmentRequired || !in.MFARequired() || !slices.Equal(in.Methods, []string{"webauthn", "recovery_code"}) {
			t.Errorf("with a passkey: %+v, %v", in, err)
		}
	})
}

// TestPasskeyCloneRace: two answers of one credential with the same
// sign count (a cloned authenticator), sent at once, sign in once at
// most: the stored count is compared and set in the write.
func TestPasskeyCloneRace(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		p := newPasskeys(t, db)
		p.register(t, p.admin, p.key, "")
		clone := *p.key.Credentials[0]
		twin := &webauthntest.Authenticator{Origin: passkeyOrigin, Credentials: []*webauthntest.Credential{&clone}}
		answers := [][]byte{p.assertion(t, p.key), p.assertion(t, twin)} // both count 1
		errs := make(chan error, 2)
		for _, a := range answers {
			go func() {
				_, err := p.svc.PasskeySignIn(from("198.51.100.7"), a, "")
				errs <- err
			}()
		}
		ok := 0
		for range answers {
			if err := <-errs; err == nil {
				ok++
			} else if code(err) != portail.EUNAUTHENTICATED {
				t.Errorf("the refused twin: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d of the twin answers signed in, want 1", ok)
		}
	})
}

// TestPasskeySSORequired: a user whose account requires single sign-on
// of them signs in through the provider, not with a passkey added
// before; once it is no longer required, the passkey works.
func TestPasskeySSORequired(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSSO(t, db, "pks", portail.PlanPlatinum)
		rp, err := passkey.New(passkeyOrigin, "portail")
		if err != nil {
			t.Fatal(err)
		}
		svc := sqldb.NewPasskeyService(db, rp, sqldb.NewMFAService(db, f.auth, testKeys(t)))
		f.connect(t, portail.SSOUpdate{Domains: &[]string{"acme.test"}, Required: ptr(true)})
		u, err := f.users.CreateUser(f.as(f.admin), portail.UserCreate{Username: "ana", FullName: "Ana", Email: "ana@acme.test",
			Role: portail.RoleViewer, DepartmentID: f.dept.ID, Modules: portail.AllModules})
		if err != nil || u.Status != portail.StatusActive {
			t.Fatalf("%+v %v", u, err)
		}
		key := &webauthntest.Authenticator{Origin: passkeyOrigin}
		browser, err := sqldb.Browser(context.Background(), db, u)
		if err != nil {
			t.Fatal(err)
		}
		opts, err := svc.BeginPasskeyRegistration(browser, "")
		if err != nil {
			t.Fatal(err)
		}
		att, err := key.Create(opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.FinishPasskeyRegistration(browser, "", att); err != nil {
			t.Fatal(err)
		}
		signIn := func() error {
			t.Helper()
			opts, err := svc.BeginPasskeySignIn(from("198.51.100.7"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := key.Get(opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc.PasskeySignIn(from("198.51.100.7"), resp, "")
			return err
		}
		if err := signIn(); code(err) != portail.ESSOREQUIRED {
			t.Errorf("a passkey of an SSO-required user: %v, want sso_required", err)
		}
		f.connect(t, portail.SSOUpdate{Required: ptr(false)})
		if err := signIn(); err != nil {
			t.Errorf("once SSO is not required: %v", err)
		}
	})
}
