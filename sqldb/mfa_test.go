package sqldb_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"portail"
	"portail/secret"
	"portail/sqldb"
)

// mfaKeys seal the tests' TOTP secrets.
var mfaKeys = func() *secret.Keys {
	k, err := secret.New([]byte(strings.Repeat("k", secret.KeySize)))
	if err != nil {
		panic(err)
	}
	return k
}()

// mfaFixture is the sign-in account with a clock and second factors.
type mfaFixture struct {
	*signIn
	mfa   *sqldb.MFAService
	clock *clock
	ids   map[string]int64 // the users activeUser made
}

func newMFA(t *testing.T, db *sqldb.DB) *mfaFixture {
	t.Helper()
	// The middle of a 30-second step, so that ±15 s stays in it.
	c := &clock{t: time.Unix(1_800_000_015, 0)}
	db.Now = c.now
	s := newSignIn(t, db)
	return &mfaFixture{signIn: s, mfa: sqldb.NewMFAService(db, s.auth, mfaKeys), clock: c, ids: map[string]int64{}}
}

// sessionCtx is the signed-in context of a session token.
func (f *mfaFixture) sessionCtx(t *testing.T, token string) context.Context {
	t.Helper()
	_, sess, actor, err := f.auth.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return portail.WithCaller(context.Background(), portail.Caller{Actor: actor, SessionID: sess.ID, IP: "192.0.2.1", UserAgent: "test"})
}

// signedIn signs in a user who has no factor: their context and token.
func (f *mfaFixture) signedIn(t *testing.T, login string) (context.Context, string) {
	t.Helper()
	in, err := f.auth.Login(from("192.0.2.1"), portail.Login{Login: login, Password: signInPassword})
	if err != nil || in.Token == "" {
		t.Fatalf("sign-in of %s: %+v, %v", login, in, err)
	}
	return f.sessionCtx(t, in.Token), in.Token
}

// activeUser creates a user who accepted their invitation with
// signInPassword.
func (f *mfaFixture) activeUser(t *testing.T, ctx context.Context, name string, role portail.Role, dept int64) {
	t.Helper()
	u, err := f.users.CreateUser(ctx, portail.UserCreate{Username: name, FullName: "Full " + name, Email: name + "@example.com",
		Role: role, DepartmentID: dept, Modules: portail.AllModules})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.creds.AcceptInvitation(from("192.0.2.1"), linkToken(t, sqldb.NewOutboxService(f.db), u.ID), signInPassword); err != nil {
		t.Fatal(err)
	}
	f.ids[name] = u.ID
}

