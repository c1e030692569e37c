package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestUsersPageFilterRefused: the users page reads its filters with the
// API's parser; a filter it cannot read is said next to its field (400),
// not dropped for a list that looks filtered and is not.
func TestUsersPageFilterRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.url = strings.TrimSuffix(e.url, "/api/v1") // the pages
	for _, c := range []struct{ query, field string }{
		{"department_id=x", "department_id"}, {"role=boss", "role"}, {"module=nope", "module"},
	} {
		resp, body := e.raw(t, "admin", "/users?"+c.query)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("/users?%s: %d, want 400", c.query, resp.StatusCode)
		}
		if !strings.Contains(string(body), `id="`+c.field+`-err"`) {
			t.Errorf("/users?%s: no message next to %s: %s", c.query, c.field, body)
		}
	}
	if resp, _ := e.raw(t, "admin", "/users?role=viewer&inactive=1"); resp.StatusCode != http.StatusOK {
		t.Errorf("/users with good filters: %d", resp.StatusCode)
	}
}
