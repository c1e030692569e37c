package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

// TestNotFoundPage: an address that names no page answers the portal's
// own 404 page in the visitor's language, signed in with their menu; an
// unknown API path stays a problem+json 404, and another method on a page
// still answers 405.
func TestNotFoundPage(t *testing.T) {
	s := webtest.NewServers(t)[0]
	w := s.Do("GET", "/no/such/page", "", nil, http.Header{"Accept-Language": {"nl-BE,nl;q=0.9"}})
	if b := w.Body.String(); w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(b, `<html lang="nl">`) || !strings.Contains(b, "Deze pagina bestaat niet") || !strings.Contains(b, `href="/"`) {
		t.Errorf("GET /no/such/page: %d %s\n%.400s", w.Code, w.Header().Get("Content-Type"), b)
	}
	w = s.Do("GET", "/usersx", "", nil, nil, s.Admin)
	if b := w.Body.String(); w.Code != http.StatusNotFound || !strings.Contains(b, `<html lang="fr">`) ||
		!strings.Contains(b, "Cette page n&#39;existe pas") || !strings.Contains(b, `href="/users"`) {
		t.Errorf("GET /usersx signed in: %d\n%.600s", w.Code, b)
	}
	w = s.Do("GET", "/api/v1/nowhere", "", nil, nil, s.Admin)
	if w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /api/v1/nowhere: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if w = s.Do("DELETE", "/login", "", nil, nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /login: %d, want 405", w.Code)
	}
}
