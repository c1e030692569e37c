package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/jobs"
	"portail/secret"
	"portail/sqldb"
)

// hookSite is an account with an admin on a fresh database, and its
// webhook service.
type hookSite struct {
	db    *sqldb.DB
	hooks *sqldb.WebhookService
	as    context.Context
	n     int
}

func newHookSite(t *testing.T, dialect string) *hookSite {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, testdb.DSN(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	acct, admin, err := sqldb.NewAuthService(db).Setup(ctx, portail.Setup{AccountName: "Hooks", Plan: portail.PlanGold,
		Modules: portail.AllModules, AdminUsername: "hookadmin", AdminEmail: "hookadmin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.New(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := &hookSite{db: db, hooks: sqldb.NewWebhookService(db, keys),
		as: portail.WithCaller(ctx, portail.Caller{Actor: admin.Actor(acct.Modules)})}
	s.hooks.AllowHTTP = true
	return s
}

func (s *hookSite) subscribe(t *testing.T, url string) (*portail.Webhook, string) {
	t.Helper()
	w, sec, err := s.hooks.CreateWebhook(s.as, portail.WebhookCreate{URL: url, Events: []string{"user.created"}})
	if err != nil {
		t.Fatal(err)
	}
	return w, sec
}

// event makes a user.created event by creating a user.
func (s *hookSite) event(t *testing.T) {
	t.Helper()
	s.n++
	if _, err := sqldb.NewUserService(s.db).CreateUser(s.as, portail.UserCreate{Username: fmt.Sprintf("hooked%02d", s.n),
		FullName: "Hooked", Email: fmt.Sprintf("hooked%02d@example.com", s.n), Role: portail.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
}

func (s *hookSite) log(t *testing.T, w *portail.Webhook) []*portail.WebhookAttempt {
	t.Helper()
	log, _, err := s.hooks.WebhookAttempts(s.as, w.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func worker(s *hookSite) *jobs.Webhooks {
	return &jobs.Webhooks{Store: s.hooks, Logger: slog.New(slog.DiscardHandler), FirstRetry: time.Millisecond,
		AllowPrivate: true, Jitter: func() float64 { return 0 }}
}

// until runs the worker until cond holds (or 10 s pass, a failure).
func until(t *testing.T, w *jobs.Webhooks, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type received struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (r *received) add(req *http.Request) int {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs, r.body = append(r.reqs, req), append(r.body, b)
	return len(r.reqs)
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func TestWebhookSignedRetriedOnceThenDelivered(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := newHookSite(t, dialect)
			var got received
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got.add(r) == 1 {
					http.Error(w, "down for a moment", http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			hook, sec := s.subscribe(t, srv.URL+"/hooks")
			s.event(t)
			w := worker(s)
			until(t, w, func() bool { return got.count() == 2 })
			// Further runs, well past any retry: a 2xx is never repeated.
			time.Sleep(20 * time.Millisecond)
			for range 3 {
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if got.count() != 2 {
				t.Fatalf("%d attempts, want exactly 2 (500, then 200)", got.count())
			}
			log := s.log(t, hook)
			if len(log) != 2 || log[0].StatusCode != 200 || log[0].Attempt != 2 || log[1].StatusCode != 500 || log[1].Attempt != 1 ||
				!strings.Contains(log[1].Error, "500") || log[0].EventID != log[1].EventID {
				t.Fatalf("log %+v %+v", log[0], log[1])
			}
			for i, r := range got.reqs {
				body := got.body[i]
				if !portail.VerifySignature(sec, r.Header.Get("Portail-Signature"), body, time.Now(), 5*time.Minute) {
					t.Errorf("attempt %d: signature %q does not verify with the secret", i+1, r.Header.Get("Portail-Signature"))
				}
				if r.Header.Get("Portail-Event-Id") != log[0].EventID || r.Header.Get("Content-Type") != "application/json" ||
					r.Header.Get("User-Agent") != "portail-webhooks" || r.Method != http.MethodPost || r.URL.Path != "/hooks" {
					t.Errorf("attempt %d: %s %s %v", i+1, r.Method, r.URL, r.Header)
				}
				var ev struct {
					ID        string          `json:"id"`
					Type      string          `json:"type"`
					CreatedAt time.Time       `json:"created_at"`
					AccountID int64           `json:"account_id"`
					Data      json.RawMessage `json:"data"`
				}
				if err := json.Unmarshal(body, &ev); err != nil || ev.ID != log[0].EventID || ev.Type != "user.created" ||
					ev.AccountID == 0 || ev.CreatedAt.IsZero() || !bytes.Contains(ev.Data, []byte(`"username":"hooked01"`)) {
					t.Errorf("body %s (%v)", body, err)
				}
			}
			// A tampered body does not verify.
			if portail.VerifySignature(sec, got.reqs[0].Header.Get("Portail-Signature"), append(got.body[0], ' '), time.Now(), time.Minute) {
				t.Error("a changed body verifies")
			}
		})
	}
}

func TestWebhookSlowEndpointTimesOutAndIsRetried(t *testing.T) {
	s := newHookSite(t, "sqlite")
	var got received
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got.add(r) == 1 {
			select { // slower than the request may take
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	defer close(release)
	hook, _ := s.subscribe(t, srv.URL)
	s.event(t)
	w := worker(s)
	w.RequestTimeout = 200 * time.Millisecond
	until(t, w, func() bool { return got.count() == 2 && len(s.log(t, hook)) == 2 })
	log := s.log(t, hook)
	if log[1].StatusCode != 0 || !strings.Contains(strings.ToLower(log[1].Error), "timeout") && !strings.Contains(log[1].Error, "deadline") {
		t.Fatalf("first attempt %+v: want a timeout", log[1])
	}
	if log[0].StatusCode != 204 {
		t.Fatalf("retry %+v", log[0])
	}
}

func TestWebhookDisabledEndpointStops(t *testing.T) {
	s := newHookSite(t, "sqlite")
	var got received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.add(r)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	hook, _ := s.subscribe(t, srv.URL)
	s.event(t)
	w := worker(s)
	until(t, w, func() bool { return got.count() >= 1 })
	off := false
	if _, err := s.hooks.UpdateWebhook(s.as, hook.ID, portail.WebhookUpdate{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	n := got.count()
	s.event(t) // not even written for a disabled endpoint
	time.Sleep(20 * time.Millisecond)
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got.count() != n {
		t.Fatalf("a disabled endpoint got %d more requests", got.count()-n)
	}
}

func TestWebhookRefusesPrivateAddresses(t *testing.T) {
	s := newHookSite(t, "sqlite")
	s.hooks.AllowHTTP = false // https only, as without --webhook-allow-private
	var got received
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.add(r) }))
	defer srv.Close()
	loop, _ := s.subscribe(t, srv.URL) // https://127.0.0.1:port
	port := srv.Listener.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndex(port, ":")+1:]
	named, _ := s.subscribe(t, "https://hooks.partner.example:"+port+"/in")
	s.event(t)
	w := worker(s)
	w.AllowPrivate = false
	var looked []string
	var mu sync.Mutex
	// The partner's name resolves to an address inside (as a rebinding
	// DNS would answer): the connection must still be refused.
	w.LookupIP = func(_ context.Context, host string) ([]netip.Addr, error) {
		mu.Lock()
		looked = append(looked, host)
		mu.Unlock()
		return []netip.Addr{netip.MustParseAddr("10.20.30.40"), netip.MustParseAddr("127.0.0.1")}, nil
	}
	until(t, w, func() bool { return len(s.log(t, loop)) == 1 && len(s.log(t, named)) == 1 })
	if got.count() != 0 {
		t.Fatalf("the loopback server got %d requests", got.count())
	}
	if l := s.log(t, loop)[0]; l.StatusCode != 0 || !strings.Contains(l.Error, "127.0.0.1 is a loopback address") {
		t.Fatalf("loopback endpoint: %+v", l)
	}
	if l := s.log(t, named)[0]; l.StatusCode != 0 || !strings.Contains(l.Error, "not allowed") {
		t.Fatalf("named endpoint: %+v", l)
	}
	if len(looked) == 0 || looked[0] != "hooks.partner.example" {
		t.Fatalf("resolver asked %v", looked)
	}
}

func TestForbiddenAddress(t *testing.T) {
	for addr, refused := range map[string]bool{
		"127.0.0.1": true, "127.8.9.1": true, "::1": true, "10.0.0.1": true, "172.16.5.4": true, "192.168.1.1": true,
		"169.254.169.254": true, "fe80::1": true, "fc00::1": true, "fd12:3456::1": true, "0.0.0.0": true, "::": true,
		"224.0.0.1": true, "ff02::1": true, "100.64.0.1": true, "::ffff:127.0.0.1": true, "::ffff:10.0.0.1": true,
		"192.0.0.8": true, "198.18.0.1": true, "240.0.0.1": true, "fec0::1": true,
		"64:ff9b::7f00:1": true, "64:ff9b::a00:1": true, "2002:7f00:1::": true, "2002:c0a8:101::1": true,
		"64:ff9b::5db8:d822": false, "2002:5db8:d822::1": false,
		"93.184.216.34": false, "2606:4700::1111": false, "172.32.0.1": false, "8.8.8.8": false,
	} {
		if got := jobs.ForbiddenAddress(netip.MustParseAddr(addr)) != ""; got != refused {
			t.Errorf("%s: refused %v, want %v", addr, got, refused)
		}
	}
}
