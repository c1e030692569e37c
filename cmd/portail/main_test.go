package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"portail/internal/smtptest"
	"portail/internal/testdb"
)

// site is one portal served in process as `portail serve` would serve it,
// through its flags, on a free loopback port, with a fresh database and a
// real SMTP server on loopback: the one harness of the end-to-end tests
// (API, pages, browser scenarios and benchmarks). More serve processes on
// the same database start with serve.
type site struct {
	t    testing.TB
	opts siteOptions
	main *Main // the first process
	url  string
	smtp *smtptest.Server
	dsn  string
	// dataDir holds the stored files of every process of the site, shared
	// as a network file system would be.
	dataDir string
	// out is what the processes printed on their standard output.
	out *syncBuffer
	// stopMain ends the first process before the test does (a restart).
	stopMain func()
	// keyFile seals the stored secrets of every process of the site, as
	// --secret-key-file must on PostgreSQL.
	keyFile string
}

// siteOptions say how a site differs from the default one: SQLite, an
// empty database, the flags of serveFlags.
type siteOptions struct {
	// Dialect is "sqlite" (default) or "postgres".
	Dialect string
	// DSN, when set, is the database to serve instead of a fresh one of
	// Dialect (one reached through a proxy, say); it must be fresh too.
	DSN string
	// Plan, when set, has `portail setup` create the account Acme on that
	// plan with its admin boss (boss@acme.test, adminPassword) before the
	// site starts; empty leaves the database empty, for the first run.
	Plan string
	// Setup are more flags of `portail setup`: --trial, --admin-language…
	Setup []string
	// Flags are more flags of `portail serve`; they win over serveFlags.
	Flags []string
	// Now is the clock of the database and the jobs; nil is time.Now.
	Now func() time.Time
	// Config, when set, adjusts each process's configuration after its
	// flags, for what no flag says.
	Config func(*Config)
	// Opened, when set, sees each process once it is open and before it
	// serves: a benchmark wraps its handler or lifts a limit there.
	Opened func(*Main)
}

const adminPassword = "correct horse battery staple"

// wait bounds every wait for an e-mail or a status in these tests.
const wait = 10 * time.Second

// engineCache keeps the PDF engine compiled once for every site of the
// tests, and across runs: outside the repository, in the user's cache.
var engineCache = func() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "portail-test", "pdfium")
}()

