package ui_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

// langLink finds the href of a page's language link to lang.
func langLink(body, lang string) string {
	m := regexp.MustCompile(`<a href="([^"]*)" lang="` + lang + `"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestLanguageLinksKeepQuery: the FR/NL/EN links of the one-time-link
// pages keep the link's token, whether the page was opened or shown again
// after its form was posted; only lang changes.
func TestLanguageLinksKeepQuery(t *testing.T) {
	s := webtest.NewServers(t)[0]
	for _, path := range []string{"/setup", "/invitation", "/reset-password", "/confirm-email"} {
		w := s.Do("GET", path, "token=tok-123&lang=en", nil, nil)
		for _, lang := range []string{"fr", "nl", "en"} {
			href := langLink(w.Body.String(), lang)
			u, err := url.Parse(href)
			if err != nil || !strings.HasPrefix(href, "?") || u.Query().Get("token") != "tok-123" || u.Query().Get("lang") != lang || len(u.Query()["lang"]) != 1 {
				t.Errorf("GET %s: the %s link is %q, want the token kept and lang=%s", path, lang, href, lang)
			}
		}
	}
	for _, path := range []string{"/setup", "/invitation", "/reset-password"} {
		form := url.Values{"token": {"tok-456"}, "new_password": {"x"}, "admin_password": {"x"}}
		w := s.Do("POST", path, "", strings.NewReader(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		href := langLink(w.Body.String(), "nl")
		if u, _ := url.Parse(href); u == nil || u.Query().Get("token") != "tok-456" {
			t.Errorf("POST %s (refused): the nl link is %q, want the token of the form", path, href)
		}
	}
}

var formHeader = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

// fieldMessages are the field messages of a page, by field.
func fieldMessages(body string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<p class="field-error" id="([a-z_]+)-err">([^<]*)</p>`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// TestFormsAnswerOnce: a form's every problem comes in one answer, not
// in rounds: the setup form says the bad fields with a password both too
// short and too common; the add-user page and the API say the invalid
// fields with the name already taken and the department that does not
// exist.
func TestFormsAnswerOnce(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		form := url.Values{"token": {"any"}, "account": {""}, "plan": {"gold"}, "admin_username": {"b"},
			"admin_email": {"not-an-address"}, "admin_password": {"password"}}
		w := s.Do("POST", "/setup", "lang=en", strings.NewReader(form.Encode()), formHeader)
		got := fieldMessages(w.Body.String())
		if w.Code != http.StatusBadRequest || got["account"] == "" || got["admin_username"] == "" || got["admin_email"] == "" ||
			!strings.Contains(got["admin_password"], "at least 12 characters") || !strings.Contains(got["admin_password"], "too common") {
			t.Errorf("%s: POST /setup: %d, fields %q; want every field's every problem", s.Dialect, w.Code, got)
		}
		// Without a password, the page still says the other fields.
		form.Set("admin_password", "")
		w = s.Do("POST", "/setup", "lang=en", strings.NewReader(form.Encode()), formHeader)
		if got := fieldMessages(w.Body.String()); got["admin_password"] == "" || got["admin_email"] == "" || got["account"] == "" {
			t.Errorf("%s: POST /setup without a password: fields %q", s.Dialect, got)
		}

		form = url.Values{"username": {"op1"}, "full_name": {""}, "email": {"op1@a.test"}, "role": {"operator"},
			"department_id": {"999999"}, "modules": {"mail"}, "modules_present": {"1"}, "language": {"en"}}
		w = s.Do("POST", "/users", "", strings.NewReader(form.Encode()), formHeader, s.Admin)
		got = fieldMessages(w.Body.String())
		for _, f := range []string{"username", "full_name", "email", "department_id"} {
			if got[f] == "" {
				t.Errorf("%s: POST /users: %d, no message on %s in one answer; fields %q", s.Dialect, w.Code, f, got)
			}
		}
		w = s.Do("POST", "/api/v1/users", "", strings.NewReader(`{"username":"op1","full_name":"","email":"op1@a.test","role":"operator","department_id":999999,"modules":["mail"]}`),
			http.Header{"Content-Type": {"application/json"}}, s.Admin)
		p := s.CheckAnswer(t, "POST /api/v1/users", w, http.StatusBadRequest, http.StatusConflict)
		fields := map[string]bool{}
		if p != nil {
			for _, e := range p.Errors {
				fields[e.Field] = true
			}
		}
		if !fields["username"] || !fields["full_name"] || !fields["email"] || !fields["department_id"] {
			t.Errorf("%s: POST /api/v1/users: %d, fields %v; want username, full_name, email and department_id at once", s.Dialect, w.Code, fields)
		}

		// One's own profile: a refused name with a new address and a
		// wrong current password; the password page: a wrong current
		// password with a refused new one.
		form = url.Values{"full_name": {""}, "email": {"new-admin@a.test"}, "language": {"en"}, "current_password": {"wrong"}}
		w = s.Do("POST", "/profile", "", strings.NewReader(form.Encode()), formHeader, s.Admin)
		if got := fieldMessages(w.Body.String()); got["full_name"] == "" || got["current_password"] == "" {
			t.Errorf("%s: POST /profile: %d, fields %q; want full_name and current_password at once", s.Dialect, w.Code, got)
		}
		form = url.Values{"current_password": {"wrong"}, "new_password": {"x7#kq"}}
		w = s.Do("POST", "/password", "", strings.NewReader(form.Encode()), formHeader, s.Admin)
		if got := fieldMessages(w.Body.String()); got["current_password"] == "" || got["new_password"] == "" {
			t.Errorf("%s: POST /password: %d, fields %q; want current_password and new_password at once", s.Dialect, w.Code, got)
		}
	}
}
