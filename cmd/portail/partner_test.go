package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"portail/internal/testdb"
	"portail/sqldb"
)

// TestPartnerCommand: partner add prints a ptp_ key once, which signs the
// partner in; list shows it; revoke stops the key; refusals say why.
func TestPartnerCommand(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := testdb.DSN(t, dialect)
			ctx := context.Background()
			cli := func(args ...string) (string, error) {
				var out bytes.Buffer
				err := run(ctx, append([]string{"partner"}, args...), strings.NewReader(""), &out, io.Discard)
				return out.String(), err
			}
			out, err := cli("add", "--db", dsn, "Imprimerie Dupont")
			if err != nil {
				t.Fatal(err)
			}
			key := strings.TrimSpace(out)
			if !strings.HasPrefix(key, "ptp_") || strings.Contains(key, "\n") {
				t.Fatalf("add printed %q", out)
			}
			if _, err := cli("add", "--db", dsn, "Imprimerie Dupont"); err == nil || !strings.Contains(err.Error(), "conflict") {
				t.Errorf("same name again: %v", err)
			}
			if _, err := cli("add", "--db", dsn, "simulator"); err == nil {
				t.Error("the simulator's name was taken")
			}
			if _, err := cli("add", "--db", dsn); err == nil {
				t.Error("add without a name")
			}
			if _, err := cli("frob", "--db", dsn); err == nil {
				t.Error("unknown subcommand")
			}
			d, err := sqldb.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ps := sqldb.NewPartnerService(d)
			if p, err := ps.Authenticate(ctx, key); err != nil || p.Name != "Imprimerie Dupont" {
				t.Fatalf("authenticate: %+v %v", p, err)
			}
			if out, err := cli("list", "--db", dsn); err != nil || !strings.HasPrefix(out, "Imprimerie Dupont\t") || !strings.Contains(out, "\tactive\n") || strings.Contains(out, "ptp_") {
				t.Errorf("list %q %v", out, err)
			}
			if _, err := cli("revoke", "--db", dsn, "Imprimerie Dupont"); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.Authenticate(ctx, key); err == nil {
				t.Error("a revoked key signs in")
			}
			if out, err := cli("list", "--db", dsn); err != nil || !strings.Contains(out, "\trevoked ") {
				t.Errorf("list after revoke %q %v", out, err)
			}
			if _, err := cli("revoke", "--db", dsn, "Nobody"); err == nil {
				t.Error("revoking nobody")
			}
		})
	}
}

// addPartner runs portail partner add on the site's database and returns
// a client signed in with the key, talking to process m.
func (s *site) addPartner(t *testing.T, name string, m *Main) *client {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"partner", "add", "--db", s.dsn, name}, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	c := s.client()
	c.base, c.bearer = m.URL(), strings.TrimSpace(out.String())
	return c
}

