package main

// The browser suite drives the web pages in a real headless Chromium, as a
// user would: it clicks, types, follows the links of the real e-mails that
// a loopback SMTP server receives, and reads what the pages show. Each
// scenario runs a serve process of its own (in process, through the same
// flags as `portail serve`, on SQLite) and a browser of its own with a
// fresh profile, under a time limit, so a hang fails instead of blocking CI.
//
// Without Chromium the suite is skipped, except in CI (CI=true), where it
// fails; scripts/test installs Chromium when it is missing. With the
// environment variable PORTAIL_SCREENSHOTS naming a directory, the French
// tours save full-page PNGs of the main pages there (FrenchTour: users and
// account pages; FrenchWorkTour: documents, labels and reports).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"portail"
	"portail/internal/browsertest"
)

// scenarioTimeout bounds one scenario: server, browser and all.
const scenarioTimeout = 60 * time.Second

// TestBrowser runs the browser scenarios one after the other: each starts
// a browser, and two cores run one browser best.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := browsertest.Chromium(t)
	scenarios := []struct {
		name string
		run  func(t *testing.T, s *site, b *tab)
		// setup: "" for a first run without an account, else the
		// admin's language of the account made by `portail setup`.
		setup string
		lang  string   // the browser's Accept-Language
		flags []string // more flags of `portail serve` (no simulator unless asked)
	}{
		{"FirstRun", firstRun, "", "fr-FR,fr;q=0.9", nil},
		{"InviteOperator", inviteOperator, "en", "en-US,en;q=0.9", nil},
		{"AddUserValidation", addUserValidation, "en", "en-US,en;q=0.9", nil},
		{"ShowInactiveUsers", showInactive, "en", "en-US,en;q=0.9", nil},
		{"ResetWithRecoveryCode", resetWithCode, "en", "en-US,en;q=0.9", nil},
		{"OneLoginPerPerson", oneLogin, "en", "en-US,en;q=0.9", nil},
		{"FrenchTour", frenchTour, "fr", "en-US,en;q=0.9", nil},
		// The simulator leaves a document 500 ms in each status: the page
		// shows it received, then final after its first refresh (5 s).
		{"DocumentStatus", documentStatus, "en", "en-US,en;q=0.9",
			[]string{"--simulator=true", "--simulator-interval", "500ms", "--max-upload", "64KB"}},
		{"ParcelLabel", parcelLabel, "en", "en-US,en;q=0.9", nil},
		// The tour moves its items itself, to a chosen mix of statuses.
		{"FrenchWorkTour", frenchWorkTour, "fr", "fr-FR,fr;q=0.9", nil},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
			defer cancel()
			opts := siteOptions{Flags: sc.flags}
			if sc.setup != "" {
				opts.Plan, opts.Setup = "enterprise", []string{"--admin-full-name", "Berta Boss", "--admin-language", sc.setup}
			}
			s := startSite(t, opts)
			b := &tab{Tab: browsertest.Start(t, ctx, chromium, s.url, sc.lang), t: t, site: s}
			sc.run(t, s, b)
		})
	}
}

var recoveryCodeRe = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// ---------------------------------------------------------------------
// The browser.

// tab is a browser tab on the site, with the steps the scenarios share.
type tab struct {
	*browsertest.Tab
	t    *testing.T
	site *site
}

// context opens a tab in a new browser context: a second person, or the
// same person on another computer.
func (b *tab) context(lang string) *tab {
	b.t.Helper()
	return &tab{Tab: b.Tab.NewContext(lang), t: b.t, site: b.site}
}

// js evaluates an expression in the tab's page.
func js[T any](b *tab, expr string) T {
	b.t.Helper()
	return browsertest.JS[T](b.Tab, expr)
}

// mustOfferRole fails unless the role select offers role: an admin adds
// users of every role.
func (b *tab) mustOfferRole(role string) {
	b.t.Helper()
	if opts := b.Options("#role"); !slices.Contains(opts, role) {
		b.t.Fatalf("at %s the role select offers %q, not %q", b.Location(), opts, role)
	}
}

// login signs in on the login page and returns the status of the page
// it lands on.
func (b *tab) login(login, password string) int64 {
	b.t.Helper()
	if !strings.HasPrefix(b.Path(), "/login") {
		b.Open("/login")
	}
	b.Fill("#login", login, "#password", password)
	return b.Submit(`form[action="/login"] button[type=submit]`)
}

// ---------------------------------------------------------------------
// Steps that several scenarios share.

