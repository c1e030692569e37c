package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"portail"
)

// FuzzNegotiate: whatever Accept-Language, ?lang and the language cookie
// say, a page is in French, English or Dutch; a valid ?lang wins over the
// cookie and the header, a valid cookie over the header; and a signed-in
// user's own setting over all of them.
func FuzzNegotiate(f *testing.F) {
	for _, s := range [][3]string{
		{"nl-BE,nl;q=0.9,en;q=0.8", "", ""}, {"en-US", "fr", ""}, {"de-DE", "", "nl"}, {"*", "xx", "yy"},
		{"fr;q=0", "", ""}, {"en;q=abc", "", ""}, {"zh-Hant-TW-x-private-1234567890", "", ""},
		{"-------------------------------------------", "", ""}, {"nl;q=0.5,en;q=0.5", "EN", "NL"}, {"\xff", "\x00", "%00"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	langs := map[string]bool{"fr": true, "en": true, "nl": true}
	f.Fuzz(func(t *testing.T, accept, lang, cookie string) {
		for _, v := range []string{accept, cookie} {
			for i := 0; i < len(v); i++ {
				if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
					return // net/http refuses such a header before any handler
				}
			}
		}
		r := httptest.NewRequest("GET", "/login", nil)
		r.URL.RawQuery = url.Values{"lang": {lang}}.Encode()
		r.Header.Set("Accept-Language", accept)
		r.Header.Set("Cookie", (&http.Cookie{Name: langCookie, Value: cookie}).String())
		got := negotiate(r, nil)
		if !langs[got] {
			t.Fatalf("negotiate(%q, ?lang=%q, cookie %q) = %q", accept, lang, cookie, got)
		}
		c, _ := r.Cookie(langCookie)
		switch {
		case portail.ValidLanguage(lang) && got != lang:
			t.Fatalf("?lang=%s gave %s", lang, got)
		case !portail.ValidLanguage(lang) && c != nil && portail.ValidLanguage(c.Value) && got != c.Value:
			t.Fatalf("cookie %s gave %s", c.Value, got)
		}
		for _, own := range []string{"fr", "en", "nl"} {
			if got := negotiate(r, &portail.User{Language: own}); got != own {
				t.Fatalf("a user who reads %s got %s", own, got)
			}
		}
	})
}