// TestPartnerAPI: two partners, each on its own serve process of the same
// database, claim in parallel every due letter exactly once; then the file,
// every event, the refusals and the release, over HTTP.
func TestPartnerAPI(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Flags: []string{"--base-url", "http://print.example.test"}})
			second := s.serve()
			boss := s.client()
			boss.login("boss", adminPassword).must(t, 200)
			dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
			boss.noLetterWait(t)
			userKey := boss.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "k"}).must(t, 201).body["key"].(string)

			const n = 200
			ids := make([]int64, n)
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for i := w; i < n; i += 4 {
						ids[i] = boss.uploadPDF(t, dept, fmt.Sprintf("l%d.pdf", i))
					}
				})
			}
			wg.Wait()

			partners := []*client{s.addPartner(t, "Imprimerie A", s.main), s.addPartner(t, "Imprimerie B", second)}
			b2 := *partners[1]
			b2.base = s.main.URL()
			a2 := *partners[0]
			a2.base = second.URL()
			var mu sync.Mutex
			owner := map[int64]string{}
			for _, c := range []*client{partners[0], partners[1], &a2, &b2} {
				wg.Go(func() {
					for {
						r := c.do("POST", "/api/v1/partner/claims", map[string]int{"limit": 7})
						if r.status != 200 {
							t.Errorf("claim: %d %s", r.status, r.raw)
							return
						}
						items, _ := r.body["items"].([]any)
						if len(items) == 0 {
							return
						}
						mu.Lock()
						for _, it := range items {
							m := it.(map[string]any)
							id := int64(m["id"].(float64))
							if owner[id] != "" {
								t.Errorf("letter %d claimed twice", id)
							}
							owner[id] = c.bearer
							if want := fmt.Sprintf("http://print.example.test/api/v1/partner/documents/%d/file", id); m["file_url"] != want {
								t.Errorf("file_url %v, want %s", m["file_url"], want)
							}
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(owner) != n {
				t.Fatalf("%d letters claimed, want %d", len(owner), n)
			}
			for _, id := range ids {
				if owner[id] == "" {
					t.Errorf("letter %d never claimed", id)
				}
			}

			id := ids[0]
			mine, other := partners[0], partners[1]
			if owner[id] != mine.bearer {
				mine, other = other, mine
			}
			path := fmt.Sprintf("/api/v1/partner/documents/%d", id)
			r := mine.do("GET", path+"/file", nil).must(t, 200)
			if r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.raw, []byte("%PDF-")) {
				t.Errorf("file: %s %.20q", r.header.Get("Content-Type"), r.raw)
			}
			other.do("GET", path+"/file", nil).must(t, 404, "not_found")
			other.do("POST", path+"/events", map[string]string{"status": "printed"}).must(t, 404, "not_found")

			// Only a partner key opens the partner routes, and a partner key
			// opens nothing else.
			user := s.client()
			user.bearer = userKey
			user.do("POST", "/api/v1/partner/claims", map[string]int{}).must(t, 401, "unauthenticated")
			boss.do("POST", "/api/v1/partner/claims", map[string]int{}).must(t, 401, "unauthenticated")
			mine.do("GET", "/api/v1/me", nil).must(t, 401, "unauthenticated")
			mine.do("GET", "/api/v1/documents", nil).must(t, 401, "unauthenticated")

			mine.do("POST", "/api/v1/partner/claims", map[string]int{"limit": 101}).must(t, 400, "invalid")
			// Without a body: the default limit; nothing is left to claim.
			if items := mine.do("POST", "/api/v1/partner/claims", nil).must(t, 200).body["items"].([]any); len(items) != 0 {
				t.Errorf("claimed again %v", items)
			}
			mine.do("POST", path+"/events", map[string]string{"status": "lost"}).must(t, 400, "invalid")
			mine.do("POST", path+"/events", map[string]string{"status": "returned", "detail": "x"}).must(t, 409, "invalid_transition")
			at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
			mine.do("POST", path+"/events", map[string]any{"status": "printed", "at": at}).must(t, 204)
			mine.do("POST", path+"/events", map[string]any{"status": "printed"}).must(t, 204)
			mine.do("POST", path+"/release", nil).must(t, 409, "invalid_transition")
			mine.do("POST", path+"/events", map[string]any{"status": "posted", "tracking_number": "RR1BE"}).must(t, 204)
			mine.do("POST", path+"/events", map[string]any{"status": "returned"}).must(t, 400, "invalid")
			mine.do("POST", path+"/events", map[string]any{"status": "returned", "detail": "Adresse inconnue"}).must(t, 204)
			d := boss.do("GET", fmt.Sprintf("/api/v1/documents/%d", id), nil).must(t, 200)
			if d.body["status"] != "returned" || d.body["return_reason"] != "Adresse inconnue" || d.body["tracking_number"] != "RR1BE" {
				t.Errorf("document %s", d.raw)
			}
			h := boss.do("GET", fmt.Sprintf("/api/v1/documents/%d/history", id), nil).must(t, 200)
			items := h.body["items"].([]any)
			var moves []string
			name := "Imprimerie A"
			if mine == partners[1] {
				name = "Imprimerie B"
			}
			for _, it := range items[1:] {
				c := it.(map[string]any)
				moves = append(moves, c["to"].(string))
				actor := c["actor"].(map[string]any)
				if actor["kind"] != "partner" || actor["name"] != name || c["actor_id"] != nil {
					t.Errorf("line %v is not by partner %s", c, name)
				}
				if c["to"] == "printed" && c["at"] != at.Format(time.RFC3339) {
					t.Errorf("printed at %v, want %s", c["at"], at.Format(time.RFC3339))
				}
			}
			if strings.Join(moves, " ") != "processing printed posted returned" {
				t.Errorf("moves %v", moves)
			}

			// A failure with its reason; a release gives the letter back.
			id2 := ids[1]
			p2 := partners[0]
			if owner[id2] != p2.bearer {
				p2 = partners[1]
			}
			p2.do("POST", fmt.Sprintf("/api/v1/partner/documents/%d/release", id2), nil).must(t, 204)
			if st := boss.do("GET", fmt.Sprintf("/api/v1/documents/%d", id2), nil).must(t, 200).body["status"]; st != "received" {
				t.Errorf("released letter is %v", st)
			}
			p2.do("POST", fmt.Sprintf("/api/v1/partner/documents/%d/release", id2), nil).must(t, 404, "not_found")
			again := other.do("POST", "/api/v1/partner/claims", map[string]int{"limit": 5}).must(t, 200).body["items"].([]any)
			if len(again) != 1 || int64(again[0].(map[string]any)["id"].(float64)) != id2 {
				t.Fatalf("claim after release: %v", again)
			}
			other.do("POST", fmt.Sprintf("/api/v1/partner/documents/%d/events", id2), map[string]string{"status": "failed", "detail": "Bourrage"}).must(t, 204)
			if d := boss.do("GET", fmt.Sprintf("/api/v1/documents/%d", id2), nil).must(t, 200); d.body["status"] != "failed" || d.body["failure_reason"] != "Bourrage" {
				t.Errorf("failed letter %s", d.raw)
			}
		})
	}
}