// addDepartment creates a department on /departments.
func (b *tab) addDepartment(name string) {
	b.t.Helper()
	if st := b.Open("/departments"); st != 200 {
		b.Fatalf("/departments answered %d", st)
	}
	b.Must("form#department-form")
	b.Fill("form#department-form input#name", name)
	if st := b.Submit("form#department-form button#save"); st != 200 {
		b.Fatalf("adding department %s answered %d", name, st)
	}
	b.Must(".flash")
	if !b.Exists(`table#departments tr[data-name=`+browsertest.Q(name)+`]`) && !strings.Contains(b.Text("main"), name) {
		b.Fatalf("department %s is not listed", name)
	}
}

type userForm struct {
	username, fullName, email, role, dept, lang string
	modules                                     []string
	temporary                                   bool // onboarding: temporary password
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

func (b *tab) logout() {
	b.t.Helper()
	if st := b.Submit(`form[action="/logout"] button`); st != 200 {
		b.Fatalf("sign out answered %d", st)
	}
	b.WantPath("/login")
}

// ---------------------------------------------------------------------
// The scenarios.

var setupLinkRe = regexp.MustCompile(`https?://\S+/setup\?token=\S+`)

// firstRun: the one-time link that serve prints → the setup form → the
// admin is signed in on the home page; the link then is dead.
func firstRun(t *testing.T, s *site, b *tab) {
	link := setupLinkRe.FindString(s.out.String())
	if link == "" {
		t.Fatalf("serve printed no setup link:\n%s", s.out.String())
	}
	if !strings.HasPrefix(link, s.url+"/setup?token=") {
		t.Fatalf("setup link %q is not on --base-url %s", link, s.url)
	}
	// Before setup, the login page says what to do.
	b.Open("/login")
	b.Must(".flash")

	if st := b.Open(link); st != 200 {
		b.Fatalf("the setup link answered %d", st)
	}
	if lang := js[string](b, `document.documentElement.lang`); lang != "fr" {
		b.Errorf("setup page in %q for Accept-Language fr", lang)
	}
	b.Must(`form[action="/setup"]`)
	b.Shot("setup")
	b.Fill("#account", "Acme", "#plan", "gold", "#admin_username", "boss", "#admin_full_name", "Berta Boss",
		"#admin_email", "boss@acme.test", "#admin_password", "short")
	// A refused password keeps the form and what was typed.
	if st := b.Submit(`form[action="/setup"] button[type=submit]`); st != 400 {
		b.Fatalf("a 5-character password answered %d, want 400", st)
	}
	b.Must("p.field-error#admin_password-err")
	for sel, want := range map[string]string{"#account": "Acme", "#admin_username": "boss", "#admin_email": "boss@acme.test", "#plan": "gold"} {
		if got := b.Value(sel); got != want {
			b.Errorf("after the error, %s holds %q, want %q", sel, got, want)
		}
	}
	b.Fill("#admin_password", adminPassword)
	if st := b.Submit(`form[action="/setup"] button[type=submit]`); st != 200 {
		b.Fatalf("setup answered %d", st)
	}
	b.WantPath("/")
	b.WantText("h1", "Berta Boss")
	b.WantText("main", "boss")
	for _, href := range []string{"/users", "/departments", "/account", "/outbox", "/activity", "/profile"} {
		if !b.Exists(`nav a[href="` + href + `"]`) {
			b.Errorf("the admin's menu has no link to %s", href)
		}
	}
	// The link works once.
	b.Open(link)
	if b.Exists(`form[action="/setup"]`) {
		b.Fatalf("the setup link still shows the form after setup")
	}
	// The admin can sign out and in again.
	b.Open("/")
	b.logout()
	if st := b.login("boss@acme.test", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.WantPath("/")
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

// resetWithCode: the admin's "Send password reset instructions" (twice:
// the newer e-mail kills the older link) → the link → a wrong code fails
// and the form stays → the right code and a new password → sign in with
// it. Then the admin's own "Forgot password?" on the login page.
func resetWithCode(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	admin.addUser(userForm{username: "erik", fullName: "Erik Forgetful", email: "erik@acme.test", role: "operator",
		dept: "Sales", modules: []string{"mail"}, lang: "en"})
	user := admin.context("en-US,en;q=0.9")
	user.acceptInvitation("erik@acme.test", "Welcome", "the first long passphrase")

	admin.editUser("erik", false)
	admin.WantText("button#send-reset", "Send password reset instructions")
	for range 2 {
		if st := admin.Submit("button#send-reset"); st != 200 {
			admin.Fatalf("send reset answered %d", st)
		}
		admin.Must(".flash")
	}
	first := s.link(s.mail("erik@acme.test", 2, "reset your password"), "/reset-password?token=")
	msg := s.mail("erik@acme.test", 3, "reset your password")
	link := s.link(msg, "/reset-password?token=")
	code := recoveryCodeRe.FindString(msg.Text)
	if code == "" || link == first {
		t.Fatalf("reset e-mail without a new link or an XXXX-XXXX code:\n%s", msg.Text)
	}
	// The earlier link died with the newer request.
	user.Open(first)
	if user.Exists("#code") {
		user.Errorf("the first reset link still shows its form after a newer request")
	}

	if st := user.Open(link); st != 200 {
		user.Fatalf("the reset link answered %d", st)
	}
	wrong := "AAAA-AAAA"
	if wrong == code {
		wrong = "BBBB-BBBB"
	}
	user.Fill("#code", wrong, "#new_password", "the second long passphrase")
	if st := user.Submit(`form[action="/reset-password"] button[type=submit]`); st != http.StatusBadRequest {
		user.Fatalf("a wrong code answered %d, want 400", st)
	}
	if !user.Exists(".error") && !user.Exists("p.field-error#code-err") {
		user.Fatalf("a wrong code shows no error")
	}
	user.Must("#code")
	user.Must("#new_password")
	// The right code, in lower case and without the dash, works.
	user.Fill("#code", strings.ToLower(strings.ReplaceAll(code, "-", "")), "#new_password", "the second long passphrase")
	if st := user.Submit(`form[action="/reset-password"] button[type=submit]`); st != 200 {
		user.Fatalf("the right code answered %d", st)
	}
	user.WantPath("/login?reset=1")
	user.Must(".flash")
	user.login("erik", "the first long passphrase")
	if user.Path() == "/" {
		user.Fatalf("the old password still signs in")
	}
	user.Must(".error")
	if st := user.login("erik", "the second long passphrase"); st != 200 {
		user.Fatalf("sign in with the new password answered %d", st)
	}
	user.WantPath("/")
	user.WantText("h1", "Erik Forgetful")
	// The link is used up.
	user.Open(link)
	if user.Exists("#code") {
		user.Errorf("the reset link still shows its form after use")
	}

	// "Forgot password?" on the login page, by e-mail in another case.
	other := admin.context("en-US,en;q=0.9")
	other.Open("/login")
	if st := other.Submit(`a[href="/forgot"]`); st != 200 {
		other.Fatalf("the forgot page answered %d", st)
	}
	other.Fill("#login", "BOSS@Acme.Test")
	if st := other.Submit(`form[action="/forgot"] button[type=submit]`); st != 200 {
		other.Fatalf("the forgot form answered %d", st)
	}
	other.Must(".flash")
	msg = s.mail("boss@acme.test", 1, "reset your password")
	if st := other.Open(s.link(msg, "/reset-password?token=")); st != 200 {
		other.Fatalf("the reset link answered %d", st)
	}
	other.Fill("#code", recoveryCodeRe.FindString(msg.Text), "#new_password", "a brand new admin passphrase")
	if st := other.Submit(`form[action="/reset-password"] button[type=submit]`); st != 200 {
		other.Fatalf("the reset answered %d", st)
	}
	if st := other.login("boss", "a brand new admin passphrase"); st != 200 {
		other.Fatalf("sign in with the new password answered %d", st)
	}
	other.WantPath("/")
	// A reset ends the other sessions: the admin's first browser is out.
	admin.Open("/users")
	admin.WantPath("/login")
}

// oneLogin: the same user signs in in browser context B; A's next page
// is the login page, which tells why.
func oneLogin(t *testing.T, s *site, a *tab) {
	if st := a.login("boss", adminPassword); st != 200 {
		a.Fatalf("sign in A answered %d", st)
	}
	a.WantPath("/")
	b := a.context("en-US,en;q=0.9")
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in B answered %d", st)
	}
	b.WantPath("/")

	a.Open("/users")
	a.WantPath("/login")
	if !strings.Contains(a.Path(), "replaced") {
		a.Errorf("A was sent to %s, want the replaced notice", a.Path())
	}
	a.WantText(".flash", "signed in somewhere else")
	// Signing in again in A brings A back where it was going, and now B
	// is the one signed out.
	if st := a.login("boss", adminPassword); st != 200 {
		a.Fatalf("sign in A again answered %d", st)
	}
	a.WantPath("/users")
	b.Open("/profile")
	b.WantPath("/login")
	b.WantText(".flash", "signed in somewhere else")
	// A plain sign out is no "elsewhere".
	a.logout()
	if a.Exists(".flash") && strings.Contains(a.Text(".flash"), "somewhere else") {
		a.Errorf("a plain sign out shows the replaced notice")
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
		t.Errorf("web/locales/nl.json has no Dutch for %q", "Sign in")
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
		t.Errorf("web/locales/nl.json has no Dutch for %q", "My profile")
	}
}

// catalog reads a UI catalog (English message → translation).
func catalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "locales", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("web/locales/%s.json: %v", lang, err)
	}
	return m
}