// codeAt is the TOTP code of secret at the fixture's time plus d.
func (f *mfaFixture) codeAt(t *testing.T, secret string, d time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, f.clock.now().Add(d), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol gives the admin a TOTP factor and returns its secret and the
// recovery codes; the clock then moves to the next step, so that the
// confirming code is not the only one of the step.
func (f *mfaFixture) enrol(t *testing.T, ctx context.Context) (string, []string) {
	t.Helper()
	e, err := f.mfa.StartTOTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.URL, "otpauth://totp/") || !strings.Contains(e.URL, "secret="+e.Secret) {
		t.Fatalf("otpauth URL %q for secret %q", e.URL, e.Secret)
	}
	codes, err := f.mfa.ConfirmTOTP(ctx, f.codeAt(t, e.Secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != portail.RecoveryCodeCount {
		t.Fatalf("%d recovery codes, want %d", len(codes), portail.RecoveryCodeCount)
	}
	f.clock.add(30 * time.Second)
	return e.Secret, codes
}

// password signs the admin in with their password and expects the second
// step to be due.
func (f *mfaFixture) password(t *testing.T) *portail.SignIn {
	t.Helper()
	in, err := f.auth.Login(from("192.0.2.1"), portail.Login{Login: "boss", Password: signInPassword})
	if err != nil {
		t.Fatal(err)
	}
	if !in.MFARequired() || in.Token != "" {
		t.Fatalf("sign-in with a factor: %+v, want an mfa_token and no session", in)
	}
	return in
}

func (f *mfaFixture) second(token, code string) (*portail.SignIn, error) {
	return f.mfa.CompleteMFA(from("192.0.2.1"), portail.SecondStep{Token: token, Code: code})
}

// TestMFAEnrolAndSignIn: enrolment with a wrong then a right code, the
// sign-in's two steps, a code accepted once, a token used once, and C6
// applying at the second step, not at the password.
func TestMFAEnrolAndSignIn(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		ctx, first := f.signedIn(t, "boss")
		e, err := f.mfa.StartTOTP(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pe *portail.Error
		if _, err := f.mfa.ConfirmTOTP(ctx, "000000"); !asError(err, &pe) || pe.Code != portail.EINVALID || len(pe.Fields) != 1 || pe.Fields[0].Field != "code" {
			t.Fatalf("a wrong confirming code: %v", err)
		}
		if fs, _ := f.mfa.Factors(ctx); len(fs) != 0 {
			t.Fatalf("a pending secret is listed: %+v", fs)
		}
		codes, err := f.mfa.ConfirmTOTP(ctx, f.codeAt(t, e.Secret, 0))
		if err != nil || len(codes) != 10 {
			t.Fatalf("confirm: %v, %d codes", err, len(codes))
		}
		for _, c := range codes {
			if len(c) != 9 || c[4] != '-' || portail.NormalizeRecoveryCode(c) == "" {
				t.Fatalf("recovery code %q is not XXXX-XXXX Crockford base32", c)
			}
		}
		fs, err := f.mfa.Factors(ctx)
		if err != nil || len(fs) != 1 || fs[0].Kind != portail.FactorTOTP || fs[0].LastUsedAt != nil {
			t.Fatalf("factors after enrolling (not used yet): %+v, %v", fs, err)
		}
		if _, err := f.mfa.StartTOTP(ctx); code(err) != portail.ECONFLICT {
			t.Fatalf("a second authenticator app: %v", err)
		}

		in := f.password(t)
		if strings.Join(in.Methods, ",") != "totp,recovery_code" {
			t.Fatalf("methods %v", in.Methods)
		}
		// The password alone ends no session (C6 waits for the second step).
		if _, _, _, err := f.auth.Authenticate(context.Background(), first); err != nil {
			t.Fatalf("the earlier session ended at the password step: %v", err)
		}
		// The code that confirmed the app, in the same step: refused.
		if _, err := f.second(in.MFAToken, f.codeAt(t, e.Secret, 0)); code(err) != portail.EUNAUTHENTICATED {
			t.Fatalf("the confirming code again: %v, want unauthenticated", err)
		}
		f.clock.add(30 * time.Second)
		now := f.codeAt(t, e.Secret, 0)
		done, err := f.second(in.MFAToken, now)
		if err != nil || done.Token == "" || done.User.ID != f.admin.ID {
			t.Fatalf("second step: %+v, %v", done, err)
		}
		if _, err := f.second(in.MFAToken, now); code(err) != portail.ETOKENINVALID {
			t.Fatalf("the token twice: %v", err)
		}
		if fs, _ := f.mfa.Factors(f.sessionCtx(t, done.Token)); len(fs) != 1 || fs[0].LastUsedAt == nil || !fs[0].LastUsedAt.Equal(f.clock.now()) {
			t.Fatalf("last_used_at after the sign-in: %+v", fs)
		}
		// The same code on a new sign-in: a code is accepted once.
		again := f.password(t)
		if _, err := f.second(again.MFAToken, now); code(err) != portail.EUNAUTHENTICATED {
			t.Fatalf("a replayed code: %v", err)
		}
		if _, _, _, err := f.auth.Authenticate(context.Background(), done.Token); err != nil {
			t.Fatalf("the new session: %v", err)
		}
		if _, _, _, err := f.auth.Authenticate(context.Background(), first); code(err) != portail.ESESSIONREPLACED {
			t.Fatalf("the session before the second step: %v, want session_replaced", err)
		}
		// The token dies with its time.
		late := f.password(t)
		f.clock.add(portail.MFATokenLifetime + time.Second)
		if _, err := f.second(late.MFAToken, f.codeAt(t, e.Secret, 0)); code(err) != portail.ETOKENINVALID {
			t.Fatalf("an expired token: %v", err)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "activity WHERE type = 'mfa_added'"); n != 1 {
			t.Fatalf("%d mfa_added entries", n)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "activity WHERE type = 'mfa_failed'"); n != 2 {
			t.Fatalf("%d mfa_failed entries, want 2", n)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "webhook_events"); n != 0 {
			t.Fatalf("%d events with no endpoint", n)
		}
	})
}

// TestMFADrift: one step either way is accepted, two are not.
func TestMFADrift(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		secret, _ := f.enrol(t, f.session(t))
		// One step further: the step before now is not the confirming one.
		f.clock.add(30 * time.Second)
		for _, c := range []struct {
			d    time.Duration
			want string
		}{
			{-60 * time.Second, portail.EUNAUTHENTICATED},
			{60 * time.Second, portail.EUNAUTHENTICATED},
			{-30 * time.Second, ""},
			{30 * time.Second, ""},
		} {
			in := f.password(t)
			_, err := f.second(in.MFAToken, f.codeAt(t, secret, c.d))
			if code(err) != c.want {
				t.Errorf("a code %v away: %v, want %q", c.d, err, c.want)
			}
		}
	})
}

