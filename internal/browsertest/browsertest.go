// Package browsertest drives a real headless Chromium for end-to-end
// tests, as a user would: a Tab opens pages, fills and submits forms,
// clicks, reads what the page shows, and fails the test saying where the
// browser is and what it shows. It knows no page of portail: the steps of
// the scenarios (sign in, add a user…) are built on it by the tests.
//
// Without Chromium a test is skipped, except in CI (CI=true), where it
// fails. With PORTAIL_SCREENSHOTS naming a directory (relative to the
// module root), Shot saves full-page PNGs there.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds one step that waits for the page (a click that
// should navigate, a query), so that a missing reaction fails fast.
const StepTimeout = 15 * time.Second

// Chromium finds the browser: $PORTAIL_CHROMIUM, else chromium on the
// PATH. Without one, the test is skipped, or fails in CI.
func Chromium(t *testing.T) string {
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

// Tab is one tab of a browser, in a browser context (cookies) of its own.
type Tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	lang string

	mu      sync.Mutex
	dialogs []string // messages of the confirm dialogs, which are accepted
}

// Start starts a headless Chromium (execPath) with a fresh profile and
// returns its first tab; the browser ends with ctx or the test. Paths
// that Open is given are on base; lang is the Accept-Language it sends.
func Start(t *testing.T, ctx context.Context, execPath, base, lang string) *Tab {
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
	return attach(t, bctx, base, lang)
}

// NewContext opens a tab in a new browser context of the same browser: a
// second person, or the same person on another computer.
func (b *Tab) NewContext(lang string) *Tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	return attach(b.t, ctx, b.base, lang)
}

func attach(t *testing.T, ctx context.Context, base, lang string) *Tab {
	b := &Tab{t: t, ctx: ctx, base: base, lang: lang}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": lang}}); err != nil {
		t.Fatalf("set Accept-Language: %v", err)
	}
	// Accept every confirm dialog, as a user who clicks OK, and remember
	// what it asked.
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

// Lang is the Accept-Language the tab sends.
func (b *Tab) Lang() string { return b.lang }

// Dialogs are the messages of the confirm dialogs the tab accepted.
func (b *Tab) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.dialogs)
}

// Fatalf fails the test with where the browser is and what it shows.
func (b *Tab) Fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("%s\n  at %s\n  page text:\n%s", fmt.Sprintf(format, args...), b.Location(), b.pageText())
}

// Errorf marks the test failed, with where the browser is.
func (b *Tab) Errorf(format string, args ...any) {
	b.t.Helper()
	b.t.Errorf("%s (at %s)", fmt.Sprintf(format, args...), b.Location())
}

// Location is the page's address, without the base; an error says why
// there is none.
func (b *Tab) Location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return strings.TrimPrefix(loc, b.base)
}

func (b *Tab) pageText() string {
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

// JS evaluates an expression in the tab's page.
func JS[T any](b *Tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v (at %s)", expr, err, b.Location())
	}
	return v
}

// Q quotes a string for JavaScript (and for a CSS attribute value).
func Q(s string) string { j, _ := json.Marshal(s); return string(j) }

// Exists tells whether the selector matches an element now.
func (b *Tab) Exists(sel string) bool {
	b.t.Helper()
	return JS[bool](b, `document.querySelector(`+Q(sel)+`) !== null`)
}

// Text is the visible text of the first element that matches, "" if none.
func (b *Tab) Text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(JS[string](b, `(function(e){ return e ? e.innerText : "" })(document.querySelector(`+Q(sel)+`))`))
}

// Value is the value of a form field ("" if none); a checkbox or a radio
// button gives "on" or "off".
func (b *Tab) Value(sel string) string {
	b.t.Helper()
	return JS[string](b, `(function(e){ if (!e) return ""; if (e.type === "checkbox" || e.type === "radio") return e.checked ? "on" : "off"; return e.value })(document.querySelector(`+Q(sel)+`))`)
}

// Path is the page's path and query.
func (b *Tab) Path() string {
	b.t.Helper()
	return JS[string](b, `location.pathname + location.search`)
}

// Must fails the test unless the selector matches an element.
func (b *Tab) Must(sel string) {
	b.t.Helper()
	if !b.Exists(sel) {
		b.Fatalf("no %s on the page", sel)
	}
}

