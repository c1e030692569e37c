package sqldb_test

import (
	"context"
	"testing"

	"portail"
	"portail/sqldb"
)

// scimFixture is an account with a department D1, a SCIM token whose
// defaults put users in D1 as operators with mail, and its caller.
type scimFixture struct {
	*fixture
	scim  *sqldb.SCIMService
	dept  int64
	token string
	ctx   context.Context // the token's provisioning caller
}

func newSCIMFixture(t *testing.T, db *sqldb.DB, prefix string, plan portail.Plan) *scimFixture {
	t.Helper()
	f := &scimFixture{fixture: MustAccount(t, db, prefix, plan), scim: sqldb.NewSCIMService(db)}
	f.dept = f.MustDepartment(t, "D1").ID
	_, token, err := f.scim.CreateSCIMToken(f.as(f.admin), portail.SCIMTokenCreate{Name: "Entra ID",
		Defaults: portail.SCIMDefaults{Role: portail.RoleOperator, DepartmentID: f.dept, Modules: portail.NewModuleSet(portail.ModuleMail)}})
	if err != nil {
		t.Fatal(err)
	}
	f.token = token
	c, _, err := f.scim.AuthenticateSCIM(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	c.IP, c.UserAgent = "192.0.2.7", "directory"
	f.ctx = portail.WithCaller(context.Background(), c)
	return f
}

func (f *scimFixture) provision(t *testing.T, name string) *portail.SCIMUser {
	t.Helper()
	u, err := f.scim.CreateSCIMUser(f.ctx, portail.SCIMUserInput{UserName: name, FullName: "Full " + name, Email: name + "@example.com", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSCIMTokens(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSCIMFixture(t, db, "tok", portail.PlanGold)
		ctx := f.as(f.admin)
		list, err := f.scim.ListSCIMTokens(ctx)
		if err != nil || len(list) != 1 || list[0].Name != "Entra ID" || list[0].LastUsedAt == nil ||
			list[0].Defaults.Role != portail.RoleOperator || list[0].Defaults.DepartmentID != f.dept {
			t.Fatalf("list = %+v, %v; want the token, used once", list, err)
		}
		// Defaults: never admin, a department of the account.
		other := MustAccount(t, db, "other", portail.PlanGold)
		foreign := other.MustDepartment(t, "Elsewhere").ID
		for _, d := range []portail.SCIMDefaults{{Role: portail.RoleAdmin}, {Role: portail.RoleViewer, DepartmentID: foreign}, {Role: portail.RoleViewer}} {
			if _, _, err := f.scim.CreateSCIMToken(ctx, portail.SCIMTokenCreate{Name: "x", Defaults: d}); code(err) != portail.EINVALID {
				t.Errorf("defaults %+v: %v, want invalid", d, err)
			}
		}
		if _, _, err := f.scim.CreateSCIMToken(ctx, portail.SCIMTokenCreate{Name: " ", Defaults: portail.SCIMDefaults{Role: portail.RoleViewer, DepartmentID: f.dept}}); code(err) != portail.EINVALID {
			t.Errorf("empty name: %v", err)
		}
		// Only admins; a token does not make tokens.
		op := f.MustUser(t, "tokop", portail.RoleDepartmentAdmin, f.dept, portail.AllModules)
		if _, err := f.scim.ListSCIMTokens(f.as(op)); code(err) != portail.EFORBIDDEN {
			t.Errorf("department admin lists tokens: %v", err)
		}
		if _, _, err := f.scim.CreateSCIMToken(f.ctx, portail.SCIMTokenCreate{Name: "y", Defaults: portail.SCIMDefaults{Role: portail.RoleViewer, DepartmentID: f.dept}}); code(err) != portail.EFORBIDDEN {
			t.Errorf("token makes a token: %v", err)
		}
		// Another account's admin does not see or revoke it.
		if err := f.scim.RevokeSCIMToken(other.as(other.admin), list[0].ID); code(err) != portail.ENOTFOUND {
			t.Errorf("foreign revoke: %v", err)
		}
		if _, _, err := f.scim.AuthenticateSCIM(context.Background(), "scim_nope"); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("wrong token: %v", err)
		}
		if err := f.scim.RevokeSCIMToken(ctx, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.scim.AuthenticateSCIM(context.Background(), f.token); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("revoked token: %v", err)
		}
		if list, _ := f.scim.ListSCIMTokens(ctx); len(list) != 0 {
			t.Errorf("revoked token listed: %+v", list)
		}
		if err := f.scim.RevokeSCIMToken(ctx, list[0].ID); code(err) != portail.ENOTFOUND {
			t.Errorf("second revoke: %v", err)
		}
		acts, _, err := sqldb.NewActivityService(db).ListActivity(ctx, portail.ActivityFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[portail.ActivityType]bool{}
		for _, e := range acts {
			seen[e.Type] = true
		}
		if !seen[portail.ActivitySCIMTokenCreated] || !seen[portail.ActivitySCIMTokenRevoked] {
			t.Errorf("activity lacks the token's creation or revocation: %v", seen)
		}
	})
}

func TestSCIMLastUseWrittenOnceAMinute(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSCIMFixture(t, db, "use", portail.PlanGold)
		_, first, err := f.scim.AuthenticateSCIM(context.Background(), f.token)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			_, again, err := f.scim.AuthenticateSCIM(context.Background(), f.token)
			if err != nil {
				t.Fatal(err)
			}
			if !again.LastUsedAt.Equal(*first.LastUsedAt) {
				t.Fatalf("last use moved within the minute: %v then %v", first.LastUsedAt, again.LastUsedAt)
			}
		}
	})
}