// TestMFARecoveryCode: a recovery code signs in once, typed in any case
// and without its dash; using one is in the log.
func TestMFARecoveryCode(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		_, codes := f.enrol(t, f.session(t))
		typed := strings.ToLower(strings.ReplaceAll(codes[3], "-", ""))
		in := f.password(t)
		if done, err := f.second(in.MFAToken, typed); err != nil || done.Token == "" {
			t.Fatalf("a recovery code: %+v, %v", done, err)
		}
		in = f.password(t)
		if _, err := f.second(in.MFAToken, codes[3]); code(err) != portail.EUNAUTHENTICATED {
			t.Fatalf("a used recovery code: %v", err)
		}
		if done, err := f.second(in.MFAToken, codes[4]); err != nil || done.Token == "" {
			t.Fatalf("another recovery code: %v", err)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "activity WHERE type = 'mfa_recovery_code_used'"); n != 2 {
			t.Fatalf("%d mfa_recovery_code_used entries", n)
		}
		// New codes: the old ones die.
		in = f.password(t)
		done, err := f.second(in.MFAToken, codes[6])
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := f.mfa.NewRecoveryCodes(f.sessionCtx(t, done.Token))
		if err != nil || len(fresh) != 10 {
			t.Fatalf("new codes: %v", err)
		}
		in = f.password(t)
		if _, err := f.second(in.MFAToken, codes[5]); code(err) != portail.EUNAUTHENTICATED {
			t.Fatalf("an old code after new ones: %v", err)
		}
		if done, err := f.second(in.MFAToken, fresh[0]); err != nil || done.Token == "" {
			t.Fatalf("a new code: %v", err)
		}
	})
}

// TestMFAFiveWrongCodes: the 5th wrong code kills the token, and the
// wrong codes count in the sign-in throttle with the wrong passwords.
func TestMFAFiveWrongCodes(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		secret, _ := f.enrol(t, f.session(t))
		in := f.password(t)
		for i := 1; i <= 4; i++ {
			if _, err := f.second(in.MFAToken, "123456"); code(err) != portail.EUNAUTHENTICATED {
				t.Fatalf("wrong code %d: %v", i, err)
			}
		}
		if _, err := f.second(in.MFAToken, "654321"); code(err) != portail.ETOKENINVALID {
			t.Fatalf("the 5th wrong code: %v, want token_invalid", err)
		}
		if _, err := f.second(in.MFAToken, f.codeAt(t, secret, 0)); code(err) != portail.ETOKENINVALID {
			t.Fatalf("the right code on a killed token: %v", err)
		}
		// Five failures of this person: the next attempt waits.
		if got := f.login("192.0.2.1", "boss", signInPassword, ""); got != portail.ETOOMANYATTEMPTS {
			t.Fatalf("sign-in after 5 wrong codes: %q, want too_many_attempts", got)
		}
	})
}

// TestMFAThrottleAcross: wrong passwords and wrong codes share the
// person's free failures; the right password forgives nothing, the
// second step does.
func TestMFAThrottleAcross(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		secret, _ := f.enrol(t, f.session(t))
		for range 3 {
			if got := f.login("192.0.2.1", "boss", "wrong password", ""); got != portail.EUNAUTHENTICATED {
				t.Fatalf("wrong password: %q", got)
			}
		}
		in := f.password(t)
		for range 2 {
			if _, err := f.second(in.MFAToken, "111111"); code(err) != portail.EUNAUTHENTICATED {
				t.Fatalf("wrong code: %v", err)
			}
		}
		if _, err := f.second(in.MFAToken, f.codeAt(t, secret, 0)); code(err) != portail.ETOOMANYATTEMPTS {
			t.Fatalf("after 3 wrong passwords and 2 wrong codes: %v, want too_many_attempts", err)
		}
		f.clock.add(portail.ThrottleFirstWait + time.Second)
		done, err := f.second(in.MFAToken, f.codeAt(t, secret, 0))
		if err != nil || done.Token == "" {
			t.Fatalf("after the wait: %v", err)
		}
		// Forgiven: five more wrong passwords are free again.
		for range portail.FreeSignInFailures - 1 {
			if got := f.login("192.0.2.1", "boss", "wrong password", ""); got != portail.EUNAUTHENTICATED {
				t.Fatalf("after the success, a wrong password: %q", got)
			}
		}
	})
}

