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
