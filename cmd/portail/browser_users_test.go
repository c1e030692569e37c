package main

// The users pages through the browser: invitations, the add-user form and
// its errors, inactive users, the French tour.

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"portail/internal/browsertest"
)

type userForm struct {
	username, fullName, email, role, dept, lang string
	modules                                     []string
	temporary                                   bool // onboarding: temporary password
}

// mustOfferRole fails unless the role select offers role: an admin adds
// users of every role.
func (b *tab) mustOfferRole(role string) {
	b.t.Helper()
	if opts := b.Options("#role"); !slices.Contains(opts, role) {
		b.t.Fatalf("at %s the role select offers %q, not %q", b.Location(), opts, role)
	}
}

// openAddUser goes from the users list to the add-user form by its button.
func (b *tab) openAddUser() {
	b.t.Helper()
	if st := b.Open("/users"); st != 200 {
		b.Fatalf("/users answered %d", st)
	}
	if st := b.Submit("a#add-user"); st != 200 {
		b.Fatalf("the add-user form answered %d", st)
	}
	b.WantPath("/users/new")
	b.Must("form#user-form")
}

// fillUser fills the add-user form.
func (b *tab) fillUser(u userForm) {
	b.t.Helper()
	b.mustOfferRole("operator")
	b.Fill("#username", u.username, "#full_name", u.fullName, "#email", u.email, "#role", u.role)
	if u.dept != "" {
		b.SelectText("#department_id", u.dept)
	}
	for _, m := range []string{"mail", "parcels", "classic"} {
		b.Check("input#module-"+m, slices.Contains(u.modules, m))
	}
	if u.lang != "" {
		b.Fill("#language", u.lang)
	}
	if u.temporary {
		b.Click("#onboarding-temporary_password")
	} else {
		b.Click("#onboarding-invitation")
	}
}

// addUser adds a user through the form and checks the list shows them.
func (b *tab) addUser(u userForm) {
	b.t.Helper()
	b.openAddUser()
	b.fillUser(u)
	if st := b.Submit("button#save"); st != 200 {
		b.Fatalf("saving user %s answered %d", u.username, st)
	}
	b.WantPath("/users")
	b.Must(`table#users tr[data-username=` + browsertest.Q(u.username) + `]`)
}

// userRow is the selector of a user's row in the users table.
func userRow(username string) string {
	return `table#users tr[data-username=` + browsertest.Q(username) + `]`
}

// editUser opens a user's edit page with the pencil of their row.
func (b *tab) editUser(username string, inactive bool) {
	b.t.Helper()
	list := "/users?q=" + url.QueryEscape(username)
	if inactive {
		list += "&inactive=1"
	}
	b.Open(list)
	if st := b.Submit(userRow(username) + " a.edit"); st != 200 {
		b.Fatalf("the edit page of %s answered %d", username, st)
	}
	if !regexp.MustCompile(`^/users/\d+`).MatchString(b.Path()) {
		b.Fatalf("the pencil of %s led to %s", username, b.Path())
	}
}

// acceptInvitation follows the invitation e-mail's link in this tab and
// sets the password.
func (b *tab) acceptInvitation(email, subject, password string) {
	b.t.Helper()
	link := b.site.link(b.site.mail(email, 1, subject), "/invitation?token=")
	if st := b.Open(link); st != 200 {
		b.Fatalf("the invitation link answered %d", st)
	}
	b.Fill("#new_password", password)
	if st := b.Submit(`form[action="/invitation"] button[type=submit]`); st != 200 {
		b.Fatalf("setting the password answered %d", st)
	}
	b.WantPath("/login?welcome=1")
	b.Must(".flash")
}

// signedIn adds a user on the admin's pages, activates them and returns a
// tab of their own, signed in.
func (b *tab) signedIn(u userForm, subject, password string) *tab {
	b.t.Helper()
	b.addUser(u)
	b.site.activate(u.email, subject, password)
	tab := b.context(b.Lang())
	if st := tab.login(u.username, password); st != 200 {
		tab.Fatalf("%s's sign in answered %d", u.username, st)
	}
	tab.WantPath("/")
	return tab
}

