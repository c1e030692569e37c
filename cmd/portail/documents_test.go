package main

import (
	"fmt"
	"io"
	"testing"
	"time"

	"portail/internal/lettertest"
	"portail/internal/testdb"
	"portail/web"
)

func TestDocumentFlags(t *testing.T) {
	m := NewMain()
	if err := m.ParseFlags(nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	if m.Config.MaxUpload != web.DefaultMaxUpload || !m.Config.Simulator || m.Config.SimulatorInterval != 5*time.Second {
		t.Errorf("defaults: %+v", m.Config)
	}
	if got := m.Config.dataDir(); got != "data" {
		t.Errorf("data dir beside data/portail.db: %q", got)
	}
	t.Setenv("PORTAIL_MAX_UPLOAD", "1MB")
	t.Setenv("PORTAIL_SIMULATOR", "false")
	m = NewMain()
	if err := m.ParseFlags([]string{"--db", "sqlite:/srv/portail/p.db"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if m.Config.MaxUpload != 1<<20 || m.Config.Simulator || m.Config.dataDir() != "/srv/portail" {
		t.Errorf("from the environment: %+v, data dir %q", m.Config, m.Config.dataDir())
	}
	m = NewMain()
	if err := m.ParseFlags([]string{"--max-upload", "512KiB", "--simulator=true", "--simulator-interval", "1m",
		"--db", "postgres://x/y", "--data-dir", "/var/lib/portail"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if m.Config.MaxUpload != 512<<10 || !m.Config.Simulator || m.Config.SimulatorInterval != time.Minute || m.Config.dataDir() != "/var/lib/portail" {
		t.Errorf("from flags: %+v", m.Config)
	}
	m = NewMain()
	if err := m.ParseFlags([]string{"--db", "postgres://x/y"}, io.Discard); err != nil || m.Config.dataDir() != "data" {
		t.Errorf("PostgreSQL without --data-dir: %q %v", m.Config.dataDir(), err)
	}
	for _, bad := range []string{"", "-1", "20XB", "MB", "0"} {
		if err := NewMain().ParseFlags([]string{"--max-upload", bad}, io.Discard); err == nil {
			t.Errorf("--max-upload %q accepted", bad)
		}
	}
}

// TestDocumentsThroughTwoProcesses: two serve processes share one database
// and both run the simulator; documents and labels sent through either
// reach a final status, each status change made once, by the system.
func TestDocumentsThroughTwoProcesses(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			// Both processes run the simulator and share the site's files,
			// as a network file system would.
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Flags: []string{"--simulator=true", "--simulator-interval", "30ms"}})
			second := a.serve()
			clients := []*client{a.client(), a.client()}
			clients[1].base = second.URL()
			// One login at a time (C6): the second process gets an API key.
			clients[0].login("boss", adminPassword).must(t, 200)
			clients[1].bearer = clients[0].do("POST", "/api/v1/me/api-keys", map[string]string{"name": "second"}).must(t, 201).body["key"].(string)
			dept := clients[0].do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
			clients[0].noLetterWait(t)

			var docs, labels []int64
			for i := range 6 {
				c := clients[i%2]
				docs = append(docs, c.uploadPDF(t, dept, fmt.Sprintf("letter-%d.pdf", i)))
				addr := map[string]string{"name": "Ann", "street": "Main", "house_number": "1", "postal_code": "1000", "city": "Brussels", "country": "BE"}
				labels = append(labels, c.do("POST", "/api/v1/labels", map[string]any{"department_id": dept, "sender": addr,
					"recipient": addr, "weight_grams": 250}).must(t, 201).id())
			}
			final := map[string]bool{"posted": true, "failed": true, "delivered": true, "returned": true}
			wait := func(kind string, id int64) {
				t.Helper()
				deadline := time.Now().Add(20 * time.Second)
				for {
					r := clients[0].do("GET", fmt.Sprintf("/api/v1/%s/%d", kind, id), nil).must(t, 200)
					if final[r.body["status"].(string)] {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s %d still %v", kind, id, r.body["status"])
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			check := func(kind string, id int64, steps map[string]string) {
				t.Helper()
				wait(kind, id)
				h := clients[1].do("GET", fmt.Sprintf("/api/v1/%s/%d/history", kind, id), nil).must(t, 200)
				items, _ := h.body["items"].([]any)
				prev := ""
				for i, it := range items {
					c := it.(map[string]any)
					if c["from"] != prev {
						t.Errorf("%s %d change %d: %v after %q", kind, id, i, c, prev)
					}
					if i > 0 && (c["actor_id"] != nil || c["change"] != "status") {
						t.Errorf("%s %d change %d: %v, want a status change by the system", kind, id, i, c)
					}
					if i > 0 && steps[prev] != c["to"] && !final[c["to"].(string)] {
						t.Errorf("%s %d: %s → %v skips a status", kind, id, prev, c["to"])
					}
					prev = c["to"].(string)
				}
				if !final[prev] {
					t.Errorf("%s %d: history ends in %q", kind, id, prev)
				}
			}
			for _, id := range docs {
				check("documents", id, map[string]string{"received": "processing", "processing": "printed", "printed": "posted"})
			}
			for _, id := range labels {
				check("labels", id, map[string]string{"created": "in_transit", "in_transit": "delivered"})
			}
		})
	}
}

// noLetterWait sets the account's cancellation window to 0: its letters
// are due as soon as they are accepted, for the simulator to move them.
func (c *client) noLetterWait(t *testing.T) {
	t.Helper()
	c.do("PUT", "/api/v1/account/settings", map[string]any{"letter_cancellation_minutes": 0}).must(t, 200)
}

// uploadPDF sends a clean one-page letter in dept through the mail module.
func (c *client) uploadPDF(t *testing.T, dept int64, name string) int64 {
	t.Helper()
	return c.uploadLetter(t, dept, name, lettertest.Letter(1))
}