// TestMFASecondStepRace: the same right code sent at once with the same
// token, or on two sign-ins, signs in once.
func TestMFASecondStepRace(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		secret, _ := f.enrol(t, f.session(t))
		in := f.password(t)
		c := f.codeAt(t, secret, 0)
		if n := f.signInsAtOnce(c, in.MFAToken, in.MFAToken, in.MFAToken, in.MFAToken); n != 1 {
			t.Fatalf("%d sign-ins from one token and one code", n)
		}
		// One code on two sign-ins at once (a code seen over a shoulder,
		// typed elsewhere as its user types it): accepted once.
		f.clock.add(30 * time.Second)
		c = f.codeAt(t, secret, 0)
		if n := f.signInsAtOnce(c, f.password(t).MFAToken, f.password(t).MFAToken); n != 1 {
			t.Fatalf("%d sign-ins from one code on two tokens", n)
		}
	})
}

// signInsAtOnce sends code with each token at once and counts the
// sessions started.
func (f *mfaFixture) signInsAtOnce(code string, tokens ...string) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for _, tok := range tokens {
		wg.Go(func() {
			if done, err := f.second(tok, code); err == nil && done.Token != "" {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return wins
}

// TestMFARequirement: enforcement for admins and everyone, API keys
// included; the last factor stays while required; admins only set it.
func TestMFARequirement(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		ctx, _ := f.signedIn(t, "boss")
		dept, err := sqldb.NewDepartmentService(db).CreateDepartment(ctx, "Ops")
		if err != nil {
			t.Fatal(err)
		}
		f.activeUser(t, ctx, "op", portail.RoleOperator, dept.ID)
		opCtx, _ := f.signedIn(t, "op")
		if err := f.mfa.SetMFARequirement(opCtx, portail.MFAAdmins); code(err) != portail.EFORBIDDEN {
			t.Fatalf("an operator sets the requirement: %v", err)
		}
		if err := f.mfa.SetMFARequirement(ctx, "sometimes"); code(err) != portail.EINVALID {
			t.Fatalf("a bad requirement: %v", err)
		}
		if err := f.mfa.SetMFARequirement(ctx, portail.MFAAdmins); err != nil {
			t.Fatal(err)
		}
		if r, err := f.mfa.MFARequirement(ctx); err != nil || r != portail.MFAAdmins {
			t.Fatalf("requirement %q, %v", r, err)
		}
		_, key, err := f.creds.CreateAPIKey(ctx, "script")
		if err != nil {
			t.Fatal(err)
		}
		due := func(login string) bool {
			t.Helper()
			in, err := f.auth.Login(from("192.0.2.1"), portail.Login{Login: login, Password: signInPassword})
			if err != nil {
				t.Fatal(err)
			}
			u, _, _, err := f.auth.Authenticate(context.Background(), in.Token)
			if err != nil || u.MFAEnrolmentRequired != in.MFAEnrolmentRequired {
				t.Fatalf("authenticate %s: %v (%v vs %v)", login, err, u.MFAEnrolmentRequired, in.MFAEnrolmentRequired)
			}
			return in.MFAEnrolmentRequired
		}
		keyDue := func() bool {
			u, _, _, err := f.creds.AuthenticateAPIKey(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			return u.MFAEnrolmentRequired
		}
		if !due("boss") || due("op") || !keyDue() {
			t.Fatal("admins: the admin must enrol (API key too), the operator not")
		}
		if err := f.mfa.SetMFARequirement(ctx, portail.MFAEveryone); err != nil {
			t.Fatal(err)
		}
		if !due("op") {
			t.Fatal("everyone: the operator must enrol")
		}
		ctx, _ = f.signedIn(t, "boss")
		f.enrol(t, ctx)
		if keyDue() {
			t.Fatal("an API key of an enrolled admin is still held")
		}
		if err := f.mfa.RemoveFactors(ctx, signInPassword); code(err) != portail.EFORBIDDEN {
			t.Fatalf("removing the last factor while required: %v", err)
		}
		fs, _ := f.mfa.Factors(ctx)
		if err := f.mfa.RemoveFactor(ctx, fs[0].ID); code(err) != portail.EFORBIDDEN {
			t.Fatalf("removing the only factor while required: %v", err)
		}
		if err := f.mfa.SetMFARequirement(ctx, portail.MFANone); err != nil {
			t.Fatal(err)
		}
		if err := f.mfa.RemoveFactors(ctx, "wrong password"); code(err) != portail.EINVALID {
			t.Fatalf("removing with a wrong password: %v", err)
		}
		if err := f.mfa.RemoveFactors(ctx, signInPassword); err != nil {
			t.Fatal(err)
		}
		if in, err := f.auth.Login(from("192.0.2.1"), portail.Login{Login: "boss", Password: signInPassword}); err != nil || in.MFARequired() {
			t.Fatalf("after removing every factor: %+v, %v", in, err)
		}
	})
}

// TestMFARemoveOneAndReset: one factor needs a recent sign-in; an admin
// resets a user's factors (the user told by e-mail), a department admin
// their department's non-admins', nobody their own.
func TestMFARemoveOneAndReset(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		ctx, _ := f.signedIn(t, "boss")
		secret, _ := f.enrol(t, ctx)
		fs, _ := f.mfa.Factors(ctx)
		f.clock.add(portail.RecentSignIn)
		if err := f.mfa.RemoveFactor(ctx, fs[0].ID); code(err) != portail.EFORBIDDEN {
			t.Fatalf("removing a factor 10 minutes after signing in: %v", err)
		}
		in := f.password(t)
		done, err := f.second(in.MFAToken, f.codeAt(t, secret, 0))
		if err != nil {
			t.Fatal(err)
		}
		fresh := f.sessionCtx(t, done.Token)
		if err := f.mfa.RemoveFactor(fresh, fs[0].ID+100); code(err) != portail.ENOTFOUND {
			t.Fatalf("removing a factor that is not the caller's: %v", err)
		}
		if err := f.mfa.RemoveFactor(fresh, fs[0].ID); err != nil {
			t.Fatalf("removing a factor just after signing in: %v", err)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "mfa_recovery_codes"); n != 0 {
			t.Fatalf("%d recovery codes outlive the last factor", n)
		}

		dept, err := sqldb.NewDepartmentService(db).CreateDepartment(fresh, "Ops")
		if err != nil {
			t.Fatal(err)
		}
		f.activeUser(t, fresh, "op", portail.RoleOperator, dept.ID)
		f.activeUser(t, fresh, "chief", portail.RoleDepartmentAdmin, dept.ID)
		opCtx, _ := f.signedIn(t, "op")
		f.enrol(t, opCtx)
		chief, _ := f.signedIn(t, "chief")
		if err := f.mfa.ResetMFA(chief, f.admin.ID); code(err) != portail.ENOTFOUND {
			t.Fatalf("a department admin resets an admin: %v, want not_found", err)
		}
		if err := f.mfa.ResetMFA(opCtx, f.ids["chief"]); code(err) != portail.ENOTFOUND {
			t.Fatalf("an operator resets another user: %v", err)
		}
		if err := f.mfa.ResetMFA(chief, f.ids["chief"]); code(err) != portail.EFORBIDDEN {
			t.Fatalf("a reset of one's own: %v, want forbidden", err)
		}
		if err := f.mfa.ResetMFA(chief, f.ids["op"]); err != nil {
			t.Fatalf("a department admin resets their operator: %v", err)
		}
		if fs, _ := f.mfa.Factors(opCtx); len(fs) != 0 {
			t.Fatalf("factors after the reset: %+v", fs)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "outbox WHERE template = 'mfa_reset'"); n != 1 {
			t.Fatalf("%d mfa_reset e-mails", n)
		}
		if n, _ := sqldb.CountRows(context.Background(), db, "activity WHERE type = 'mfa_reset'"); n != 1 {
			t.Fatalf("%d mfa_reset entries", n)
		}
		// Another account's admin sees no such user.
		other := MustAccount(t, db, "other", portail.PlanEnterprise)
		if err := f.mfa.ResetMFA(other.as(other.admin), f.ids["op"]); code(err) != portail.ENOTFOUND {
			t.Fatalf("another account's admin: %v", err)
		}
	})
}

// TestMFAWebhookEvents: adding, removing and resetting factors are
// user.updated events for the account's endpoints, written with the change.
func TestMFAWebhookEvents(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newMFA(t, db)
		ctx, _ := f.signedIn(t, "boss")
		if _, _, err := sqldb.NewWebhookService(db, mfaKeys).CreateWebhook(ctx, portail.WebhookCreate{URL: "https://hooks.example.com/",
			Events: []string{string(portail.EventUserUpdated)}}); err != nil {
			t.Fatal(err)
		}
		events := func() int {
			n, err := sqldb.CountRows(context.Background(), db, "webhook_events WHERE type = 'user.updated'")
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		f.enrol(t, ctx)
		if n := events(); n != 1 {
			t.Fatalf("%d user.updated events after enrolling, want 1", n)
		}
		if err := f.mfa.RemoveFactors(ctx, signInPassword); err != nil {
			t.Fatal(err)
		}
		if n := events(); n != 2 {
			t.Fatalf("%d user.updated events after removing, want 2", n)
		}
	})
}
