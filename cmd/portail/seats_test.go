package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"portail/internal/testdb"
)

// seats returns the seats object of a GET /account answer.
func seats(t *testing.T, r response) map[string]any {
	t.Helper()
	s, ok := r.body["seats"].(map[string]any)
	if !ok {
		t.Fatalf("no seats in %s", r.raw)
	}
	return s
}

// wantNumbers checks numeric JSON members of m.
func wantNumbers(t *testing.T, what string, m map[string]any, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if got, ok := m[k].(float64); !ok || got != v {
			t.Errorf("%s.%s = %v, want %v", what, k, m[k], v)
		}
	}
}

// seatLimit checks a 409 seat_limit problem naming the plan and limit.
func seatLimit(t *testing.T, r response, plan string, limit float64) {
	t.Helper()
	r.must(t, 409, "seat_limit")
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if r.body["plan"] != plan || r.body["limit"] != limit {
		t.Fatalf("problem plan %v, limit %v; want %q, %v: %s", r.body["plan"], r.body["limit"], plan, limit, r.raw)
	}
	detail, _ := r.body["detail"].(string)
	if !strings.Contains(detail, plan) || !strings.Contains(detail, fmt.Sprint(limit)) || !strings.Contains(detail, "extra seats") {
		t.Fatalf("detail %q should name the plan %s, the limit %v and how to add seats", detail, plan, limit)
	}
}

// TestSeatsGold is the "must show", through the API, on both
// databases.
func TestSeatsGold(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Sales"}).must(t, 201).id()
			create := func(name string) response {
				return admin.do("POST", "/api/v1/users", map[string]any{"username": name, "full_name": "User " + name,
					"email": name + "@acme.test", "role": "viewer", "department_id": dept})
			}

			acct := admin.do("GET", "/api/v1/account", nil).must(t, 200)
			if acct.body["plan"] != "gold" || acct.body["trial_ends_at"] != nil {
				t.Fatalf("account %s", acct.raw)
			}
			wantNumbers(t, "seats", seats(t, acct), map[string]float64{"included": 3, "extra": 0, "used": 1, "available": 2, "unused_extra": 0})

			// Admin + 2 users succeed; the 3rd → 409 seat_limit.
			u1 := create("user1").must(t, 201).id()
			create("user2").must(t, 201)
			seatLimit(t, create("user3"), "gold", 3)
			acct = admin.do("GET", "/api/v1/account", nil).must(t, 200)
			wantNumbers(t, "seats", seats(t, acct), map[string]float64{"used": 3, "available": 0})

			// Deactivate one: the creation succeeds.
			d := admin.do("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", u1), nil).must(t, 200)
			if d.body["status"] != "inactive" {
				t.Fatalf("deactivated: %s", d.raw)
			}
			create("user3").must(t, 201)

			// Reactivating the deactivated one → 409; it stays inactive.
			seatLimit(t, admin.do("POST", fmt.Sprintf("/api/v1/users/%d/reactivate", u1), nil), "gold", 3)
			if u := admin.do("GET", fmt.Sprintf("/api/v1/users/%d", u1), nil).must(t, 200); u.body["status"] != "inactive" {
				t.Fatalf("after the refused reactivation: %s", u.raw)
			}

			// extra_seats: 1 lets it through.
			sub := admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 1}).must(t, 200)
			wantNumbers(t, "seats", seats(t, sub), map[string]float64{"included": 3, "extra": 1, "used": 3, "available": 1, "unused_extra": 1})
			wantNumbers(t, "account", sub.body, map[string]float64{"monthly_cost_cents": 500})
			r := admin.do("POST", fmt.Sprintf("/api/v1/users/%d/reactivate", u1), nil).must(t, 200)
			if r.body["status"] != "invited" {
				t.Fatalf("reactivated: %s", r.raw)
			}

			// GET /account: 4 used, 0 available, monthly cost 500.
			acct = admin.do("GET", "/api/v1/account", nil).must(t, 200)
			if acct.body["plan"] != "gold" {
				t.Fatalf("plan %v", acct.body["plan"])
			}
			wantNumbers(t, "seats", seats(t, acct), map[string]float64{"included": 3, "extra": 1, "used": 4, "available": 0, "unused_extra": 0})
			wantNumbers(t, "account", acct.body, map[string]float64{"monthly_cost_cents": 500})

			// Lowering to extra_seats: 0 → 409, and nothing changes.
			seatLimit(t, admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 0}), "gold", 3)
			seatLimit(t, admin.do("PUT", "/api/v1/account/subscription", map[string]any{"plan": "silver", "extra_seats": 1}), "silver", 3)
			seatLimit(t, create("user4"), "gold", 4)
			acct = admin.do("GET", "/api/v1/account", nil).must(t, 200)
			wantNumbers(t, "seats", seats(t, acct), map[string]float64{"extra": 1, "used": 4, "available": 0})
			wantNumbers(t, "account", acct.body, map[string]float64{"monthly_cost_cents": 500})

			// A bad request is invalid, not a seat question.
			admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": -1}).must(t, 400, "invalid")
			admin.do("PUT", "/api/v1/account/subscription", map[string]any{"plan": "diamond"}).must(t, 400, "invalid")

			// Deactivating a user keeps the paid extra seat; the answer flags it.
			admin.do("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", u1), nil).must(t, 200)
			acct = admin.do("GET", "/api/v1/account", nil).must(t, 200)
			wantNumbers(t, "seats", seats(t, acct), map[string]float64{"extra": 1, "used": 3, "available": 1, "unused_extra": 1})
			wantNumbers(t, "account", acct.body, map[string]float64{"monthly_cost_cents": 500})

			// The plan and seat changes are in the activity log; the refused ones are not.
			log := admin.do("GET", "/api/v1/activity?type=subscription_changed", nil).must(t, 200)
			items, _ := log.body["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("subscription entries: %s", log.raw)
			}
			if e, _ := items[0].(map[string]any); !strings.Contains(fmt.Sprint(e["detail"]), "extra_seats=0->1") {
				t.Fatalf("entry %v", e)
			}
		})
	}
}

