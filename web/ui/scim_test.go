package ui_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

// TestAccountSCIMTokens: the account page's SCIM section creates a token
// with its defaults and shows it once, lists it with its last use, and
// revokes it; a refused name is said next to the field.
func TestAccountSCIMTokens(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		form := func(v url.Values) (http.Header, string) {
			return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, v.Encode()
		}
		h, body := form(url.Values{"scim_name": {" "}, "scim_role": {"operator"}, "scim_department_id": {strconv.FormatInt(s.IDs["D1"], 10)}})
		w := s.Do("POST", "/account/scim-tokens", "", strings.NewReader(body), h, s.Admin)
		page := html.UnescapeString(w.Body.String())
		if w.Code != http.StatusBadRequest || !strings.Contains(page, `id="scim_name-err"`) {
			t.Fatalf("%s: an empty name: %d, no message next to the field", s.Dialect, w.Code)
		}
		h, body = form(url.Values{"scim_name": {"Entra ID"}, "scim_role": {"viewer"}, "scim_department_id": {strconv.FormatInt(s.IDs["D2"], 10)},
			"scim_modules": {"mail", "parcels"}})
		w = s.Do("POST", "/account/scim-tokens", "", strings.NewReader(body), h, s.Admin)
		page = html.UnescapeString(w.Body.String())
		token := regexp.MustCompile(`<code>(scim_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(page)
		if w.Code != http.StatusCreated || token == nil || !strings.Contains(page, `id="new-scim-token"`) ||
			!strings.Contains(page, "http://portail.test/scim/v2") {
			t.Fatalf("%s: create: %d, token %v", s.Dialect, w.Code, token)
		}
		// The token works, and is never shown again.
		r := s.Do("GET", "/scim/v2/Users", "", nil, http.Header{"Authorization": {"Bearer " + token[1]}})
		if r.Code != http.StatusOK {
			t.Fatalf("%s: the new token: %d %s", s.Dialect, r.Code, r.Body)
		}
		w = s.Do("GET", "/account", "", nil, nil, s.Admin)
		page = html.UnescapeString(w.Body.String())
		if strings.Contains(page, token[1]) || !strings.Contains(page, `id="scim-tokens"`) || !strings.Contains(page, "Entra ID") {
			t.Fatalf("%s: the list: shows the token again or lacks it", s.Dialect)
		}
		id := regexp.MustCompile(`/account/scim-tokens/(\d+)/revoke`).FindStringSubmatch(page)
		if id == nil {
			t.Fatalf("%s: no revoke form", s.Dialect)
		}
		w = s.Do("POST", "/account/scim-tokens/"+id[1]+"/revoke", "", nil, nil, s.Admin)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: revoke: %d", s.Dialect, w.Code)
		}
		if r := s.Do("GET", "/scim/v2/Users", "", nil, http.Header{"Authorization": {"Bearer " + token[1]}}); r.Code != http.StatusUnauthorized {
			t.Fatalf("%s: the revoked token: %d", s.Dialect, r.Code)
		}
	}
}
