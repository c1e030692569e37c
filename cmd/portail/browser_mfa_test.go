package main

// Second factors through the browser (C11): enrolling an authenticator
// app from the key the page shows, signing in with its code or with a
// recovery code, and an account that requires a factor leading its user
// to enrol right after the password.

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// enrolApp adds an authenticator app on /profile/mfa: the test reads the
// key from the page as a person types it into their app, and types the
// code the app would show. It returns the key and the recovery codes.
func (b *tab) enrolApp() (string, []string) {
	b.t.Helper()
	if !strings.HasPrefix(b.Path(), "/profile/mfa") {
		b.Open("/profile/mfa")
	}
	if st := b.Submit("form#add-totp button"); st != 200 {
		b.Fatalf("adding an app answered %d", st)
	}
	b.Must("img#totp-qr")
	if src := js[string](b, `document.querySelector("#totp-qr").src`); !strings.HasPrefix(src, "data:image/png;base64,") {
		b.Fatalf("the QR code is not an inline PNG: %.40s", src)
	}
	if w := js[int](b, `document.querySelector("#totp-qr").naturalWidth`); w == 0 {
		b.Fatalf("the QR code image does not load")
	}
	b.Shot("mfa-enrol")
	secret := b.Text("#totp-secret")
	b.Fill("#totp-code", "000000")
	if st := b.Submit("form#totp-confirm button"); st != 400 {
		b.Fatalf("a wrong code answered %d, want 400", st)
	}
	b.Must("p.field-error#code-err")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		b.Fatalf("the page's key %q: %v", secret, err)
	}
	b.Fill("#totp-code", code)
	if st := b.Submit("form#totp-confirm button"); st != 200 {
		b.Fatalf("confirming the app answered %d", st)
	}
	b.Shot("mfa-recovery-codes")
	codes := recoveryCodeRe.FindAllString(b.Text("#recovery-codes ul"), -1)
	if len(codes) != 10 {
		b.Fatalf("%d recovery codes shown: %q", len(codes), b.Text("#recovery-codes"))
	}
	if href := js[string](b, `document.querySelector("#download-codes").href`); !strings.Contains(href, codes[9]) {
		b.Errorf("the download link does not hold the codes")
	}
	b.WantText("#factors", "Authenticator app")
	return secret, codes
}

// secondStep types a code on the sign-in's second step.
func (b *tab) secondStep(code string) int64 {
	b.t.Helper()
	b.Must("form#mfa-form")
	b.Fill("#code", code)
	return b.Submit("form#mfa-form button")
}

// follow clicks the link or button sel and expects its page at path.
func (b *tab) follow(sel, path string) {
	b.t.Helper()
	if st := b.Submit(sel); st != 200 {
		b.Fatalf("%s answered %d", sel, st)
	}
	b.WantPath(path)
}

// mfaSignIn: enrol, then sign in with the password and a code, then
// with a recovery code; a wrong code is said next to the field.
func mfaSignIn(t *testing.T, s *site, b *tab) {
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.Open("/profile")
	b.follow("a#manage-mfa", "/profile/mfa")
	b.Must("#no-factor")
	secret, codes := b.enrolApp()
	b.Open("/")
	b.logout()

	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("the password step answered %d", st)
	}
	b.WantText("#mfa-intro", "authenticator app")
	b.Shot("login-mfa")
	if st := b.secondStep("123456"); st != 401 {
		b.Fatalf("a wrong code answered %d, want 401", st)
	}
	b.Must("p.field-error#code-err")
	// The step after the one that confirmed the app: a code is accepted
	// once, and one step of drift is allowed.
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if st := b.secondStep(next); st != 200 {
		b.Fatalf("the app's code answered %d", st)
	}
	b.WantPath("/")
	b.WantText("h1", "Berta Boss")
	b.logout()

	b.login("boss", adminPassword)
	if st := b.secondStep(strings.ToLower(strings.ReplaceAll(codes[0], "-", ""))); st != 200 {
		b.Fatalf("a recovery code answered %d", st)
	}
	b.WantPath("/")
	b.Open("/activity?type=mfa_recovery_code_used")
	b.WantText("main", "Recovery code used")
	b.logout()
	// Used once.
	b.login("boss", adminPassword)
	if st := b.secondStep(codes[0]); st != 401 {
		b.Fatalf("a used recovery code answered %d", st)
	}
}

// mfaRequired: the admin requires a factor of everyone, themselves
// included: without one they are led to enrol, right after the password
// too, and reach nothing else until they have.
func mfaRequired(t *testing.T, s *site, b *tab) {
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.Open("/account")
	b.follow("a#account-security", "/account/security")
	b.Click("#mfa-required-everyone")
	// The admin has no factor either: every page leads to enrolment.
	b.follow("form#security-form button#save-security", "/profile/mfa")
	b.Must("#mfa-required")
	b.Open("/users")
	b.WantPath("/profile/mfa")
	// Right after the password, too.
	b.logout()
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.WantPath("/profile/mfa")
	b.Must("#mfa-required")
	// On a phone: the QR code, the key and the recovery codes fit.
	b.Viewport(phoneWidth, 844, true)
	b.enrolApp()
	for _, p := range js[[]string](b, fitsPhone) {
		b.Errorf("the recovery codes on a phone: %s", p)
	}
	b.follow("a#codes-done", "/")
	b.Open("/users")
	b.WantPath("/users")
	b.Open("/account/security")
	if b.Value("#mfa-required-everyone") != "on" {
		b.Errorf("the saved requirement is not checked")
	}
}
