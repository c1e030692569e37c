package main

// Passkeys in the browser (C11): Chromium's virtual authenticator (the
// CDP WebAuthn domain: CTAP2, internal transport, discoverable
// credentials, user verified) answers navigator.credentials for the
// pages' script, against a site whose base URL is on localhost (the
// relying party id; on an IP address passkeys are off).

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"portail/internal/browsertest"
)

// passkeySite serves a site on localhost with the account Acme and a
// browser tab with a virtual authenticator.
func passkeySite(t *testing.T, ctx context.Context) (*site, *tab, *browsertest.Authenticator) {
	t.Helper()
	chromium := browsertest.Chromium(t)
	// The base URL names the port, so the port is chosen first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	base := "http://localhost:" + port
	s := startSite(t, siteOptions{Plan: "enterprise", Setup: []string{"--admin-full-name", "Berta Boss", "--admin-language", "en"},
		Flags: []string{"--addr", "127.0.0.1:" + port, "--base-url", base}})
	b := &tab{Tab: browsertest.Start(t, ctx, chromium, base, "en-US,en;q=0.9"), t: t, site: s}
	return s, b, b.VirtualAuthenticator()
}

// addPasskey adds a passkey named name on the second-factor page; the
// user's first factor shows its recovery codes, once.
func addPasskey(b *tab, name string, first bool) {
	b.t.Helper()
	b.Open("/profile/mfa")
	b.WantText("#passkey-add-title", "Add a passkey")
	b.Fill("#passkey_name", name)
	b.Click("#add-passkey")
	if first {
		if !b.WaitJS(`!document.getElementById("passkey-recovery").hidden`, browsertest.StepTimeout) {
			b.Fatalf("adding the passkey showed no recovery codes (error: %q)", b.Text("#passkey-error"))
		}
		if n := js[int](b, `document.querySelectorAll("#passkey-recovery-codes li").length`); n != 10 {
			b.Errorf("%d recovery codes shown, want 10", n)
		}
		if code := b.Text("#passkey-recovery-codes li"); !recoveryCodeRe.MatchString(code) {
			b.Errorf("a recovery code reads %q", code)
		}
		if st := b.Submit("#passkey-recovery-done"); st != 200 {
			b.Fatalf("leaving the recovery codes answered %d", st)
		}
	} else if !b.WaitJS(`location.search === "?done=passkey_added"`, browsertest.StepTimeout) {
		b.Fatalf("adding the passkey did not come back (error: %q)", b.Text("#passkey-error"))
	}
	b.WantText(".flash", "The passkey was added.")
	b.WantText("#factors", name, "Passkey")
}

// wantUsed opens the second-factor page, which must show the one
// passkey's last use.
func wantUsed(b *tab) {
	b.t.Helper()
	b.Open("/profile/mfa")
	if used := b.Text("#factors tbody td:nth-child(4)"); strings.TrimSpace(used) == "—" {
		b.Errorf("the passkey's last use is %q after it was used", used)
	}
}

// passkeyTest starts a passkey site and signs boss in with the password.
func passkeyTest(t *testing.T) (*tab, *browsertest.Authenticator) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	t.Cleanup(cancel)
	_, b, key := passkeySite(t, ctx)
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	return b, key
}

// TestBrowserPasskeys: add a passkey on the second-factor page, sign
// out, sign in with it alone (no password), see it used, remove it; then
// it signs nobody in.
func TestBrowserPasskeys(t *testing.T) {
	b, key := passkeyTest(t)
	addPasskey(b, "Work laptop", true)
	creds := key.Credentials()
	if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" {
		b.Fatalf("the authenticator holds %+v, want one discoverable credential of localhost", creds)
	}

	b.logout()
	b.WantText("#passkey-signin-card", "without a password")
	b.Click("#passkey-signin")
	if !b.WaitJS(`location.pathname === "/"`, browsertest.StepTimeout) {
		b.Fatalf("the passkey sign-in stayed at %s (error: %q)", b.Path(), b.Text("#passkey-signin-error"))
	}
	wantUsed(b)
	// The passkey's sign-in is recent: it may remove a factor.
	if st := b.Submit(`#factors button.danger`); st != 200 {
		b.Fatalf("removing the passkey answered %d", st)
	}
	b.WantText(".flash", "removed")
	if b.Exists("#factors") {
		b.Errorf("the passkey is still listed")
	}

	// The authenticator still holds it, but the site has forgotten it.
	b.logout()
	b.Click("#passkey-signin")
	if !b.WaitJS(`!document.getElementById("passkey-signin-error").hidden`, browsertest.StepTimeout) {
		b.Fatalf("a removed passkey: no error shown, at %s", b.Path())
	}
	b.WantText("#passkey-signin-error", "did not work")
	b.WantPath("/login")
}

// TestBrowserPasskeySecondFactor: with a passkey, the password asks for
// a second step, which the passkey answers.
func TestBrowserPasskeySecondFactor(t *testing.T) {
	b, _ := passkeyTest(t)
	addPasskey(b, "Phone", true)
	b.logout()

	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("the password step answered %d", st)
	}
	b.Must("#mfa-form")
	b.WantText("#passkey-factor-form", "second factor")
	b.Click("#passkey-factor")
	if !b.WaitJS(`location.pathname === "/"`, browsertest.StepTimeout) {
		b.Fatalf("the second step by passkey stayed at %s (error: %q)", b.Path(), b.Text("#passkey-factor-error"))
	}
	wantUsed(b)
}