// TestSeatsTrialSetup: `portail setup --trial` gives 10 seats until
// trial_ends_at, 30 days ahead by default.
func TestSeatsTrialSetup(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			before := time.Now()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "starter", Setup: []string{"--trial"}})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			acct := admin.do("GET", "/api/v1/account", nil).must(t, 200)
			s, _ := acct.body["trial_ends_at"].(string)
			ends, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("trial_ends_at %q: %v", acct.body["trial_ends_at"], err)
			}
			if lo, hi := before.AddDate(0, 0, 30).Add(-time.Minute), time.Now().AddDate(0, 0, 30).Add(time.Minute); ends.Before(lo) || ends.After(hi) {
				t.Fatalf("trial ends at %s, want about 30 days from now (%s)", ends, before.AddDate(0, 0, 30))
			}
			wantNumbers(t, "seats", seats(t, acct), map[string]float64{"included": 10, "extra": 0, "used": 1, "available": 9})
			wantNumbers(t, "account", acct.body, map[string]float64{"monthly_cost_cents": 0})

			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Sales"}).must(t, 201).id()
			create := func(name string) response {
				return admin.do("POST", "/api/v1/users", map[string]any{"username": name, "full_name": "User " + name,
					"email": name + "@acme.test", "role": "viewer", "department_id": dept})
			}
			for i := range 9 {
				create(fmt.Sprintf("user%d", i)).must(t, 201)
			}
			r := create("user9").must(t, 409, "seat_limit")
			if r.body["plan"] != "starter" || r.body["limit"] != float64(10) {
				t.Fatalf("trial refusal %s", r.raw)
			}
			// Lowering nothing below the trial's 10: extra seats on top are fine.
			sub := admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 1}).must(t, 200)
			wantNumbers(t, "seats", seats(t, sub), map[string]float64{"included": 10, "extra": 1, "used": 10, "available": 1})
			create("user9").must(t, 201)
		})
	}
}

// TestSeatsTrialDays: --trial-days sets another length.
func TestSeatsTrialDays(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold", Setup: []string{"--trial", "--trial-days", "7"}})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	acct := admin.do("GET", "/api/v1/account", nil).must(t, 200)
	s, _ := acct.body["trial_ends_at"].(string)
	ends, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("trial_ends_at %q: %v", acct.body["trial_ends_at"], err)
	}
	if d := time.Until(ends); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour {
		t.Fatalf("trial ends in %s, want 7 days", d)
	}
}
