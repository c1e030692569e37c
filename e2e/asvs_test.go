package e2e

// Black-box checks named by docs/security/asvs.md: what a browser or a
// client sees of cookies, transport and security headers, and of answers
// to errors, through the built binary.

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portail/internal/lettertest"
	"portail/internal/testdb"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// setupAccount creates the account Acme with its admin boss through the
// CLI, as an operator would.
func setupAccount(t *testing.T, db string) {
	t.Helper()
	setup := exec.Command(bin, "setup", "--db", db, "--account", "Acme", "--plan", "gold",
		"--admin-username", "boss", "--admin-email", "boss@acme.test", "--admin-password-stdin")
	setup.Stdin = strings.NewReader(adminPassword + "\n")
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("portail setup: %v\n%s", err, out)
	}
}

// signIn signs boss in through the API and keeps the session cookie.
func signIn(t *testing.T, c *client) *http.Response {
	t.Helper()
	resp, body := c.json("POST", "/api/v1/auth/login", `{"login":"boss","password":"`+adminPassword+`"}`)
	wantStatus(t, resp, body, 200)
	for _, ck := range resp.Cookies() {
		if ck.Name == "portail_session" && ck.Value != "" {
			c.cookie = ck
		}
	}
	if c.cookie == nil {
		t.Fatal("login set no session cookie")
	}
	return resp
}

// sessionCookie keeps and returns the session token resp sets.
func (c *client) sessionCookie(t *testing.T, resp *http.Response) string {
	t.Helper()
	for _, ck := range resp.Cookies() {
		if ck.Name == "portail_session" && ck.Value != "" {
			c.cookie = ck
			return ck.Value
		}
	}
	t.Fatalf("no session cookie in %v", resp.Header.Values("Set-Cookie"))
	return ""
}

// TestCookiesAndTransport (ASVS 3.4.1–3.4.3, 3.2.2, 3.2.3, 7.1.1, 13.2.6): the session
// cookie (set by the API and the page sign-in, cleared by logout) and the
// device cookie of a page sign-in are HttpOnly and SameSite=Lax always, Secure exactly
// when the public address is https, and HSTS is sent exactly then. The
// binary serves plain HTTP on loopback either way, as it does behind a TLS
// proxy; only --base-url (here through its environment variable) differs.
func TestCookiesAndTransport(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		for _, base := range []string{"", "https://portail.example"} {
			https := base != ""
			name := dialect + "/http"
			if https {
				name = dialect + "/https"
			}
			t.Run(name, func(t *testing.T) {
				// Setenv: these subtests are not parallel. serve inherits
				// the environment, and an empty value means "http://ADDR".
				t.Setenv("PORTAIL_BASE_URL", base)
				db := dsn(t, dialect)
				setupAccount(t, db)
				p := startServe(t, db)

				checkCookies := func(what string, resp *http.Response, wantDevice bool) {
					t.Helper()
					seen := map[string]bool{}
					for _, ck := range resp.Cookies() {
						if ck.Name != "portail_session" && ck.Name != "portail_device" {
							continue
						}
						seen[ck.Name] = true
						if !ck.HttpOnly {
							t.Errorf("%s: cookie %s is not HttpOnly", what, ck.Name)
						}
						if ck.SameSite != http.SameSiteLaxMode {
							t.Errorf("%s: cookie %s has SameSite %v, want Lax", what, ck.Name, ck.SameSite)
						}
						if ck.Secure != https {
							t.Errorf("%s: cookie %s Secure=%v with base URL %q", what, ck.Name, ck.Secure, base)
						}
						if ck.Path != "/" {
							t.Errorf("%s: cookie %s has Path %q, want /", what, ck.Name, ck.Path)
						}
					}
					if !seen["portail_session"] {
						t.Errorf("%s: no portail_session cookie in %v", what, resp.Header.Values("Set-Cookie"))
					}
					if wantDevice && !seen["portail_device"] {
						t.Errorf("%s: no portail_device cookie in %v", what, resp.Header.Values("Set-Cookie"))
					}
				}
				checkHSTS := func(what string, resp *http.Response) {
					t.Helper()
					got := resp.Header.Get("Strict-Transport-Security")
					if https && !strings.Contains(got, "max-age=") {
						t.Errorf("%s: Strict-Transport-Security %q with an https base URL", what, got)
					}
					if !https && got != "" {
						t.Errorf("%s: Strict-Transport-Security %q with an http base URL", what, got)
					}
				}

				api := &client{t: t, base: p.url}
				resp := signIn(t, api)
				checkCookies("API login", resp, false)
				checkHSTS("API login", resp)

				resp, _ = api.do("POST", "/api/v1/auth/logout", "", nil)
				if resp.StatusCode/100 != 2 {
					t.Errorf("API logout: %d", resp.StatusCode)
				}
				checkCookies("API logout", resp, false)

				page := &client{t: t, base: p.url}
				resp, _ = page.do("GET", "/login", "", nil)
				if resp.StatusCode != 200 {
					t.Fatalf("GET /login: %d", resp.StatusCode)
				}
				checkHSTS("GET /login", resp)
				form := url.Values{"login": {"boss"}, "password": {adminPassword}}
				resp, body := page.do("POST", "/login", form.Encode(), http.Header{
					"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {p.url}})
				if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
					t.Fatalf("POST /login: %d\n%s", resp.StatusCode, body)
				}
				checkCookies("page login", resp, true)
				checkHSTS("page login", resp)

				// ASVS 3.2.2: 256 random bits, base64url without padding.
				for _, tok := range []string{api.cookie.Value, page.sessionCookie(t, resp)} {
					if b, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(b) < 32 {
						t.Errorf("session token %q: %d bytes (%v), want at least 32", tok, len(b), err)
					}
				}
				p.stop(t)
				// ASVS 7.1.1: the process log holds neither the password
				// typed nor a session token handed out.
				log := p.stdout.String() + p.stderr.String()
				for what, secret := range map[string]string{"the password": adminPassword,
					"the API session token": api.cookie.Value, "the page session token": page.cookie.Value} {
					if strings.Contains(log, secret) {
						t.Errorf("the process log holds %s", what)
					}
				}
			})
		}
	}
}

