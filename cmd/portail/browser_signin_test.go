package main

// Signing in through the browser: the first run, a reset with its
// recovery code, one login per person.

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var setupLinkRe = regexp.MustCompile(`https?://\S+/setup\?token=\S+`)

var recoveryCodeRe = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

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
	// The language links keep the one-time token: the form stays.
	for _, lang := range []string{"nl", "fr"} {
		if st := b.Submit(`nav.langs a[lang="` + lang + `"]`); st != 200 {
			b.Fatalf("the %s link of the setup page answered %d", lang, st)
		}
		b.Must(`form[action="/setup"]`)
		if got := js[string](b, `document.documentElement.lang`); got != lang {
			b.Errorf("after its link, the setup page is in %q, want %s", got, lang)
		}
	}
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
