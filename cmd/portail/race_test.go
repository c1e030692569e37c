package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portail/internal/racetest"
	"portail/internal/testdb"
	"portail/web"
)

// Race tests: every check-then-act of sign-in, tokens, seats and the
// throttle, hit by a burst of requests whose last bytes leave together,
// with PostgreSQL's connections slowed by a delay proxy so that the
// window between the check and the act is that of a remote database: each
// site serves testdb.SlowDSN.

const raceDelay = 2 * time.Millisecond

// request builds an API request with c's cookies, sent as the racetest
// bursts send it: raw, so it carries the Origin a browser would.
func (c *client) request(method, path string, body any) *http.Request {
	c.a.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	if err != nil {
		c.a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host) // as a browser does
	}
	for _, ck := range c.http.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	return req
}

// repeat is n copies of the request made by mk.
func repeat(n int, mk func(i int) *http.Request) []*http.Request {
	out := make([]*http.Request, n)
	for i := range out {
		out[i] = mk(i)
	}
	return out
}

// sessionCookie is the session cookie an answer set, or nil.
func sessionCookie(r racetest.Response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "portail_session" && c.Value != "" {
			return c
		}
	}
	return nil
}

// live counts the session cookies of answers that still open /me.
func (a *site) live(t *testing.T, rs []racetest.Response) (live, sessions int) {
	t.Helper()
	for _, r := range rs {
		ck := sessionCookie(r)
		if ck == nil {
			continue
		}
		sessions++
		c := a.client()
		u, _ := url.Parse(a.url)
		c.http.Jar.SetCookies(u, []*http.Cookie{ck})
		if c.do("GET", "/api/v1/me", nil).status == 200 {
			live++
		}
	}
	return live, sessions
}

// TestRaceOneSession: of simultaneous sign-ins of one person, exactly one
// session stays live (C6; issue 10, item 4). Each comes from its own
// browser, known from an earlier sign-in, and its own address, as from
// the person's several devices: then no throttle row is shared between
// them to queue them by accident.
func TestRaceOneSession(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{DSN: testdb.SlowDSN(t, dialect, raceDelay), Plan: "gold"})
			const n = 8
			browsers := make([]*client, n)
			sources := make([]net.IP, n)
			for i := range browsers {
				browsers[i] = a.client()
				if st := browsers[i].post("/login", url.Values{"login": {"boss"}, "password": {adminPassword}}).status; st != http.StatusSeeOther {
					t.Fatalf("page sign-in: %d", st)
				}
				sources[i] = net.IPv4(127, 0, 0, byte(10+i))
			}
			for round := range 3 {
				rs := racetest.BurstFrom(t, repeat(n, func(i int) *http.Request {
					return browsers[i].request("POST", "/api/v1/auth/login", map[string]string{"login": "boss", "password": adminPassword})
				}), sources)
				if st := racetest.Statuses(rs); st[200] != n {
					t.Fatalf("round %d: %d right sign-ins answered %v", round, n, st)
				}
				if live, got := a.live(t, rs); live != 1 {
					t.Fatalf("round %d: %d of %d sessions live after simultaneous sign-ins, want 1", round, live, got)
				}
			}
		})
	}
}

// resetMail has an admin send user name a reset and returns its token and
// code.
func (a *site) resetMail(t *testing.T, admin *client, id int64, name string) (string, string) {
	t.Helper()
	before := countSubject(a, name, "renouveler")
	admin.do("POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), nil).must(t, 202)
	deadline := time.Now().Add(wait)
	for countSubject(a, name, "renouveler") == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polls the SMTP server; no ordering rests on it
	}
	msg := a.smtp.WaitFor(t, name+"@acme.test", "renouveler", wait)
	return tokenOf(t, msg.Link("/reset-password")), msg.After("Code de récupération :")
}

// activeUser creates a user who completed their invitation.
func (a *site) activeUser(t *testing.T, admin *client, name string) (int64, string) {
	t.Helper()
	id := admin.do("POST", "/api/v1/users", map[string]any{"username": name, "full_name": "User " + name,
		"email": name + "@acme.test", "role": "admin"}).must(t, 201).id()
	msg := a.smtp.WaitFor(t, name+"@acme.test", "Bienvenue", wait)
	pw := "a long passphrase for the new user"
	a.client().do("POST", "/api/v1/auth/invitation", map[string]string{"token": tokenOf(t, msg.Link("/invitation")), "new_password": pw}).must(t, 204)
	return id, pw
}

// TestRaceResetDuringSignIn: sign-ins with the old password racing the
// reset that replaces it leave no live session (issue 10, item 3): either
// the sign-in came first and the reset ended its session, or it came
// after and is refused.
func TestRaceResetDuringSignIn(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{DSN: testdb.SlowDSN(t, dialect, raceDelay), Plan: "enterprise"})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			id, pw := a.activeUser(t, admin, "victim")
			tok, code := a.resetMail(t, admin, id, "victim")
			anon := a.client()
			reqs := repeat(5, func(int) *http.Request {
				return anon.request("POST", "/api/v1/auth/login", map[string]string{"login": "victim", "password": pw})
			})
			reqs = append(reqs, anon.request("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": code, "new_password": "a fresh passphrase after the reset"}))
			rs := racetest.Burst(t, reqs)
			if rs[5].StatusCode != 204 {
				t.Fatalf("reset: %d %s", rs[5].StatusCode, rs[5].Body)
			}
			if live, n := a.live(t, rs[:5]); live != 0 {
				t.Fatalf("%d of %d sessions signed in with the replaced password are live after the reset", live, n)
			}
		})
	}
}

