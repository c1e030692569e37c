package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portail"
)

// TestWebhookSurvivesRestart: a delivery that failed in one serve process
// is retried by the next one, on the same database, after the first
// stopped: the queue lives in the database, not in a process. The clock
// is the site's, moved past the retry wait only once the first process is
// gone, so the second attempt can only be the new process's.
func TestWebhookSurvivesRestart(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			var offset atomic.Int64
			start := time.Now()
			now := func() time.Time { return start.Add(time.Duration(offset.Load())) }
			var mu sync.Mutex
			type hit struct {
				header http.Header
				body   []byte
			}
			var hits []hit
			got := make(chan int, 10)
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				hits = append(hits, hit{r.Header.Clone(), b})
				n := len(hits)
				mu.Unlock()
				if n == 1 {
					w.WriteHeader(http.StatusServiceUnavailable)
				} else {
					w.WriteHeader(http.StatusOK)
				}
				got <- n
			}))
			defer receiver.Close()

			s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Now: now,
				Flags: []string{"--webhook-allow-private", "--webhook-retry", "1m"}})
			c := s.client()
			c.login("boss", adminPassword).must(t, 200)
			created := c.do("POST", "/api/v1/webhooks", map[string]any{"url": receiver.URL + "/in", "events": []string{"user.created"}}).must(t, 201)
			secret, _ := created.body["secret"].(string)
			hook := created.id()
			c.do("POST", "/api/v1/users", map[string]any{"username": "newbie", "full_name": "New Bie", "email": "newbie@acme.test",
				"role": "admin"}).must(t, 201)

			select {
			case <-got:
			case <-time.After(wait):
				t.Fatal("no first attempt")
			}
			// Stop the first process, start another, then let the retry
			// wait pass.
			s.stopMain()
			second, stopSecond := s.start()
			defer stopSecond()
			offset.Store(int64(2 * time.Minute))
			select {
			case n := <-got:
				if n != 2 {
					t.Fatalf("attempt %d", n)
				}
			case <-time.After(wait):
				t.Fatal("the delivery was not retried after the restart")
			}
			mu.Lock()
			defer mu.Unlock()
			if hits[0].header.Get("Portail-Event-Id") == "" || hits[0].header.Get("Portail-Event-Id") != hits[1].header.Get("Portail-Event-Id") {
				t.Fatalf("event ids %q then %q: a retry keeps the event's id", hits[0].header.Get("Portail-Event-Id"), hits[1].header.Get("Portail-Event-Id"))
			}
			if !portail.VerifySignature(secret, hits[1].header.Get("Portail-Signature"), hits[1].body, now(), 5*time.Minute) {
				t.Fatalf("signature %q does not verify", hits[1].header.Get("Portail-Signature"))
			}
			// The second process's API shows both attempts.
			c2 := s.client()
			c2.base = second.URL()
			c2.login("boss", adminPassword).must(t, 200)
			log := c2.do("GET", "/api/v1/webhooks/"+strconv.FormatInt(hook, 10)+"/deliveries", nil).must(t, 200)
			items, _ := log.body["items"].([]any)
			if len(items) != 2 || items[0].(map[string]any)["status_code"] != float64(200) || items[1].(map[string]any)["status_code"] != float64(503) {
				t.Fatalf("log %s", log.raw)
			}
		})
	}
}
