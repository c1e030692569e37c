// Package e2e drives the real portail binary: it builds it, runs `setup`
// and `serve` as separate processes on SQLite and PostgreSQL, talks to the
// server over HTTP and stops it with SIGTERM.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"portail/internal/lettertest"
	"portail/preflight"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"portail/internal/testdb"
)

// bin is the portail binary that TestMain builds.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "portail-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		gomod, err := exec.Command("go", "env", "GOMOD").Output()
		root := filepath.Dir(strings.TrimSpace(string(gomod)))
		if err != nil || root == "." || root == "" {
			fmt.Fprintln(os.Stderr, "e2e: cannot find the module root:", err)
			return 1
		}
		bin = filepath.Join(dir, "portail")
		build := exec.Command("go", "build", "-o", bin, "./cmd/portail")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: go build: %v\n%s", err, out)
			return 1
		}
		// The PDF engine compiled once into the cache the processes
		// share: no process's first upload waits for the compilation.
		engine := preflight.New(preflight.Config{Workers: 1, CacheDir: engineCache})
		if _, err := engine.Inspect(context.Background(), bytes.NewReader(lettertest.Letter(1)), int64(len(lettertest.Letter(1))), 1); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: the PDF engine:", err)
			return 1
		}
		engine.Close()
		return m.Run()
	}()
	os.Exit(code)
}

// dsn returns a fresh database of the dialect for the binary's --db.
func dsn(t *testing.T, dialect string) string {
	if dialect == "sqlite" {
		return filepath.Join(t.TempDir(), "p.db")
	}
	return testdb.DSN(t, dialect)
}

const adminPassword = "correct horse battery staple"

// TestServe sets up an account with the CLI, then drives the API of a
// running `portail serve`.
func TestServe(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			db := dsn(t, dialect)

			setup := exec.Command(bin, "setup", "--db", db, "--account", "Acme", "--plan", "gold",
				"--admin-username", "boss", "--admin-email", "boss@acme.test", "--admin-password-stdin")
			setup.Stdin = strings.NewReader(adminPassword + "\n")
			out, err := setup.CombinedOutput()
			if err != nil {
				t.Fatalf("portail setup: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "active") {
				t.Errorf("setup output does not say the admin is active:\n%s", out)
			}

			p := startServe(t, db)
			if strings.Contains(p.stdout.String(), "/setup?token=") {
				t.Errorf("serve printed a setup link although an account exists:\n%s", p.stdout.String())
			}
			c := &client{t: t, base: p.url}

			resp, body := c.json("POST", "/api/v1/auth/login", `{"login":"boss","password":"`+adminPassword+`"}`)
			wantStatus(t, resp, body, 200)
			if u, _ := body["user"].(map[string]any); u["role"] != "admin" || u["username"] != "boss" {
				t.Fatalf("login user %v", body["user"])
			}
			for _, ck := range resp.Cookies() {
				if ck.Value != "" {
					c.cookie = ck
				}
			}
			if c.cookie == nil {
				t.Fatal("login set no session cookie")
			}
			if !c.cookie.HttpOnly {
				t.Error("session cookie is not HttpOnly")
			}

			resp, body = c.json("POST", "/api/v1/departments", `{"name":"Ops"}`)
			wantStatus(t, resp, body, 201)
			dept := int64(body["id"].(float64))

			resp, body = c.json("POST", "/api/v1/users", fmt.Sprintf(`{"username":"jane","full_name":"Jane Doe",
				"email":"jane@acme.test","role":"operator","department_id":%d,"modules":["mail"]}`, dept))
			wantStatus(t, resp, body, 201)
			jane := int64(body["id"].(float64))
			if body["status"] != "invited" || int64(body["department_id"].(float64)) != dept {
				t.Errorf("created %v", body)
			}

			resp, body = c.json("GET", "/api/v1/users", "")
			wantStatus(t, resp, body, 200)
			var names []string
			for _, it := range body["items"].([]any) {
				names = append(names, it.(map[string]any)["username"].(string))
			}
			if strings.Join(names, ",") != "boss,jane" || body["next_cursor"] != nil {
				t.Errorf("list %v, next_cursor %v", names, body["next_cursor"])
			}

			resp, body = c.json("PATCH", "/api/v1/users/"+strconv.FormatInt(jane, 10), `{"username":"janet"}`)
			wantStatus(t, resp, body, 400)
			if body["code"] != "username_immutable" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("PATCH username: %s %v", resp.Header.Get("Content-Type"), body)
			}

			resp, body = c.json("GET", "/api/v1/openapi.json", "")
			wantStatus(t, resp, body, 200)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || body["openapi"] == nil {
				t.Errorf("openapi.json: %s %v", resp.Header.Get("Content-Type"), body)
			}

			resp, body = c.json("GET", "/api/v1/account", "")
			wantStatus(t, resp, body, 200)
			if seats, _ := body["seats"].(map[string]any); body["plan"] != "gold" || seats["used"] != 2.0 || seats["available"] != 1.0 {
				t.Errorf("account %v", body)
			}

			resp, _ = c.do("GET", "/healthz", "", nil)
			if resp.StatusCode != 200 {
				t.Errorf("/healthz: %d", resp.StatusCode)
			}
			p.stop(t)
		})
	}
}

