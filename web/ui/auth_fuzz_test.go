package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext: after sign-in the browser is sent only to a path of this
// site. Whatever next holds, safeNext keeps it whole or answers "/"; what
// it keeps has no scheme, no host, no "//", no backslash and no control
// character; and the Location the redirect then writes, resolved the way
// a browser resolves it, stays on this host.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/users?inactive=1", "/documents/3", "", "https://evil.example/", "//evil.example/x",
		"/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\x7f/x", "javascript:alert(1)", "users",
		"/%2F%2Fevil.example", "/./../..//evil.example", "/.//evil.example", "/a/..//evil.example", "/?//evil",
		"/#//evil", "/\u3000/x", "/\u2028/x", "/@evil.example", "/:80", "/\xff", "\\\\evil.example", " /x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://portail.test/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither kept nor refused", next, got)
		}
		switch {
		case !strings.HasPrefix(got, "/"), strings.HasPrefix(got, "//"), strings.Contains(got, `\`),
			strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			t.Fatalf("safeNext(%q) = %q", next, got)
		}
		if u, err := url.Parse(got); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			t.Fatalf("safeNext(%q) = %q parses as %+v, %v", next, got, u, err)
		}
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest("POST", "/login", nil), got, http.StatusSeeOther)
		loc := w.Header().Get("Location")
		if strings.HasPrefix(loc, "//") || strings.Contains(loc, `\`) {
			t.Fatalf("next %q redirects to %q", next, loc)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("next %q redirects to %q, which does not parse: %v", next, loc, err)
		}
		if r := base.ResolveReference(u); r.Scheme != "https" || r.Host != "portail.test" {
			t.Fatalf("next %q redirects to %q, which a browser reads as %s", next, loc, r)
		}
	})
}
