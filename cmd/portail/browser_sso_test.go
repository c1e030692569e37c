package main

// Single sign-on in the browser (C13): the admin connects the account on
// the account page, then a person types their work e-mail on the sign-in
// page, Chromium fills the real provider's login page (zitadel's OP on
// loopback, internal/oidctest) and comes back signed in, created just in
// time; "SSO required" then sends the password form to the provider.

import (
	"context"
	"strings"
	"testing"
	"time"

	"portail/internal/browsertest"
	"portail/internal/oidctest"
)

func TestBrowserSSO(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := browsertest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	op := oidctest.Start(t)
	op.AddUser(oidctest.User{Username: "ana.op", Password: "op-password", Email: "ana@acme.test", EmailVerified: true, FirstName: "Ana", LastName: "Alves"})
	s := startSite(t, siteOptions{Plan: "enterprise", Setup: []string{"--admin-full-name", "Berta Boss", "--admin-language", "en"},
		Flags: []string{"--sso-allow-private"}})
	b := &tab{Tab: browsertest.Start(t, ctx, chromium, s.url, "en-US,en;q=0.9"), t: t, site: s}

	// The admin connects the account on the account page.
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign-in answered %d", st)
	}
	b.addDepartment("Sales")
	b.Open("/account")
	b.WantText("#sso-status", "Not connected")
	redirect := b.Text("#sso-redirect-uri")
	if redirect != s.url+"/auth/sso/callback" {
		b.Fatalf("the page shows the redirect URI %q", redirect)
	}
	b.WantText("#sso-title + p", "second factor")
	b.Fill("#sso_issuer", op.Issuer, "#sso_client_id", "portail", "#sso_domains", "acme.test")
	// No secret yet: refused next to its field, what was typed kept.
	if st := b.Submit("#save-sso"); st != 400 {
		b.Fatalf("saving without a secret answered %d", st)
	}
	b.WantFieldError("sso_client_secret", "sso_client_secret-err")
	if got := b.Value("#sso_issuer"); got != op.Issuer {
		b.Fatalf("after the refusal the issuer holds %q", got)
	}
	b.Fill("#sso_client_secret", "s3cret")
	b.Check("#sso_jit", true)
	b.SelectText("#sso_jit_department_id", "Sales")
	b.Fill("#sso_jit_role", "operator")
	b.Check("#sso-jit-module-mail", true)
	if st := b.Submit("#save-sso"); st != 200 {
		b.Fatalf("saving the settings answered %d", st)
	}
	b.Must(".flash")
	b.WantText("#sso-status", "Connected")
	b.WantText("#sso_client_secret-hint", "leave this empty to keep it")
	b.Shot("account-sso")
	op.AddClient("portail", "s3cret", redirect, true)
	b.logout()

	// A person types their work e-mail, signs in at the provider's page and
	// comes back signed in, made just in time.
	b.Shot("login-sso")
	b.Fill("#sso_login", "ana@acme.test")
	if st := b.Submit("#sso-submit"); st != 200 {
		b.Fatalf("the start answered %d", st)
	}
	ssoAtProvider(b, op.Issuer)
	if op.Logins() != 1 {
		b.Fatalf("%d sign-ins at the provider", op.Logins())
	}
	b.logout()

	// Required: the password form sends her to the provider, which (its
	// own session aside) asks again and signs her in.
	admin := s.client()
	admin.login("boss", adminPassword).must(t, 200)
	admin.do("PUT", "/api/v1/account/sso", map[string]any{"required": true}).must(t, 200)
	b.Fill("#login", "ana@acme.test", "#password", "any password at all")
	if st := b.Submit(`form[action="/login"] button[type=submit]`); st != 200 {
		b.Fatalf("the password form answered %d", st)
	}
	ssoAtProvider(b, op.Issuer)
}

// ssoAtProvider waits until the page that moves on by itself has brought
// the browser to the provider's login form, signs Ana in there and checks
// she is back on portail's home page.
func ssoAtProvider(b *tab, issuer string) {
	b.t.Helper()
	if !b.WaitJS(`document.getElementById("op-username") !== null`, 10*time.Second) {
		b.Fatalf("the browser did not reach the provider's login page (at %s)", b.Location())
	}
	if !strings.HasPrefix(b.Location(), issuer) {
		b.Fatalf("the login form is at %s, not at the provider %s", b.Location(), issuer)
	}
	b.Fill("#op-username", "ana.op", "#op-password", "op-password")
	if st := b.Submit("#op-submit"); st != 200 {
		b.Fatalf("back from the provider: %d at %s", st, b.Location())
	}
	b.WantPath("/")
	b.WantText("h1", "Ana Alves")
}