// waitEngine starts the site's PDF engine (it starts on first need) and
// waits until it is up: a test that measures the process (its heap) must
// not count the engine's start.
func (s *site) waitEngine() {
	s.t.Helper()
	s.main.letters.Start()
	deadline := time.Now().Add(time.Minute)
	for !s.main.letters.Ready() {
		if time.Now().After(deadline) {
			s.t.Fatal("the PDF engine did not start within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveFlags are the flags every process of a site gets first: as in
// production but for the fast outbox poll, no simulator unless asked, and
// stored files in a temporary directory, never the default "data" of the
// working directory. Empty values keep the environment out.
func (s *site) serveFlags() []string {
	return []string{"--addr", "127.0.0.1:0", "--base-url=", "--metrics-token=", "--trusted-proxies=", "--db", s.dsn,
		"--smtp", s.smtp.URL(), "--mail-from", "portail <no-reply@acme.test>",
		"--session-idle", "1h", "--session-lifetime", "24h", "--password-min-length", "12",
		"--outbox-interval", "20ms", "--outbox-retry", "100ms", "--simulator=false", "--data-dir", s.dataDir,
		"--secret-key-file", s.keyFile, "--webhook-interval", "20ms"}
}

// startSite serves a fresh site; everything it started ends with the test.
func startSite(t testing.TB, opts siteOptions) *site {
	t.Helper()
	if opts.Dialect == "" {
		opts.Dialect = "sqlite"
	}
	s := &site{t: t, opts: opts, dsn: opts.DSN, smtp: smtptest.Start(t), dataDir: t.TempDir(), out: &syncBuffer{}}
	s.keyFile = filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(s.keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s.dsn == "" {
		s.dsn = testdb.DSN(t, opts.Dialect)
	}
	if opts.Plan != "" {
		var out bytes.Buffer
		args := append([]string{"setup", "--db", s.dsn, "--account", "Acme", "--plan", opts.Plan,
			"--admin-username", "boss", "--admin-email", "boss@acme.test", "--admin-password-stdin"}, opts.Setup...)
		if err := run(context.Background(), args, strings.NewReader(adminPassword+"\n"), &out, io.Discard); err != nil {
			t.Fatalf("setup: %v\n%s", err, out.String())
		}
	}
	m, stop := s.start()
	t.Cleanup(stop)
	s.main, s.stopMain = m, stop
	s.url = s.main.URL()
	return s
}

// serve starts another serve process on the site's database and files.
func (s *site) serve() *Main {
	s.t.Helper()
	m, stop := s.start()
	s.t.Cleanup(stop)
	return m
}

// start starts a serve process that stop ends (a restart, once stopped).
func (s *site) start() (*Main, func()) {
	t := s.t
	t.Helper()
	m := NewMain()
	m.Stdout = s.out
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PORTAIL_TEST_LOG") != "" {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	var stderr bytes.Buffer
	if err := m.ParseFlags(append(s.serveFlags(), s.opts.Flags...), &stderr); err != nil {
		t.Fatalf("serve flags: %v\n%s", err, stderr.String())
	}
	m.Config.Now = s.opts.Now
	m.Config.EngineCache = engineCache
	if s.opts.Config != nil {
		s.opts.Config(&m.Config)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		m.Close()
		t.Fatalf("serve: %v", err)
	}
	if s.opts.Opened != nil {
		s.opts.Opened(m)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	return m, func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
			m.Close()
		})
	}
}

// syncBuffer is an output that several processes write to at once.
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

// mail waits for the e-mail number n (counting from 1) to the address and
// checks its subject.
func (s *site) mail(to string, n int, subject string) smtptest.Message {
	s.t.Helper()
	deadline := time.Now().Add(wait)
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
			s.t.Fatalf("e-mail %d to %s (%q) did not arrive within %s; %d arrived", n, to, subject, wait, len(got))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// link returns the e-mail's link to path and checks it is on the site's
// base URL.
func (s *site) link(m smtptest.Message, path string) string {
	s.t.Helper()
	l := m.Link(path)
	if !strings.HasPrefix(l, s.url+path) {
		s.t.Fatalf("e-mail %q: link %q is not %s%s…\n%s", m.Subject, l, s.url, path, m.Text)
	}
	return l
}

// activate follows the link of an invited user's first e-mail over plain
// HTTP and sets their password, as the invitation page's form would.
func (s *site) activate(email, subject, password string) {
	s.t.Helper()
	tok := tokenOf(s.t, s.link(s.mail(email, 1, subject), "/invitation?token="))
	follow := &http.Client{Transport: sameOrigin{http.DefaultTransport}}
	res, err := follow.PostForm(s.url+"/invitation", url.Values{"token": {tok}, "new_password": {password}})
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	if !strings.Contains(res.Request.URL.String(), "welcome") {
		s.t.Fatalf("%s's invitation over HTTP ended at %s (%d)", email, res.Request.URL, res.StatusCode)
	}
}

// client is one browser or API client with its own cookies; it does not
// follow redirects, and sends Origin as a browser does.
type client struct {
	a      *site
	http   *http.Client
	base   string
	bearer string
}

func (s *site) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{a: s, http: &http.Client{Jar: jar, Transport: sameOrigin{http.DefaultTransport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, base: s.url}
}

// sameOrigin sends the Origin of the request's own URL with every request
// but GET and HEAD, as a browser does for a form or a fetch of its page,
// unless the request names one: the server's cross-origin protection sees
// what real pages send.
type sameOrigin struct{ next http.RoundTripper }

func (o sameOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("Origin") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Origin", r.URL.Scheme+"://"+r.URL.Host)
	}
	return o.next.RoundTrip(r)
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
func tokenOf(t testing.TB, link string) string {
	t.Helper()
	_, tok, ok := strings.Cut(link, "token=")
	if !ok || tok == "" {
		t.Fatalf("no token in link %q", link)
	}
	return tok
}
