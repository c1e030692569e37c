package main

// Sessions in sight through the browser (C12): a user ends one of their
// API keys from the profile, and a program using it is refused; an admin
// signs a user out everywhere from the edit page, and the user's browser
// is sent to sign in, told why.

import (
	"context"
	"strings"
	"testing"

	"portail/internal/browsertest"
)

// TestBrowserSessions runs the scenarios like TestBrowser, one after the
// other, each with its own site and browser.
func TestBrowserSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := browsertest.Chromium(t)
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, s *site, b *tab)
	}{
		{"EndAPIKeyFromProfile", endAPIKeyFromProfile},
		{"SignOutEverywhere", signOutEverywhere},
	} {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
			defer cancel()
			s := startSite(t, siteOptions{Plan: "enterprise", Setup: []string{"--admin-full-name", "Berta Boss", "--admin-language", "en"}})
			b := &tab{Tab: browsertest.Start(t, ctx, chromium, s.url, "en-US,en;q=0.9"), t: t, site: s}
			sc.run(t, s, b)
		})
	}
}

// sessionCard is the selector of an item of the sessions list.
func sessionCard(kind string) string { return `ul#sessions li[data-kind="` + kind + `"]` }

func endAPIKeyFromProfile(t *testing.T, s *site, b *tab) {
	// A first sign-in elsewhere, then this one: the profile's last sign-in
	// is the other one's start (C6 ended it).
	elsewhere := b.context("en-US,en;q=0.9")
	if st := elsewhere.login("boss", adminPassword); st != 200 {
		elsewhere.Fatalf("the first sign-in answered %d", st)
	}
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.Open("/profile")
	b.WantText("#last-sign-in", "127.0.0.1", "Chrome on Linux")

	// A key, used by a program.
	b.Fill("#key_name", "nightly export")
	if st := b.Submit("button#create-key"); st != 201 {
		b.Fatalf("creating a key answered %d", st)
	}
	key := b.Text("#new-key code")
	if !strings.HasPrefix(key, "ptl_") {
		b.Fatalf("the new key is %q", key)
	}
	program := s.client()
	program.bearer = key
	program.do("GET", "/api/v1/me", nil).must(t, 200)

	// The profile lists this browser, marked, and the key, with the
	// program's address and user agent.
	b.Open("/profile")
	b.WantText(sessionCard("browser"), "Chrome on Linux", "This browser", "127.0.0.1")
	b.WantText(sessionCard("api_key"), "nightly export", "Go-http-client", "127.0.0.1")
	if b.Exists(sessionCard("api_key") + " .badge") {
		b.Errorf("the key is marked as this browser")
	}
	b.Shot("profile-sessions")
	if st := b.Submit(sessionCard("api_key") + " button[type=submit]"); st != 200 {
		b.Fatalf("ending the key answered %d", st)
	}
	b.WantPath("/profile?done=revoked")
	b.WantText(".flash", "revoked")
	if b.Exists(sessionCard("api_key")) {
		b.Errorf("the ended key is still listed")
	}
	b.Must(sessionCard("browser"))
	// The key is refused at once; the browser is still signed in.
	program.do("GET", "/api/v1/me", nil).must(t, 401, "unauthenticated")
	if st := b.Open("/profile"); st != 200 || !strings.HasPrefix(b.Path(), "/profile") {
		b.Fatalf("the profile after ending the key: %d at %s", st, b.Path())
	}
	b.Open("/activity")
	b.WantText("table#activity", "API key revoked")
}

func signOutEverywhere(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	viewer := admin.signedIn(userForm{username: "victor", fullName: "Victor Viewer", email: "victor@acme.test", role: "viewer",
		dept: "Sales", modules: []string{"mail"}, lang: "en"}, "Welcome", "a long passphrase of his own")
	// Victor has a key too, for a script of his.
	viewer.Open("/profile")
	viewer.Fill("#key_name", "script")
	if st := viewer.Submit("button#create-key"); st != 201 {
		viewer.Fatalf("creating a key answered %d", st)
	}
	script := s.client()
	script.bearer = viewer.Text("#new-key code")
	script.do("GET", "/api/v1/me", nil).must(t, 200)

	// The admin sees where Victor is signed in, nothing marked current.
	admin.editUser("victor", false)
	admin.WantText("#user-sessions-title", "Where this user is signed in")
	admin.WantText(sessionCard("browser"), "Chrome on Linux", "127.0.0.1")
	admin.WantText(sessionCard("api_key"), "script")
	if admin.Exists("ul#sessions .badge") || admin.Exists("ul#sessions form") {
		admin.Errorf("the admin's view marks a current item or offers to end one")
	}
	admin.Shot("user-edit-sessions")
	if st := admin.Submit("button#sign-out-everywhere"); st != 200 {
		admin.Fatalf("sign out everywhere answered %d", st)
	}
	admin.WantText(".flash", "signed out everywhere")
	if d := admin.Dialogs(); len(d) == 0 || !strings.Contains(d[len(d)-1], "Sign this user out everywhere?") {
		admin.Errorf("no confirmation was asked: %q", d)
	}
	if admin.Exists(sessionCard("browser")) {
		admin.Errorf("Victor's browser session is still listed")
	}
	admin.Must(sessionCard("api_key"))

	// Victor's browser is sent to sign in, told why; his key still works.
	viewer.Open("/profile")
	viewer.WantPath("/login?ended=1")
	viewer.WantText(".flash", "ended from another place")
	script.do("GET", "/api/v1/me", nil).must(t, 200)
	// The admin's own session lives on, and the log says who did it.
	admin.Open("/activity?type=signed_out_everywhere")
	admin.WantText("table#activity", "Signed out everywhere", "victor")
	// Signing in again works, and C6 holds: one session.
	if st := viewer.login("victor", "a long passphrase of his own"); st != 200 {
		viewer.Fatalf("signing in again answered %d", st)
	}
	viewer.Open("/profile")
	if n := js[int](viewer, `document.querySelectorAll('ul#sessions li[data-kind="browser"]').length`); n != 1 {
		viewer.Errorf("%d browser sessions after signing in again", n)
	}
}