// inviteOperator: a department, then Users → Add user → invitation
// e-mail → the operator sets a password, signs in, and has no Users page.
func inviteOperator(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.WantPath("/")
	admin.addDepartment("Sales")

	if st := admin.Submit(`nav a[href="/users"]`); st != 200 {
		admin.Fatalf("/users answered %d", st)
	}
	admin.openAddUser()
	admin.fillUser(userForm{username: "olga", fullName: "Olga Operator", email: "olga@acme.test", role: "operator",
		dept: "Sales", modules: []string{"mail", "classic"}, lang: "en"})
	if st := admin.Submit("button#save"); st != 200 {
		admin.Fatalf("saving the user answered %d", st)
	}
	admin.WantPath("/users")
	admin.Must(".flash")
	admin.WantText(userRow("olga"), "Olga Operator", "olga@acme.test", "Operator", "Sales")
	if st := admin.Text(userRow("olga") + " td.status"); st != "Invited" {
		admin.Fatalf("olga's status is %q, want Invited", st)
	}

	op := admin.context("en-US,en;q=0.9")
	op.acceptInvitation("olga@acme.test", "Welcome", "a long passphrase of her own")
	if st := op.login("olga", "a long passphrase of her own"); st != 200 {
		op.Fatalf("the operator's sign in answered %d", st)
	}
	op.WantPath("/")
	op.WantText("h1", "Olga Operator")
	if op.Exists(`a[href="/users"]`) {
		op.Errorf("the operator's page links to /users")
	}
	for _, href := range []string{"/departments", "/account", "/outbox"} {
		if op.Exists(`nav a[href="` + href + `"]`) {
			op.Errorf("the operator's menu links to %s", href)
		}
	}
	if st := op.Open("/users"); st != http.StatusForbidden {
		op.Fatalf("/users answered %d to an operator, want 403", st)
	}
	op.Must(".error")
	op.WantText("h1", "Not allowed")
	// The operator's own pages work.
	for _, p := range []string{"/profile", "/activity"} {
		if st := op.Open(p); st != 200 {
			op.Errorf("%s answered %d to the operator", p, st)
		}
	}
	// The admin now sees olga active.
	admin.Open("/users")
	if st := admin.Text(userRow("olga") + " td.status"); st != "Active" {
		admin.Fatalf("olga's status is %q after the invitation, want Active", st)
	}
	// Editing her name keeps her role, department and modules.
	admin.editUser("olga", false)
	admin.mustOfferRole("operator")
	if got := admin.Value("#role"); got != "operator" {
		admin.Errorf("olga's edit page shows the role %q, want operator", got)
	}
	admin.Fill("#full_name", "Olga O. Operator")
	if st := admin.Submit("button#save"); st != 200 {
		admin.Fatalf("saving olga answered %d", st)
	}
	admin.Must(".flash")
	admin.Open("/users?q=olga")
	admin.WantText(userRow("olga"), "Olga O. Operator", "Operator", "Sales", "Mail, Classic")
}

// addUserValidation: a taken e-mail shows its error by the e-mail
// field and keeps everything else that was typed.
func addUserValidation(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	admin.addDepartment("Warehouse")
	admin.openAddUser()
	u := userForm{username: "carl", fullName: "Carl Clash", email: "BOSS@Acme.Test", role: "viewer",
		dept: "Warehouse", modules: []string{"parcels"}, lang: "nl"}
	admin.fillUser(u)
	dept := admin.Value("#department_id")
	st := admin.Submit("button#save")
	if st != http.StatusConflict && st != http.StatusBadRequest {
		admin.Fatalf("a taken e-mail answered %d, want 409 or 400", st)
	}
	admin.WantPath("/users")
	admin.Must("p.field-error#email-err")
	// The message is right after the field and tied to it.
	if next := js[string](admin, `(function(e){ let n = e.nextElementSibling; return n ? n.id : "" })(document.getElementById("email"))`); next != "email-err" {
		admin.Errorf("the element after #email is %q, want the field error email-err", next)
	}
	if v := js[string](admin, `document.getElementById("email").getAttribute("aria-describedby") || ""`); !strings.Contains(v, "email-err") {
		admin.Errorf("#email aria-describedby=%q, want email-err", v)
	}
	if admin.Exists("p.field-error#username-err") || admin.Exists("p.field-error#full_name-err") {
		admin.Errorf("fields that are right show errors")
	}
	want := map[string]string{"#username": "carl", "#full_name": "Carl Clash", "#role": "viewer", "#department_id": dept,
		"#language": "nl", "input#module-parcels": "on", "input#module-mail": "off", "input#module-classic": "off",
		"#onboarding-invitation": "on"}
	for sel, w := range want {
		if got := admin.Value(sel); got != w {
			admin.Errorf("after the error, %s holds %q, want %q", sel, got, w)
		}
	}
	if got := strings.TrimSpace(admin.Value("#email")); !strings.EqualFold(got, "boss@acme.test") {
		admin.Errorf("after the error, #email holds %q, want what was typed", admin.Value("#email"))
	}
	// Nothing was half-created.
	admin.Open("/users?q=carl&inactive=1")
	if admin.Exists(userRow("carl")) {
		admin.Fatalf("a user carl exists after the refused form")
	}
	// A taken username is refused by its own field, too; the form stays
	// usable and saves once everything is right.
	admin.openAddUser()
	admin.fillUser(userForm{username: "BOSS", fullName: "Carl Clash", email: "carl@acme.test", role: "viewer",
		dept: "Warehouse", modules: []string{"parcels"}})
	if st := admin.Submit("button#save"); st != http.StatusConflict && st != http.StatusBadRequest {
		admin.Fatalf("a taken username answered %d, want 409 or 400", st)
	}
	admin.Must("p.field-error#username-err")
	admin.Fill("#username", "carl")
	if st := admin.Submit("button#save"); st != 200 {
		admin.Fatalf("the corrected form answered %d", st)
	}
	admin.WantText(userRow("carl"), "Carl Clash", "Viewer", "Warehouse", "Parcels")
}

