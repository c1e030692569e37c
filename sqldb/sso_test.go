package sqldb_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"portail"
	"portail/sqldb"
)

func ptr[T any](v T) *T { return &v }

// ssoFixture is an account connected to a provider for acme.test.
type ssoFixture struct {
	*fixture
	sso  *sqldb.SSOService
	dept *portail.Department
}

func newSSO(t *testing.T, db *sqldb.DB, prefix string, plan portail.Plan) *ssoFixture {
	t.Helper()
	f := &ssoFixture{fixture: MustAccount(t, db, prefix, plan)}
	f.sso = sqldb.NewSSOService(f.auth, testKeys(t))
	f.dept = f.MustDepartment(t, "Sales")
	return f
}

func (f *ssoFixture) connect(t *testing.T, u portail.SSOUpdate) *portail.SSOConnection {
	t.Helper()
	if u.Issuer == nil {
		u.Issuer, u.ClientID, u.ClientSecret = ptr("https://login.example.net"), ptr("portail"), ptr("s3cret")
	}
	c, err := f.sso.UpdateSSO(f.as(f.admin), u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flow starts and takes a flow for login, as the callback would.
func (f *ssoFixture) flow(t *testing.T, login string) *portail.SSOFlow {
	t.Helper()
	st, err := f.sso.StartSSO(from("192.0.2.9"), login)
	if err != nil {
		t.Fatalf("start %s: %v", login, err)
	}
	fl, err := f.sso.TakeSSOFlow(from("192.0.2.9"), st.State)
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

func TestSSOSettings(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSSO(t, db, "set", portail.PlanGold)
		ctx := f.as(f.admin)
		if c, err := f.sso.SSOSettings(ctx); err != nil || c.Issuer != "" || c.ClientSecretSet {
			t.Fatalf("before: %+v %v", c, err)
		}
		// The first PUT needs the three of the provider.
		if _, err := f.sso.UpdateSSO(ctx, portail.SSOUpdate{Issuer: ptr("http://login.example.net")}); code(err) != portail.EINVALID {
			t.Fatalf("http issuer, no client: %v", err)
		}
		c := f.connect(t, portail.SSOUpdate{})
		if !c.ClientSecretSet || c.ClientSecret != "" {
			t.Fatalf("answer shows the secret or not its setting: %+v", c)
		}
		// Partial: a field left out is unchanged.
		c, err := f.sso.UpdateSSO(ctx, portail.SSOUpdate{Domains: &[]string{"Acme.TEST", "@sub.acme.test"}})
		if err != nil || c.Issuer != "https://login.example.net" || !slices.Equal(c.Domains, []string{"acme.test", "sub.acme.test"}) || !c.ClientSecretSet {
			t.Fatalf("partial: %+v %v", c, err)
		}
		_, err = f.sso.UpdateSSO(ctx, portail.SSOUpdate{JIT: &portail.SSOJIT{Role: portail.RoleAdmin, DepartmentID: f.dept.ID}})
		var e *portail.Error
		if !asError(err, &e) || e.Code != portail.EINVALID || e.Fields[0].Field != "jit.role" {
			t.Fatalf("jit admin: %v", err)
		}
		c, err = f.sso.UpdateSSO(ctx, portail.SSOUpdate{JIT: &portail.SSOJIT{Role: portail.RoleOperator, DepartmentID: f.dept.ID, Modules: portail.AllModules}})
		if err != nil || c.JIT == nil || c.JIT.Role != portail.RoleOperator {
			t.Fatalf("jit: %+v %v", c, err)
		}
		if c, err = f.sso.UpdateSSO(ctx, portail.SSOUpdate{JITOff: true}); err != nil || c.JIT != nil {
			t.Fatalf("jit off: %+v %v", c, err)
		}
		// Only admins; another account's admin sees their own (none).
		op := f.MustUser(t, "setop", portail.RoleOperator, f.dept.ID, portail.AllModules)
		if _, err := f.sso.SSOSettings(f.as(op)); code(err) != portail.EFORBIDDEN {
			t.Fatalf("operator: %v", err)
		}
		other := newSSO(t, db, "oth", portail.PlanGold)
		if c, err := other.sso.SSOSettings(other.as(other.admin)); err != nil || c.Issuer != "" {
			t.Fatalf("other account sees: %+v %v", c, err)
		}
		// domain_taken: claimed by another account, or in use there.
		_, err = other.sso.UpdateSSO(other.as(other.admin), portail.SSOUpdate{Issuer: ptr("https://idp.other.test"), ClientID: ptr("x"),
			ClientSecret: ptr("y"), Domains: &[]string{"acme.test"}})
		if !asError(err, &e) || e.Code != portail.EDOMAINTAKEN || e.Fields[0].Field != "domains[0]" {
			t.Fatalf("claimed elsewhere: %v", err)
		}
		_, err = other.sso.UpdateSSO(other.as(other.admin), portail.SSOUpdate{Issuer: ptr("https://idp.other.test"), ClientID: ptr("x"),
			ClientSecret: ptr("y"), Domains: &[]string{"other.test", "example.com"}})
		if !asError(err, &e) || e.Code != portail.EDOMAINTAKEN || e.Fields[0].Field != "domains[1]" {
			t.Fatalf("users of set have example.com addresses: %v", err)
		}
		// And the other way: while acme.test is claimed here, the other
		// account gives none of its users an address there.
		_, err = other.users.CreateUser(other.as(other.admin), portail.UserCreate{Username: "squat", FullName: "Squat", Email: "ana@ACME.test",
			Role: portail.RoleViewer, DepartmentID: other.dept.ID, Modules: portail.AllModules})
		if !asError(err, &e) || e.Code != portail.EEMAILTAKEN || e.Fields[0].Field != "email" {
			t.Fatalf("an address of a domain claimed elsewhere: %v", err)
		}
		if err := f.sso.DeleteSSO(ctx); err != nil {
			t.Fatal(err)
		}
		if c, err := f.sso.SSOSettings(ctx); err != nil || c.Issuer != "" || len(c.Domains) != 0 {
			t.Fatalf("after delete: %+v %v", c, err)
		}
		// Freed: the other account may claim it now.
		if _, err := other.sso.UpdateSSO(other.as(other.admin), portail.SSOUpdate{Issuer: ptr("https://idp.other.test"), ClientID: ptr("x"),
			ClientSecret: ptr("y"), Domains: &[]string{"acme.test"}}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSSORequired(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSSO(t, db, "req", portail.PlanPlatinum)
		creds := sqldb.NewCredentialService(db)
		ctx := f.as(f.admin)
		// An invited user of the domain, before it is required.
		invited, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "ina", FullName: "Ina", Email: "ina@acme.test",
			Role: portail.RoleViewer, DepartmentID: f.dept.ID, Modules: portail.AllModules})
		if err != nil || invited.Status != portail.StatusInvited {
			t.Fatalf("%+v %v", invited, err)
		}
		f.connect(t, portail.SSOUpdate{})
		if m, err := db.AccountSSO(context.Background(), f.acct.ID); err != nil || !m.Enabled || m.Required {
			t.Fatalf("account mode: %+v %v", m, err)
		}
		f.connect(t, portail.SSOUpdate{Issuer: ptr("https://login.example.net"), Domains: &[]string{"acme.test"}, Required: ptr(true)})
		if m, err := db.AccountSSO(context.Background(), f.acct.ID); err != nil || !m.Required {
			t.Fatalf("account mode: %+v %v", m, err)
		}
		if m, err := db.UserSSO(context.Background(), invited.ID); err != nil || !m.Enabled || !m.Required {
			t.Fatalf("user mode: %+v %v", m, err)
		}
		if m, err := db.UserSSO(context.Background(), f.admin.ID); err != nil || m.Enabled {
			t.Fatalf("admin of example.com: %+v %v", m, err)
		}
		if u, err := f.users.FindUser(ctx, invited.ID); err != nil || u.Status != portail.StatusActive {
			t.Fatalf("invited user of a required domain: %+v %v", u, err)
		}
		// A new user of the domain: active without a password, no e-mail.
		before, _ := sqldb.CountRows(context.Background(), db, "outbox")
		nu, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "neu", FullName: "Neu", Email: "neu@acme.test",
			Role: portail.RoleViewer, DepartmentID: f.dept.ID, Modules: portail.AllModules})
		if err != nil || nu.Status != portail.StatusActive {
			t.Fatalf("%+v %v", nu, err)
		}
		if after, _ := sqldb.CountRows(context.Background(), db, "outbox"); after != before {
			t.Fatalf("an e-mail was queued for an SSO-required user: %d → %d", before, after)
		}
		// Exactly those: a user of another domain is invited as before.
		ext, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "ext", FullName: "Ext", Email: "ext@example.org",
			Role: portail.RoleViewer, DepartmentID: f.dept.ID, Modules: portail.AllModules})
		if err != nil || ext.Status != portail.StatusInvited {
			t.Fatalf("a user of an unclaimed domain: %+v %v", ext, err)
		}
		if after, _ := sqldb.CountRows(context.Background(), db, "outbox"); after != before+1 {
			t.Fatalf("the invitation of a user of an unclaimed domain: %d → %d e-mails", before, after)
		}
		before++
		// Resets are off: the admin is told, forgot says nothing and sends nothing.
		if err := creds.SendPasswordReset(ctx, nu.ID); code(err) != portail.ECONFLICT {
			t.Fatalf("admin reset: %v", err)
		}
		if err := creds.ForgotPassword(from("192.0.2.7"), "neu@acme.test"); err != nil {
			t.Fatal(err)
		}
		if after, _ := sqldb.CountRows(context.Background(), db, "outbox"); after != before {
			t.Fatalf("forgot queued an e-mail: %d → %d", before, after)
		}
		// No password sign-in, by username or e-mail.
		for _, l := range []string{"neu", "NEU@acme.test"} {
			if _, err := f.auth.Login(from("192.0.2.7"), portail.Login{Login: l, Password: "whatever it is"}); code(err) != portail.ESSOREQUIRED {
				t.Fatalf("login %s: %v", l, err)
			}
		}
		// Break-glass: a reset link, and passwords for a while.
		token, rc, err := db.SSOBypass(context.Background(), "neu")
		if err != nil {
			t.Fatal(err)
		}
		if err := creds.ResetPassword(from("192.0.2.7"), token, rc, "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.auth.Login(from("192.0.2.7"), portail.Login{Login: "neu", Password: "a brand new passphrase"}); err != nil {
			t.Fatalf("after bypass: %v", err)
		}
		// Not required any more: the admin may send resets again.
		f.connect(t, portail.SSOUpdate{Issuer: ptr("https://login.example.net"), Required: ptr(false)})
		if err := creds.SendPasswordReset(ctx, invited.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSSOSignIn(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSSO(t, db, "sig", portail.PlanSilver) // 2 seats: the admin and one more
		f.connect(t, portail.SSOUpdate{Issuer: ptr("https://login.example.net"), ClientID: ptr("portail"), ClientSecret: ptr("s3cret"),
			Domains: &[]string{"acme.test"}})
		ctx := f.as(f.admin)
		ana, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "ana", FullName: "Ana", Email: "ana@acme.test",
			Role: portail.RoleViewer, DepartmentID: f.dept.ID, Modules: portail.AllModules})
		if err != nil {
			t.Fatal(err)
		}
		// Discovery: an e-mail by its domain, a username by its account;
		// anything else is not found.
		for _, l := range []string{"nobody@example.org", "sigadmin", "ghost"} {
			if _, err := f.sso.StartSSO(from("192.0.2.9"), l); code(err) != portail.ENOTFOUND {
				t.Fatalf("start %s: %v", l, err)
			}
		}
		st, err := f.sso.StartSSO(from("192.0.2.9"), "ana")
		if err != nil || st.Connection.ClientSecret != "s3cret" || st.LoginHint != "" {
			t.Fatalf("start by username: %+v %v", st, err)
		}
		// The state is single-use.
		fl, err := f.sso.TakeSSOFlow(from("192.0.2.9"), st.State)
		if err != nil || fl.Verifier != st.Verifier || fl.NonceHash != portail.HashToken(st.Nonce) {
			t.Fatalf("take: %+v %v", fl, err)
		}
		if _, err := f.sso.TakeSSOFlow(from("192.0.2.9"), st.State); code(err) != portail.ETOKENINVALID {
			t.Fatalf("second take: %v", err)
		}
		if _, err := f.sso.TakeSSOFlow(from("192.0.2.9"), "made-up"); code(err) != portail.ETOKENINVALID {
			t.Fatalf("unknown state: %v", err)
		}
		// An invited user signing in becomes active; C6: a second sign-in
		// ends the first session.
		u, tok1, err := f.sso.SignInSSO(from("192.0.2.9"), fl, portail.SSOIdentity{Email: "Ana@acme.test", EmailVerified: true})
		if err != nil || u.ID != ana.ID || u.Status != portail.StatusActive {
			t.Fatalf("sign in: %+v %v", u, err)
		}
		_, tok2, err := f.sso.SignInSSO(from("192.0.2.9"), f.flow(t, "ana@acme.test"), portail.SSOIdentity{Email: "ana@acme.test", EmailVerified: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.auth.Authenticate(context.Background(), tok1); code(err) != portail.ESESSIONREPLACED {
			t.Fatalf("first session: %v", err)
		}
		// Both sessions are marked as started by SSO, the admin's is not.
		if n, err := sqldb.CountRows(context.Background(), db, "sessions WHERE sso = TRUE"); err != nil || n != 2 {
			t.Fatalf("%d sessions marked sso (%v), want 2", n, err)
		}
		// An account that requires a second factor of everyone asks none of
		// a session its provider started (Wave-2 details 11).
		if err := sqldb.NewMFAService(db, f.auth, testKeys(t)).SetMFARequirement(ctx, portail.MFAEveryone); err != nil {
			t.Fatal(err)
		}
		if u, _, _, err := f.auth.Authenticate(context.Background(), tok2); err != nil || u.MFAEnrolmentRequired {
			t.Fatalf("SSO session under mfa_required everyone: %+v %v", u, err)
		}
		if err := sqldb.NewMFAService(db, f.auth, testKeys(t)).SetMFARequirement(ctx, portail.MFANone); err != nil {
			t.Fatal(err)
		}
		refused := func(fl *portail.SSOFlow, id portail.SSOIdentity, reason string) {
			t.Helper()
			_, _, err := f.sso.SignInSSO(from("192.0.2.9"), fl, id)
			var r *portail.SSORefused
			if !asRefused(err, &r) || r.Reason != reason {
				t.Fatalf("%+v: %v, want %s", id, err, reason)
			}
			if err := f.sso.RefuseSSO(from("192.0.2.9"), fl, id, err); err != nil {
				t.Fatal(err)
			}
		}
		refused(f.flow(t, "ana"), portail.SSOIdentity{Email: "ana@acme.test", EmailVerified: false}, "unverified_email")
		refused(f.flow(t, "ana"), portail.SSOIdentity{Email: "ana@elsewhere.test", EmailVerified: true}, "foreign_domain")
		refused(f.flow(t, "ana"), portail.SSOIdentity{Email: "bob@acme.test", EmailVerified: true}, "no_user")
		// Just in time, within the seats: 2 seats, admin and ana hold them.
		f.connect(t, portail.SSOUpdate{Issuer: ptr("https://login.example.net"), JIT: &portail.SSOJIT{Role: portail.RoleOperator, DepartmentID: f.dept.ID, Modules: portail.AllModules}})
		refused(f.flow(t, "bob@acme.test"), portail.SSOIdentity{Email: "bob@acme.test", EmailVerified: true, Name: "Bob B"}, "seat_limit")
		if _, err := f.users.DeactivateUser(ctx, ana.ID); err != nil {
			t.Fatal(err)
		}
		// The provider's address and name pass the rules of an admin's form.
		refused(f.flow(t, "bob@acme.test"), portail.SSOIdentity{Email: "bo b@acme.test", EmailVerified: true, Name: "Bob B"}, "invalid_identity")
		refused(f.flow(t, "bob@acme.test"), portail.SSOIdentity{Email: "bob@acme.test", EmailVerified: true, Name: "Bob\r\nBcc: x"}, "invalid_identity")
		bob, _, err := f.sso.SignInSSO(from("192.0.2.9"), f.flow(t, "bob@acme.test"), portail.SSOIdentity{Email: "bob@acme.test", EmailVerified: true, Name: "Bob B"})
		if err != nil || bob.Username != "bob" || bob.Role != portail.RoleOperator || bob.DepartmentID != f.dept.ID || bob.Status != portail.StatusActive || bob.FullName != "Bob B" {
			t.Fatalf("jit: %+v %v", bob, err)
		}
		refused(f.flow(t, "bob"), portail.SSOIdentity{Email: "ana@acme.test", EmailVerified: true}, "inactive")
		// The log has the sign-ins, the creation and the refusals.
		entries, _, err := sqldb.NewActivityService(db).ListActivity(ctx, portail.ActivityFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range entries {
			if strings.HasPrefix(e.Detail, "sso") {
				seen[string(e.Type)]++
			}
		}
		if seen["login_succeeded"] != 3 || seen["login_failed"] != 7 || seen["user_created"] != 1 {
			t.Fatalf("activity: %v", seen)
		}
	})
}

