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
//
// The scenarios are in browser_*_test.go by area, built on the tab of
// internal/browsertest and the steps below.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{"FirstSteps", firstSteps, "en", "en-US,en;q=0.9", nil},
		{"ShowInactiveUsers", showInactive, "en", "en-US,en;q=0.9", nil},
		{"ImportAndBulk", importAndBulk, "en", "en-US,en;q=0.9", nil},
		{"ResetWithRecoveryCode", resetWithCode, "en", "en-US,en;q=0.9", nil},
		{"OneLoginPerPerson", oneLogin, "en", "en-US,en;q=0.9", nil},
		{"FrenchTour", frenchTour, "fr", "en-US,en;q=0.9", nil},
		// The simulator leaves a document 500 ms in each status: the page
		// shows it received, then final after the script's first look at its status (5 s).
		{"DocumentStatus", documentStatus, "en", "en-US,en;q=0.9",
			[]string{"--simulator=true", "--simulator-interval", "500ms", "--max-upload", "64KB"}},
		{"ParcelLabel", parcelLabel, "en", "en-US,en;q=0.9", nil},
		{"LabelDefaults", labelDefaults, "fr", "fr-FR,fr;q=0.9", nil},
		// The tour moves its items itself, to a chosen mix of statuses.
		{"FrenchWorkTour", frenchWorkTour, "fr", "fr-FR,fr;q=0.9", nil},
		{"OutboxWithoutSMTP", outboxWithoutSMTP, "fr", "fr-FR,fr;q=0.9", []string{"--smtp="}},
		// Letters: a clean one, cancelled; a scheduled one; one with ink in
		// the margin replaced by a clean file; one with an empty window.
		{"LettersSent", lettersSent, "fr", "fr-FR,fr;q=0.9", nil},
		{"LetterFixes", letterFixes, "fr", "fr-FR,fr;q=0.9", nil},
		{"PhoneWidth", phoneWidthEverywhere, "fr", "fr-FR,fr;q=0.9", nil},
		{"LetterSettings", letterSettings, "fr", "fr-FR,fr;q=0.9", nil},
		{"MFASignIn", mfaSignIn, "en", "en-US,en;q=0.9", nil},
		{"MFARequired", mfaRequired, "en", "en-US,en;q=0.9", nil},
		{"SCIMTokens", scimTokens, "fr", "fr-FR,fr;q=0.9", nil},
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

func (b *tab) logout() {
	b.t.Helper()
	if st := b.Submit(`form[action="/logout"] button`); st != 200 {
		b.Fatalf("sign out answered %d", st)
	}
	b.WantPath("/login")
}

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

// catalog reads a UI catalog (English message → translation).
func catalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "ui", "locales", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	// A counted message holds its plural forms; the scenarios read the
	// plain ones.
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("web/ui/locales/%s.json: %v", lang, err)
	}
	m := map[string]string{}
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			m[k] = s
		}
	}
	return m
}