// ---------------------------------------------------------------------
// Documents, parcel labels and reports (issue 7).

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

// sendDocument sends the file through the form of /documents, with the
// department (an admin's choice; by name) and the module when given, and
// returns the status of the page it lands on.
func (b *tab) sendDocument(path, dept, module string) int64 {
	b.t.Helper()
	if st := b.Open("/documents"); st != 200 {
		b.Fatalf("/documents answered %d", st)
	}
	b.Must("form#document-form")
	b.Pick("#file", path)
	if dept != "" {
		b.SelectText("#department_id", dept)
	}
	if module != "" {
		b.Fill("#module", module)
	}
	return b.Submit("#send")
}

// itemID is the id in the page's path /documents/{id} or /labels/{id}.
func (b *tab) itemID(kind string) int64 {
	b.t.Helper()
	m := regexp.MustCompile(`^/` + kind + `/(\d+)(\?|$)`).FindStringSubmatch(b.Path())
	if m == nil {
		b.Fatalf("at %s, want /%s/{id}", b.Path(), kind)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

type address struct{ name, company, street, number, postal, city, country string }

// fillAddress fills the sender or recipient fieldset of the label form.
func (b *tab) fillAddress(who string, a address) {
	b.t.Helper()
	p := "#" + who + "-"
	b.Fill(p+"name", a.name, p+"company", a.company, p+"street", a.street, p+"house_number", a.number,
		p+"postal_code", a.postal, p+"city", a.city, p+"country", a.country)
}

// newLabel opens the label form through the button of /labels.
func (b *tab) newLabel() {
	b.t.Helper()
	if st := b.Open("/labels"); st != 200 {
		b.Fatalf("/labels answered %d", st)
	}
	if st := b.Submit("a#add-label"); st != 200 {
		b.Fatalf("the label form answered %d", st)
	}
	b.WantPath("/labels/new")
	b.Must("form#label-form")
}

// createLabel creates a label through the form and returns its id.
func (b *tab) createLabel(dept string, from, to address, grams string) int64 {
	b.t.Helper()
	b.newLabel()
	if dept != "" {
		b.SelectText("#department_id", dept)
	}
	b.fillAddress("sender", from)
	b.fillAddress("recipient", to)
	b.Fill("#weight_grams", grams)
	if st := b.Submit("button#save"); st != 200 {
		b.Fatalf("creating the label answered %d", st)
	}
	return b.itemID("labels")
}

// historySteps lists the data-to of the rows of the history table.
func (b *tab) historySteps() []string {
	b.t.Helper()
	return js[[]string](b, `[...document.querySelectorAll("#history tbody tr")].map(r => r.dataset.to)`)
}

// wantHistoryWording fails unless each row of the history table says its
// change in the page's words: "Processing → Printed", and for the first
// row the first status, never the stored change name ("created:").
func (b *tab) wantHistoryWording(catalog map[string]string) {
	b.t.Helper()
	rows := js[[][]string](b, `[...document.querySelectorAll("#history tbody tr")].map(r => [r.dataset.to, r.cells[1].innerText.trim()])`)
	if len(rows) == 0 {
		b.Fatalf("no history rows")
	}
	for _, r := range rows {
		to, said := r[0], r[1]
		name := catalog["status:"+to]
		if name == "" {
			name = to
		}
		if !strings.HasSuffix(said, name) || strings.Contains(said, "created:") || strings.HasPrefix(said, "→") {
			b.Errorf("the history row of the step to %s says %q, want it to end with %q (no raw change name, no empty \"from\")", to, said, name)
		}
	}
}

// documentStatus: an operator sends a PDF through /documents and lands
// on its page, which shows it received and follows it by itself (meta
// refresh) to posted or failed, the history showing each step. A file that
// is not a PDF, and one over --max-upload, are refused next to the file
// field. The operator has no label button; a viewer of the department
// sees the document but no upload form, and the reports.
func documentStatus(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	op := admin.signedIn(userForm{username: "olga", fullName: "Olga Operator", email: "olga@acme.test", role: "operator",
		dept: "Sales", modules: []string{"mail", "classic", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of her own")
	if st := op.Submit(`nav a[href="/documents"]`); st != 200 {
		op.Fatalf("/documents answered %d", st)
	}
	op.Must("form#document-form")
	op.WantText(`label[for="file"]`, "64 KiB")
	// An operator sends for their own department: no choice of it.
	if op.Exists("select#department_id") {
		op.Errorf("the operator's form offers a department")
	}
	if opts := op.Options("#module"); !slices.Contains(opts, "mail") || !slices.Contains(opts, "classic") {
		op.Fatalf("the module select offers %q, want mail and classic", opts)
	}

	// A file that is not a PDF: the error stands by the file field, and
	// the form keeps the module chosen.
	if st := op.sendDocument(browsertest.File(t, "notes.txt", "just some notes\n"), "", "classic"); st != http.StatusBadRequest {
		op.Fatalf("a text file answered %d, want 400", st)
	}
	op.WantPath("/documents")
	op.WantFieldError("file", "file-err")
	if got := op.Value("#module"); got != "classic" {
		op.Errorf("after the error the module is %q, want classic", got)
	}
	// A PDF over --max-upload (64 KiB) is refused the same way.
	big := minimalPDF[:9] + "%" + strings.Repeat("x", 90<<10) + "\n" + minimalPDF[9:]
	if st := op.sendDocument(browsertest.File(t, "big.pdf", big), "", "mail"); st != http.StatusRequestEntityTooLarge && st != http.StatusBadRequest {
		op.Fatalf("a 90 KiB PDF answered %d, want 413", st)
	}
	op.WantFieldError("file", "file-err")
	op.WantText("#file-err", "64 KiB")
	op.Open("/documents")
	if op.Exists(`#documents tr[data-name="notes.txt"]`) || op.Exists(`#documents tr[data-name="big.pdf"]`) {
		op.Fatalf("a refused file is listed")
	}

	// A good PDF: its page shows it received and follows its status.
	start := time.Now()
	if st := op.sendDocument(browsertest.File(t, "letter.pdf", minimalPDF), "", "mail"); st != 200 {
		op.Fatalf("sending a PDF answered %d", st)
	}
	id := op.itemID("documents")
	op.Must(".flash")
	op.WantText("h1", "letter.pdf")
	if got := js[string](op, `document.getElementById("status").dataset.status`); got != "received" {
		op.Fatalf("the new document's status is %q, want received", got)
	}
	if !op.Exists(`meta[http-equiv="refresh"]`) {
		op.Fatalf("the page of a document in progress does not refresh itself")
	}
	op.Must(`#history tr[data-to="received"]`)
	// The page refreshes itself: a mark left in this page is gone once the
	// status is final.
	js[bool](op, `window.samePage = true`)
	if !op.WaitJS(`(function(e){ return !!e && (e.dataset.status === "posted" || e.dataset.status === "failed") })(document.getElementById("status"))`, 15*time.Second) {
		op.Fatalf("the document page still shows %q after %s", js[string](op, `document.getElementById("status").dataset.status`), time.Since(start).Round(time.Millisecond))
	}
	t.Logf("the document page showed a final status %s after the upload", time.Since(start).Round(time.Millisecond))
	if js[bool](op, `window.samePage === true`) {
		op.Fatalf("the status changed without a reload")
	}
	if got := op.itemID("documents"); got != id {
		op.Fatalf("the page refreshed to document %d, want %d", got, id)
	}
	final := js[string](op, `document.getElementById("status").dataset.status`)
	want := []string{"received", "processing", "printed", "posted"}
	if final == "failed" {
		want = []string{"received", "processing", "failed"}
	}
	if got := op.historySteps(); strings.Join(got, " ") != strings.Join(want, " ") {
		op.Fatalf("the history shows the steps %q, want %q", got, want)
	}
	for _, step := range want[1:] {
		op.WantText(`#history tr[data-to="`+step+`"]`, "system")
	}
	op.wantHistoryWording(catalog(t, "en"))
	if op.Exists(`meta[http-equiv="refresh"]`) {
		op.Errorf("the page of a %s document still refreshes itself", final)
	}

	// The list shows it with its status; the PDF downloads.
	op.Open("/documents")
	op.Must(`#documents tr[data-name="letter.pdf"]`)
	op.WantText(`#documents tr[data-name="letter.pdf"] td.status`, map[string]string{"posted": "Posted", "failed": "Failed"}[final])
	if f := op.Fetch(fmt.Sprintf("/api/v1/documents/%d/file", id)); f.Status != 200 || !strings.HasPrefix(f.Head, "%PDF") {
		op.Errorf("the document's download got %d %q starting %q", f.Status, f.Type, f.Head)
	}

	// No label button for an operator, and no label form.
	if st := op.Open("/labels"); st != 200 {
		op.Fatalf("/labels answered %d to an operator with the parcels module", st)
	}
	if op.Exists("a#add-label") || op.Exists(`a[href="/labels/new"]`) {
		op.Errorf("the operator's /labels offers to create a label")
	}
	if st := op.Open("/labels/new"); st != http.StatusForbidden {
		op.Errorf("/labels/new answered %d to an operator, want 403", st)
	}

	// A viewer of the department sees the document, but no upload form,
	// no label button, and the reports.
	viewer := admin.signedIn(userForm{username: "victor", fullName: "Victor Viewer", email: "victor@acme.test", role: "viewer",
		dept: "Sales", modules: []string{"mail", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of his own")
	if st := viewer.Open("/documents"); st != 200 {
		viewer.Fatalf("/documents answered %d to a viewer", st)
	}
	if viewer.Exists("form#document-form") || viewer.Exists("#file") {
		viewer.Fatalf("the viewer's /documents offers the upload form")
	}
	viewer.Must(`#documents tr[data-name="letter.pdf"]`)
	if st := viewer.Open("/labels"); st != 200 {
		viewer.Fatalf("/labels answered %d to a viewer", st)
	}
	if viewer.Exists("a#add-label") {
		viewer.Errorf("the viewer's /labels offers to create a label")
	}
	if st := viewer.Submit(`nav a[href="/reports"]`); st != 200 {
		viewer.Fatalf("/reports answered %d to a viewer", st)
	}
	if n := js[int](viewer, `document.querySelectorAll('section[aria-labelledby="report-document"] svg.chart rect').length`); n == 0 {
		viewer.Fatalf("the documents chart has no bar")
	}
	viewer.WantText(`section[aria-labelledby="report-document"] table.report-table tbody`, "Sales")
	if got := viewer.Text(`section[aria-labelledby="report-document"] table.report-table tbody tr td.num:last-child`); got != "1" {
		viewer.Errorf("the documents report counts %q in all, want 1", got)
	}
}

var acmeHQ = address{name: "Acme Shipping", company: "Acme SA", street: "Rue de la Loi", number: "16", postal: "1000", city: "Brussels", country: "BE"}

// parcelLabel: a department admin creates a parcel label through
// /labels/new; a missing postal code is refused by its field and the form
// keeps what was typed; then the label page shows the S10 tracking number
// and a PDF link that downloads a PDF.
func parcelLabel(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Shipping")
	dana := admin.signedIn(userForm{username: "dana", fullName: "Dana Depthead", email: "dana@acme.test", role: "department_admin",
		dept: "Shipping", modules: []string{"mail", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of her own")
	if st := dana.Submit(`nav a[href="/labels"]`); st != 200 {
		dana.Fatalf("/labels answered %d", st)
	}
	dana.Must("a#add-label")
	dana.newLabel()
	if dana.Exists("select#department_id") {
		dana.Errorf("a department admin's label form offers a department")
	}
	to := address{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", city: "Paris", country: "FR"}
	dana.fillAddress("sender", acmeHQ)
	dana.fillAddress("recipient", to)
	dana.Fill("#weight_grams", "1200")
	if st := dana.Submit("button#save"); st != http.StatusBadRequest {
		dana.Fatalf("a label without the recipient's postal code answered %d, want 400", st)
	}
	dana.WantPath("/labels")
	dana.Must(`#recipient\.postal_code-err`)
	dana.WantFieldError("recipient-postal_code", "recipient.postal_code-err")
	if n := js[int](dana, `document.querySelectorAll("p.field-error").length`); n != 1 {
		dana.Errorf("%d field errors, want only the postal code's", n)
	}
	dana.Must(".error")
	// Everything typed is still there.
	for who, a := range map[string]address{"sender": acmeHQ, "recipient": to} {
		for k, v := range map[string]string{"name": a.name, "company": a.company, "street": a.street, "house_number": a.number,
			"postal_code": a.postal, "city": a.city, "country": a.country} {
			if got := dana.Value("#" + who + "-" + k); got != v {
				dana.Errorf("after the error, #%s-%s holds %q, want %q", who, k, got, v)
			}
		}
	}
	if got := dana.Value("#weight_grams"); got != "1200" {
		dana.Errorf("after the error, the weight is %q, want 1200", got)
	}
	dana.Fill("#recipient-postal_code", "75005")
	if st := dana.Submit("button#save"); st != 200 {
		dana.Fatalf("the corrected label answered %d", st)
	}
	id := dana.itemID("labels")
	dana.Must(".flash")
	tracking := dana.Text("#tracking")
	if !portail.ValidS10(tracking) {
		dana.Fatalf("the tracking number %q is not a valid S10 identifier", tracking)
	}
	if got := js[string](dana, `document.getElementById("status").dataset.status`); got != "created" {
		dana.Errorf("the new label's status is %q, want created", got)
	}
	dana.WantText("main", "Marie Curie", "75005 Paris", "Acme Shipping", "1200 g")
	dana.Must(`#history tr[data-to="created"]`)
	dana.wantHistoryWording(catalog(t, "en"))
	// The PDF link works.
	href := js[string](dana, `document.querySelector("a#download").href`)
	if !strings.HasPrefix(href, s.url+"/") {
		dana.Fatalf("the PDF link %q is not on the site", href)
	}
	f := dana.Fetch(href)
	if f.Status != 200 || !strings.HasPrefix(f.Head, "%PDF") || !strings.Contains(f.Type, "application/pdf") {
		dana.Fatalf("the label's PDF link got %d %q (%d bytes) starting %q, want a PDF", f.Status, f.Type, f.Size, f.Head)
	}
	// The list shows it; so does the admin's.
	dana.Open("/labels")
	dana.WantText(`#labels tr[data-tracking="`+tracking+`"]`, "Marie Curie", "Paris")
	admin.Open("/labels")
	admin.Must(`#labels tr[data-tracking="` + tracking + `"]`)
	admin.Open(fmt.Sprintf("/labels/%d", id))
	admin.WantText("#tracking", tracking)
}

// frenchWorkTour: a French admin sends documents and creates labels
// through the pages; a stand-in processor moves them to a mix of statuses
// and their creation is spread over the last week, so that the reports
// have bars. With PORTAIL_SCREENSHOTS it saves the pages of the work.
func frenchWorkTour(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Ventes")
	admin.addDepartment("Expédition")
	fr := catalog(t, "fr")

	ctx := t.Context()
	proc := s.main.Processing
	advance := func(kind portail.SubjectKind, id int64, steps []string) {
		t.Helper()
		for i := 1; i < len(steps); i++ {
			if ok, err := proc.Advance(ctx, kind, id, steps[i-1], steps[i]); err != nil || !ok {
				t.Fatalf("move %s %d from %s to %s: %v %v", kind, id, steps[i-1], steps[i], ok, err)
			}
		}
	}
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(s.dsn, "sqlite:")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	backdate := func(table string, id int64, days int) {
		t.Helper()
		if days == 0 {
			return
		}
		if _, err := db.ExecContext(ctx, `UPDATE `+table+` SET created_at = created_at - ? WHERE id = ?`,
			int64(days)*int64(24*time.Hour/time.Microsecond), id); err != nil {
			t.Fatal(err)
		}
	}

	posted := []string{"received", "processing", "printed", "posted"}
	docs := []struct {
		name, dept, module string
		steps              []string
		daysAgo            int
	}{
		{"facture-2026-114.pdf", "Ventes", "mail", posted, 6},
		{"relance-client.pdf", "Ventes", "mail", posted, 5},
		{"contrat-cadre.pdf", "Expédition", "classic", []string{"received", "processing", "failed"}, 4},
		{"courrier-mairie.pdf", "Ventes", "classic", posted, 3},
		{"bulletin-octobre.pdf", "Expédition", "mail", posted, 2},
		{"avis-echeance.pdf", "Ventes", "mail", posted[:3], 1},
		{"lettre-recommandee.pdf", "Expédition", "mail", posted[:2], 0},
		{"devis-atelier.pdf", "Ventes", "mail", posted[:1], 0},
		{"lettre-bienvenue.pdf", "Ventes", "mail", posted, 0},
	}
	var shown int64
	for _, d := range docs {
		if st := admin.sendDocument(browsertest.File(t, d.name, minimalPDF), d.dept, d.module); st != 200 {
			admin.Fatalf("sending %s answered %d", d.name, st)
		}
		id := admin.itemID("documents")
		advance(portail.SubjectDocument, id, d.steps)
		backdate("documents", id, d.daysAgo)
		shown = id
	}
	if st := admin.Open(fmt.Sprintf("/documents/%d", shown)); st != 200 {
		admin.Fatalf("the document page answered %d", st)
	}
	if got := admin.historySteps(); strings.Join(got, " ") != strings.Join(posted, " ") {
		admin.Errorf("the history shows %q, want %q", got, posted)
	}
	admin.Shot("document")
	admin.wantHistoryWording(fr)
	if st := admin.Open("/documents"); st != 200 {
		admin.Fatalf("/documents answered %d", st)
	}
	for _, d := range docs {
		admin.Must(`#documents tr[data-name="` + d.name + `"]`)
	}
	admin.Shot("documents")

	// The label form with a field error, then labels in several statuses.
	admin.newLabel()
	admin.SelectText("#department_id", "Expédition")
	admin.fillAddress("sender", address{name: "Acme Expédition", company: "Acme SA", street: "Rue de la Loi", number: "16",
		postal: "1000", city: "Bruxelles", country: "BE"})
	admin.fillAddress("recipient", address{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", city: "Paris", country: "FR"})
	admin.Fill("#weight_grams", "1200")
	if st := admin.Submit("button#save"); st != http.StatusBadRequest {
		admin.Fatalf("a label without the recipient's postal code answered %d, want 400", st)
	}
	admin.Must(`#recipient\.postal_code-err`)
	admin.Shot("label-form")
	// The field's message is in French, like the rest of the page.
	if msg := admin.Text(`#recipient\.postal_code-err`); msg == "Required." || fr[msg] != "" {
		admin.Errorf("the French label form says %q by the postal code: English (web/locales/fr.json has no %q)", msg, msg)
	}

	sender := address{name: "Acme Expédition", company: "Acme SA", street: "Rue de la Loi", number: "16", postal: "1000", city: "Bruxelles", country: "BE"}
	labels := []struct {
		to      address
		grams   string
		steps   []string
		daysAgo int
	}{
		{address{name: "Jan Peeters", street: "Meir", number: "50", postal: "2000", city: "Antwerpen", country: "BE"}, "850", []string{"created", "in_transit", "delivered"}, 6},
		{address{name: "Sophie Martin", company: "Atelier Martin", street: "Rue de Rivoli", number: "99", postal: "75001", city: "Paris", country: "FR"}, "2300", []string{"created", "in_transit", "delivered"}, 4},
		{address{name: "Lukas Weber", street: "Hauptstraße", number: "5", postal: "10115", city: "Berlin", country: "DE"}, "400", []string{"created", "in_transit", "returned"}, 3},
		{address{name: "Emma de Vries", street: "Damrak", number: "1", postal: "1012 LG", city: "Amsterdam", country: "NL"}, "1500", []string{"created", "in_transit"}, 1},
		{address{name: "Luc Dubois", street: "Grand-Rue", number: "3", postal: "1660", city: "Luxembourg", country: "LU"}, "600", []string{"created"}, 0},
		{address{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", postal: "75005", city: "Paris", country: "FR"}, "1200", []string{"created", "in_transit"}, 0},
	}
	var label int64
	for _, l := range labels {
		label = admin.createLabel("Expédition", sender, l.to, l.grams)
		advance(portail.SubjectLabel, label, l.steps)
		backdate("labels", label, l.daysAgo)
	}
	if st := admin.Open(fmt.Sprintf("/labels/%d", label)); st != 200 {
		admin.Fatalf("the label page answered %d", st)
	}
	if !portail.ValidS10(admin.Text("#tracking")) {
		admin.Errorf("the tracking number %q is not S10", admin.Text("#tracking"))
	}
	admin.Shot("label-page")
	if st := admin.Open("/labels"); st != 200 {
		admin.Fatalf("/labels answered %d", st)
	}
	if n := js[int](admin, `document.querySelectorAll("#labels tbody tr").length`); n != len(labels) {
		admin.Errorf("/labels lists %d labels, want %d", n, len(labels))
	}
	admin.Shot("labels")

	// The reports: a chart with bars and a table per kind.
	if st := admin.Open("/reports"); st != 200 {
		admin.Fatalf("/reports answered %d", st)
	}
	for kind, n := range map[string]int{"document": len(docs), "label": len(labels)} {
		sec := `section[aria-labelledby="report-` + kind + `"]`
		admin.WantText(sec+" h2", fmt.Sprintf("(%d)", n))
		if bars := js[int](admin, `new Set([...document.querySelectorAll('`+sec+` svg.chart rect')].map(r => r.getAttribute("x"))).size`); bars < 4 {
			admin.Errorf("the %s chart has %d bars, want one per day with items (at least 4)", kind, bars)
		}
		admin.Must(sec + " table.report-table tbody tr")
	}
	admin.WantText(`section[aria-labelledby="report-document"] table.report-table tbody`, "Ventes", "Expédition")
	admin.Shot("reports")
}
