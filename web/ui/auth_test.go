package ui

import "testing"

// TestSafeNext: after sign-in the browser goes only to a path of this
// site, whatever a crafted link puts in next.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/users?inactive=1":      "/users?inactive=1",
		"/documents/3":           "/documents/3",
		"":                       "/",
		"https://evil.example/":  "/",
		"//evil.example/x":       "/",
		"/\\evil.example":        "/",
		"/\t/evil.example/phish": "/",
		"/\n/evil.example":       "/",
		"/\x7f/evil.example":     "/",
		"javascript:alert(1)":    "/",
		"users":                  "/",
		"/%2F%2Fevil.example":    "/%2F%2Fevil.example", // a path, percent-encoded: stays on this site
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
