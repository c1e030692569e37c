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
// tour saves full-page PNGs of the main pages there.

import (
	"bytes"
	"context"
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

	"portail/internal/smtptest"
	"portail/internal/testdb"
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
		lang  string // the browser's Accept-Language
	}{
		{"FirstRun", brFirstRun, "", "fr-FR,fr;q=0.9"},
		{"InviteOperator", brInviteOperator, "en", "en-US,en;q=0.9"},
		{"AddUserValidation", brAddUserValidation, "en", "en-US,en;q=0.9"},
		{"ShowInactiveUsers", brShowInactive, "en", "en-US,en;q=0.9"},
		{"ResetWithRecoveryCode", brResetWithCode, "en", "en-US,en;q=0.9"},
		{"OneLoginPerPerson", brOneLogin, "en", "en-US,en;q=0.9"},
		{"FrenchTour", brFrenchTour, "fr", "en-US,en;q=0.9"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), brScenarioTimeout)
			defer cancel()
			s := brStartSite(t, ctx, sc.setup)
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
// (enterprise) and its admin boss speaking that language.
func brStartSite(t *testing.T, ctx context.Context, adminLang string) *brSite {
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
	s := &brSite{t: t, smtp: smtptest.Start(t), out: &brBuffer{}}
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
		if err = m.ParseFlags([]string{"--addr", addr, "--base-url", "http://" + addr, "--db", dsn,
			"--smtp", s.smtp.URL(), "--mail-from", "portail <no-reply@acme.test>",
			"--outbox-interval", "25ms", "--outbox-retry", "100ms"}, io.Discard); err != nil {
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
	res, err := http.PostForm(s.url+"/invitation", url.Values{"token": {tok}, "new_password": {"a long passphrase of her own"}})
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
		t.Errorf("web/locales/nl.json has no Dutch for %q", "Sign in")
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
		t.Errorf("web/locales/nl.json has no Dutch for %q", "My profile")
	}
}

// brCatalog reads a UI catalog (English message → translation).
func brCatalog(t *testing.T, lang string) map[string]string {
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
