package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
	"portail/web"
	"portail/web/internal/webtest"
)

// TestDatabaseUnavailable: while the database cannot be reached, signed-in
// requests (session or API key, API or pages) and sign-ins answer 503
// unavailable with Retry-After, not 500: the client should come back, and
// nothing is wrong with the request. SQLite: the pool is closed;
// PostgreSQL: the network path to it is cut.
func TestDatabaseUnavailable(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dsn := testdb.DSN(t, dialect)
			var cut func()
			if dialect == "postgres" {
				dsn, cut = throughCuttableProxy(t, dsn)
			}
			db, err := sqldb.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if cut == nil {
				cut = func() { db.Close() }
			}
			ts := httptest.NewUnstartedServer(nil)
			base, _ := url.Parse("http://" + ts.Listener.Addr().String())
			auth := sqldb.NewAuthService(db)
			srv := web.NewServer(web.Services{Auth: auth, Users: sqldb.NewUserService(db),
				Credentials: sqldb.NewCredentialService(db), Accounts: sqldb.NewAccountService(db)}, base, slog.New(slog.DiscardHandler))
			ts.Config.Handler = srv.Handler()
			ts.Start()
			t.Cleanup(ts.Close)
			if _, _, err := auth.Setup(ctx, portail.Setup{AccountName: "A", Plan: portail.PlanGold, Modules: portail.AllModules,
				AdminUsername: "admin", AdminEmail: "admin@a.test", AdminPassword: webtest.Password}); err != nil {
				t.Fatal(err)
			}
			send := func(method, path, body string, header ...string) *http.Response {
				t.Helper()
				req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				res, err := ts.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			login := send("POST", "/api/v1/auth/login", `{"login":"admin","password":"`+webtest.Password+`"}`, "Content-Type", "application/json")
			login.Body.Close()
			var cookie string
			for _, c := range login.Cookies() {
				if c.Name == "portail_session" {
					cookie = c.Name + "=" + c.Value
				}
			}
			keyRes := send("POST", "/api/v1/me/api-keys", `{"name":"k"}`, "Cookie", cookie, "Origin", ts.URL, "Content-Type", "application/json")
			var key struct{ Key string }
			json.NewDecoder(keyRes.Body).Decode(&key)
			keyRes.Body.Close()
			if cookie == "" || key.Key == "" {
				t.Fatalf("sign-in %d, key %d", login.StatusCode, keyRes.StatusCode)
			}

			cut()
			for _, c := range []struct {
				name, method, path, body string
				header                   []string
				page                     bool
			}{
				{"API, session", "GET", "/api/v1/me", "", []string{"Cookie", cookie}, false},
				{"API, list", "GET", "/api/v1/users", "", []string{"Cookie", cookie}, false},
				{"API, key", "GET", "/api/v1/me", "", []string{"Authorization", "Bearer " + key.Key}, false},
				{"API, sign-in", "POST", "/api/v1/auth/login", `{"login":"admin","password":"x"}`, []string{"Content-Type", "application/json"}, false},
				{"page", "GET", "/users", "", []string{"Cookie", cookie}, true},
			} {
				res := send(c.method, c.path, c.body, c.header...)
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
					t.Errorf("%s: %d (Retry-After %q) %s, want 503 with Retry-After", c.name, res.StatusCode, res.Header.Get("Retry-After"), raw)
					continue
				}
				var p struct{ Code string }
				if !c.page && (json.Unmarshal(raw, &p) != nil || p.Code != portail.EUNAVAILABLE) {
					t.Errorf("%s: %s, want the code unavailable", c.name, raw)
				}
			}
		})
	}
}

// throughCuttableProxy routes a PostgreSQL DSN through a TCP relay on
// loopback; cut closes the relay and every connection through it, as a
// network failure or a stopped server would.
func throughCuttableProxy(t *testing.T, dsn string) (string, func()) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	cut := func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	t.Cleanup(cut)
	u.Host = ln.Addr().String()
	return u.String(), cut
}