// TestSecurityHeaders (ASVS 12.3.6, 12.5.2): every kind of answer, pages,
// API successes and refusals, unknown routes, unknown methods and static
// files, carries the content security policy, nosniff and the frame
// refusal.
func TestSecurityHeaders(t *testing.T) {
	db := dsn(t, "sqlite")
	setupAccount(t, db)
	p := startServe(t, db)
	c := &client{t: t, base: p.url}
	anon := &client{t: t, base: p.url}
	signIn(t, c)

	cases := []struct {
		c            *client
		method, path string
		status       int
	}{
		{anon, "GET", "/login", 200},
		{c, "GET", "/", 200},
		{anon, "GET", "/api/v1/me", 401},
		{c, "GET", "/api/v1/me", 200},
		{c, "GET", "/api/v1/users?limit=201", 400},
		{c, "GET", "/api/v1/no-such-route", 404},
		{anon, "BREW", "/", 501},
		{anon, "GET", "/static/", 404},
		{anon, "GET", "/static/portail.css", 200},
	}
	for _, tc := range cases {
		resp, _ := tc.c.do(tc.method, tc.path, "", nil)
		what := tc.method + " " + tc.path
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", what, resp.StatusCode, tc.status)
		}
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") ||
			!strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", what, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", what, got)
		}
		if got := h.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", what, got)
		}
	}
	p.stop(t)
}

// TestUnknownMethod (ASVS 13.2.1): a method no route serves answers 501
// before any routing, and it names no metrics series of its own.
func TestUnknownMethod(t *testing.T) {
	p := startServe(t, dsn(t, "sqlite"))
	c := &client{t: t, base: p.url}
	for _, path := range []string{"/", "/api/v1/me", "/login", "/static/portail.css"} {
		resp, _ := c.do("BREWCOFFEE", path, "", nil)
		if resp.StatusCode != http.StatusNotImplemented {
			t.Errorf("BREWCOFFEE %s: %d, want 501", path, resp.StatusCode)
		}
	}
	// A standard method a route does not take is 405, not 501.
	resp, _ := c.do("DELETE", "/login", "", http.Header{"Origin": {p.url}})
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /login: %d, want 405", resp.StatusCode)
	}
	resp, metrics := c.do("GET", "/metrics", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics from loopback: %d", resp.StatusCode)
	}
	if strings.Contains(metrics, "BREWCOFFEE") {
		t.Error("/metrics names the unknown method")
	}
	if !strings.Contains(metrics, `method="other"`) {
		t.Error(`/metrics has no method="other" series for the unknown methods`)
	}
	p.stop(t)
}