func TestSCIMProvisioning(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSCIMFixture(t, db, "prov", portail.PlanEnterprise)
		u := f.provision(t, "alice")
		if u.Status != portail.StatusInvited || u.Role != portail.RoleOperator || u.DepartmentID != f.dept ||
			u.Modules != portail.NewModuleSet(portail.ModuleMail) {
			t.Fatalf("created %+v, want an invited operator of D1 with mail (the token's defaults)", u.User)
		}
		linkToken(t, sqldb.NewOutboxService(db), u.ID) // the invitation e-mail was queued

		// Names are unique case-insensitively (U2).
		for _, in := range []portail.SCIMUserInput{
			{UserName: "ALICE", FullName: "A", Email: "other@example.com", Active: true},
			{UserName: "alice2", FullName: "A", Email: "Alice@Example.com", Active: true},
		} {
			_, err := f.scim.CreateSCIMUser(f.ctx, in)
			if c := code(err); c != portail.EUSERNAMETAKEN && c != portail.EEMAILTAKEN {
				t.Errorf("%+v: %v, want a name taken", in, err)
			}
		}
		// The username never changes (U3).
		in := portail.SCIMUserInput{UserName: "alice-renamed", FullName: "Alice", Email: "alice@example.com", Active: true}
		if _, err := f.scim.ReplaceSCIMUser(f.ctx, u.ID, in); code(err) != portail.EUSERNAMEIMMUTABLE {
			t.Fatalf("rename: %v, want username_immutable", err)
		}
		// The extension names an admin, who stands above departments.
		admin := portail.RoleAdmin
		in = portail.SCIMUserInput{UserName: "Alice", FullName: "Alice Liddell", Email: "alice@example.com", ExternalID: "ext-1", Active: true, Role: &admin}
		got, err := f.scim.ReplaceSCIMUser(f.ctx, u.ID, in)
		if err != nil || got.FullName != "Alice Liddell" || got.Role != portail.RoleAdmin || got.DepartmentID != 0 || got.ExternalID != "ext-1" {
			t.Fatalf("replace: %+v, %v", got, err)
		}
		page, total, err := f.scim.ListSCIMUsers(f.ctx, portail.SCIMUserFilter{ExternalID: "ext-1", Count: 10})
		if err != nil || total != 1 || len(page) != 1 || page[0].ID != u.ID {
			t.Fatalf("externalId filter: %d %v %v", total, page, err)
		}
		page, total, _ = f.scim.ListSCIMUsers(f.ctx, portail.SCIMUserFilter{UserName: "ALICE", Count: 10})
		if total != 1 || len(page) != 1 {
			t.Fatalf("userName filter is not case-insensitive: %d", total)
		}

		// active false deactivates (U4): the user's API keys die.
		bob := f.MustUser(t, "bob", portail.RoleOperator, f.dept, portail.AllModules)
		creds := sqldb.NewCredentialService(db)
		if err := creds.AcceptInvitation(from("192.0.2.1"), linkToken(t, sqldb.NewOutboxService(db), bob.ID), "a long enough passphrase 42"); err != nil {
			t.Fatal(err)
		}
		bobActor := portail.WithCaller(context.Background(), portail.Caller{Actor: bob.Actor(f.acct.Modules)})
		_, key, err := creds.CreateAPIKey(bobActor, "script")
		if err != nil {
			t.Fatal(err)
		}
		in = portail.SCIMUserInput{UserName: "bob", FullName: "Full bob", Email: "bob@example.com", Active: false}
		if got, err = f.scim.ReplaceSCIMUser(f.ctx, bob.ID, in); err != nil || got.Status != portail.StatusInactive {
			t.Fatalf("active false: %+v, %v", got, err)
		}
		if _, _, _, err := creds.AuthenticateAPIKey(context.Background(), key); code(err) != portail.EUNAUTHENTICATED {
			t.Fatalf("a deactivated user's key still works: %v", err)
		}
		in.Active = true
		if got, err = f.scim.ReplaceSCIMUser(f.ctx, bob.ID, in); err != nil || got.Status != portail.StatusActive {
			t.Fatalf("active true: %+v, %v", got, err)
		}
		if err := f.scim.DeactivateSCIMUser(f.ctx, bob.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ = f.scim.FindSCIMUser(f.ctx, bob.ID); got.Status != portail.StatusInactive {
			t.Fatalf("DELETE left %s", got.Status)
		}

		// Every change is by the token, named.
		acts, _, err := sqldb.NewActivityService(db).ListActivity(f.as(f.admin), portail.ActivityFilter{UserID: bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		byToken := 0
		for _, e := range acts {
			if e.SCIMToken == "Entra ID" && e.ActorID == 0 && e.ActorKind() == portail.ActorSCIM {
				byToken++
			}
		}
		if byToken != 3 { // deactivated, reactivated, deactivated
			t.Errorf("%d entries by the token, want 3: %+v", byToken, acts)
		}

		// Another account's users are not the token's.
		other := MustAccount(t, db, "elsewhere", portail.PlanGold)
		if _, err := f.scim.FindSCIMUser(f.ctx, other.admin.ID); code(err) != portail.ENOTFOUND {
			t.Errorf("foreign user: %v", err)
		}
		if err := f.scim.DeactivateSCIMUser(f.ctx, other.admin.ID); code(err) != portail.ENOTFOUND {
			t.Errorf("foreign deactivation: %v", err)
		}
	})
}

func TestSCIMSeats(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSCIMFixture(t, db, "seat", portail.PlanSilver) // 2 seats, the admin takes one
		u := f.provision(t, "carol")
		_, err := f.scim.CreateSCIMUser(f.ctx, portail.SCIMUserInput{UserName: "dave", FullName: "Dave", Email: "dave@example.com", Active: true})
		seatErr(t, err, portail.PlanSilver, 2)
		if err := f.scim.DeactivateSCIMUser(f.ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		f.provision(t, "dave")
		// Reactivation counts the seats again.
		_, err = f.scim.ReplaceSCIMUser(f.ctx, u.ID, portail.SCIMUserInput{FullName: "Full carol", Email: "carol@example.com", Active: true})
		seatErr(t, err, portail.PlanSilver, 2)
	})
}

