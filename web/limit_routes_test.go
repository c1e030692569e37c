package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
	"portail/web"
)

// TestAnonymousRoutesLimited: every anonymous route that changes state or
// checks a link's token answers 429 too_many_attempts with Retry-After
// past its rate per address (problem+json for the API, a page for the
// forms), before its handler runs; a flood of one class leaves the others
// alone, sign-in included.
func TestAnonymousRoutesLimited(t *testing.T) {
	db, err := sqldb.Open(context.Background(), testdb.DSN(t, "sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	base, _ := url.Parse("http://portail.test")
	srv := web.NewServer(web.Services{Auth: sqldb.NewAuthService(db), Credentials: sqldb.NewCredentialService(db)},
		base, slog.New(slog.DiscardHandler))
	perAddress := web.Rate{Burst: 2, Every: time.Hour}
	srv.Limits = web.Limits{Login: web.Limit{PerAddress: perAddress}, Forgot: web.Limit{PerAddress: perAddress},
		Token: web.Limit{PerAddress: perAddress}}
	h := srv.Handler()
	send := func(method, path, body, addr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.RemoteAddr = addr + ":4242"
		switch {
		case strings.HasPrefix(path, "/api/"):
			req.Header.Set("Content-Type", "application/json")
		case method == "POST":
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://"+req.Host) // a browser's form post
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	routes := []struct{ method, path, body string }{
		{"POST", "/api/v1/auth/login", `{"login":"nobody","password":"wrong password here"}`},
		{"POST", "/api/v1/auth/forgot", `{"login":"nobody"}`},
		{"POST", "/api/v1/auth/reset", `{"token":"x","code":"0000-0000","new_password":"a brand new passphrase"}`},
		{"POST", "/api/v1/auth/invitation", `{"token":"x","new_password":"a brand new passphrase"}`},
		{"POST", "/login", "login=nobody&password=wrong+password+here"},
		{"POST", "/forgot", "login=nobody"},
		{"GET", "/setup?token=x", ""},
		{"POST", "/setup", "token=x&account=A&plan=gold&admin_username=a&admin_email=a%40a.test&admin_password=a+brand+new+passphrase"},
		{"GET", "/invitation?token=x", ""},
		{"POST", "/invitation", "token=x&new_password=a+brand+new+passphrase"},
		{"GET", "/reset-password?token=x", ""},
		{"POST", "/reset-password", "token=x&code=0000-0000&new_password=a+brand+new+passphrase"},
	}
	for i, r := range routes {
		addr := "192.0.2." + strconv.Itoa(i+1) // each route from its own address
		for range 2 {
			if rec := send(r.method, r.path, r.body, addr); rec.Code == http.StatusTooManyRequests {
				t.Fatalf("%s %s: 429 within the burst", r.method, r.path)
			}
		}
		rec := send(r.method, r.path, r.body, addr)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s %s past the rate: %d (Retry-After %q), want 429", r.method, r.path, rec.Code, rec.Header().Get("Retry-After"))
			continue
		}
		if strings.HasPrefix(r.path, "/api/") {
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(rec.Body.String(), `"code":"too_many_attempts"`) {
				t.Errorf("%s %s: %s %s", r.method, r.path, ct, rec.Body)
			}
		} else if !strings.Contains(rec.Body.String(), "Trop de demandes. Attendez") {
			t.Errorf("%s %s: the page does not say to wait:\n%s", r.method, r.path, rec.Body)
		}
	}
	// A flood of forgot from one address leaves its sign-in alone.
	for range 50 {
		send("POST", "/api/v1/auth/forgot", `{"login":"nobody"}`, "198.51.100.9")
	}
	if rec := send("POST", "/api/v1/auth/login", `{"login":"nobody","password":"wrong password here"}`, "198.51.100.9"); rec.Code != http.StatusUnauthorized {
		t.Errorf("sign-in after a forgot flood: %d, want 401", rec.Code)
	}
	// GET /login and GET /forgot only show a form: never limited.
	for range 5 {
		if rec := send("GET", "/forgot", "", "192.0.2.6"); rec.Code != http.StatusOK {
			t.Fatalf("GET /forgot: %d", rec.Code)
		}
	}
}

// slowForgot is a credential service whose ForgotPassword waits for
// release and counts its calls.
type slowForgot struct {
	portail.CredentialService
	release chan struct{}
	calls   atomic.Int64
}

func (s *slowForgot) ForgotPassword(ctx context.Context, login string) error {
	<-s.release
	s.calls.Add(1)
	return nil
}

// TestWaitDrainsForgot: the work a forgot request leaves after its 202
// is done before Server.Wait returns (serve calls it at shutdown), and a
// full queue drops the rest with the same 202.
func TestWaitDrainsForgot(t *testing.T) {
	creds := &slowForgot{release: make(chan struct{})}
	base, _ := url.Parse("http://portail.test")
	srv := web.NewServer(web.Services{Credentials: creds}, base, slog.New(slog.DiscardHandler))
	srv.Limits = web.Limits{} // the queue alone
	h := srv.Handler()
	const n = 500
	for range n {
		req := httptest.NewRequest("POST", "/api/v1/auth/forgot", strings.NewReader(`{"login":"someone"}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("forgot: %d", rec.Code)
		}
	}
	close(creds.release)
	srv.Wait()
	dropped := srv.DroppedWork()
	if got := creds.calls.Load(); got == 0 || got+dropped != n || dropped == 0 {
		t.Fatalf("%d done and %d dropped of %d", got, dropped, n)
	}
}
