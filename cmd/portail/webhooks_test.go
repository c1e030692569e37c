package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
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

// TestSecretKey: on PostgreSQL serve refuses to start without a key (the
// processes of one database must share it), naming the flag; on SQLite it
// makes one in the data directory, readable by its owner only, once.
func TestSecretKey(t *testing.T) {
	open := func(args ...string) (*Main, error) {
		m := NewMain()
		m.Stdout, m.Logger = io.Discard, slog.New(slog.DiscardHandler)
		if err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0", "--simulator=false", "--smtp="}, args...), io.Discard); err != nil {
			t.Fatal(err)
		}
		err := m.Open(context.Background())
		t.Cleanup(func() { m.Close() })
		return m, err
	}
	t.Setenv("PORTAIL_SECRET_KEY_FILE", "")
	_, err := open("--db", testdb.DSN(t, "postgres"), "--data-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "--secret-key-file") || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("PostgreSQL without a key: %v", err)
	}

	dir := t.TempDir()
	if _, err := open("--db", filepath.Join(dir, "portail.db")); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "secret.key")
	fi, err := os.Stat(key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the SQLite key: %v, %v", fi, err)
	}
	first, _ := os.ReadFile(key)
	if _, err := open("--db", filepath.Join(dir, "portail.db")); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(key); !bytes.Equal(first, again) {
		t.Fatal("the key was made anew on the second start")
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("short\n"), 0o600)
	if _, err := open("--db", filepath.Join(dir, "portail.db"), "--secret-key-file", bad); err == nil || !strings.Contains(err.Error(), "hex") {
		t.Fatalf("a malformed key file: %v", err)
	}
}
