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
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"portail"
	"portail/internal/smtptest"
	"portail/internal/testdb"
	"portail/sqldb"
)

const (
	// brScenarioTimeout bounds one scenario: server, browser and all.
	brScenarioTimeout = 60 * time.Second
	// brStepTimeout bounds one step that waits for the page (a click
	// that should navigate, a query), so a missing reaction fails fast.
	brStepTimeout = 15 * time.Second
	brMailWait    = 10 * time.Second
	brAdminPass   = "correct horse battery staple"
)

// brChromium finds the browser: $PORTAIL_CHROMIUM, else chromium on the
// PATH. Without one, the test is skipped, or fails in CI.
func brChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PORTAIL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install it: apt-get install chromium, or run scripts/test; or set PORTAIL_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + ": the browser tests are required in CI")
	}
	t.Skip(msg + ": skipping the browser tests")
	return ""
}

// TestBrowser runs the browser scenarios one after the other: each starts
// a browser, and two cores run one browser best.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := brChromium(t)
	scenarios := []struct {
		name string
		run  func(t *testing.T, s *brSite, b *brTab)
		// setup: "" for a first run without an account, else the
		// admin's language of the account made by `portail setup`.
		setup string
		lang  string   // the browser's Accept-Language
		flags []string // more flags of `portail serve`
	}{
		{"FirstRun", brFirstRun, "", "fr-FR,fr;q=0.9", nil},
		{"InviteOperator", brInviteOperator, "en", "en-US,en;q=0.9", nil},
		{"AddUserValidation", brAddUserValidation, "en", "en-US,en;q=0.9", nil},
		{"ShowInactiveUsers", brShowInactive, "en", "en-US,en;q=0.9", nil},
		{"ResetWithRecoveryCode", brResetWithCode, "en", "en-US,en;q=0.9", nil},
		{"OneLoginPerPerson", brOneLogin, "en", "en-US,en;q=0.9", nil},
		{"FrenchTour", brFrenchTour, "fr", "en-US,en;q=0.9", nil},
		// The simulator leaves a document 500 ms in each status: the page
		// shows it received, then final after its first refresh (5 s).
		{"DocumentStatus", brDocumentStatus, "en", "en-US,en;q=0.9",
			[]string{"--simulator-interval", "500ms", "--max-upload", "64KB"}},
		{"ParcelLabel", brParcelLabel, "en", "en-US,en;q=0.9", []string{"--simulator=false"}},
		// The tour moves its items itself, to a chosen mix of statuses.
		{"FrenchWorkTour", brFrenchWorkTour, "fr", "fr-FR,fr;q=0.9", []string{"--simulator=false"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), brScenarioTimeout)
			defer cancel()
			s := brStartSite(t, ctx, sc.setup, sc.flags...)
			b := brNewBrowser(t, ctx, chromium, sc.lang, s)
			sc.run(t, s, b)
		})
	}
}

// ---------------------------------------------------------------------
// The server.

// brSite is one serve process with its loopback SMTP server.
type brSite struct {
	t    *testing.T
	url  string
	dsn  string
	main *Main
	smtp *smtptest.Server
	out  *brBuffer
}

type brBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *brBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *brBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// brStartSite serves a fresh SQLite database through the flags of
// `portail serve`, on a free loopback port that --base-url names. With
// adminLang set, `portail setup` first creates the account Acme
// (enterprise) and its admin boss speaking that language. Flags are added
// to the command line; stored files go to a temporary directory.
func brStartSite(t *testing.T, ctx context.Context, adminLang string, flags ...string) *brSite {
	t.Helper()
	dsn := testdb.DSN(t, "sqlite")
	if adminLang != "" {
		var out bytes.Buffer
		err := run(ctx, []string{"setup", "--db", dsn, "--account", "Acme", "--plan", "enterprise",
			"--admin-username", "boss", "--admin-full-name", "Berta Boss", "--admin-email", "boss@acme.test",
			"--admin-language", adminLang, "--admin-password-stdin"},
			strings.NewReader(brAdminPass+"\n"), &out, io.Discard)
		if err != nil {
			t.Fatalf("setup: %v\n%s", err, out.String())
		}
	}
	s := &brSite{t: t, dsn: dsn, smtp: smtptest.Start(t), out: &brBuffer{}}
	dataDir := t.TempDir()
	var m *Main
	var err error
	for range 3 { // the free port can be taken between Close and Listen
		ln, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			t.Fatal(lerr)
		}
		addr := ln.Addr().String()
		ln.Close()
		m = NewMain()
		if err = m.ParseFlags(append([]string{"--addr", addr, "--base-url", "http://" + addr, "--db", dsn,
			"--smtp", s.smtp.URL(), "--mail-from", "portail <no-reply@acme.test>",
			"--outbox-interval", "25ms", "--outbox-retry", "100ms", "--data-dir", dataDir}, flags...), io.Discard); err != nil {
			t.Fatal(err)
		}
		m.Stdout = s.out
		m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		if err = m.Open(ctx); err == nil {
			s.url = "http://" + addr
			break
		}
		m.Close()
	}
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	s.main = m
	srvCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(srvCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		m.Close()
	})
	return s
}

// mail waits for the e-mail number n (counting from 1) to the address and
// checks its subject.
func (s *brSite) mail(to string, n int, subject string) smtptest.Message {
	s.t.Helper()
	deadline := time.Now().Add(brMailWait)
	for {
		var got []smtptest.Message
		for _, m := range s.smtp.Messages() {
			if strings.EqualFold(m.To, to) {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			m := got[n-1]
			if !strings.Contains(m.Subject, subject) {
				s.t.Fatalf("e-mail %d to %s: subject %q, want one with %q", n, to, m.Subject, subject)
			}
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("e-mail %d to %s (%q) did not arrive within %s; %d arrived", n, to, subject, brMailWait, len(got))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// link returns the e-mail's link to path and checks it is on --base-url.
func (s *brSite) link(m smtptest.Message, path string) string {
	s.t.Helper()
	l := m.Link(path)
	if !strings.HasPrefix(l, s.url+path) {
		s.t.Fatalf("e-mail %q: link %q is not %s%s…\n%s", m.Subject, l, s.url, path, m.Text)
	}
	return l
}

var brCodeRe = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// ---------------------------------------------------------------------
// The browser.

// brTab is one tab of a browser, in a browser context (cookies) of its own.
type brTab struct {
	t    *testing.T
	ctx  context.Context
	site *brSite
	lang string

	mu      sync.Mutex
	dialogs []string // messages of the confirm dialogs, which are accepted
}

// brNewBrowser starts a headless Chromium with a fresh profile; it ends
// with ctx or the test.
func brNewBrowser(t *testing.T, ctx context.Context, execPath, lang string, s *brSite) *brTab {
	t.Helper()
	dir, err := os.MkdirTemp("", "portail-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(func() {
		chromedp.Cancel(bctx) // closes the browser gracefully
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
	})
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start Chromium %s: %v", execPath, err)
	}
	return brAttach(t, bctx, lang, s)
}

// context opens a tab in a new browser context of the same browser: a
// second person, or the same person on another computer.
func (b *brTab) context(lang string) *brTab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	return brAttach(b.t, ctx, lang, b.site)
}

func brAttach(t *testing.T, ctx context.Context, lang string, s *brSite) *brTab {
	b := &brTab{t: t, ctx: ctx, site: s, lang: lang}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": lang}}); err != nil {
		t.Fatalf("set Accept-Language: %v", err)
	}
	// Accept every confirm dialog (deactivate asks first), as a user who
	// clicks OK, and remember what it asked.
	dialogs := chromedp.Events(ctx, cdpage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			chromedp.Call(ctx, cdpage.HandleJavaScriptDialog, cdpage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b
}

// fatalf fails the scenario with where the browser is and what it shows.
func (b *brTab) fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("%s\n  at %s\n  page text:\n%s", fmt.Sprintf(format, args...), b.location(), b.pageText())
}

func (b *brTab) errorf(format string, args ...any) {
	b.t.Helper()
	b.t.Errorf("%s (at %s)", fmt.Sprintf(format, args...), b.location())
}

func (b *brTab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return strings.TrimPrefix(loc, b.site.url)
}

func (b *brTab) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// js evaluates an expression in the page.
func brJS[T any](b *brTab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v (at %s)", expr, err, b.location())
	}
	return v
}