func TestSCIMGroups(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSCIMFixture(t, db, "grp", portail.PlanEnterprise)
		u := f.provision(t, "erin")
		name, ext := "Sales", "g-1"
		g, err := f.scim.CreateSCIMGroup(f.ctx, portail.SCIMGroupChange{Name: &name, ExternalID: &ext, Members: &[]int64{u.ID}})
		if err != nil || g.Name != "Sales" || g.ExternalID != "g-1" || len(g.Members) != 1 || g.Members[0].ID != u.ID {
			t.Fatalf("create: %+v, %v", g, err)
		}
		if got, _ := f.scim.FindSCIMUser(f.ctx, u.ID); got.DepartmentID != g.ID {
			t.Fatalf("a member of Sales is in department %d", got.DepartmentID)
		}
		if _, err := f.scim.CreateSCIMGroup(f.ctx, portail.SCIMGroupChange{Name: new("sales")}); code(err) != portail.ECONFLICT {
			t.Errorf("a second Sales: %v", err)
		}
		// Removed, the member goes back to the token's department.
		if g, err = f.scim.ChangeSCIMGroup(f.ctx, g.ID, portail.SCIMGroupChange{Remove: []int64{u.ID}}); err != nil || len(g.Members) != 0 {
			t.Fatalf("remove: %+v, %v", g, err)
		}
		if got, _ := f.scim.FindSCIMUser(f.ctx, u.ID); got.DepartmentID != f.dept {
			t.Fatalf("a removed member is in department %d, want %d", got.DepartmentID, f.dept)
		}
		// An admin has no department: they join no group.
		if _, err := f.scim.ChangeSCIMGroup(f.ctx, g.ID, portail.SCIMGroupChange{Add: []int64{f.admin.ID}}); code(err) != portail.EINVALID {
			t.Errorf("admin added: %v", err)
		}
		if _, err := f.scim.ChangeSCIMGroup(f.ctx, g.ID, portail.SCIMGroupChange{Add: []int64{999999}}); code(err) != portail.EINVALID {
			t.Errorf("unknown member: %v", err)
		}
		renamed := "Sales EMEA"
		if g, err = f.scim.ChangeSCIMGroup(f.ctx, g.ID, portail.SCIMGroupChange{Name: &renamed}); err != nil || g.Name != renamed {
			t.Fatalf("rename: %+v, %v", g, err)
		}
		list, total, err := f.scim.ListSCIMGroups(f.ctx, "sales emea", 1, 10)
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != g.ID {
			t.Fatalf("by name: %d %v %v", total, list, err)
		}
		if _, total, _ = f.scim.ListSCIMGroups(f.ctx, "", 1, 10); total != 2 {
			t.Fatalf("%d groups, want D1 and Sales EMEA", total)
		}
	})
}