// TestPartnerClaimTimeout: a claim with no event for
// --partner-claim-timeout goes back to received, by the system.
func TestPartnerClaimTimeout(t *testing.T) {
	s := startSite(t, siteOptions{Plan: "gold", Flags: []string{"--partner-claim-timeout", "200ms"}})
	boss := s.client()
	boss.login("boss", adminPassword).must(t, 200)
	dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
	boss.noLetterWait(t)
	id := boss.uploadPDF(t, dept, "a.pdf")
	p := s.addPartner(t, "Imprimerie A", s.main)
	if items := p.do("POST", "/api/v1/partner/claims", map[string]int{"limit": 1}).must(t, 200).body["items"].([]any); len(items) != 1 {
		t.Fatalf("claimed %v", items)
	}
	deadline := time.Now().Add(20 * time.Second)
	for boss.do("GET", fmt.Sprintf("/api/v1/documents/%d", id), nil).must(t, 200).body["status"] != "received" {
		if time.Now().After(deadline) {
			t.Fatal("the stale claim never went back to received")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h := boss.do("GET", fmt.Sprintf("/api/v1/documents/%d/history", id), nil).must(t, 200).body["items"].([]any)
	last := h[len(h)-1].(map[string]any)
	if last["from"] != "processing" || last["to"] != "received" || last["actor"].(map[string]any)["kind"] != "system" {
		t.Errorf("last line %v", last)
	}
	p.do("POST", fmt.Sprintf("/api/v1/partner/documents/%d/events", id), map[string]string{"status": "printed"}).must(t, 404, "not_found")
}
