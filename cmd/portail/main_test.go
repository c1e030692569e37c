package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"portail/internal/smtptest"
	"portail/internal/testdb"
)

// app is a serve process run in-process on a free port, as in production
// but for the fast outbox poll, with a real SMTP server on loopback.
type app struct {
	t    *testing.T
	main *Main
	url  string
	smtp *smtptest.Server
	dsn  string
	// tune, when set, adjusts the configuration of each serve process.
	tune func(*Config)
}

const adminPassword = "correct horse battery staple"

// startApp sets up an account "Acme" (plan, with an admin "boss") on a
// fresh database of the dialect and serves it.
func startApp(t *testing.T, dialect, plan string) *app {
	t.Helper()
	return startAppOnWith(t, testdb.DSN(t, dialect), plan, nil)
}

// startAppWith is startApp with tune applied to the configuration.
func startAppWith(t *testing.T, dialect, plan string, tune func(*Config)) *app {
	t.Helper()
	return startAppOnWith(t, testdb.DSN(t, dialect), plan, tune)
}

// startAppOn is startApp on the fresh database dsn.
func startAppOn(t *testing.T, dsn, plan string) *app {
	t.Helper()
	return startAppOnWith(t, dsn, plan, nil)
}

func startAppOnWith(t *testing.T, dsn, plan string, tune func(*Config)) *app {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"setup", "--db", dsn, "--account", "Acme", "--plan", plan,
		"--admin-username", "boss", "--admin-email", "boss@acme.test", "--admin-password-stdin"},
		strings.NewReader(adminPassword+"\n"), &out, io.Discard)
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, out.String())
	}
	a := &app{t: t, smtp: smtptest.Start(t), dsn: dsn, tune: tune}
	a.main = a.serve()
	return a
}

// serve starts another serve process on the app's database.
func (a *app) serve() *Main {
	t := a.t
	t.Helper()
	m := NewMain()
	m.Stdout = io.Discard
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PORTAIL_TEST_LOG") != "" {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	m.Config = Config{Addr: "127.0.0.1:0", DB: a.dsn, SMTP: a.smtp.URL(), MailFrom: "portail <no-reply@acme.test>",
		SessionIdle: time.Hour, SessionLifetime: 24 * time.Hour, PasswordMinLen: 12,
		OutboxInterval: 20 * time.Millisecond, OutboxRetry: 100 * time.Millisecond,
		DataDir: t.TempDir()} // never the default "data" of the working directory
	if a.tune != nil {
		a.tune(&m.Config)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		m.Close()
	})
	if a.url == "" {
		a.url = m.URL()
	}
	return m
}

// client is one browser or API client with its own cookies.
type client struct {
	a      *app
	http   *http.Client
	base   string
	bearer string
}

func (a *app) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{a: a, http: &http.Client{Jar: jar, Transport: browserOrigin{}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, base: a.url}
}

// browserOrigin sends Origin with every unsafe request, as a browser does
// with its form posts and fetches: the server refuses cookie-carrying
// writes without it.
type browserOrigin struct{ next http.RoundTripper }

func (b browserOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	next := b.next
	if next == nil {
		next = http.DefaultTransport
	}
	switch r.Method {
	case "GET", "HEAD", "OPTIONS":
	default:
		if r.Header.Get("Origin") == "" {
			r = r.Clone(r.Context())
			r.Header.Set("Origin", r.URL.Scheme+"://"+r.URL.Host)
		}
	}
	return next.RoundTrip(r)
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r response) code() string { s, _ := r.body["code"].(string); return s }

func (c *client) do(method, path string, body any) response {
	c.a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	json.Unmarshal(raw, &r.body)
	return r
}

// must fails the test unless the answer has the status (and code).
func (r response) must(t *testing.T, status int, code ...string) response {
	t.Helper()
	if r.status != status || (len(code) > 0 && r.code() != code[0]) {
		t.Fatalf("got %d %s, want %d %v", r.status, r.raw, status, code)
	}
	return r
}

func (c *client) login(login, password string) response {
	return c.do("POST", "/api/v1/auth/login", map[string]string{"login": login, "password": password})
}

func (r response) id() int64 { f, _ := r.body["id"].(float64); return int64(f) }

// tokenOf extracts the token query parameter of a link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	_, tok, ok := strings.Cut(link, "token=")
	if !ok || tok == "" {
		t.Fatalf("no token in link %q", link)
	}
	return tok
}
