package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

// TestUsersPageFilterRefused: the users page reads its filters with the
// API's parser; a filter it cannot read is said next to its field (400),
// not dropped for a list that looks filtered and is not.
func TestUsersPageFilterRefused(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		for _, c := range []struct{ query, field string }{
			{"department_id=x", "department_id"}, {"role=boss", "role"}, {"module=nope", "module"},
		} {
			w := s.Do("GET", "/users", c.query, nil, nil, s.Admin)
			if w.Code != http.StatusBadRequest {
				t.Errorf("%s: /users?%s: %d, want 400", s.Dialect, c.query, w.Code)
			}
			if !strings.Contains(w.Body.String(), `id="`+c.field+`-err"`) {
				t.Errorf("%s: /users?%s: no message next to %s", s.Dialect, c.query, c.field)
			}
		}
		if w := s.Do("GET", "/users", "role=viewer&inactive=1", nil, nil, s.Admin); w.Code != http.StatusOK {
			t.Errorf("%s: /users with good filters: %d", s.Dialect, w.Code)
		}
	}
}