// brQ quotes a string for JavaScript.
func brQ(s string) string { j, _ := json.Marshal(s); return string(j) }

// exists tells whether the selector matches an element now.
func (b *brTab) exists(sel string) bool {
	b.t.Helper()
	return brJS[bool](b, `document.querySelector(`+brQ(sel)+`) !== null`)
}

// text is the visible text of the first element that matches, "" if none.
func (b *brTab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(brJS[string](b, `(function(e){ return e ? e.innerText : "" })(document.querySelector(`+brQ(sel)+`))`))
}

// value is the value of a form field ("" if none); a checkbox gives "on"
// or "off".
func (b *brTab) value(sel string) string {
	b.t.Helper()
	return brJS[string](b, `(function(e){ if (!e) return ""; if (e.type === "checkbox" || e.type === "radio") return e.checked ? "on" : "off"; return e.value })(document.querySelector(`+brQ(sel)+`))`)
}

// path is the page's path and query.
func (b *brTab) path() string {
	b.t.Helper()
	return brJS[string](b, `location.pathname + location.search`)
}

func (b *brTab) must(sel string) {
	b.t.Helper()
	if !b.exists(sel) {
		b.fatalf("no %s on the page", sel)
	}
}

// open loads the path (or a full URL) and returns the HTTP status.
func (b *brTab) open(path string) int64 {
	b.t.Helper()
	if strings.HasPrefix(path, "/") {
		path = b.site.url + path
	}
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(path))
	if err != nil {
		b.fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit clicks what should load a new page (a submit button, a link, a
// checkbox that submits its form) and returns the new page's status.
func (b *brTab) submit(sel string) int64 {
	b.t.Helper()
	b.must(sel)
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("click %s and wait for a page: %v", sel, err)
	}
	return resp.Status
}

// click clicks without waiting for a page.
func (b *brTab) click(sel string) {
	b.t.Helper()
	b.must(sel)
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.fatalf("click %s: %v", sel, err)
	}
}

// fill sets form fields: selector, value, selector, value…
func (b *brTab) fill(pairs ...string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	for i := 0; i < len(pairs); i += 2 {
		b.must(pairs[i])
		if opts := b.options(pairs[i]); opts != nil && !brContains(opts, pairs[i+1]) {
			b.fatalf("the select %s offers %q, not %q", pairs[i], opts, pairs[i+1])
		}
		if b.value(pairs[i]) == pairs[i+1] {
			continue // SetValue fails to set "" where "" already is
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(pairs[i]), pairs[i+1])); err != nil {
			b.fatalf("fill %s: %v", pairs[i], err)
		}
		if got := b.value(pairs[i]); got != pairs[i+1] {
			b.fatalf("%s holds %q after filling in %q (no such option?)", pairs[i], got, pairs[i+1])
		}
	}
}

// options lists the values of a select's options; nil for another element.
func (b *brTab) options(sel string) []string {
	b.t.Helper()
	return brJS[[]string](b, `(function(e){ return e && e.tagName === "SELECT" ? [...e.options].map(o => o.value) : null })(document.querySelector(`+brQ(sel)+`))`)
}

// mustOfferRole fails unless the role select offers role: an admin adds
// users of every role.
func (b *brTab) mustOfferRole(role string) {
	b.t.Helper()
	if opts := b.options("#role"); !brContains(opts, role) {
		b.t.Fatalf("at %s the role select offers %q, not %q", b.location(), opts, role)
	}
}

// check ticks or unticks a checkbox by clicking it, unless it already is.
func (b *brTab) check(sel string, on bool) {
	b.t.Helper()
	if (b.value(sel) == "on") != on {
		b.click(sel)
	}
	if (b.value(sel) == "on") != on {
		b.fatalf("%s did not change when clicked", sel)
	}
}

// selectText picks the option whose text is label and returns its value.
func (b *brTab) selectText(sel, label string) string {
	b.t.Helper()
	b.must(sel)
	v := brJS[string](b, `(function(s){ for (const o of s.options) if (o.text.trim() === `+brQ(label)+`) { s.value = o.value; s.dispatchEvent(new Event("change", {bubbles: true})); return o.value } return "" })(document.querySelector(`+brQ(sel)+`))`)
	if v == "" {
		b.fatalf("%s has no option %q", sel, label)
	}
	return v
}

// wantPath fails unless the page's path (and query) starts with prefix.
func (b *brTab) wantPath(prefix string) {
	b.t.Helper()
	if p := b.path(); !strings.HasPrefix(p, prefix) {
		b.fatalf("at %s, want %s", p, prefix)
	}
}

// wantText fails unless the element's text contains each part.
func (b *brTab) wantText(sel string, parts ...string) {
	b.t.Helper()
	b.must(sel)
	got := b.text(sel)
	for _, p := range parts {
		if !strings.Contains(got, p) {
			b.fatalf("%s says %q, want it to contain %q", sel, got, p)
		}
	}
}

// login signs in on the login page and returns the status of the page
// it lands on.
func (b *brTab) login(login, password string) int64 {
	b.t.Helper()
	if !strings.HasPrefix(b.path(), "/login") {
		b.open("/login")
	}
	b.fill("#login", login, "#password", password)
	return b.submit(`form[action="/login"] button[type=submit]`)
}

