package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"portail/internal/testdb"
)

// TestActivityLog: sign-ins, a failure, a creation and a deactivation are
// found through /activity with the right user, address, agent and type,
// and the CSV export has them, safely quoted.
func TestActivityLog(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			admin := a.client()
			admin.login("boss", "not the password").must(t, 401)
			admin.login("boss", adminPassword).must(t, 200)
			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Sales"}).must(t, 201).id()
			u := admin.do("POST", "/api/v1/users", map[string]any{"username": "ann", "full_name": "Ann", "email": "ann@acme.test",
				"role": "viewer", "department_id": dept}).must(t, 201).id()
			admin.do("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", u), nil).must(t, 200)

			page := admin.do("GET", "/api/v1/activity?limit=200", nil).must(t, 200)
			items, _ := page.body["items"].([]any)
			byUser := map[int64][]string{}
			entries := 0
			for _, it := range items {
				e := it.(map[string]any)
				if e["type"] == "notification_sent" {
					continue // the delivery job's own timing
				}
				entries++
				uid, _ := e["user_id"].(float64)
				byUser[int64(uid)] = append(byUser[int64(uid)], e["type"].(string))
				if e["type"] == "login_failed" || e["type"] == "login_succeeded" {
					if e["ip"] != "127.0.0.1" || !strings.HasPrefix(e["user_agent"].(string), "Go-http-client") {
						t.Errorf("%s: ip %v user agent %v", e["type"], e["ip"], e["user_agent"])
					}
				}
				if int64(uid) == u {
					if actor, _ := e["actor_id"].(float64); actor != 1 {
						t.Errorf("%s by %v, want the admin (1)", e["type"], e["actor_id"])
					}
				}
			}
			bossTypes := strings.Join(byUser[1], ",")
			if !strings.Contains(bossTypes, "login_succeeded,login_failed") {
				t.Errorf("admin's entries (newest first): %s", bossTypes)
			}
			if got := strings.Join(byUser[u], ","); got != "user_deactivated,user_created" {
				t.Errorf("ann's entries: %q", got)
			}
			// Filters: by user and type.
			f := admin.do("GET", fmt.Sprintf("/api/v1/activity?user_id=%d&type=user_created", u), nil).must(t, 200)
			if items, _ := f.body["items"].([]any); len(items) != 1 {
				t.Errorf("user_id+type filter: %s", f.raw)
			}
			admin.do("GET", "/api/v1/activity?from=yesterday", nil).must(t, 400, "invalid")
			if r := admin.do("GET", "/api/v1/activity?to=2000-01-01", nil).must(t, 200); strings.Contains(string(r.raw), `"id"`) {
				t.Errorf("to=2000-01-01 returned entries")
			}

			// CSV: header, quoting, neutralised formulas.
			req, _ := http.NewRequest("GET", a.url+"/api/v1/activity.csv", nil)
			req.Header.Set("User-Agent", `=HYPERLINK("http://evil"), "quoted"`)
			admin.do("GET", "/api/v1/me", nil) // nothing logged; just proves the session
			res, err := admin.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Fatalf("content type %q", ct)
			}
			body, _ := io.ReadAll(res.Body)
			recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
			if err != nil {
				t.Fatalf("CSV does not parse: %v\n%s", err, body)
			}
			if strings.Join(recs[0], ",") != "id,at,user_id,username,actor_id,type,detail,ip,user_agent,started_at,ended_at,actor_kind,actor_name" {
				t.Fatalf("header %v", recs[0])
			}
			csvEntries := 0
			for _, r := range recs[1:] {
				if r[5] != "notification_sent" {
					csvEntries++
				}
			}
			if csvEntries != entries {
				t.Errorf("CSV has %d entries, JSON %d", csvEntries, entries)
			}
			found := false
			for _, r := range recs[1:] {
				if r[3] == "ann" && r[5] == "user_created" {
					found = true
				}
			}
			if !found {
				t.Errorf("no user_created row for ann in CSV")
			}
			// A sign-in with a formula as its user agent is exported inert.
			evil := a.client()
			req, _ = http.NewRequest("POST", a.url+"/api/v1/auth/login", strings.NewReader(`{"login":"boss","password":"wrong wrong"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", `=HYPERLINK("http://evil"), "quoted"`)
			res2, err := evil.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res2.Body.Close()
			r := admin.do("GET", "/api/v1/activity.csv?type=login_failed", nil)
			recs, err = csv.NewReader(strings.NewReader(string(r.raw))).ReadAll()
			if err != nil || len(recs) != 3 {
				t.Fatalf("login_failed CSV: %v %q", err, r.raw)
			}
			if recs[1][8] != `'=HYPERLINK("http://evil"), "quoted"` {
				t.Errorf("user agent cell %q is not neutralised", recs[1][8])
			}
		})
	}
}
