package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/racetest"
	"portail/internal/testdb"
)

// TestTwoProcessesEachJobOnce (I3): two serve processes on one database,
// each with all its jobs running (outbox, webhooks, simulator, claim
// timeout, retention, purge, orphan sweep): every invitation e-mail
// arrives once, every webhook event is delivered once, and the simulator
// moves every letter through each of its steps once. The leased jobs
// (retention, purge, sweep, claim timeout) have their own two-holder
// tests in jobs and TestOrphanSweep.
func TestTwoProcessesEachJobOnce(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			var mu sync.Mutex
			events := map[string]int{}
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				events[r.Header.Get("Portail-Event-Id")]++
				mu.Unlock()
			}))
			defer receiver.Close()
			s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold",
				Flags: []string{"--webhook-allow-private", "--simulator=true", "--simulator-interval", "20ms"}})
			second := s.serve()
			boss := s.client()
			boss.login("boss", adminPassword).must(t, 200)
			there := *boss
			there.base = second.URL()
			boss.do("POST", "/api/v1/webhooks", map[string]any{"url": receiver.URL + "/in",
				"events": []string{"user.created", "document.status_changed"}}).must(t, 201)
			boss.noLetterWait(t)
			boss.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 20}).must(t, 200)
			dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()

			const users, letters = 8, 6
			var ids []int64
			for i := range letters {
				c := boss
				if i%2 == 1 {
					c = &there
				}
				ids = append(ids, c.uploadPDF(t, dept, fmt.Sprintf("l%d.pdf", i)))
			}
			for i := range users {
				c := boss
				if i%2 == 1 {
					c = &there
				}
				c.do("POST", "/api/v1/users", map[string]any{"username": fmt.Sprintf("u%d", i), "full_name": "U",
					"email": fmt.Sprintf("u%d@acme.test", i), "role": "operator", "department_id": dept}).must(t, 201)
			}

			// Every letter ends posted (or failed, or returned); then its
			// history holds each step once.
			statusLines := 0
			deadline := time.Now().Add(time.Minute)
			for _, id := range ids {
				path := "/api/v1/documents/" + strconv.FormatInt(id, 10)
				for {
					st := portail.DocumentStatus(boss.do("GET", path, nil).must(t, 200).body["status"].(string))
					if st == portail.DocumentPosted || st.Final() {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("letter %d still %s after a minute", id, st)
					}
					time.Sleep(20 * time.Millisecond)
				}
				seen := map[string]bool{}
				items, _ := boss.do("GET", path+"/history?limit=100", nil).must(t, 200).body["items"].([]any)
				for _, it := range items {
					c := it.(map[string]any)
					if c["change"] != portail.ChangeStatus {
						continue
					}
					step := fmt.Sprint(c["from"], "→", c["to"])
					if seen[step] {
						t.Errorf("letter %d went %s twice", id, step)
					}
					seen[step] = true
					statusLines++
				}
			}
			if statusLines < 2*letters {
				t.Fatalf("%d status lines for %d letters", statusLines, letters)
			}
			for i := range users {
				s.mail(fmt.Sprintf("u%d@acme.test", i), 1, "")
			}
			// Each status line and each user is one event; wait until all
			// arrived, then none came twice.
			want := statusLines + users
			for {
				mu.Lock()
				n := len(events)
				mu.Unlock()
				if n >= want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d webhook events arrived, want %d", n, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Let the loops of both processes turn a few more times:
			// a second sending would come now.
			time.Sleep(200 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			for id, n := range events {
				if n != 1 {
					t.Errorf("event %s delivered %d times", id, n)
				}
			}
			for i := range users {
				if n := s.smtp.Count(fmt.Sprintf("u%d@acme.test", i)); n != 1 {
					t.Errorf("u%d got %d e-mails", i, n)
				}
			}
		})
	}
}

// TestTwoProcessesClaimTimeoutOnce: a print partner's claim that timed
// out goes back to received once, with both processes' timeout jobs
// running.
func TestTwoProcessesClaimTimeoutOnce(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Flags: []string{"--partner-claim-timeout", "200ms"}})
			second := s.serve()
			boss := s.client()
			boss.login("boss", adminPassword).must(t, 200)
			boss.noLetterWait(t)
			dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
			id := boss.uploadPDF(t, dept, "a.pdf")
			partner := s.addPartner(t, "Imprimerie", second)
			items, _ := partner.do("POST", "/api/v1/partner/claims", map[string]int{"limit": 1}).must(t, 200).body["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("claimed %d letters", len(items))
			}
			path := "/api/v1/documents/" + strconv.FormatInt(id, 10)
			deadline := time.Now().Add(wait)
			for boss.do("GET", path, nil).must(t, 200).body["status"] != "received" {
				if time.Now().After(deadline) {
					t.Fatal("the stale claim did not go back to received")
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Both processes' jobs turn a few more times.
			time.Sleep(500 * time.Millisecond)
			items, _ = boss.do("GET", path+"/history?limit=100", nil).must(t, 200).body["items"].([]any)
			back := 0
			for _, it := range items {
				c := it.(map[string]any)
				if c["change"] == portail.ChangeStatus && c["from"] == "processing" && c["to"] == "received" {
					back++
				}
			}
			if back != 1 {
				t.Errorf("the letter went back to received %d times", back)
			}
		})
	}
}

// TestTwoProcessesShareLimits (I3): the limits are the database's, not
// a process's. Creations sent at once through two serve processes fill
// exactly the free seats, and wrong passwords sent to both in turn are
// counted together: the sixth is refused by whichever process gets it.
func TestTwoProcessesShareLimits(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"}) // 3 seats, the admin's taken
			second := s.serve()
			boss := s.client()
			boss.login("boss", adminPassword).must(t, 200)
			there := *boss
			there.base = second.URL()
			var reqs []*http.Request
			for i := range 20 {
				c := boss
				if i%2 == 1 {
					c = &there
				}
				name := fmt.Sprintf("seat%d", i)
				reqs = append(reqs, c.request("POST", "/api/v1/users", map[string]any{"username": name, "full_name": "User " + name,
					"email": name + "@acme.test", "role": "admin"}))
			}
			rs := racetest.Burst(t, reqs)
			if st := racetest.Statuses(rs); st[201] != 2 || st[409] != 18 {
				t.Fatalf("20 creations through two processes for 2 free seats: %v, want 2 × 201 and 18 × 409", st)
			}
			for _, r := range rs {
				if r.StatusCode == 409 && !strings.Contains(string(r.Body), `"seat_limit"`) {
					t.Fatalf("409 %s", r.Body)
				}
			}

			here, away := s.client(), s.client()
			away.base = second.URL()
			for i := range 5 {
				c := here
				if i%2 == 1 {
					c = away
				}
				c.login("boss", "not the password at all").must(t, 401, "unauthenticated")
			}
			away.login("boss", adminPassword).must(t, 429, "too_many_attempts")
			here.login("boss", adminPassword).must(t, 429, "too_many_attempts")
		})
	}
}