// showInactive: deactivate from the edit page → hidden by default →
// shown, as Inactive, by the checkbox (with JS, and without JS through the
// Filter button); reactivation brings them back.
func showInactive(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	admin.addUser(userForm{username: "dora", fullName: "Dora Gone", email: "dora@acme.test", role: "operator", dept: "Sales", modules: []string{"mail"}})
	admin.addUser(userForm{username: "stay", fullName: "Stan Stays", email: "stay@acme.test", role: "viewer", dept: "Sales", modules: []string{"mail"}})

	admin.editUser("dora", false)
	admin.Must("button#deactivate")
	if st := admin.Submit("button#deactivate"); st != 200 {
		admin.Fatalf("deactivate answered %d", st)
	}
	admin.Must(".flash")
	if admin.Exists("button#deactivate") || !admin.Exists("button#reactivate") {
		admin.Errorf("after deactivation the edit page offers deactivate=%v reactivate=%v", admin.Exists("button#deactivate"), admin.Exists("button#reactivate"))
	}
	asked := strings.Join(admin.Dialogs(), "\n")
	if !strings.Contains(asked, "dora") {
		t.Logf("no confirm dialog named dora before deactivation (dialogs: %q)", asked)
	}

	admin.Open("/users")
	if admin.Exists(userRow("dora")) {
		admin.Fatalf("the default list shows the inactive dora")
	}
	admin.Must(userRow("stay"))
	if admin.Value("input#inactive") != "off" {
		admin.Fatalf("Show inactive users is ticked by default")
	}
	// With JavaScript, ticking the box applies at once.
	if st := admin.Submit("input#inactive"); st != 200 {
		admin.Fatalf("ticking Show inactive users answered %d", st)
	}
	if !strings.Contains(admin.Path(), "inactive=") {
		admin.Errorf("the list after ticking is %s, want the inactive filter in the address", admin.Path())
	}
	if got := admin.Text(userRow("dora") + " td.status"); got != "Inactive" {
		admin.Fatalf("dora's status is %q, want Inactive", got)
	}
	admin.Must(userRow("stay"))
	if admin.Value("input#inactive") != "on" {
		admin.Errorf("the box is not ticked on the filtered list")
	}
	// Without JavaScript, the box waits for the Filter button.
	admin.NoJS(true)
	admin.Open("/users")
	admin.Check("input#inactive", true)
	time.Sleep(300 * time.Millisecond)
	if admin.Exists(userRow("dora")) || strings.Contains(admin.Path(), "inactive") {
		admin.Fatalf("without JavaScript, ticking the box changed the page")
	}
	if st := admin.Submit("button#filter"); st != 200 {
		admin.Fatalf("the Filter button answered %d", st)
	}
	if got := admin.Text(userRow("dora") + " td.status"); got != "Inactive" {
		admin.Fatalf("without JavaScript, dora's status is %q, want Inactive", got)
	}
	admin.NoJS(false)

	// Reactivating an invited user who never set a password makes them
	// invited again.
	admin.editUser("dora", true)
	if st := admin.Submit("button#reactivate"); st != 200 {
		admin.Fatalf("reactivate answered %d", st)
	}
	admin.Open("/users")
	if got := admin.Text(userRow("dora") + " td.status"); got != "Invited" {
		admin.Fatalf("after reactivation dora's status is %q, want Invited", got)
	}
}