// TestStaticListsNothing (ASVS 4.3.2, 12.5.1): /static/ serves its files
// and lists no directory.
func TestStaticListsNothing(t *testing.T) {
	p := startServe(t, dsn(t, "sqlite"))
	c := &client{t: t, base: p.url}
	for _, path := range []string{"/static/", "/static/?C=M;O=D"} {
		resp, body := c.do("GET", path, "", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
		if strings.Contains(body, "portail.css") || strings.Contains(body, "portail.js") {
			t.Errorf("GET %s lists the files:\n%s", path, body)
		}
	}
	for _, path := range []string{"/static/portail.css", "/static/portail.js"} {
		if resp, _ := c.do("GET", path, "", nil); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d, want 200", path, resp.StatusCode)
		}
	}
	p.stop(t)
}

// TestErrorsAreGeneric (ASVS 7.4.1, 7.4.2): an unknown API route is a
// problem+json 404, and a real internal error (the departments table
// renamed under the running server) is a problem+json 500 that says
// nothing of its cause, while the process log keeps the cause.
func TestErrorsAreGeneric(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			db := dsn(t, dialect)
			setupAccount(t, db)
			p := startServe(t, db)
			c := &client{t: t, base: p.url}
			signIn(t, c)

			resp, body := c.json("GET", "/api/v1/no-such-route", "")
			wantStatus(t, resp, body, 404)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") || body["code"] != "not_found" {
				t.Errorf("unknown route: %s %v", resp.Header.Get("Content-Type"), body)
			}

			resp, body = c.json("GET", "/api/v1/departments", "")
			wantStatus(t, resp, body, 200)

			driver, source := "pgx", db
			if dialect == "sqlite" {
				driver, source = "sqlite", "file:"+db+"?_pragma=busy_timeout(10000)"
			}
			conn, err := sql.Open(driver, source)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Exec(`ALTER TABLE departments RENAME TO departments_gone`); err != nil {
				t.Fatal(err)
			}

			resp, raw := c.do("GET", "/api/v1/departments", "", nil)
			if resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("with the table gone: %d, want 500\n%s", resp.StatusCode, raw)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("500 Content-Type %q", ct)
			}
			if !strings.Contains(raw, `"code":"internal"`) || !strings.Contains(raw, `"detail":"Internal error."`) {
				t.Errorf("500 body is not the generic problem: %s", raw)
			}
			for _, leak := range []string{"departments", "relation", "no such table", "SQL", "sqldb", "goroutine"} {
				if strings.Contains(raw, leak) {
					t.Errorf("500 body tells %q: %s", leak, raw)
				}
			}
			// Once the process has exited, everything it wrote has been read.
			p.stop(t)
			if log := p.stderr.String(); !strings.Contains(log, "internal error") ||
				!strings.Contains(log, "no such table") && !strings.Contains(log, "does not exist") {
				t.Errorf("the process log does not keep the internal error and its cause:\n%s", log)
			}
		})
	}
}

