package ui_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"portail/web"
)

// TestStaticFilesOnly: /static/ serves files and never lists a directory.
func TestStaticFilesOnly(t *testing.T) {
	base, _ := url.Parse("http://portail.test")
	h := web.NewServer(web.Services{}, base, slog.New(slog.DiscardHandler)).Handler()
	for path, want := range map[string]int{
		"/static/":            http.StatusNotFound,
		"/static/nothing":     http.StatusNotFound,
		"/static/portail.css": http.StatusOK,
		"/static/portail.js":  http.StatusOK,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d\n%.200s", path, rec.Code, want, body)
		}
	}
}