// frenchTour: a French admin in a browser that asks for English sees
// French (their setting wins), with the help pages' wording; the login
// page follows ?lang=; a Dutch browser gets Dutch. When
// PORTAIL_SCREENSHOTS is set, it saves the main pages.
func frenchTour(t *testing.T, s *site, admin *tab) {
	fr, nl := catalog(t, "fr"), catalog(t, "nl")

	// The login page in French by ?lang=fr, remembered by its cookie.
	admin.Open("/login?lang=fr")
	admin.Open("/login")
	if lang := js[string](admin, `document.documentElement.lang`); lang != "fr" {
		admin.Errorf("after ?lang=fr the login page is in %q", lang)
	}
	admin.Shot("login")
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Ventes")
	admin.addDepartment("Expédition")
	admin.Shot("departments")
	admin.addUser(userForm{username: "olga", fullName: "Olga Opérateur", email: "olga@acme.test", role: "operator",
		dept: "Ventes", modules: []string{"mail", "classic"}, lang: "fr"})
	admin.addUser(userForm{username: "victor", fullName: "Victor Lecteur", email: "victor@acme.test", role: "viewer",
		dept: "Expédition", modules: []string{"parcels"}, lang: "nl"})
	admin.addUser(userForm{username: "dana", fullName: "Dana Chef", email: "dana@acme.test", role: "department_admin",
		dept: "Expédition", modules: []string{"mail", "parcels"}, lang: "fr"})
	// olga becomes active (over plain HTTP: the browser part is tested
	// elsewhere), so that her edit page offers the reset button.
	s.activate("olga@acme.test", "Bienvenue", "a long passphrase of her own")

	if st := admin.Open("/users"); st != 200 {
		admin.Fatalf("/users answered %d", st)
	}
	if lang := js[string](admin, `document.documentElement.lang`); lang != "fr" {
		admin.Errorf("the French admin's users page is in %q (the browser asks for English)", lang)
	}
	admin.WantText("a#add-user", "Ajouter un utilisateur")
	admin.WantText(`label:has(input#inactive)`, "Afficher les utilisateurs inactifs")
	admin.WantText("table#users thead", "Statut")
	admin.WantText(userRow("olga")+" td.status", fr["Active"])
	admin.Shot("users")

	admin.openAddUser()
	admin.fillUser(userForm{username: "intrus", fullName: "Ingrid Intruse", email: "Olga@acme.test", role: "viewer",
		dept: "Ventes", modules: []string{"mail"}})
	admin.Submit("button#save")
	admin.Must("p.field-error#email-err")
	admin.Shot("user-new-error")

	admin.editUser("olga", false)
	admin.mustOfferRole("operator")
	admin.WantText("button#send-reset", "Envoyer instructions pour renouveler le mot de passe")
	admin.WantText("button#save", "Enregistrer")
	admin.Shot("user-edit")

	for _, p := range []string{"account", "activity", "profile", "outbox"} {
		if st := admin.Open("/" + p); st != 200 {
			admin.Errorf("/%s answered %d", p, st)
			continue
		}
		if h := admin.Text("h1"); h == "" {
			admin.Errorf("/%s has no heading", p)
		}
		admin.Shot(p)
	}
	// The outbox lists the e-mails sent; one opens.
	if !admin.Exists(`a[href^="/outbox/"]`) {
		admin.Errorf("the outbox links to no e-mail")
	} else if st := admin.Submit(`a[href^="/outbox/"]`); st != 200 {
		admin.Errorf("an outbox e-mail answered %d", st)
	} else {
		admin.Shot("outbox-email")
	}

	// A Dutch browser, signed out, gets Dutch.
	dutch := admin.context("nl-NL,nl;q=0.9")
	dutch.Open("/login")
	if lang := js[string](dutch, `document.documentElement.lang`); lang != "nl" {
		dutch.Errorf("the login page for Accept-Language nl is in %q", lang)
	}
	if want := nl["Sign in"]; want == "" || want == "Sign in" {
		t.Errorf("web/ui/locales/nl.json has no Dutch for %q", "Sign in")
	} else {
		dutch.WantText("h1", want)
	}
	// And a Dutch user (victor, set up by the admin) sees Dutch pages in
	// a French browser.
	dutch.acceptInvitation("victor@acme.test", "Welkom", "a long passphrase of his own")
	victor := admin.context("fr-FR,fr;q=0.9")
	if st := victor.login("victor", "a long passphrase of his own"); st != 200 {
		victor.Fatalf("victor's sign in answered %d", st)
	}
	if lang := js[string](victor, `document.documentElement.lang`); lang != "nl" {
		victor.Errorf("the Dutch user's home page is in %q", lang)
	}
	if want := nl["My profile"]; want != "" && want != "My profile" {
		victor.WantText(`nav a[href="/profile"]`, want)
	} else {
		t.Errorf("web/ui/locales/nl.json has no Dutch for %q", "My profile")
	}
}