// TestSCIMWithSSO: a user provisioned for an account that signs in by SSO
// gets no invitation e-mail; when the account requires SSO, the user is
// active at once without a password, and again so when reactivated.
func TestSCIMWithSSO(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSCIMFixture(t, db, "ssop", portail.PlanEnterprise)
		sso := &ssoFixture{fixture: f.fixture, sso: sqldb.NewSSOService(f.auth, testKeys(t))}
		outbox := sqldb.NewOutboxService(db)
		invitations := func(userID int64) int {
			t.Helper()
			emails, _, err := outbox.ListAll(context.Background(), 100, "")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range emails {
				if e.UserID == userID && e.Template == portail.EmailInvitation {
					n++
				}
			}
			return n
		}
		sso.connect(t, portail.SSOUpdate{Domains: &[]string{"example.com"}})
		u := f.provision(t, "sam")
		if u.Status != portail.StatusInvited || invitations(u.ID) != 0 {
			t.Fatalf("with SSO: %s and %d invitations, want invited without an e-mail (SSO signs them in)", u.Status, invitations(u.ID))
		}
		sso.connect(t, portail.SSOUpdate{Required: ptr(true)})
		v := f.provision(t, "val")
		if v.Status != portail.StatusActive || invitations(v.ID) != 0 {
			t.Fatalf("SSO required: %s and %d invitations, want active without an e-mail", v.Status, invitations(v.ID))
		}
		if err := f.scim.DeactivateSCIMUser(f.ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		back, err := f.scim.ReplaceSCIMUser(f.ctx, v.ID, portail.SCIMUserInput{FullName: v.FullName, Email: v.Email, Active: true})
		if err != nil || back.Status != portail.StatusActive {
			t.Fatalf("reactivated under SSO required: %+v, %v", back, err)
		}
	})
}

// TestSCIMPatchBase: a PATCH's replace is refused when the user changed
// after the PATCH read them, rather than undo that change.
func TestSCIMPatchBase(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := newSCIMFixture(t, db, "base", portail.PlanEnterprise)
		u := f.provision(t, "pat")
		read, err := f.scim.FindSCIMUser(f.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		name := "Changed Meanwhile"
		if _, err := f.users.UpdateUser(f.as(f.admin), u.ID, portail.UserUpdate{FullName: &name}); err != nil {
			t.Fatal(err)
		}
		in := portail.SCIMUserInput{FullName: "From the PATCH", Email: read.Email, Active: true, Base: read}
		if _, err := f.scim.ReplaceSCIMUser(f.ctx, u.ID, in); code(err) != portail.ECONFLICT {
			t.Fatalf("a stale PATCH: %v, want conflict", err)
		}
		if in.Base, err = f.scim.FindSCIMUser(f.ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := f.scim.ReplaceSCIMUser(f.ctx, u.ID, in); err != nil || got.FullName != "From the PATCH" {
			t.Fatalf("a fresh PATCH: %+v, %v", got, err)
		}
	})
}
