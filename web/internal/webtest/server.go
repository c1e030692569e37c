// Package webtest builds whole servers over fresh databases for the tests
// that drive portail over HTTP, the API's and the pages' alike.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"

	"portail"
	"portail/blob"
	"portail/internal/lettertest"
	"portail/internal/testdb"
	"portail/pdf"
	"portail/secret"
	"portail/sqldb"
	"portail/web"
)

// Server is one server over one fresh database, for the fuzz targets
// that send outside input through the real handlers: every input goes to
// both dialects, since what one database takes the other may refuse (a
// NUL byte, invalid UTF-8). Requests are served in process, without a
// socket, so that a fuzz worker runs as many as it can.
type Server struct {
	Dialect string
	h       http.Handler
	Admin   *http.Cookie // the session of account A's admin
	IDs     map[string]int64
	logs    *lockedBuffer // what the server logged: the cause of a 500
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// MaxUpload keeps the upload limit small enough for fuzzed bodies to
// cross it.
const MaxUpload = 4 << 10

// Services are the sqldb services over db, as cmd/portail wires them for
// serve (with the default password rules and session lifetimes): the one
// wiring of the web tests.
func Services(db *sqldb.DB, blobs portail.BlobStore) web.Services {
	auth := sqldb.NewAuthService(db)
	scimService := sqldb.NewSCIMService(db)
	return web.Services{
		Auth:        auth,
		Sessions:    sqldb.NewSessionService(auth),
		Users:       sqldb.NewUserService(db),
		Departments: sqldb.NewDepartmentService(db),
		Accounts:    sqldb.NewAccountService(db),
		Credentials: sqldb.NewCredentialService(db),
		Outbox:      sqldb.NewOutboxService(db),
		Activity:    sqldb.NewActivityService(db),
		Documents:   sqldb.NewDocumentService(db, blobs, Letters()),
		Labels:      sqldb.NewLabelService(db, blobs, pdf.Label),
		Reports:     sqldb.NewReportService(db),
		Webhooks:    sqldb.NewWebhookService(db, TestKeys),
		MFA:         sqldb.NewMFAService(db, auth, TestKeys),
		SCIMTokens:  scimService,
		SCIM:        scimService,
	}
}

// TestKeys seal the web tests' secrets: a fixed key, for tests only.
var TestKeys = func() *secret.Keys {
	k, err := secret.New(bytes.Repeat([]byte{0x5e}, secret.KeySize))
	if err != nil {
		panic(err)
	}
	return k
}()

// Letters is how the web tests read and price letters: the real PDF
// engine, started once per test binary, and the default tariff.
func Letters() sqldb.Letters {
	return sqldb.Letters{Reader: lettertest.Reader(), Tariff: portail.DefaultTariff("EUR"), MaxPages: portail.DefaultMaxPages}
}

// Letter is a clean one-page A4 letter with an address in its right
// window, small enough for MaxUpload; note, written in its body, tells
// files apart.
func Letter(note string) []byte { return lettertest.Small(note) }

// NewServers builds the servers, one per dialect, with account A
// (enterprise, every module): its admin (signed in), departments D1 and D2
// and an invited operator op1 in D1; and account B with its admin.
func NewServers(f testing.TB) []*Server {
	f.Helper()
	var out []*Server
	for _, dialect := range testdb.Dialects {
		ctx := context.Background()
		db, err := sqldb.Open(ctx, testdb.DSN(f, dialect))
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { db.Close() })
		blobs := blob.Dir{Root: f.TempDir()}
		base, _ := url.Parse("http://portail.test")
		auth := sqldb.NewAuthService(db)
		logs := &lockedBuffer{}
		srv := web.NewServer(Services(db, blobs), base, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError})))
		srv.MaxUpload = MaxUpload
		s := &Server{Dialect: dialect, h: srv.Handler(), IDs: map[string]int64{}, logs: logs}

		acct, admin, err := auth.Setup(ctx, portail.Setup{AccountName: "Account A", Plan: portail.PlanEnterprise,
			Modules: portail.AllModules, AdminUsername: "admin", AdminEmail: "admin@a.test", AdminPassword: Password})
		if err != nil {
			f.Fatal(err)
		}
		_, adminB, err := auth.Setup(ctx, portail.Setup{AccountName: "Account B", Plan: portail.PlanGold,
			Modules: portail.AllModules, AdminUsername: "badmin", AdminEmail: "admin@b.test", AdminPassword: Password})
		if err != nil {
			f.Fatal(err)
		}
		s.IDs["admin"], s.IDs["badmin"] = admin.ID, adminB.ID
		asA := portail.WithCaller(ctx, portail.Caller{Actor: admin.Actor(acct.Modules), IP: "192.0.2.1", UserAgent: "fixture"})
		for _, name := range []string{"D1", "D2"} {
			d, err := sqldb.NewDepartmentService(db).CreateDepartment(asA, name)
			if err != nil {
				f.Fatal(err)
			}
			s.IDs[name] = d.ID
		}
		op, err := sqldb.NewUserService(db).CreateUser(asA, portail.UserCreate{Username: "op1", FullName: "Full op1",
			Email: "op1@a.test", Role: portail.RoleOperator, DepartmentID: s.IDs["D1"], Modules: portail.AllModules})
		if err != nil {
			f.Fatal(err)
		}
		s.IDs["op1"] = op.ID
		anon := portail.WithCaller(ctx, portail.Caller{IP: "192.0.2.1", UserAgent: "fixture"})
		in, err := auth.Login(anon, portail.Login{Login: "admin", Password: Password})
		if err != nil {
			f.Fatal(err)
		}
		s.Admin = &http.Cookie{Name: "portail_session", Value: in.Token}
		out = append(out, s)
	}
	return out
}

