package api_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portail"
	"portail/internal/testdb"
)

// TestFreeTextBounded: every free-text parameter of a list filter, and
// every cursor, has a length limit that answers 400 invalid with a field
// error, instead of reaching the database (a 50,000-character q made
// SQLite's LIKE fail with a 500). The page shows the message next to the
// search field.
func TestFreeTextBounded(t *testing.T) {
	long := strings.Repeat("a", 50_000)
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newDocEnv(t, d)
			for _, c := range []struct{ path, field string }{
				{"/users?q=" + long, "q"},
				{"/users?q=" + strings.Repeat("é", 201), "q"},
				{"/users?cursor=" + long, "cursor"},
				{"/activity?type=" + long, "type"},
				{"/activity?cursor=" + long, "cursor"},
				{"/documents?cursor=" + long, "cursor"},
				{"/labels?cursor=" + long, "cursor"},
				{"/outbox?cursor=" + long, "cursor"},
			} {
				resp, body := e.request(t, "admin", "GET", c.path, "")
				if resp.StatusCode != http.StatusBadRequest || body["code"] != "invalid" || !hasField(body, c.field) {
					t.Errorf("GET %.40s…: %d %v, want 400 invalid on %s", c.path, resp.StatusCode, body["code"], c.field)
				}
			}
			// 200 characters is still a search.
			if resp, body := e.request(t, "admin", "GET", "/users?q="+strings.Repeat("é", 200), ""); resp.StatusCode != 200 {
				t.Errorf("q of 200 characters: %d %v", resp.StatusCode, body)
			}

			// The users page keeps the form and says what is wrong next to it.
			base := strings.TrimSuffix(e.url, "/api/v1")
			req, _ := http.NewRequest("GET", base+"/users?q="+url.QueryEscape(long), nil)
			req.AddCookie(e.cookies["admin"])
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), `id="q-err"`) {
				t.Errorf("users page with a long q: %d, field error shown: %v", resp.StatusCode, strings.Contains(string(page), `id="q-err"`))
			}
		})
	}
}

func hasField(body map[string]any, field string) bool {
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

// TestAdminResetCap: an admin's reset e-mails to one user are capped like
// the self-service ones: past the cap, 429 too_many_attempts with
// Retry-After and a message that says why.
func TestAdminResetCap(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newDocEnv(t, d)
			for range portail.MaxResetsPerWindow {
				e.do1(t, apiScenario{method: "POST", actor: "admin", path: "/users/{op1}/password-reset", wantStatus: 202})
			}
			resp, body := e.request(t, "admin", "POST", "/users/{op1}/password-reset", "")
			detail, _ := body["detail"].(string)
			if resp.StatusCode != http.StatusTooManyRequests || body["code"] != "too_many_attempts" ||
				resp.Header.Get("Retry-After") == "" || !strings.Contains(detail, "last hour") {
				t.Fatalf("reset past the cap: %d %v (Retry-After %q)", resp.StatusCode, body, resp.Header.Get("Retry-After"))
			}
			// Another user is not affected.
			e.do1(t, apiScenario{method: "POST", actor: "admin", path: "/users/{op1b}/password-reset", wantStatus: 202})
		})
	}
}