// Open loads the path (or a full URL) and returns the HTTP status.
func (b *Tab) Open(path string) int64 {
	b.t.Helper()
	if strings.HasPrefix(path, "/") {
		path = b.base + path
	}
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(path))
	if err != nil {
		b.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// Submit clicks what should load a new page (a submit button, a link, a
// checkbox that submits its form) and returns the new page's status.
func (b *Tab) Submit(sel string) int64 {
	b.t.Helper()
	b.Must(sel)
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.Fatalf("click %s and wait for a page: %v", sel, err)
	}
	return resp.Status
}

// Click clicks without waiting for a page.
func (b *Tab) Click(sel string) {
	b.t.Helper()
	b.Must(sel)
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.Fatalf("click %s: %v", sel, err)
	}
}

// Fill sets form fields: selector, value, selector, value… A select must
// offer the value.
func (b *Tab) Fill(pairs ...string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	for i := 0; i < len(pairs); i += 2 {
		b.Must(pairs[i])
		if opts := b.Options(pairs[i]); opts != nil && !slices.Contains(opts, pairs[i+1]) {
			b.Fatalf("the select %s offers %q, not %q", pairs[i], opts, pairs[i+1])
		}
		if b.Value(pairs[i]) == pairs[i+1] {
			continue // SetValue fails to set "" where "" already is
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(pairs[i]), pairs[i+1])); err != nil {
			b.Fatalf("fill %s: %v", pairs[i], err)
		}
		if got := b.Value(pairs[i]); got != pairs[i+1] {
			b.Fatalf("%s holds %q after filling in %q (no such option?)", pairs[i], got, pairs[i+1])
		}
	}
}

// Options lists the values of a select's options; nil for another element.
func (b *Tab) Options(sel string) []string {
	b.t.Helper()
	return JS[[]string](b, `(function(e){ return e && e.tagName === "SELECT" ? [...e.options].map(o => o.value) : null })(document.querySelector(`+Q(sel)+`))`)
}

// Check ticks or unticks a checkbox by clicking it, unless it already is.
func (b *Tab) Check(sel string, on bool) {
	b.t.Helper()
	if (b.Value(sel) == "on") != on {
		b.Click(sel)
	}
	if (b.Value(sel) == "on") != on {
		b.Fatalf("%s did not change when clicked", sel)
	}
}

// SelectText picks the option whose text is label and returns its value.
func (b *Tab) SelectText(sel, label string) string {
	b.t.Helper()
	b.Must(sel)
	v := JS[string](b, `(function(s){ for (const o of s.options) if (o.text.trim() === `+Q(label)+`) { s.value = o.value; s.dispatchEvent(new Event("change", {bubbles: true})); return o.value } return "" })(document.querySelector(`+Q(sel)+`))`)
	if v == "" {
		b.Fatalf("%s has no option %q", sel, label)
	}
	return v
}

// WantPath fails unless the page's path (and query) starts with prefix.
func (b *Tab) WantPath(prefix string) {
	b.t.Helper()
	if p := b.Path(); !strings.HasPrefix(p, prefix) {
		b.Fatalf("at %s, want %s", p, prefix)
	}
}

// WantText fails unless the element's text contains each part.
func (b *Tab) WantText(sel string, parts ...string) {
	b.t.Helper()
	b.Must(sel)
	got := b.Text(sel)
	for _, p := range parts {
		if !strings.Contains(got, p) {
			b.Fatalf("%s says %q, want it to contain %q", sel, got, p)
		}
	}
}

// WantFieldError fails unless the field's error stands right after it,
// says something, and the field points to it (aria-describedby).
func (b *Tab) WantFieldError(field, errID string) {
	b.t.Helper()
	if !JS[bool](b, `(function(e){ return !!e && e.classList.contains("field-error") && e.innerText.trim() !== "" })(document.getElementById(`+Q(errID)+`))`) {
		b.Fatalf("no field error #%s", errID)
	}
	if next := JS[string](b, `(function(e){ let n = e && e.nextElementSibling; return n ? n.id : "" })(document.getElementById(`+Q(field)+`))`); next != errID {
		b.Errorf("the element after #%s is %q, want its error %s", field, next, errID)
	}
	if v := JS[string](b, `(function(e){ return e ? e.getAttribute("aria-describedby") || "" : "" })(document.getElementById(`+Q(field)+`))`); !strings.Contains(v, errID) {
		b.Errorf("#%s aria-describedby=%q, want %s", field, v, errID)
	}
}

