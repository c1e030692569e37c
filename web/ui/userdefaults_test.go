package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

// TestAddUserDefaults: the add-user form opens with values that can be
// saved: the first department for an Operator; with no department yet the
// Admin role, and a link to create a department first.
func TestAddUserDefaults(t *testing.T) {
	s := webtest.NewServers(t)[0]
	selected := func(body, sel string) string {
		m := regexp.MustCompile(`(?s)<select id="` + sel + `".*?</select>`).FindString(body)
		o := regexp.MustCompile(`<option value="([^"]*)"[^>]*selected`).FindStringSubmatch(m)
		if o == nil {
			return ""
		}
		return o[1]
	}
	w := s.Do("GET", "/users/new", "", nil, nil, s.Admin)
	if role, dept := selected(w.Body.String(), "role"), selected(w.Body.String(), "department_id"); role != "operator" || dept != strconv.FormatInt(s.IDs["D1"], 10) {
		t.Errorf("/users/new with departments: role %q, department %q; want operator in D1 (%d)", role, dept, s.IDs["D1"])
	}
	// Account B has no department yet.
	w = s.Do("POST", "/login", "", strings.NewReader(url.Values{"login": {"badmin"}, "password": {webtest.Password}}.Encode()), formHeader)
	var session *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == "portail_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("badmin could not sign in: %d", w.Code)
	}
	w = s.Do("GET", "/users/new", "", nil, nil, session)
	if role := selected(w.Body.String(), "role"); role != "admin" || !strings.Contains(w.Body.String(), `<a href="/departments">`) {
		t.Errorf("/users/new without departments: role %q, want admin, and a link to /departments\n%s", role, w.Body.String())
	}
}