// TestRaceRecoveryCodes: of 200 simultaneous wrong recovery codes exactly
// 5 are evaluated, and the link is dead after them (issue 10, item 10).
func TestRaceRecoveryCodes(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			// The per-process rate of the link routes would answer most of
			// the burst 429 before storage sees it: the race under test is
			// storage's, which holds with or without that rate.
			a := startSite(t, siteOptions{DSN: testdb.SlowDSN(t, dialect, raceDelay), Plan: "gold",
				Opened: func(m *Main) { m.Server.Limits.Token = web.Limit{} }})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			me := admin.do("GET", "/api/v1/me", nil).must(t, 200).id()
			tok, code := a.resetMail(t, admin, me, "boss")
			anon := a.client()
			rs := racetest.Burst(t, repeat(200, func(i int) *http.Request {
				return anon.request("POST", "/api/v1/auth/reset", map[string]string{"token": tok,
					"code": fmt.Sprintf("ZZZZ-%04d", i), "new_password": "a brand new passphrase"})
			}))
			evaluated := 0
			for _, r := range rs {
				if r.StatusCode != 400 || !strings.Contains(string(r.Body), `"token_invalid"`) {
					t.Fatalf("a wrong code answered %d %s", r.StatusCode, r.Body)
				}
				if strings.Contains(string(r.Body), `"field":"code"`) { // "the recovery code is wrong"
					evaluated++
				}
			}
			if evaluated != 5 {
				t.Fatalf("%d of 200 simultaneous wrong codes were evaluated, want 5", evaluated)
			}
			anon.do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": code, "new_password": "a brand new passphrase"}).must(t, 400, "token_invalid")
		})
	}
}

// TestThrottleBurst: guesses sent at once get no more tries than guesses
// sent one after another, each attempt counted before its password is
// checked; guesses by username and by e-mail share the account's count
// (item 13), and an unknown name is throttled alike.
func TestThrottleBurst(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{DSN: testdb.SlowDSN(t, dialect, raceDelay), Plan: "gold"})
			anon := a.client()
			for _, names := range [][]string{{"boss", "boss@acme.test"}, {"nobody"}} {
				rs := racetest.Burst(t, repeat(40, func(i int) *http.Request {
					return anon.request("POST", "/api/v1/auth/login", map[string]string{"login": names[i%len(names)], "password": "wrong password here"})
				}))
				if st := racetest.Statuses(rs); st[401] != 5 || st[429] != 35 {
					t.Fatalf("40 simultaneous guesses at %v: %v, want 5 × 401 and 35 × 429", names, st)
				}
			}
		})
	}
}

// TestRaceChangePasswordThrottled: simultaneous guesses at the current
// password of POST /auth/password get the free ones only (item 12).
func TestRaceChangePasswordThrottled(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{DSN: testdb.SlowDSN(t, dialect, raceDelay), Plan: "gold"})
			thief := a.client() // holds a stolen session
			thief.login("boss", adminPassword).must(t, 200)
			rs := racetest.Burst(t, repeat(20, func(int) *http.Request {
				return thief.request("POST", "/api/v1/auth/password", map[string]string{"current_password": "a guess at it", "new_password": "the thief's passphrase"})
			}))
			if st := racetest.Statuses(rs); st[400] != 5 || st[429] != 15 {
				t.Fatalf("20 simultaneous guesses at the current password: %v, want 5 × 400 and 15 × 429", st)
			}
			r := thief.do("POST", "/api/v1/auth/password", map[string]string{"current_password": adminPassword, "new_password": "the thief's passphrase"})
			r.must(t, 429, "too_many_attempts")
			if r.header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			// The page says it next to the field, in the user's language.
			pg := thief.post("/password", url.Values{"current_password": {adminPassword}, "new_password": {"the thief's passphrase"}})
			if pg.status != http.StatusTooManyRequests || !strings.Contains(pg.body, "Trop de mots de passe erronés. Attendez") ||
				!strings.Contains(pg.body, `id="current_password-err"`) {
				t.Fatalf("password page while throttled: %d\n%s", pg.status, pg.body)
			}
		})
	}
}

// TestRaceSeats: a burst of creations fills exactly the free seats.
func TestRaceSeats(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{DSN: testdb.SlowDSN(t, dialect, raceDelay), Plan: "gold"}) // 3 seats, the admin's taken
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			rs := racetest.Burst(t, repeat(30, func(i int) *http.Request {
				name := fmt.Sprintf("seat%d", i)
				return admin.request("POST", "/api/v1/users", map[string]any{"username": name, "full_name": "User " + name,
					"email": name + "@acme.test", "role": "admin"})
			}))
			st := racetest.Statuses(rs)
			if st[201] != 2 || st[409] != 28 {
				t.Fatalf("30 simultaneous creations for 2 free seats: %v, want 2 × 201 and 28 × 409", st)
			}
			for _, r := range rs {
				if r.StatusCode == 409 && !strings.Contains(string(r.Body), `"seat_limit"`) {
					t.Fatalf("409 %s", r.Body)
				}
			}
			acct := admin.do("GET", "/api/v1/account", nil).must(t, 200)
			wantNumbers(t, "seats", seats(t, acct), map[string]float64{"used": 3, "available": 0})
		})
	}
}
