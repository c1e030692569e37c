package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"portail/internal/lettertest"
	"portail/internal/s3test"
	"portail/internal/testdb"
)

// TestUnavailableRecovers: while the object store, then the database, is
// down, /readyz says which is unreachable and requests answer 503
// unavailable (problem+json in the API with Retry-After, an error page in
// the pages); when each comes back the same process serves again, without
// a restart. A PostgreSQL cluster and a SeaweedFS of the test's own, both
// stopped and started during the run.
func TestUnavailableRecovers(t *testing.T) {
	pg := testdb.NewCluster(t)
	s3 := s3test.Private(t)
	s := startSite(t, siteOptions{Dialect: "postgres", DSN: pg.DSN, Plan: "gold", Flags: []string{"--blob-store", s3.Bucket(t)}})
	boss := s.client()
	boss.login("boss", adminPassword).must(t, 200)
	dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
	id := boss.uploadPDF(t, dept, "a.pdf")
	file := "/api/v1/documents/" + strconv.FormatInt(id, 10) + "/file"

	ready := func() (int, string) {
		res, body := boss.fetch(t, "/readyz")
		return res.StatusCode, string(body)
	}
	// waitReady waits, a minute at most, for the process to find what
	// came back: the first requests after a restart may still fail.
	waitReady := func() {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			if code, _ := ready(); code == 200 {
				return
			}
			if time.Now().After(deadline) {
				code, body := ready()
				t.Fatalf("not ready a minute after the restart: %d %s", code, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	unavailable := func(res *http.Response, body []byte, contentType string) {
		t.Helper()
		if res.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(res.Header.Get("Content-Type"), contentType) ||
			res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: %d %s, Retry-After %q: %.200s", res.Request.URL.Path, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Retry-After"), body)
		}
		if contentType == "application/problem+json" && !strings.Contains(string(body), `"code":"unavailable"`) {
			t.Errorf("%s: %s", res.Request.URL.Path, body)
		}
	}
	if code, body := ready(); code != 200 {
		t.Fatalf("readyz at start: %d %s", code, body)
	}

	s3.Stop()
	if code, body := ready(); code != 503 || !strings.Contains(body, "object store unreachable") || strings.Contains(body, "database") {
		t.Errorf("readyz without the object store: %d %s", code, body)
	}
	res, body := boss.fetch(t, file)
	unavailable(res, body, "application/problem+json")
	if res, _ := boss.fetch(t, "/documents/"+strconv.FormatInt(id, 10)+"/proof?page=1"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("the proof picture without the object store: %d", res.StatusCode)
	}
	// An upload cannot be stored: 503, and no letter is made.
	up, upBody := boss.sendFile(t, "POST", "/api/v1/documents", "b.pdf", lettertest.Letter(1),
		"department_id", strconv.FormatInt(dept, 10), "module", "mail")
	unavailable(up, upBody, "application/problem+json")
	s3.Start()
	waitReady()
	if res, body := boss.fetch(t, file); res.StatusCode != 200 || !strings.HasPrefix(string(body), "%PDF") {
		t.Fatalf("download once the object store is back: %d", res.StatusCode)
	}
	if items, _ := boss.do("GET", "/api/v1/documents", nil).must(t, 200).body["items"].([]any); len(items) != 1 {
		t.Errorf("%d letters after the refused upload, want 1", len(items))
	}

	pg.Stop()
	if code, body := ready(); code != 503 || !strings.Contains(body, "database unreachable") {
		t.Errorf("readyz without the database: %d %s", code, body)
	}
	res, body = boss.fetch(t, "/api/v1/me")
	unavailable(res, body, "application/problem+json")
	res, body = boss.fetch(t, "/documents")
	unavailable(res, body, "text/html")
	pg.Start()
	waitReady()
	boss.do("GET", "/api/v1/me", nil).must(t, 200)
	if res, _ := boss.fetch(t, file); res.StatusCode != 200 {
		t.Fatalf("download once the database is back: %d", res.StatusCode)
	}
}