func asRefused(err error, target **portail.SSORefused) bool {
	r, ok := err.(*portail.SSORefused)
	*target = r
	return ok
}

// TestSSODomainRace: two accounts claim one domain at once; the domain
// ends up one account's, the other told domain_taken, on both databases.
func TestSSODomainRace(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		a, b := newSSO(t, db, "ra", portail.PlanGold), newSSO(t, db, "rb", portail.PlanGold)
		for round := range 5 {
			domain := "race" + strconv.Itoa(round) + ".test"
			errs := make(chan error, 2)
			var start sync.WaitGroup
			start.Add(1)
			for _, f := range []*ssoFixture{a, b} {
				go func() {
					start.Wait()
					_, err := f.sso.UpdateSSO(f.as(f.admin), portail.SSOUpdate{Issuer: ptr("https://login.example.net"), ClientID: ptr("p"),
						ClientSecret: ptr("s"), Domains: &[]string{domain}})
					errs <- err
				}()
			}
			start.Done()
			won := 0
			for range 2 {
				switch err := <-errs; code(err) {
				case "":
					won++
				case portail.EDOMAINTAKEN:
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d accounts claimed %s", round, won, domain)
			}
		}
	})
}

// TestSSOJITUsernameRace: two accounts make "bob" just in time at once;
// both people get in, under two usernames.
func TestSSOJITUsernameRace(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		var fs []*ssoFixture
		for _, p := range []string{"ja", "jb"} {
			f := newSSO(t, db, p, portail.PlanGold)
			f.connect(t, portail.SSOUpdate{Issuer: ptr("https://login.example.net"), ClientID: ptr("p"), ClientSecret: ptr("s"),
				Domains: &[]string{p + ".test"}, JIT: &portail.SSOJIT{Role: portail.RoleViewer, DepartmentID: f.dept.ID, Modules: portail.AllModules}})
			fs = append(fs, f)
		}
		flows := []*portail.SSOFlow{fs[0].flow(t, "bob@ja.test"), fs[1].flow(t, "bob@jb.test")}
		names := make(chan string, 2)
		var start sync.WaitGroup
		start.Add(1)
		for i, fl := range flows {
			go func() {
				start.Wait()
				u, _, err := fs[i].sso.SignInSSO(from("192.0.2.9"), fl, portail.SSOIdentity{Email: "bob@" + []string{"ja", "jb"}[i] + ".test", EmailVerified: true})
				if err != nil {
					t.Error(err)
					names <- ""
					return
				}
				names <- u.Username
			}()
		}
		start.Done()
		got := []string{<-names, <-names}
		slices.Sort(got)
		if !slices.Equal(got, []string{"bob", "bob-2"}) {
			t.Fatalf("usernames %v", got)
		}
	})
}