// shot saves a full-page PNG as dir/name.png when PORTAIL_SCREENSHOTS
// names a directory.
func (b *brTab) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("PORTAIL_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) { // relative to the module root, not to cmd/portail
		dir = filepath.Join("..", "..", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// noJS turns the page's scripts off (or on again) for this tab.
func (b *brTab) noJS(off bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
		b.t.Fatalf("script execution: %v", err)
	}
}

// ---------------------------------------------------------------------
// Steps that several scenarios share.

// addDepartment creates a department on /departments.
func (b *brTab) addDepartment(name string) {
	b.t.Helper()
	if st := b.open("/departments"); st != 200 {
		b.fatalf("/departments answered %d", st)
	}
	b.must("form#department-form")
	b.fill("form#department-form input#name", name)
	if st := b.submit("form#department-form button#save"); st != 200 {
		b.fatalf("adding department %s answered %d", name, st)
	}
	b.must(".flash")
	if !b.exists(`table#departments tr[data-name=`+brQ(name)+`]`) && !strings.Contains(b.text("main"), name) {
		b.fatalf("department %s is not listed", name)
	}
}

type brUser struct {
	username, fullName, email, role, dept, lang string
	modules                                     []string
	temporary                                   bool // onboarding: temporary password
}

// openAddUser goes from the users list to the add-user form by its button.
func (b *brTab) openAddUser() {
	b.t.Helper()
	if st := b.open("/users"); st != 200 {
		b.fatalf("/users answered %d", st)
	}
	if st := b.submit("a#add-user"); st != 200 {
		b.fatalf("the add-user form answered %d", st)
	}
	b.wantPath("/users/new")
	b.must("form#user-form")
}

// fillUser fills the add-user form.
func (b *brTab) fillUser(u brUser) {
	b.t.Helper()
	b.mustOfferRole("operator")
	b.fill("#username", u.username, "#full_name", u.fullName, "#email", u.email, "#role", u.role)
	if u.dept != "" {
		b.selectText("#department_id", u.dept)
	}
	for _, m := range []string{"mail", "parcels", "classic"} {
		b.check("input#module-"+m, brContains(u.modules, m))
	}
	if u.lang != "" {
		b.fill("#language", u.lang)
	}
	if u.temporary {
		b.click("#onboarding-temporary_password")
	} else {
		b.click("#onboarding-invitation")
	}
}

func brContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// addUser adds a user through the form and checks the list shows them.
func (b *brTab) addUser(u brUser) {
	b.t.Helper()
	b.openAddUser()
	b.fillUser(u)
	if st := b.submit("button#save"); st != 200 {
		b.fatalf("saving user %s answered %d", u.username, st)
	}
	b.wantPath("/users")
	b.must(`table#users tr[data-username=` + brQ(u.username) + `]`)
}

// row is the selector of a user's row in the users table.
func brRow(username string) string { return `table#users tr[data-username=` + brQ(username) + `]` }

// editUser opens a user's edit page with the pencil of their row.
func (b *brTab) editUser(username string, inactive bool) {
	b.t.Helper()
	list := "/users?q=" + url.QueryEscape(username)
	if inactive {
		list += "&inactive=1"
	}
	b.open(list)
	if st := b.submit(brRow(username) + " a.edit"); st != 200 {
		b.fatalf("the edit page of %s answered %d", username, st)
	}
	if !regexp.MustCompile(`^/users/\d+`).MatchString(b.path()) {
		b.fatalf("the pencil of %s led to %s", username, b.path())
	}
}

// acceptInvitation follows the invitation e-mail's link in this tab and
// sets the password.
func (b *brTab) acceptInvitation(email, subject, password string) {
	b.t.Helper()
	link := b.site.link(b.site.mail(email, 1, subject), "/invitation?token=")
	if st := b.open(link); st != 200 {
		b.fatalf("the invitation link answered %d", st)
	}
	b.fill("#new_password", password)
	if st := b.submit(`form[action="/invitation"] button[type=submit]`); st != 200 {
		b.fatalf("setting the password answered %d", st)
	}
	b.wantPath("/login?welcome=1")
	b.must(".flash")
}

func (b *brTab) logout() {
	b.t.Helper()
	if st := b.submit(`form[action="/logout"] button`); st != 200 {
		b.fatalf("sign out answered %d", st)
	}
	b.wantPath("/login")
}

// ---------------------------------------------------------------------
// The scenarios.

var brSetupLink = regexp.MustCompile(`https?://\S+/setup\?token=\S+`)

// brFirstRun: the one-time link that serve prints → the setup form → the
// admin is signed in on the home page; the link then is dead.
func brFirstRun(t *testing.T, s *brSite, b *brTab) {
	link := brSetupLink.FindString(s.out.String())
	if link == "" {
		t.Fatalf("serve printed no setup link:\n%s", s.out.String())
	}
	if !strings.HasPrefix(link, s.url+"/setup?token=") {
		t.Fatalf("setup link %q is not on --base-url %s", link, s.url)
	}
	// Before setup, the login page says what to do.
	b.open("/login")
	b.must(".flash")

	if st := b.open(link); st != 200 {
		b.fatalf("the setup link answered %d", st)
	}
	if lang := brJS[string](b, `document.documentElement.lang`); lang != "fr" {
		b.errorf("setup page in %q for Accept-Language fr", lang)
	}
	b.must(`form[action="/setup"]`)
	b.shot("setup")
	b.fill("#account", "Acme", "#plan", "gold", "#admin_username", "boss", "#admin_full_name", "Berta Boss",
		"#admin_email", "boss@acme.test", "#admin_password", "short")
	// A refused password keeps the form and what was typed.
	if st := b.submit(`form[action="/setup"] button[type=submit]`); st != 400 {
		b.fatalf("a 5-character password answered %d, want 400", st)
	}
	b.must("p.field-error#admin_password-err")
	for sel, want := range map[string]string{"#account": "Acme", "#admin_username": "boss", "#admin_email": "boss@acme.test", "#plan": "gold"} {
		if got := b.value(sel); got != want {
			b.errorf("after the error, %s holds %q, want %q", sel, got, want)
		}
	}
	b.fill("#admin_password", brAdminPass)
	if st := b.submit(`form[action="/setup"] button[type=submit]`); st != 200 {
		b.fatalf("setup answered %d", st)
	}
	b.wantPath("/")
	b.wantText("h1", "Berta Boss")
	b.wantText("main", "boss")
	for _, href := range []string{"/users", "/departments", "/account", "/outbox", "/activity", "/profile"} {
		if !b.exists(`nav a[href="` + href + `"]`) {
			b.errorf("the admin's menu has no link to %s", href)
		}
	}
	// The link works once.
	b.open(link)
	if b.exists(`form[action="/setup"]`) {
		b.fatalf("the setup link still shows the form after setup")
	}
	// The admin can sign out and in again.
	b.open("/")
	b.logout()
	if st := b.login("boss@acme.test", brAdminPass); st != 200 {
		b.fatalf("sign in answered %d", st)
	}
	b.wantPath("/")
}

// brInviteOperator: a department, then Users → Add user → invitation
// e-mail → the operator sets a password, signs in, and has no Users page.
func brInviteOperator(t *testing.T, s *brSite, admin *brTab) {
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.wantPath("/")
	admin.addDepartment("Sales")

	if st := admin.submit(`nav a[href="/users"]`); st != 200 {
		admin.fatalf("/users answered %d", st)
	}
	admin.openAddUser()
	admin.fillUser(brUser{username: "olga", fullName: "Olga Operator", email: "olga@acme.test", role: "operator",
		dept: "Sales", modules: []string{"mail", "classic"}, lang: "en"})
	if st := admin.submit("button#save"); st != 200 {
		admin.fatalf("saving the user answered %d", st)
	}
	admin.wantPath("/users")
	admin.must(".flash")
	admin.wantText(brRow("olga"), "Olga Operator", "olga@acme.test", "Operator", "Sales")
	if st := admin.text(brRow("olga") + " td.status"); st != "Invited" {
		admin.fatalf("olga's status is %q, want Invited", st)
	}

	op := admin.context("en-US,en;q=0.9")
	op.acceptInvitation("olga@acme.test", "Welcome", "a long passphrase of her own")
	if st := op.login("olga", "a long passphrase of her own"); st != 200 {
		op.fatalf("the operator's sign in answered %d", st)
	}
	op.wantPath("/")
	op.wantText("h1", "Olga Operator")
	if op.exists(`a[href="/users"]`) {
		op.errorf("the operator's page links to /users")
	}
	for _, href := range []string{"/departments", "/account", "/outbox"} {
		if op.exists(`nav a[href="` + href + `"]`) {
			op.errorf("the operator's menu links to %s", href)
		}
	}
	if st := op.open("/users"); st != http.StatusForbidden {
		op.fatalf("/users answered %d to an operator, want 403", st)
	}
	op.must(".error")
	op.wantText("h1", "Not allowed")
	// The operator's own pages work.
	for _, p := range []string{"/profile", "/activity"} {
		if st := op.open(p); st != 200 {
			op.errorf("%s answered %d to the operator", p, st)
		}
	}
	// The admin now sees olga active.
	admin.open("/users")
	if st := admin.text(brRow("olga") + " td.status"); st != "Active" {
		admin.fatalf("olga's status is %q after the invitation, want Active", st)
	}
	// Editing her name keeps her role, department and modules.
	admin.editUser("olga", false)
	admin.mustOfferRole("operator")
	if got := admin.value("#role"); got != "operator" {
		admin.errorf("olga's edit page shows the role %q, want operator", got)
	}
	admin.fill("#full_name", "Olga O. Operator")
	if st := admin.submit("button#save"); st != 200 {
		admin.fatalf("saving olga answered %d", st)
	}
	admin.must(".flash")
	admin.open("/users?q=olga")
	admin.wantText(brRow("olga"), "Olga O. Operator", "Operator", "Sales", "Mail, Classic")
}

// brAddUserValidation: a taken e-mail shows its error by the e-mail
// field and keeps everything else that was typed.
func brAddUserValidation(t *testing.T, s *brSite, admin *brTab) {
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	admin.addDepartment("Warehouse")
	admin.openAddUser()
	u := brUser{username: "carl", fullName: "Carl Clash", email: "BOSS@Acme.Test", role: "viewer",
		dept: "Warehouse", modules: []string{"parcels"}, lang: "nl"}
	admin.fillUser(u)
	dept := admin.value("#department_id")
	st := admin.submit("button#save")
	if st != http.StatusConflict && st != http.StatusBadRequest {
		admin.fatalf("a taken e-mail answered %d, want 409 or 400", st)
	}
	admin.wantPath("/users")
	admin.must("p.field-error#email-err")
	// The message is right after the field and tied to it.
	if next := brJS[string](admin, `(function(e){ let n = e.nextElementSibling; return n ? n.id : "" })(document.getElementById("email"))`); next != "email-err" {
		admin.errorf("the element after #email is %q, want the field error email-err", next)
	}
	if v := brJS[string](admin, `document.getElementById("email").getAttribute("aria-describedby") || ""`); !strings.Contains(v, "email-err") {
		admin.errorf("#email aria-describedby=%q, want email-err", v)
	}
	if admin.exists("p.field-error#username-err") || admin.exists("p.field-error#full_name-err") {
		admin.errorf("fields that are right show errors")
	}
	want := map[string]string{"#username": "carl", "#full_name": "Carl Clash", "#role": "viewer", "#department_id": dept,
		"#language": "nl", "input#module-parcels": "on", "input#module-mail": "off", "input#module-classic": "off",
		"#onboarding-invitation": "on"}
	for sel, w := range want {
		if got := admin.value(sel); got != w {
			admin.errorf("after the error, %s holds %q, want %q", sel, got, w)
		}
	}
	if got := strings.TrimSpace(admin.value("#email")); !strings.EqualFold(got, "boss@acme.test") {
		admin.errorf("after the error, #email holds %q, want what was typed", admin.value("#email"))
	}
	// Nothing was half-created.
	admin.open("/users?q=carl&inactive=1")
	if admin.exists(brRow("carl")) {
		admin.fatalf("a user carl exists after the refused form")
	}
	// A taken username is refused by its own field, too; the form stays
	// usable and saves once everything is right.
	admin.openAddUser()
	admin.fillUser(brUser{username: "BOSS", fullName: "Carl Clash", email: "carl@acme.test", role: "viewer",
		dept: "Warehouse", modules: []string{"parcels"}})
	if st := admin.submit("button#save"); st != http.StatusConflict && st != http.StatusBadRequest {
		admin.fatalf("a taken username answered %d, want 409 or 400", st)
	}
	admin.must("p.field-error#username-err")
	admin.fill("#username", "carl")
	if st := admin.submit("button#save"); st != 200 {
		admin.fatalf("the corrected form answered %d", st)
	}
	admin.wantText(brRow("carl"), "Carl Clash", "Viewer", "Warehouse", "Parcels")
}

// brShowInactive: deactivate from the edit page → hidden by default →
// shown, as Inactive, by the checkbox (with JS, and without JS through the
// Filter button); reactivation brings them back.
func brShowInactive(t *testing.T, s *brSite, admin *brTab) {
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	admin.addUser(brUser{username: "dora", fullName: "Dora Gone", email: "dora@acme.test", role: "operator", dept: "Sales", modules: []string{"mail"}})
	admin.addUser(brUser{username: "stay", fullName: "Stan Stays", email: "stay@acme.test", role: "viewer", dept: "Sales", modules: []string{"mail"}})

	admin.editUser("dora", false)
	admin.must("button#deactivate")
	if st := admin.submit("button#deactivate"); st != 200 {
		admin.fatalf("deactivate answered %d", st)
	}
	admin.must(".flash")
	if admin.exists("button#deactivate") || !admin.exists("button#reactivate") {
		admin.errorf("after deactivation the edit page offers deactivate=%v reactivate=%v", admin.exists("button#deactivate"), admin.exists("button#reactivate"))
	}
	admin.mu.Lock()
	asked := strings.Join(admin.dialogs, "\n")
	admin.mu.Unlock()
	if !strings.Contains(asked, "dora") {
		t.Logf("no confirm dialog named dora before deactivation (dialogs: %q)", asked)
	}

	admin.open("/users")
	if admin.exists(brRow("dora")) {
		admin.fatalf("the default list shows the inactive dora")
	}
	admin.must(brRow("stay"))
	if admin.value("input#inactive") != "off" {
		admin.fatalf("Show inactive users is ticked by default")
	}
	// With JavaScript, ticking the box applies at once.
	if st := admin.submit("input#inactive"); st != 200 {
		admin.fatalf("ticking Show inactive users answered %d", st)
	}
	if !strings.Contains(admin.path(), "inactive=") {
		admin.errorf("the list after ticking is %s, want the inactive filter in the address", admin.path())
	}
	if got := admin.text(brRow("dora") + " td.status"); got != "Inactive" {
		admin.fatalf("dora's status is %q, want Inactive", got)
	}
	admin.must(brRow("stay"))
	if admin.value("input#inactive") != "on" {
		admin.errorf("the box is not ticked on the filtered list")
	}
	// Without JavaScript, the box waits for the Filter button.
	admin.noJS(true)
	admin.open("/users")
	admin.check("input#inactive", true)
	time.Sleep(300 * time.Millisecond)
	if admin.exists(brRow("dora")) || strings.Contains(admin.path(), "inactive") {
		admin.fatalf("without JavaScript, ticking the box changed the page")
	}
	if st := admin.submit("button#filter"); st != 200 {
		admin.fatalf("the Filter button answered %d", st)
	}
	if got := admin.text(brRow("dora") + " td.status"); got != "Inactive" {
		admin.fatalf("without JavaScript, dora's status is %q, want Inactive", got)
	}
	admin.noJS(false)

	// Reactivating an invited user who never set a password makes them
	// invited again.
	admin.editUser("dora", true)
	if st := admin.submit("button#reactivate"); st != 200 {
		admin.fatalf("reactivate answered %d", st)
	}
	admin.open("/users")
	if got := admin.text(brRow("dora") + " td.status"); got != "Invited" {
		admin.fatalf("after reactivation dora's status is %q, want Invited", got)
	}
}

// brResetWithCode: the admin's "Send password reset instructions" (twice:
// the newer e-mail kills the older link) → the link → a wrong code fails
// and the form stays → the right code and a new password → sign in with
// it. Then the admin's own "Forgot password?" on the login page.
func brResetWithCode(t *testing.T, s *brSite, admin *brTab) {
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	admin.addUser(brUser{username: "erik", fullName: "Erik Forgetful", email: "erik@acme.test", role: "operator",
		dept: "Sales", modules: []string{"mail"}, lang: "en"})
	user := admin.context("en-US,en;q=0.9")
	user.acceptInvitation("erik@acme.test", "Welcome", "the first long passphrase")

	admin.editUser("erik", false)
	admin.wantText("button#send-reset", "Send password reset instructions")
	for range 2 {
		if st := admin.submit("button#send-reset"); st != 200 {
			admin.fatalf("send reset answered %d", st)
		}
		admin.must(".flash")
	}
	first := s.link(s.mail("erik@acme.test", 2, "reset your password"), "/reset-password?token=")
	msg := s.mail("erik@acme.test", 3, "reset your password")
	link := s.link(msg, "/reset-password?token=")
	code := brCodeRe.FindString(msg.Text)
	if code == "" || link == first {
		t.Fatalf("reset e-mail without a new link or an XXXX-XXXX code:\n%s", msg.Text)
	}
	// The earlier link died with the newer request.
	user.open(first)
	if user.exists("#code") {
		user.errorf("the first reset link still shows its form after a newer request")
	}

	if st := user.open(link); st != 200 {
		user.fatalf("the reset link answered %d", st)
	}
	wrong := "AAAA-AAAA"
	if wrong == code {
		wrong = "BBBB-BBBB"
	}
	user.fill("#code", wrong, "#new_password", "the second long passphrase")
	if st := user.submit(`form[action="/reset-password"] button[type=submit]`); st != http.StatusBadRequest {
		user.fatalf("a wrong code answered %d, want 400", st)
	}
	if !user.exists(".error") && !user.exists("p.field-error#code-err") {
		user.fatalf("a wrong code shows no error")
	}
	user.must("#code")
	user.must("#new_password")
	// The right code, in lower case and without the dash, works.
	user.fill("#code", strings.ToLower(strings.ReplaceAll(code, "-", "")), "#new_password", "the second long passphrase")
	if st := user.submit(`form[action="/reset-password"] button[type=submit]`); st != 200 {
		user.fatalf("the right code answered %d", st)
	}
	user.wantPath("/login?reset=1")
	user.must(".flash")
	user.login("erik", "the first long passphrase")
	if user.path() == "/" {
		user.fatalf("the old password still signs in")
	}
	user.must(".error")
	if st := user.login("erik", "the second long passphrase"); st != 200 {
		user.fatalf("sign in with the new password answered %d", st)
	}
	user.wantPath("/")
	user.wantText("h1", "Erik Forgetful")
	// The link is used up.
	user.open(link)
	if user.exists("#code") {
		user.errorf("the reset link still shows its form after use")
	}

	// "Forgot password?" on the login page, by e-mail in another case.
	other := admin.context("en-US,en;q=0.9")
	other.open("/login")
	if st := other.submit(`a[href="/forgot"]`); st != 200 {
		other.fatalf("the forgot page answered %d", st)
	}
	other.fill("#login", "BOSS@Acme.Test")
	if st := other.submit(`form[action="/forgot"] button[type=submit]`); st != 200 {
		other.fatalf("the forgot form answered %d", st)
	}
	other.must(".flash")
	msg = s.mail("boss@acme.test", 1, "reset your password")
	if st := other.open(s.link(msg, "/reset-password?token=")); st != 200 {
		other.fatalf("the reset link answered %d", st)
	}
	other.fill("#code", brCodeRe.FindString(msg.Text), "#new_password", "a brand new admin passphrase")
	if st := other.submit(`form[action="/reset-password"] button[type=submit]`); st != 200 {
		other.fatalf("the reset answered %d", st)
	}
	if st := other.login("boss", "a brand new admin passphrase"); st != 200 {
		other.fatalf("sign in with the new password answered %d", st)
	}
	other.wantPath("/")
	// A reset ends the other sessions: the admin's first browser is out.
	admin.open("/users")
	admin.wantPath("/login")
}

// brOneLogin: the same user signs in in browser context B; A's next page
// is the login page, which tells why.
func brOneLogin(t *testing.T, s *brSite, a *brTab) {
	if st := a.login("boss", brAdminPass); st != 200 {
		a.fatalf("sign in A answered %d", st)
	}
	a.wantPath("/")
	b := a.context("en-US,en;q=0.9")
	if st := b.login("boss", brAdminPass); st != 200 {
		b.fatalf("sign in B answered %d", st)
	}
	b.wantPath("/")

	a.open("/users")
	a.wantPath("/login")
	if !strings.Contains(a.path(), "replaced") {
		a.errorf("A was sent to %s, want the replaced notice", a.path())
	}
	a.wantText(".flash", "signed in somewhere else")
	// Signing in again in A brings A back where it was going, and now B
	// is the one signed out.
	if st := a.login("boss", brAdminPass); st != 200 {
		a.fatalf("sign in A again answered %d", st)
	}
	a.wantPath("/users")
	b.open("/profile")
	b.wantPath("/login")
	b.wantText(".flash", "signed in somewhere else")
	// A plain sign out is no "elsewhere".
	a.logout()
	if a.exists(".flash") && strings.Contains(a.text(".flash"), "somewhere else") {
		a.errorf("a plain sign out shows the replaced notice")
	}
}

// brFrenchTour: a French admin in a browser that asks for English sees
// French (their setting wins), with the help pages' wording; the login
// page follows ?lang=; a Dutch browser gets Dutch. When
// PORTAIL_SCREENSHOTS is set, it saves the main pages.
func brFrenchTour(t *testing.T, s *brSite, admin *brTab) {
	fr, nl := brCatalog(t, "fr"), brCatalog(t, "nl")

	// The login page in French by ?lang=fr, remembered by its cookie.
	admin.open("/login?lang=fr")
	admin.open("/login")
	if lang := brJS[string](admin, `document.documentElement.lang`); lang != "fr" {
		admin.errorf("after ?lang=fr the login page is in %q", lang)
	}
	admin.shot("login")
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Ventes")
	admin.addDepartment("Expédition")
	admin.shot("departments")
	admin.addUser(brUser{username: "olga", fullName: "Olga Opérateur", email: "olga@acme.test", role: "operator",
		dept: "Ventes", modules: []string{"mail", "classic"}, lang: "fr"})
	admin.addUser(brUser{username: "victor", fullName: "Victor Lecteur", email: "victor@acme.test", role: "viewer",
		dept: "Expédition", modules: []string{"parcels"}, lang: "nl"})
	admin.addUser(brUser{username: "dana", fullName: "Dana Chef", email: "dana@acme.test", role: "department_admin",
		dept: "Expédition", modules: []string{"mail", "parcels"}, lang: "fr"})
	// olga becomes active (over plain HTTP: the browser part is tested
	// elsewhere), so that her edit page offers the reset button.
	tok := tokenOf(t, s.link(s.mail("olga@acme.test", 1, "Bienvenue"), "/invitation?token="))
	res, err := postFormAsBrowser(s.url+"/invitation", url.Values{"token": {tok}, "new_password": {"a long passphrase of her own"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.Contains(res.Request.URL.String(), "welcome") {
		t.Fatalf("olga's invitation over HTTP ended at %s (%d)", res.Request.URL, res.StatusCode)
	}

	if st := admin.open("/users"); st != 200 {
		admin.fatalf("/users answered %d", st)
	}
	if lang := brJS[string](admin, `document.documentElement.lang`); lang != "fr" {
		admin.errorf("the French admin's users page is in %q (the browser asks for English)", lang)
	}
	admin.wantText("a#add-user", "Ajouter un utilisateur")
	admin.wantText(`label:has(input#inactive)`, "Afficher les utilisateurs inactifs")
	admin.wantText("table#users thead", "Statut")
	admin.wantText(brRow("olga")+" td.status", fr["Active"])
	admin.shot("users")

	admin.openAddUser()
	admin.fillUser(brUser{username: "intrus", fullName: "Ingrid Intruse", email: "Olga@acme.test", role: "viewer",
		dept: "Ventes", modules: []string{"mail"}})
	admin.submit("button#save")
	admin.must("p.field-error#email-err")
	admin.shot("user-new-error")

	admin.editUser("olga", false)
	admin.mustOfferRole("operator")
	admin.wantText("button#send-reset", "Envoyer instructions pour renouveler le mot de passe")
	admin.wantText("button#save", "Enregistrer")
	admin.shot("user-edit")

	for _, p := range []string{"account", "activity", "profile", "outbox"} {
		if st := admin.open("/" + p); st != 200 {
			admin.errorf("/%s answered %d", p, st)
			continue
		}
		if h := admin.text("h1"); h == "" {
			admin.errorf("/%s has no heading", p)
		}
		admin.shot(p)
	}
	// The outbox lists the e-mails sent; one opens.
	if !admin.exists(`a[href^="/outbox/"]`) {
		admin.errorf("the outbox links to no e-mail")
	} else if st := admin.submit(`a[href^="/outbox/"]`); st != 200 {
		admin.errorf("an outbox e-mail answered %d", st)
	} else {
		admin.shot("outbox-email")
	}

	// A Dutch browser, signed out, gets Dutch.
	dutch := admin.context("nl-NL,nl;q=0.9")
	dutch.open("/login")
	if lang := brJS[string](dutch, `document.documentElement.lang`); lang != "nl" {
		dutch.errorf("the login page for Accept-Language nl is in %q", lang)
	}
	if want := nl["Sign in"]; want == "" || want == "Sign in" {
		t.Errorf("web/ui/locales/nl.json has no Dutch for %q", "Sign in")
	} else {
		dutch.wantText("h1", want)
	}
	// And a Dutch user (victor, set up by the admin) sees Dutch pages in
	// a French browser.
	dutch.acceptInvitation("victor@acme.test", "Welkom", "a long passphrase of his own")
	victor := admin.context("fr-FR,fr;q=0.9")
	if st := victor.login("victor", "a long passphrase of his own"); st != 200 {
		victor.fatalf("victor's sign in answered %d", st)
	}
	if lang := brJS[string](victor, `document.documentElement.lang`); lang != "nl" {
		victor.errorf("the Dutch user's home page is in %q", lang)
	}
	if want := nl["My profile"]; want != "" && want != "My profile" {
		victor.wantText(`nav a[href="/profile"]`, want)
	} else {
		t.Errorf("web/ui/locales/nl.json has no Dutch for %q", "My profile")
	}
}

// brCatalog reads a UI catalog (English message → translation).
func brCatalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "ui", "locales", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("web/ui/locales/%s.json: %v", lang, err)
	}
	return m
}

// ---------------------------------------------------------------------
// Documents, parcel labels and reports (issue 7).

// postFormAsBrowser posts a page's form with the Origin a browser sends:
// the server refuses form posts without it (or Sec-Fetch-Site).
func postFormAsBrowser(target string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	return http.DefaultClient.Do(req)
}

// activate sets the password of an invited user over plain HTTP, through
// the link of their invitation e-mail (the browser part is tested in
// InviteOperator).
func (s *brSite) activate(email, subject, password string) {
	s.t.Helper()
	tok := tokenOf(s.t, s.link(s.mail(email, 1, subject), "/invitation?token="))
	res, err := postFormAsBrowser(s.url+"/invitation", url.Values{"token": {tok}, "new_password": {password}})
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	if !strings.Contains(res.Request.URL.String(), "welcome") {
		s.t.Fatalf("%s's invitation over HTTP ended at %s (%d)", email, res.Request.URL, res.StatusCode)
	}
}

// signedIn adds a user on the admin's pages, activates them and returns a
// tab of their own, signed in.
func (b *brTab) signedIn(u brUser, subject, password string) *brTab {
	b.t.Helper()
	b.addUser(u)
	b.site.activate(u.email, subject, password)
	tab := b.context(b.lang)
	if st := tab.login(u.username, password); st != 200 {
		tab.fatalf("%s's sign in answered %d", u.username, st)
	}
	tab.wantPath("/")
	return tab
}

// brFile writes a file to upload and returns its path.
func brFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pick chooses the file for a file input, as the file dialog would.
func (b *brTab) pick(sel, path string) {
	b.t.Helper()
	b.must(sel)
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path})); err != nil {
		b.fatalf("pick %s in %s: %v", path, sel, err)
	}
	if got := brJS[string](b, `(function(e){ return e.files.length ? e.files[0].name : "" })(document.querySelector(`+brQ(sel)+`))`); got != filepath.Base(path) {
		b.fatalf("%s holds the file %q after picking %s", sel, got, path)
	}
}