// Shot saves a full-page PNG as name.png in the directory that
// PORTAIL_SCREENSHOTS names, when it names one.
func (b *Tab) Shot(name string) {
	b.t.Helper()
	dir := os.Getenv("PORTAIL_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) { // relative to the module root, not to the test's package
		dir = filepath.Join(moduleRoot(b.t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// moduleRoot is the nearest directory up from the test's own (where go
// test runs it) that holds go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// NoJS turns the page's scripts off (or on again) for this tab.
func (b *Tab) NoJS(off bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
		b.t.Fatalf("script execution: %v", err)
	}
}

// Pick chooses the file for a file input, as the file dialog would.
func (b *Tab) Pick(sel, path string) {
	b.t.Helper()
	b.Must(sel)
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path})); err != nil {
		b.Fatalf("pick %s in %s: %v", path, sel, err)
	}
	if got := JS[string](b, `(function(e){ return e.files.length ? e.files[0].name : "" })(document.querySelector(`+Q(sel)+`))`); got != filepath.Base(path) {
		b.Fatalf("%s holds the file %q after picking %s", sel, got, path)
	}
}

// File writes a file for Pick in a temporary directory of the test and
// returns its path.
func File(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// WaitJS evaluates the expression until it is true, through the page's
// own navigations (an evaluation that fails while the next page loads is
// tried again); false when the time is up.
func (b *Tab) WaitJS(expr string, timeout time.Duration) bool {
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

// Fetched is what the page's fetch of a URL got.
type Fetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Head   string `json:"head"` // the first 8 bytes
	Size   int    `json:"size"`
}

// Fetch gets a URL from the page, with its cookies, as a click on a
// download link would.
func (b *Tab) Fetch(href string) Fetched {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	f, err := chromedp.Run(ctx, chromedp.Evaluate[Fetched](`fetch(`+Q(href)+`, {credentials: "same-origin"}).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get("Content-Type") || "", head: String.fromCharCode(...b.slice(0, 8)), size: b.length};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.Fatalf("fetch %s: %v", href, err)
	}
	return f
}

// FrameText is the visible text of the body of the page's frame whose
// address ends with path, once it has loaded: "" when no such frame shows
// within StepTimeout. A sandboxed frame may run in a process of its own,
// a target of its own; a frame in the page's process is read through the
// frame element.
func (b *Tab) FrameText(path string) string {
	b.t.Helper()
	deadline := time.Now().Add(StepTimeout)
	for time.Now().Before(deadline) && b.ctx.Err() == nil {
		infos, err := chromedp.Targets(b.ctx)
		if err != nil {
			b.Fatalf("targets: %v", err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasSuffix(info.URL, path) {
				// Detached, not closed, on cancel: closing the frame's target
				// would close the page.
				ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
				cancel()
				if err == nil && strings.TrimSpace(text) != "" {
					return strings.TrimSpace(text)
				}
			}
		}
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(`iframe[src$=`+Q(path)+`]`), chromedp.AtLeast(0)))
		if err == nil && len(nodes) > 0 {
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body"), chromedp.FromNode(nodes[0])))
			if err == nil && strings.TrimSpace(text) != "" {
				cancel()
				return strings.TrimSpace(text)
			}
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	return ""
}

// Viewport makes the tab a phone or a desktop of that size (CSS pixels):
// a phone (mobile) follows the page's meta viewport, as a real one does.
// It holds for the pages the tab opens next.
func (b *Tab) Viewport(width, height int64, mobile bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: width, Height: height, DeviceScaleFactor: 1, Mobile: mobile}); err != nil {
		b.Fatalf("viewport %d×%d: %v", width, height, err)
	}
}

// Authenticator is a virtual WebAuthn authenticator Chromium answers
// navigator.credentials with in this tab (the CDP WebAuthn domain): a
// platform authenticator (CTAP2, internal transport) that keeps
// discoverable credentials and verifies its user, as a laptop's
// fingerprint reader would, with user presence given at once.
type Authenticator struct {
	tab *Tab
	ID  webauthn.AuthenticatorID
}

// VirtualAuthenticator adds a virtual authenticator to the tab.
func (b *Tab) VirtualAuthenticator() *Authenticator {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		b.t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
	if err != nil {
		b.t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return &Authenticator{tab: b, ID: res.AuthenticatorID}
}

// Credentials are the credentials the authenticator holds.
func (a *Authenticator) Credentials() []*webauthn.Credential {
	a.tab.t.Helper()
	res, err := chromedp.Call(a.tab.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: a.ID})
	if err != nil {
		a.tab.t.Fatalf("WebAuthn.getCredentials: %v", err)
	}
	return res.Credentials
}