// TestPasswordFields (ASVS 2.1.11): every password field of the pages
// tells password managers what it holds, and no page blocks pasting.
func TestPasswordFields(t *testing.T) {
	db := dsn(t, "sqlite")
	setupAccount(t, db)
	p := startServe(t, db)
	anon := &client{t: t, base: p.url}
	c := &client{t: t, base: p.url}
	signIn(t, c)
	field := regexp.MustCompile(`<input[^>]*type="password"[^>]*>`)
	for _, tc := range []struct {
		c    *client
		path string
		want []string // the autocomplete value of each password field, in order
	}{
		{anon, "/login", []string{"current-password"}},
		{c, "/password", []string{"current-password", "new-password"}},
		{c, "/profile", []string{"current-password"}},
	} {
		resp, page := tc.c.do("GET", tc.path, "", nil)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", tc.path, resp.StatusCode)
			continue
		}
		var got []string
		for _, in := range field.FindAllString(page, -1) {
			m := regexp.MustCompile(`autocomplete="([^"]*)"`).FindStringSubmatch(in)
			if m == nil {
				got = append(got, "")
				continue
			}
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("GET %s: password fields with autocomplete %q, want %q", tc.path, got, tc.want)
		}
		for _, block := range []string{"onpaste", "oncopy", "ondrop"} {
			if strings.Contains(strings.ToLower(page), block) {
				t.Errorf("GET %s: the page has %s", tc.path, block)
			}
		}
	}
	p.stop(t)
}

// TestPasswordChangeNotice (ASVS 2.2.3, 2.5.5): a password change sends
// the user a notice (C10) to their address, which does not carry the new
// password; nothing is sent before the change.
func TestPasswordChangeNotice(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			db := dsn(t, dialect)
			setupAccount(t, db)
			p := startServe(t, db)
			c := &client{t: t, base: p.url}
			signIn(t, c)

			notices := func() []map[string]any {
				t.Helper()
				resp, body := c.json("GET", "/api/v1/outbox?limit=200", "")
				wantStatus(t, resp, body, 200)
				var found []map[string]any
				for _, it := range body["items"].([]any) {
					if e := it.(map[string]any); e["template"] == "password_changed" {
						found = append(found, e)
					}
				}
				return found
			}
			if n := len(notices()); n != 0 {
				t.Fatalf("%d password_changed notices before any change", n)
			}
			const next = "a different horse battery staple"
			resp, body := c.json("POST", "/api/v1/auth/password",
				`{"current_password":"`+adminPassword+`","new_password":"`+next+`"}`)
			wantStatus(t, resp, body, 204)

			found := notices()
			if len(found) != 1 || found[0]["to"] != "boss@acme.test" {
				t.Fatalf("password_changed notices after the change: %v", found)
			}
			resp, body = c.json("GET", "/api/v1/outbox/"+strconv.FormatInt(int64(found[0]["id"].(float64)), 10), "")
			wantStatus(t, resp, body, 200)
			text, _ := body["text"].(string)
			if text == "" || strings.Contains(text, next) || strings.Contains(text, adminPassword) {
				t.Errorf("notice text (empty, or carrying a password):\n%s", text)
			}
			p.stop(t)
		})
	}
}

// TestStoredFilesPrivate (ASVS 12.4.1, 12.3.1): an upload is stored
// under the data directory by its content's hash, never by its name, in
// files and directories that other users of the machine cannot read.
func TestStoredFilesPrivate(t *testing.T) {
	db := dsn(t, "sqlite") // the data directory is the SQLite file's
	setupAccount(t, db)
	p := startServe(t, db)
	c := &client{t: t, base: p.url}
	signIn(t, c)
	resp, body := c.json("POST", "/api/v1/departments", `{"name":"Ops"}`)
	wantStatus(t, resp, body, 201)
	dept := int64(body["id"].(float64))

	const name = "invoice-e2e.pdf"
	pdf := string(lettertest.Small("stored files are private"))
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("department_id", strconv.FormatInt(dept, 10))
	mw.WriteField("module", "mail")
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, pdf)
	mw.Close()
	resp, raw := c.do("POST", "/api/v1/documents", form.String(), http.Header{"Content-Type": {mw.FormDataContentType()}})
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, raw)
	}
	p.stop(t)

	root := filepath.Join(filepath.Dir(db), "blobs")
	found := false
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm&0o007 != 0 {
			t.Errorf("%s has mode %v: other users of the machine reach it", path, perm)
		}
		if strings.Contains(d.Name(), "invoice") {
			t.Errorf("%s is named after the upload", path)
		}
		if !d.IsDir() {
			if b, err := os.ReadFile(path); err == nil && string(b) == pdf {
				found = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Errorf("the upload is not stored under %s", root)
	}
}
