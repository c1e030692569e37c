package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"portail"
	"portail/blob"
	"portail/internal/testdb"
	"portail/sqldb"
	"portail/web"
	"portail/web/internal/webtest"
)

// BenchmarkRequests serves the reads of the peer benchmark (bench/peer,
// BENCHMARKS.md "Peer benchmark") in process, through the whole handler
// chain, on an account of 10,000 users imported through the API just
// before: on PostgreSQL the users table has never been analysed, as on a
// fresh installation. It tells where a request's time goes (run it with
// -cpuprofile) and what one costs in allocations and, on PostgreSQL, in
// table scans (pg_stat_user_tables: one per table an SQL statement reads).
//
//	go test ./web/api -run XXX -bench Requests -benchtime 2000x
func BenchmarkRequests(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			fx := newRequestFixture(b, dialect)
			user := fmt.Sprintf("/api/v1/users/%d", fx.user)
			cases := []struct {
				name, path, query string
				key               bool // the API key instead of the session cookie
			}{
				{"Me", "/api/v1/me", "", false},
				{"GetUser", user, "", false},
				{"GetUserKey", user, "", true},
				{"List20", "/api/v1/users", "limit=20", false},
				{"List50Dept", "/api/v1/users", fmt.Sprintf("limit=50&department_id=%d", fx.dept), false},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					scans := fx.scans(b)
					b.ReportAllocs()
					for b.Loop() {
						if w := fx.get(c.path, c.query, c.key); w.Code != http.StatusOK {
							b.Fatalf("%s: %d %s", c.path, w.Code, w.Body)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/op")
					if fx.stats != nil {
						b.ReportMetric(float64(fx.scans(b)-scans)/float64(b.N), "scans/op")
					}
				})
			}
		})
	}
}

type requestFixture struct {
	h          http.Handler
	cookie     *http.Cookie
	key        string
	user, dept int64
	stats      *sql.DB // PostgreSQL: the statistics views
}

func (fx *requestFixture) do(method, path, query, ctype, body string, key bool) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.URL.RawQuery = query
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if key {
		r.Header.Set("Authorization", "Bearer "+fx.key)
	} else {
		r.AddCookie(fx.cookie)
		r.Header.Set("Origin", "http://"+r.Host)
	}
	w := httptest.NewRecorder()
	fx.h.ServeHTTP(w, r)
	return w
}

func (fx *requestFixture) get(path, query string, key bool) *httptest.ResponseRecorder {
	return fx.do("GET", path, query, "", "", key)
}

// scans is the number of table scans of the schema so far; the server's
// connections report theirs within a second of going idle.
func (fx *requestFixture) scans(b *testing.B) int64 {
	if fx.stats == nil {
		return 0
	}
	time.Sleep(1500 * time.Millisecond)
	var n int64
	if err := fx.stats.QueryRow(`SELECT COALESCE(SUM(seq_scan + COALESCE(idx_scan, 0)), 0) FROM pg_stat_user_tables
		WHERE schemaname = current_schema()`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func newRequestFixture(b *testing.B, dialect string) *requestFixture {
	b.Helper()
	ctx := context.Background()
	dsn := testdb.DSN(b, dialect)
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	fx := &requestFixture{}
	if dialect == "postgres" {
		if fx.stats, err = sql.Open("pgx", dsn); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { fx.stats.Close() })
		// Fresh, as just after an import: autovacuum must not analyse it
		// behind the benchmark's back.
		if _, err := fx.stats.Exec(`ALTER TABLE users SET (autovacuum_enabled = false)`); err != nil {
			b.Fatal(err)
		}
	}
	base, _ := url.Parse("http://portail.test")
	srv := web.NewServer(webtest.Services(db, blob.Dir{Root: b.TempDir()}), base, slog.New(slog.DiscardHandler))
	fx.h = srv.Handler()
	auth := sqldb.NewAuthService(db)
	if _, _, err := auth.Setup(ctx, portail.Setup{AccountName: "Bench", Plan: portail.PlanEnterprise, Modules: portail.AllModules,
		AdminUsername: "admin", AdminEmail: "admin@bench.test", AdminPassword: webtest.Password}); err != nil {
		b.Fatal(err)
	}
	anon := portail.WithCaller(ctx, portail.Caller{IP: "192.0.2.1", UserAgent: "bench"})
	in, err := auth.Login(anon, portail.Login{Login: "admin", Password: webtest.Password})
	if err != nil {
		b.Fatal(err)
	}
	fx.cookie = &http.Cookie{Name: "portail_session", Value: in.Token}
	must := func(w *httptest.ResponseRecorder, want int, out any) {
		b.Helper()
		if w.Code != want {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
		if out != nil {
			if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
				b.Fatal(err)
			}
		}
	}
	var key struct{ Key string }
	must(fx.do("POST", "/api/v1/me/api-keys", "", "application/json", `{"name":"bench"}`, false), http.StatusCreated, &key)
	fx.key = key.Key
	must(fx.do("PUT", "/api/v1/account/subscription", "", "application/json", `{"extra_seats":10000}`, true), http.StatusOK, nil)
	for i := range 20 {
		var d struct{ ID int64 }
		must(fx.do("POST", "/api/v1/departments", "", "application/json", fmt.Sprintf(`{"name":"Dept %02d"}`, i+1), true), http.StatusCreated, &d)
		if i == 6 {
			fx.dept = d.ID
		}
	}
	start := time.Now()
	const users = 9999 // and the admin
	for done := 0; done < users; {
		var csv strings.Builder
		csv.WriteString("username,full_name,email,role,department\n")
		n := min(portail.MaxImportRows, users-done)
		for k := done; k < done+n; k++ {
			fmt.Fprintf(&csv, "user%05d,User %05d,user%05d@bench.test,viewer,Dept %02d\n", k, k, k, k%20+1)
		}
		var rep struct {
			Created int
			Rows    []struct {
				UserID int64 `json:"user_id"`
			}
		}
		must(fx.do("POST", "/api/v1/users/import", "dry_run=false", "text/csv", csv.String(), true), http.StatusOK, &rep)
		if rep.Created != n {
			b.Fatalf("imported %d of %d", rep.Created, n)
		}
		if fx.user == 0 {
			fx.user = rep.Rows[n/2].UserID
		}
		done += n
	}
	b.Logf("%s: imported %d users through the API in %v", dialect, users, time.Since(start).Round(time.Millisecond))
	return fx
}