// sendDocument sends the file through the form of /documents, with the
// department (an admin's choice; by name) and the module when given, and
// returns the status of the page it lands on.
func (b *brTab) sendDocument(path, dept, module string) int64 {
	b.t.Helper()
	if st := b.open("/documents"); st != 200 {
		b.fatalf("/documents answered %d", st)
	}
	b.must("form#document-form")
	b.pick("#file", path)
	if dept != "" {
		b.selectText("#department_id", dept)
	}
	if module != "" {
		b.fill("#module", module)
	}
	return b.submit("#send")
}

// itemID is the id in the page's path /documents/{id} or /labels/{id}.
func (b *brTab) itemID(kind string) int64 {
	b.t.Helper()
	m := regexp.MustCompile(`^/` + kind + `/(\d+)(\?|$)`).FindStringSubmatch(b.path())
	if m == nil {
		b.fatalf("at %s, want /%s/{id}", b.path(), kind)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

type brAddress struct{ name, company, street, number, postal, city, country string }

// fillAddress fills the sender or recipient fieldset of the label form.
func (b *brTab) fillAddress(who string, a brAddress) {
	b.t.Helper()
	p := "#" + who + "-"
	b.fill(p+"name", a.name, p+"company", a.company, p+"street", a.street, p+"house_number", a.number,
		p+"postal_code", a.postal, p+"city", a.city, p+"country", a.country)
}

// newLabel opens the label form through the button of /labels.
func (b *brTab) newLabel() {
	b.t.Helper()
	if st := b.open("/labels"); st != 200 {
		b.fatalf("/labels answered %d", st)
	}
	if st := b.submit("a#add-label"); st != 200 {
		b.fatalf("the label form answered %d", st)
	}
	b.wantPath("/labels/new")
	b.must("form#label-form")
}

// createLabel creates a label through the form and returns its id.
func (b *brTab) createLabel(dept string, from, to brAddress, grams string) int64 {
	b.t.Helper()
	b.newLabel()
	if dept != "" {
		b.selectText("#department_id", dept)
	}
	b.fillAddress("sender", from)
	b.fillAddress("recipient", to)
	b.fill("#weight_grams", grams)
	if st := b.submit("button#save"); st != 200 {
		b.fatalf("creating the label answered %d", st)
	}
	return b.itemID("labels")
}

// waitJS evaluates the expression until it is true, through the page's
// own navigations (an evaluation that fails while the next page loads is
// tried again); false when the time is up.
func (b *brTab) waitJS(expr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return true
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// brFetched is what the page's fetch of a URL got.
type brFetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Head   string `json:"head"`
	Size   int    `json:"size"`
}

// fetch gets a URL from the page, with its cookies, as a click on a
// download link would.
func (b *brTab) fetch(href string) brFetched {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, brStepTimeout)
	defer cancel()
	f, err := chromedp.Run(ctx, chromedp.Evaluate[brFetched](`fetch(`+brQ(href)+`, {credentials: "same-origin"}).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get("Content-Type") || "", head: String.fromCharCode(...b.slice(0, 8)), size: b.length};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatalf("fetch %s: %v", href, err)
	}
	return f
}

// wantFieldError fails unless the field's error stands right after it and
// the field points to it.
func (b *brTab) wantFieldError(field, errID string) {
	b.t.Helper()
	if !brJS[bool](b, `(function(e){ return !!e && e.classList.contains("field-error") && e.innerText.trim() !== "" })(document.getElementById(`+brQ(errID)+`))`) {
		b.fatalf("no field error #%s", errID)
	}
	if next := brJS[string](b, `(function(e){ let n = e && e.nextElementSibling; return n ? n.id : "" })(document.getElementById(`+brQ(field)+`))`); next != errID {
		b.errorf("the element after #%s is %q, want its error %s", field, next, errID)
	}
	if v := brJS[string](b, `(function(e){ return e ? e.getAttribute("aria-describedby") || "" : "" })(document.getElementById(`+brQ(field)+`))`); !strings.Contains(v, errID) {
		b.errorf("#%s aria-describedby=%q, want %s", field, v, errID)
	}
}

// historySteps lists the data-to of the rows of the history table.
func (b *brTab) historySteps() []string {
	b.t.Helper()
	return brJS[[]string](b, `[...document.querySelectorAll("#history tbody tr")].map(r => r.dataset.to)`)
}

// wantHistoryWording fails unless each row of the history table says its
// change in the page's words: "Processing → Printed", and for the first
// row the first status, never the stored change name ("created:").
func (b *brTab) wantHistoryWording(catalog map[string]string) {
	b.t.Helper()
	rows := brJS[[][]string](b, `[...document.querySelectorAll("#history tbody tr")].map(r => [r.dataset.to, r.cells[1].innerText.trim()])`)
	if len(rows) == 0 {
		b.fatalf("no history rows")
	}
	for _, r := range rows {
		to, said := r[0], r[1]
		name := catalog["status:"+to]
		if name == "" {
			name = to
		}
		if !strings.HasSuffix(said, name) || strings.Contains(said, "created:") || strings.HasPrefix(said, "→") {
			b.errorf("the history row of the step to %s says %q, want it to end with %q (no raw change name, no empty \"from\")", to, said, name)
		}
	}
}

// brDocumentStatus: an operator sends a PDF through /documents and lands
// on its page, which shows it received and follows it by itself (meta
// refresh) to posted or failed, the history showing each step. A file that
// is not a PDF, and one over --max-upload, are refused next to the file
// field. The operator has no label button; a viewer of the department
// sees the document but no upload form, and the reports.
func brDocumentStatus(t *testing.T, s *brSite, admin *brTab) {
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	op := admin.signedIn(brUser{username: "olga", fullName: "Olga Operator", email: "olga@acme.test", role: "operator",
		dept: "Sales", modules: []string{"mail", "classic", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of her own")
	if st := op.submit(`nav a[href="/documents"]`); st != 200 {
		op.fatalf("/documents answered %d", st)
	}
	op.must("form#document-form")
	op.wantText(`label[for="file"]`, "64 KiB")
	// An operator sends for their own department: no choice of it.
	if op.exists("select#department_id") {
		op.errorf("the operator's form offers a department")
	}
	if opts := op.options("#module"); !brContains(opts, "mail") || !brContains(opts, "classic") {
		op.fatalf("the module select offers %q, want mail and classic", opts)
	}

	// A file that is not a PDF: the error stands by the file field, and
	// the form keeps the module chosen.
	if st := op.sendDocument(brFile(t, "notes.txt", "just some notes\n"), "", "classic"); st != http.StatusBadRequest {
		op.fatalf("a text file answered %d, want 400", st)
	}
	op.wantPath("/documents")
	op.wantFieldError("file", "file-err")
	if got := op.value("#module"); got != "classic" {
		op.errorf("after the error the module is %q, want classic", got)
	}
	// A PDF over --max-upload (64 KiB) is refused the same way.
	big := minimalPDF[:9] + "%" + strings.Repeat("x", 90<<10) + "\n" + minimalPDF[9:]
	if st := op.sendDocument(brFile(t, "big.pdf", big), "", "mail"); st != http.StatusRequestEntityTooLarge && st != http.StatusBadRequest {
		op.fatalf("a 90 KiB PDF answered %d, want 413", st)
	}
	op.wantFieldError("file", "file-err")
	op.wantText("#file-err", "64 KiB")
	op.open("/documents")
	if op.exists(`#documents tr[data-name="notes.txt"]`) || op.exists(`#documents tr[data-name="big.pdf"]`) {
		op.fatalf("a refused file is listed")
	}

	// A good PDF: its page shows it received and follows its status.
	start := time.Now()
	if st := op.sendDocument(brFile(t, "letter.pdf", minimalPDF), "", "mail"); st != 200 {
		op.fatalf("sending a PDF answered %d", st)
	}
	id := op.itemID("documents")
	op.must(".flash")
	op.wantText("h1", "letter.pdf")
	if got := brJS[string](op, `document.getElementById("status").dataset.status`); got != "received" {
		op.fatalf("the new document's status is %q, want received", got)
	}
	if !op.exists(`meta[http-equiv="refresh"]`) {
		op.fatalf("the page of a document in progress does not refresh itself")
	}
	op.must(`#history tr[data-to="received"]`)
	// The page refreshes itself: a mark left in this page is gone once the
	// status is final.
	brJS[bool](op, `window.brSamePage = true`)
	if !op.waitJS(`(function(e){ return !!e && (e.dataset.status === "posted" || e.dataset.status === "failed") })(document.getElementById("status"))`, 15*time.Second) {
		op.fatalf("the document page still shows %q after %s", brJS[string](op, `document.getElementById("status").dataset.status`), time.Since(start).Round(time.Millisecond))
	}
	t.Logf("the document page showed a final status %s after the upload", time.Since(start).Round(time.Millisecond))
	if brJS[bool](op, `window.brSamePage === true`) {
		op.fatalf("the status changed without a reload")
	}
	if got := op.itemID("documents"); got != id {
		op.fatalf("the page refreshed to document %d, want %d", got, id)
	}
	final := brJS[string](op, `document.getElementById("status").dataset.status`)
	want := []string{"received", "processing", "printed", "posted"}
	if final == "failed" {
		want = []string{"received", "processing", "failed"}
	}
	if got := op.historySteps(); strings.Join(got, " ") != strings.Join(want, " ") {
		op.fatalf("the history shows the steps %q, want %q", got, want)
	}
	for _, step := range want[1:] {
		op.wantText(`#history tr[data-to="`+step+`"]`, "system")
	}
	op.wantHistoryWording(brCatalog(t, "en"))
	if op.exists(`meta[http-equiv="refresh"]`) {
		op.errorf("the page of a %s document still refreshes itself", final)
	}

	// The list shows it with its status; the PDF downloads.
	op.open("/documents")
	op.must(`#documents tr[data-name="letter.pdf"]`)
	op.wantText(`#documents tr[data-name="letter.pdf"] td.status`, map[string]string{"posted": "Posted", "failed": "Failed"}[final])
	if f := op.fetch(fmt.Sprintf("/api/v1/documents/%d/file", id)); f.Status != 200 || !strings.HasPrefix(f.Head, "%PDF") {
		op.errorf("the document's download got %d %q starting %q", f.Status, f.Type, f.Head)
	}

	// No label button for an operator, and no label form.
	if st := op.open("/labels"); st != 200 {
		op.fatalf("/labels answered %d to an operator with the parcels module", st)
	}
	if op.exists("a#add-label") || op.exists(`a[href="/labels/new"]`) {
		op.errorf("the operator's /labels offers to create a label")
	}
	if st := op.open("/labels/new"); st != http.StatusForbidden {
		op.errorf("/labels/new answered %d to an operator, want 403", st)
	}

	// A viewer of the department sees the document, but no upload form,
	// no label button, and the reports.
	viewer := admin.signedIn(brUser{username: "victor", fullName: "Victor Viewer", email: "victor@acme.test", role: "viewer",
		dept: "Sales", modules: []string{"mail", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of his own")
	if st := viewer.open("/documents"); st != 200 {
		viewer.fatalf("/documents answered %d to a viewer", st)
	}
	if viewer.exists("form#document-form") || viewer.exists("#file") {
		viewer.fatalf("the viewer's /documents offers the upload form")
	}
	viewer.must(`#documents tr[data-name="letter.pdf"]`)
	if st := viewer.open("/labels"); st != 200 {
		viewer.fatalf("/labels answered %d to a viewer", st)
	}
	if viewer.exists("a#add-label") {
		viewer.errorf("the viewer's /labels offers to create a label")
	}
	if st := viewer.submit(`nav a[href="/reports"]`); st != 200 {
		viewer.fatalf("/reports answered %d to a viewer", st)
	}
	if n := brJS[int](viewer, `document.querySelectorAll('section[aria-labelledby="report-document"] svg.chart rect').length`); n == 0 {
		viewer.fatalf("the documents chart has no bar")
	}
	viewer.wantText(`section[aria-labelledby="report-document"] table.report-table tbody`, "Sales")
	if got := viewer.text(`section[aria-labelledby="report-document"] table.report-table tbody tr td.num:last-child`); got != "1" {
		viewer.errorf("the documents report counts %q in all, want 1", got)
	}
}

var brAcmeHQ = brAddress{name: "Acme Shipping", company: "Acme SA", street: "Rue de la Loi", number: "16", postal: "1000", city: "Brussels", country: "BE"}

// brParcelLabel: a department admin creates a parcel label through
// /labels/new; a missing postal code is refused by its field and the form
// keeps what was typed; then the label page shows the S10 tracking number
// and a PDF link that downloads a PDF.
func brParcelLabel(t *testing.T, s *brSite, admin *brTab) {
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Shipping")
	dana := admin.signedIn(brUser{username: "dana", fullName: "Dana Depthead", email: "dana@acme.test", role: "department_admin",
		dept: "Shipping", modules: []string{"mail", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of her own")
	if st := dana.submit(`nav a[href="/labels"]`); st != 200 {
		dana.fatalf("/labels answered %d", st)
	}
	dana.must("a#add-label")
	dana.newLabel()
	if dana.exists("select#department_id") {
		dana.errorf("a department admin's label form offers a department")
	}
	to := brAddress{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", city: "Paris", country: "FR"}
	dana.fillAddress("sender", brAcmeHQ)
	dana.fillAddress("recipient", to)
	dana.fill("#weight_grams", "1200")
	if st := dana.submit("button#save"); st != http.StatusBadRequest {
		dana.fatalf("a label without the recipient's postal code answered %d, want 400", st)
	}
	dana.wantPath("/labels")
	dana.must(`#recipient\.postal_code-err`)
	dana.wantFieldError("recipient-postal_code", "recipient.postal_code-err")
	if n := brJS[int](dana, `document.querySelectorAll("p.field-error").length`); n != 1 {
		dana.errorf("%d field errors, want only the postal code's", n)
	}
	dana.must(".error")
	// Everything typed is still there.
	for who, a := range map[string]brAddress{"sender": brAcmeHQ, "recipient": to} {
		for k, v := range map[string]string{"name": a.name, "company": a.company, "street": a.street, "house_number": a.number,
			"postal_code": a.postal, "city": a.city, "country": a.country} {
			if got := dana.value("#" + who + "-" + k); got != v {
				dana.errorf("after the error, #%s-%s holds %q, want %q", who, k, got, v)
			}
		}
	}
	if got := dana.value("#weight_grams"); got != "1200" {
		dana.errorf("after the error, the weight is %q, want 1200", got)
	}
	dana.fill("#recipient-postal_code", "75005")
	if st := dana.submit("button#save"); st != 200 {
		dana.fatalf("the corrected label answered %d", st)
	}
	id := dana.itemID("labels")
	dana.must(".flash")
	tracking := dana.text("#tracking")
	if !portail.ValidS10(tracking) {
		dana.fatalf("the tracking number %q is not a valid S10 identifier", tracking)
	}
	if got := brJS[string](dana, `document.getElementById("status").dataset.status`); got != "created" {
		dana.errorf("the new label's status is %q, want created", got)
	}
	dana.wantText("main", "Marie Curie", "75005 Paris", "Acme Shipping", "1200 g")
	dana.must(`#history tr[data-to="created"]`)
	dana.wantHistoryWording(brCatalog(t, "en"))
	// The PDF link works.
	href := brJS[string](dana, `document.querySelector("a#download").href`)
	if !strings.HasPrefix(href, s.url+"/") {
		dana.fatalf("the PDF link %q is not on the site", href)
	}
	f := dana.fetch(href)
	if f.Status != 200 || !strings.HasPrefix(f.Head, "%PDF") || !strings.Contains(f.Type, "application/pdf") {
		dana.fatalf("the label's PDF link got %d %q (%d bytes) starting %q, want a PDF", f.Status, f.Type, f.Size, f.Head)
	}
	// The list shows it; so does the admin's.
	dana.open("/labels")
	dana.wantText(`#labels tr[data-tracking="`+tracking+`"]`, "Marie Curie", "Paris")
	admin.open("/labels")
	admin.must(`#labels tr[data-tracking="` + tracking + `"]`)
	admin.open(fmt.Sprintf("/labels/%d", id))
	admin.wantText("#tracking", tracking)
}

// brFrenchWorkTour: a French admin sends documents and creates labels
// through the pages; a stand-in processor moves them to a mix of statuses
// and their creation is spread over the last week, so that the reports
// have bars. With PORTAIL_SCREENSHOTS it saves the pages of the work.
func brFrenchWorkTour(t *testing.T, s *brSite, admin *brTab) {
	if st := admin.login("boss", brAdminPass); st != 200 {
		admin.fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Ventes")
	admin.addDepartment("Expédition")
	fr := brCatalog(t, "fr")

	ctx := admin.ctx
	proc := sqldb.NewProcessingService(s.main.DB)
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
		if st := admin.sendDocument(brFile(t, d.name, minimalPDF), d.dept, d.module); st != 200 {
			admin.fatalf("sending %s answered %d", d.name, st)
		}
		id := admin.itemID("documents")
		advance(portail.SubjectDocument, id, d.steps)
		backdate("documents", id, d.daysAgo)
		shown = id
	}
	if st := admin.open(fmt.Sprintf("/documents/%d", shown)); st != 200 {
		admin.fatalf("the document page answered %d", st)
	}
	if got := admin.historySteps(); strings.Join(got, " ") != strings.Join(posted, " ") {
		admin.errorf("the history shows %q, want %q", got, posted)
	}
	admin.shot("document")
	admin.wantHistoryWording(fr)
	if st := admin.open("/documents"); st != 200 {
		admin.fatalf("/documents answered %d", st)
	}
	for _, d := range docs {
		admin.must(`#documents tr[data-name="` + d.name + `"]`)
	}
	admin.shot("documents")

	// The label form with a field error, then labels in several statuses.
	admin.newLabel()
	admin.selectText("#department_id", "Expédition")
	admin.fillAddress("sender", brAddress{name: "Acme Expédition", company: "Acme SA", street: "Rue de la Loi", number: "16",
		postal: "1000", city: "Bruxelles", country: "BE"})
	admin.fillAddress("recipient", brAddress{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", city: "Paris", country: "FR"})
	admin.fill("#weight_grams", "1200")
	if st := admin.submit("button#save"); st != http.StatusBadRequest {
		admin.fatalf("a label without the recipient's postal code answered %d, want 400", st)
	}
	admin.must(`#recipient\.postal_code-err`)
	admin.shot("label-form")
	// The field's message is in French, like the rest of the page.
	if msg := admin.text(`#recipient\.postal_code-err`); msg == "Required." || fr[msg] != "" {
		admin.errorf("the French label form says %q by the postal code: English (web/ui/locales/fr.json has no %q)", msg, msg)
	}

	sender := brAddress{name: "Acme Expédition", company: "Acme SA", street: "Rue de la Loi", number: "16", postal: "1000", city: "Bruxelles", country: "BE"}
	labels := []struct {
		to      brAddress
		grams   string
		steps   []string
		daysAgo int
	}{
		{brAddress{name: "Jan Peeters", street: "Meir", number: "50", postal: "2000", city: "Antwerpen", country: "BE"}, "850", []string{"created", "in_transit", "delivered"}, 6},
		{brAddress{name: "Sophie Martin", company: "Atelier Martin", street: "Rue de Rivoli", number: "99", postal: "75001", city: "Paris", country: "FR"}, "2300", []string{"created", "in_transit", "delivered"}, 4},
		{brAddress{name: "Lukas Weber", street: "Hauptstraße", number: "5", postal: "10115", city: "Berlin", country: "DE"}, "400", []string{"created", "in_transit", "returned"}, 3},
		{brAddress{name: "Emma de Vries", street: "Damrak", number: "1", postal: "1012 LG", city: "Amsterdam", country: "NL"}, "1500", []string{"created", "in_transit"}, 1},
		{brAddress{name: "Luc Dubois", street: "Grand-Rue", number: "3", postal: "1660", city: "Luxembourg", country: "LU"}, "600", []string{"created"}, 0},
		{brAddress{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", postal: "75005", city: "Paris", country: "FR"}, "1200", []string{"created", "in_transit"}, 0},
	}
	var label int64
	for _, l := range labels {
		label = admin.createLabel("Expédition", sender, l.to, l.grams)
		advance(portail.SubjectLabel, label, l.steps)
		backdate("labels", label, l.daysAgo)
	}
	if st := admin.open(fmt.Sprintf("/labels/%d", label)); st != 200 {
		admin.fatalf("the label page answered %d", st)
	}
	if !portail.ValidS10(admin.text("#tracking")) {
		admin.errorf("the tracking number %q is not S10", admin.text("#tracking"))
	}
	admin.shot("label-page")
	if st := admin.open("/labels"); st != 200 {
		admin.fatalf("/labels answered %d", st)
	}
	if n := brJS[int](admin, `document.querySelectorAll("#labels tbody tr").length`); n != len(labels) {
		admin.errorf("/labels lists %d labels, want %d", n, len(labels))
	}
	admin.shot("labels")

	// The reports: a chart with bars and a table per kind.
	if st := admin.open("/reports"); st != 200 {
		admin.fatalf("/reports answered %d", st)
	}
	for kind, n := range map[string]int{"document": len(docs), "label": len(labels)} {
		sec := `section[aria-labelledby="report-` + kind + `"]`
		admin.wantText(sec+" h2", fmt.Sprintf("(%d)", n))
		if bars := brJS[int](admin, `new Set([...document.querySelectorAll('`+sec+` svg.chart rect')].map(r => r.getAttribute("x"))).size`); bars < 4 {
			admin.errorf("the %s chart has %d bars, want one per day with items (at least 4)", kind, bars)
		}
		admin.must(sec + " table.report-table tbody tr")
	}
	admin.wantText(`section[aria-labelledby="report-document"] table.report-table tbody`, "Ventes", "Expédition")
	admin.shot("reports")
}
