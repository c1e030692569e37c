package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// newBareServer is a server without services: enough for what the edge
// answers before any handler reaches the database.
func newBareServer(t *testing.T, base string) *Server {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return NewServer(Services{}, u, slog.New(slog.DiscardHandler))
}

// seriesCount is the number of series of each metric family.
func seriesCount(t *testing.T, s *Server) map[string]int {
	t.Helper()
	families, err := s.metrics.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, f := range families {
		n[f.GetName()] = len(f.GetMetric())
	}
	return n
}

// TestMetricsMethodFlood: a method is any token a client sends; a flood of
// made-up methods must neither reach the routes nor add a series per
// method to the request metrics.
func TestMetricsMethodFlood(t *testing.T) {
	s := newBareServer(t, "http://portail.test")
	h := s.Handler()
	send := func(method, path string) int {
		r := httptest.NewRequest("GET", path, nil)
		r.Method = method
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		send(m, "/healthz")
	}
	before := seriesCount(t, s)
	for i := range 2000 {
		path := "/healthz"
		if i%2 == 1 {
			path = "/api/v1/users"
		}
		if got := send(fmt.Sprintf("M%dX", i), path); got != http.StatusNotImplemented {
			t.Fatalf("made-up method: got %d, want 501", got)
		}
	}
	after := seriesCount(t, s)
	for _, name := range []string{"portail_http_requests_total", "portail_http_request_duration_seconds"} {
		// The flood may add its own few series (method "other"), never one
		// per method.
		if grew := after[name] - before[name]; grew > 4 {
			t.Errorf("%s: %d new series after 2000 made-up methods, want at most 4", name, grew)
		}
	}
}

// TestHSTS: browsers are told to keep to https when the public address is
// https, and never otherwise (an http-only installation would lock its
// users out).
func TestHSTS(t *testing.T) {
	for base, want := range map[string]string{
		"https://portail.test":      "max-age=63072000; includeSubDomains",
		"http://portail.test":       "",
		"http://127.0.0.1:8080":     "",
		"https://portail.test:8443": "max-age=63072000; includeSubDomains",
	} {
		h := newBareServer(t, base).Handler()
		for _, path := range []string{"/healthz", "/login", "/no-such-page"} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if got := w.Header().Get("Strict-Transport-Security"); got != want {
				t.Errorf("%s %s: Strict-Transport-Security %q, want %q", base, path, got, want)
			}
		}
	}
}