// TestFirstRun starts serve on an empty database and creates the first
// account through the link it prints.
func TestFirstRun(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			p := startServe(t, dsn(t, dialect))
			link := p.waitStdout(t, regexp.MustCompile(`https?://\S+/setup\?token=\S+`))
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			token := u.Query().Get("token")
			if token == "" {
				t.Fatalf("no token in %q", link)
			}
			c := &client{t: t, base: p.url}

			// Before setup, nobody can sign in.
			resp, body := c.json("GET", "/api/v1/me", "")
			wantStatus(t, resp, body, 401)

			resp, page := c.do("GET", "/setup?token="+url.QueryEscape(token), "", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(page, "<form") || !strings.Contains(page, `name="admin_password"`) {
				t.Fatalf("GET setup link: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
			}

			resp, _ = c.do("GET", "/setup?token=not-the-token", "", nil)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET /setup with a wrong token: %d, want 400", resp.StatusCode)
			}

			form := url.Values{"token": {token}, "account": {"Acme"}, "plan": {"gold"}, "admin_username": {"boss"},
				"admin_email": {"boss@acme.test"}, "admin_password": {adminPassword}}
			// Cross-origin protection refuses a form posted from another site.
			resp, _ = c.do("POST", "/setup", form.Encode(), http.Header{
				"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"http://evil.example"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST /setup from another origin: %d, want 403", resp.StatusCode)
			}

			resp, page = c.do("POST", "/setup", form.Encode(), http.Header{
				"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {p.url}})
			if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
				t.Fatalf("POST /setup: %d\n%s", resp.StatusCode, page)
			}
			for _, ck := range resp.Cookies() {
				if ck.Value != "" && ck.MaxAge >= 0 {
					c.cookie = ck
				}
			}
			if c.cookie == nil {
				t.Fatalf("POST /setup set no session cookie (Location %q)", resp.Header.Get("Location"))
			}

			resp, body = c.json("GET", "/api/v1/me", "")
			wantStatus(t, resp, body, 200)
			if body["role"] != "admin" || body["username"] != "boss" || body["status"] != "active" {
				t.Errorf("/me %v", body)
			}

			// The link works once.
			resp, _ = c.do("GET", "/setup?token="+url.QueryEscape(token), "", nil)
			if resp.StatusCode == 200 {
				t.Errorf("the setup link still answers 200 after setup")
			}
			p.stop(t)
		})
	}
}

// --- the process ---

type proc struct {
	cmd    *exec.Cmd
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error // of Wait, once done is closed
}

// syncBuffer is a bytes.Buffer that the process's copier and the test may
// use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// servingAddr finds the address serve logs once it listens.
var servingAddr = regexp.MustCompile(`"msg":"serving","addr":"([^"]+)"`)

// secretKeyFile is a key file for every serve of the run.
var secretKeyFile = func() func(t *testing.T) string {
	var once sync.Once
	var path string
	var err error
	return func(t *testing.T) string {
		once.Do(func() {
			dir, derr := os.MkdirTemp("", "portail-e2e-key")
			if derr != nil {
				err = derr
				return
			}
			path = filepath.Join(dir, "secret.key")
			err = os.WriteFile(path, []byte(strings.Repeat("cd", 32)+"\n"), 0o600)
		})
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
}()

// engineCache is where the tests' processes keep the compiled PDF engine.
var engineCache = func() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "portail-test", "pdfium")
}()

// startServe runs `portail serve` on db and waits until /readyz answers.
func startServe(t *testing.T, db string) *proc {
	t.Helper()
	// Port 0: the server picks a free port and logs it, so no other test
	// can take the port between a probe and the server's own listen.
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0")
	// PostgreSQL needs the key of stored secrets; every process of a run
	// shares one, as the processes of one database must.
	// The PDF engine is compiled once for every process of the tests,
	// and across runs (the user's cache): a first upload does not wait
	// for its compilation.
	p.cmd.Env = append(os.Environ(), "PORTAIL_SECRET_KEY_FILE="+secretKeyFile(t), "PORTAIL_ENGINE_CACHE="+engineCache)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("serve stdout:\n%s\nserve stderr:\n%s", p.stdout, p.stderr)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if p.url == "" {
			if m := servingAddr.FindStringSubmatch(p.stderr.String()); m != nil {
				p.url = "http://" + m[1]
			}
		}
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("serve exited early: %v\n%s", p.err, p.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 15s\n%s", p.stderr)
		}
	}
}

// waitStdout waits for re to match what serve printed and returns the match.
func (p *proc) waitStdout(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := re.FindString(p.stdout.String()); m != "" {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no %s:\n%s", re, p.stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and wants a graceful exit with status 0.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit within 20s of SIGTERM")
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		t.Fatalf("serve exited with status %d after SIGTERM\n%s", exit.ExitCode(), p.stderr)
	} else if p.err != nil {
		t.Fatal(p.err)
	}
}

// --- HTTP ---

type client struct {
	t      *testing.T
	base   string
	cookie *http.Cookie
}

var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (c *client) do(method, path, body string, h http.Header) (*http.Response, string) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if c.cookie != nil {
		req.AddCookie(&http.Cookie{Name: c.cookie.Name, Value: c.cookie.Value})
		if method != "GET" && req.Header.Get("Origin") == "" {
			// As a browser does: cookie-carrying writes without Origin
			// (or Sec-Fetch-Site) are refused.
			req.Header.Set("Origin", c.base)
		}
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

func (c *client) json(method, path, body string) (*http.Response, map[string]any) {
	c.t.Helper()
	var h http.Header
	if body != "" {
		h = http.Header{"Content-Type": {"application/json"}}
	}
	resp, raw := c.do(method, path, body, h)
	var m map[string]any
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			c.t.Fatalf("%s %s: not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return resp, m
}

func wantStatus(t *testing.T, resp *http.Response, body map[string]any, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %v", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}