// Do serves one request in process. target is a path; rawQuery is set as
// given, unparsed, the way a client may send it.
func (s *Server) Do(method, path, rawQuery string, body io.Reader, header http.Header, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, body)
	r.URL.RawQuery = rawQuery
	r.RequestURI = r.URL.RequestURI()
	for k, vs := range header {
		r.Header[k] = vs
	}
	// A browser names the page's origin on every write; the fuzzed
	// requests are a browser's unless the header says otherwise.
	if method != http.MethodGet && method != http.MethodHead && r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
		r.Header.Set("Origin", "http://"+r.Host)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

// Problem is a problem+json answer as a client reads it.
type Problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// CheckAnswer fails on a server error, and on an API error answer that
// is not a well-formed problem whose status is one of allowed; it returns
// the problem (nil for a success).
func (s *Server) CheckAnswer(t *testing.T, what string, w *httptest.ResponseRecorder, allowed ...int) *Problem {
	t.Helper()
	s.CheckServed(t, what, w)
	if w.Code < 400 {
		return nil
	}
	if !slices.Contains(allowed, w.Code) {
		t.Fatalf("%s on %s: status %d, want one of %v: %s", what, s.Dialect, w.Code, allowed, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s on %s: %d with Content-Type %q", what, s.Dialect, w.Code, ct)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Code == "" || p.Detail == "" {
		t.Fatalf("%s on %s: not a problem answer (%v): %s", what, s.Dialect, err, w.Body)
	}
	for _, fe := range p.Errors {
		// An unknown member is named as sent, which may be "".
		if (fe.Field == "" && fe.Message != "Unknown field.") || fe.Message == "" {
			t.Fatalf("%s on %s: a field error without its field or message: %s", what, s.Dialect, w.Body)
		}
	}
	return &p
}

// CheckServed fails on a server error, and on any answer while the server
// logged an error: an export cut short after its 200, an activity entry
// lost, are failures a status alone does not show.
func (s *Server) CheckServed(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	logged := s.logs.take()
	if w.Code >= 500 {
		t.Fatalf("%s on %s: %d %s\nlogged: %s", what, s.Dialect, w.Code, w.Body, logged)
	}
	if logged != "" {
		t.Fatalf("%s on %s: answered %d but logged an error: %s", what, s.Dialect, w.Code, logged)
	}
}

// Password is the fixtures' password.
const Password = "correct horse battery staple"
