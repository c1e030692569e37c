package main

import (
	"fmt"
	"strings"
	"testing"
)

// fieldsOf lists the fields of a problem's errors.
func fieldsOf(r response) string {
	var out []string
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return strings.Join(out, ",")
}

// TestListLimitRefused: every list refuses a limit over 200 with a field
// error on limit, the outbox too, rather than answering another number
// of items than asked.
func TestListLimitRefused(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	boss := a.client()
	boss.login("boss", adminPassword).must(t, 200)
	for _, path := range []string{"/api/v1/users", "/api/v1/activity", "/api/v1/outbox"} {
		for _, limit := range []string{"201", "100000", "-1"} {
			r := boss.do("GET", path+"?limit="+limit, nil)
			if r.status != 400 || r.code() != "invalid" || fieldsOf(r) != "limit" {
				t.Errorf("%s?limit=%s: %d %s, want 400 invalid on limit", path, limit, r.status, r.raw)
			}
		}
		boss.do("GET", path+"?limit=200", nil).must(t, 200)
	}
}

// TestModuleFieldPath: a module the account does not subscribe to is
// named by its place in the request, modules[i] (SPEC §9).
func TestModuleFieldPath(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	boss := a.client()
	boss.login("boss", adminPassword).must(t, 200)
	boss.do("PUT", "/api/v1/account/subscription", map[string]any{"modules": []string{"mail"}}).must(t, 200)
	dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Sales"}).must(t, 201).id()
	r := boss.do("POST", "/api/v1/users", map[string]any{"username": "ann", "full_name": "Ann", "email": "ann@acme.test",
		"role": "operator", "department_id": dept, "modules": []string{"mail", "parcels"}}).must(t, 400, "invalid")
	if got := fieldsOf(r); got != "modules[1]" {
		t.Errorf("create: fields %q, want modules[1]", got)
	}
	u := boss.do("POST", "/api/v1/users", map[string]any{"username": "ann", "full_name": "Ann", "email": "ann@acme.test",
		"role": "operator", "department_id": dept, "modules": []string{"mail"}}).must(t, 201).id()
	r = boss.do("PATCH", fmt.Sprintf("/api/v1/users/%d", u), map[string]any{"modules": []string{"classic", "mail", "parcels"}}).must(t, 400, "invalid")
	if got := fieldsOf(r); got != "modules[0],modules[2]" {
		t.Errorf("update: fields %q, want modules[0],modules[2]", got)
	}
}
