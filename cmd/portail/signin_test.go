package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portail/internal/testdb"
)

// TestSignIn drives invitations, temporary passwords, resets, sessions,
// API keys and throttling through the API, reading the real e-mails from
// a loopback SMTP server, on SQLite and on PostgreSQL.
func TestSignIn(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "enterprise"})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 20}).must(t, 200)
			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Sales"}).must(t, 201).id()
			n := 0
			newUser := func(t *testing.T, extra map[string]any) (int64, string) {
				t.Helper()
				n++
				name := fmt.Sprintf("user%d", n)
				body := map[string]any{"username": name, "full_name": "User " + name, "email": name + "@acme.test",
					"role": "operator", "department_id": dept, "modules": []string{"mail"}}
				for k, v := range extra {
					body[k] = v
				}
				return admin.do("POST", "/api/v1/users", body).must(t, 201).id(), name
			}
			// activate creates a user and completes the invitation.
			activate := func(t *testing.T) (int64, string, string) {
				t.Helper()
				id, name := newUser(t, nil)
				msg := a.smtp.WaitFor(t, name+"@acme.test", "Bienvenue", wait)
				pw := "a long passphrase for " + strings.ToUpper(name[:1]) + " " + strconv.FormatInt(id, 10)
				a.client().do("POST", "/api/v1/auth/invitation", map[string]string{"token": tokenOf(t, msg.Link("/invitation")), "new_password": pw}).must(t, 204)
				return id, name, pw
			}

			t.Run("Invitation", func(t *testing.T) {
				id, name := newUser(t, nil)
				msg := a.smtp.WaitFor(t, name+"@acme.test", "Bienvenue", wait)
				link := msg.Link("/invitation?token=")
				if !strings.HasPrefix(link, a.url+"/invitation?token=") {
					t.Fatalf("invitation link %q not on the base URL %s", link, a.url)
				}
				if !strings.Contains(msg.Text, "24 heures") || !strings.Contains(msg.HTML, "<a href=") {
					t.Fatalf("invitation text/html parts: %q", msg.Text)
				}
				u := admin.do("GET", fmt.Sprintf("/api/v1/users/%d", id), nil).must(t, 200)
				if u.body["status"] != "invited" {
					t.Fatalf("status %v", u.body["status"])
				}
				// Opening the link (GET) does not use it up.
				anon := a.client()
				for range 2 {
					res, err := anon.http.Get(link)
					if err != nil || res.StatusCode != 200 {
						t.Fatalf("GET link: %v %v", res, err)
					}
					res.Body.Close()
				}
				anon.login(name, "whatever it is now").must(t, 401, "unauthenticated")
				tok := tokenOf(t, link)
				anon.do("POST", "/api/v1/auth/invitation", map[string]string{"token": tok, "new_password": "short"}).must(t, 400, "invalid")
				anon.do("POST", "/api/v1/auth/invitation", map[string]string{"token": tok, "new_password": "my own long passphrase"}).must(t, 204)
				anon.do("POST", "/api/v1/auth/invitation", map[string]string{"token": tok, "new_password": "my other long passphrase"}).must(t, 400, "token_invalid")
				me := anon.login(name, "my own long passphrase").must(t, 200)
				if me.body["password_change_required"] != false {
					t.Fatalf("login: %s", me.raw)
				}
				if u := admin.do("GET", fmt.Sprintf("/api/v1/users/%d", id), nil); u.body["status"] != "active" {
					t.Fatalf("status after invitation %v", u.body["status"])
				}
			})

			t.Run("ResendKillsOldLink", func(t *testing.T) {
				id, name := newUser(t, nil)
				first := tokenOf(t, a.smtp.WaitFor(t, name+"@acme.test", "Bienvenue", wait).Link("/invitation"))
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/invitation", id), nil).must(t, 202)
				deadline := time.Now().Add(wait)
				for a.smtp.Count(name+"@acme.test") < 2 && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				second := tokenOf(t, a.smtp.WaitFor(t, name+"@acme.test", "Bienvenue", wait).Link("/invitation"))
				if first == second {
					t.Fatal("resend sent the same token")
				}
				c := a.client()
				c.do("POST", "/api/v1/auth/invitation", map[string]string{"token": first, "new_password": "a long enough passphrase"}).must(t, 400, "token_invalid")
				c.do("POST", "/api/v1/auth/invitation", map[string]string{"token": second, "new_password": "a long enough passphrase"}).must(t, 204)
			})

			t.Run("TemporaryPassword", func(t *testing.T) {
				_, name := newUser(t, map[string]any{"onboarding": "temporary_password", "language": "en"})
				msg := a.smtp.WaitFor(t, name+"@acme.test", "temporary password", wait)
				temp := msg.After("Password:")
				if len(temp) < 12 || msg.After("Username:") != name {
					t.Fatalf("temporary password e-mail:\n%s", msg.Text)
				}
				c := a.client()
				c.login(name, temp).must(t, 200)
				if r := c.login(name, temp).must(t, 200); r.body["password_change_required"] != true {
					t.Fatalf("login: %s", r.raw)
				}
				c.do("GET", "/api/v1/users", nil).must(t, 403, "password_change_required")
				c.do("GET", "/api/v1/departments", nil).must(t, 403, "password_change_required")
				c.do("GET", "/api/v1/me", nil).must(t, 200)
				c.do("POST", "/api/v1/auth/password", map[string]string{"current_password": temp, "new_password": "my permanent passphrase"}).must(t, 204)
				c.do("GET", "/api/v1/users", nil).must(t, 200)
				c.login(name, temp).must(t, 401, "unauthenticated")
			})

			t.Run("AdminResetWithCode", func(t *testing.T) {
				id, name, pw := activate(t)
				user := a.client()
				user.login(name, pw).must(t, 200)
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), nil).must(t, 202)
				msg := a.smtp.WaitFor(t, name+"@acme.test", "renouveler", wait)
				link := msg.Link("/reset-password?token=")
				code := msg.After("Code de récupération :")
				if !strings.HasPrefix(link, a.url) || len(code) != 9 || code[4] != '-' {
					t.Fatalf("reset e-mail:\n%s", msg.Text)
				}
				if !strings.Contains(msg.HTML, "Paramétrer à nouveau le mot de passe") {
					t.Fatal("reset e-mail has no button")
				}
				tok := tokenOf(t, link)
				anon := a.client()
				anon.do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": "0000-0000", "new_password": "a brand new passphrase"}).must(t, 400, "token_invalid")
				// A password the rules refuse leaves the link usable.
				anon.do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": code, "new_password": "short"}).must(t, 400, "invalid")
				// Without the dash, in lower case.
				anon.do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": strings.ToLower(strings.ReplaceAll(code, "-", "")), "new_password": "a brand new passphrase"}).must(t, 204)
				anon.do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": code, "new_password": "another new passphrase"}).must(t, 400, "token_invalid")
				user.do("GET", "/api/v1/me", nil).must(t, 401) // a reset ends every session
				a.client().login(name, pw).must(t, 401)
				a.client().login(name, "a brand new passphrase").must(t, 200)
				a.smtp.WaitFor(t, name+"@acme.test", "mot de passe a été modifié", wait) // C10
			})

			t.Run("FiveWrongCodesKillTheReset", func(t *testing.T) {
				id, name, _ := activate(t)
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), nil).must(t, 202)
				msg := a.smtp.WaitFor(t, name+"@acme.test", "renouveler", wait)
				tok, code := tokenOf(t, msg.Link("/reset-password")), msg.After("Code de récupération :")
				c := a.client()
				for i := range 5 {
					c.do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": fmt.Sprintf("ZZZZ-ZZZ%d", i), "new_password": "a brand new passphrase"}).must(t, 400, "token_invalid")
				}
				c.do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": code, "new_password": "a brand new passphrase"}).must(t, 400, "token_invalid")
			})

			t.Run("NewResetKillsOlder", func(t *testing.T) {
				id, name, _ := activate(t)
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), nil).must(t, 202)
				old := a.smtp.WaitFor(t, name+"@acme.test", "renouveler", wait)
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), nil).must(t, 202)
				deadline := time.Now().Add(wait)
				for countSubject(a, name, "renouveler") < 2 && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				a.client().do("POST", "/api/v1/auth/reset", map[string]string{"token": tokenOf(t, old.Link("/reset-password")),
					"code": old.After("Code de récupération :"), "new_password": "a brand new passphrase"}).must(t, 400, "token_invalid")
			})

			t.Run("ForgotPassword", func(t *testing.T) {
				_, name, _ := activate(t)
				anon := a.client()
				before := len(a.smtp.Messages())
				start := time.Now()
				anon.do("POST", "/api/v1/auth/forgot", map[string]string{"login": "nobody-at-all"}).must(t, 202)
				unknown := time.Since(start)
				start = time.Now()
				anon.do("POST", "/api/v1/auth/forgot", map[string]string{"login": strings.ToUpper(name) + "@ACME.TEST"}).must(t, 202)
				known := time.Since(start)
				a.smtp.WaitFor(t, name+"@acme.test", "renouveler", wait)
				time.Sleep(200 * time.Millisecond)
				if got := len(a.smtp.Messages()); got != before+1 {
					t.Fatalf("forgot sent %d e-mails, want exactly 1 (none for the unknown login)", got-before)
				}
				t.Logf("forgot: unknown login %s, known login %s", unknown, known)
			})

			t.Run("SecondLoginEndsFirst", func(t *testing.T) {
				_, name, pw := activate(t)
				first, second := a.client(), a.client()
				first.login(name, pw).must(t, 200)
				first.do("GET", "/api/v1/me", nil).must(t, 200)
				second.login(name, pw).must(t, 200)
				first.do("GET", "/api/v1/me", nil).must(t, 401, "session_replaced")
				second.do("GET", "/api/v1/me", nil).must(t, 200)
			})

			t.Run("DeactivationEndsSessionsAndKeys", func(t *testing.T) {
				id, name, pw := activate(t)
				c := a.client()
				c.login(name, pw).must(t, 200)
				key := c.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "script"}).must(t, 201)
				secret, _ := key.body["key"].(string)
				if !strings.HasPrefix(secret, "ptl_") {
					t.Fatalf("key %s", key.raw)
				}
				if list := c.do("GET", "/api/v1/me/api-keys", nil).must(t, 200); strings.Contains(string(list.raw), secret) {
					t.Fatal("the key is shown again in the list")
				}
				bot := a.client()
				bot.bearer = secret
				if me := bot.do("GET", "/api/v1/me", nil).must(t, 200); me.body["username"] != name {
					t.Fatalf("bearer acts as %v", me.body["username"])
				}
				bot.do("GET", "/api/v1/account", nil).must(t, 403, "forbidden") // exactly the user's rights
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", id), nil).must(t, 200)
				c.do("GET", "/api/v1/me", nil).must(t, 401)
				bot.do("GET", "/api/v1/me", nil).must(t, 401, "unauthenticated")
				// Told why, but only for the right password.
				a.client().login(name, "not the password at all").must(t, 401, "unauthenticated")
				a.client().login(name, pw).must(t, 403, "account_inactive")
			})

			t.Run("RevokedKeyDies", func(t *testing.T) {
				_, name, pw := activate(t)
				c := a.client()
				c.login(name, pw).must(t, 200)
				key := c.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "ci"}).must(t, 201)
				bot := a.client()
				bot.bearer, _ = key.body["key"].(string)
				bot.do("GET", "/api/v1/me", nil).must(t, 200)
				c.do("DELETE", fmt.Sprintf("/api/v1/me/api-keys/%d", key.id()), nil).must(t, 204)
				bot.do("GET", "/api/v1/me", nil).must(t, 401)
				c.do("DELETE", fmt.Sprintf("/api/v1/me/api-keys/%d", key.id()), nil).must(t, 404, "not_found")
			})

			t.Run("Throttling", func(t *testing.T) {
				_, name, pw := activate(t)
				c := a.client()
				for range 5 {
					c.login(name, "wrong password here").must(t, 401, "unauthenticated")
				}
				r := c.login(name, pw).must(t, 429, "too_many_attempts")
				if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 900 {
					t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
				}
				// An unknown login is throttled just the same (no enumeration).
				for range 5 {
					c.login("no-such-user", "wrong password here").must(t, 401)
				}
				c.login("no-such-user", "wrong password here").must(t, 429, "too_many_attempts")
			})
		})
	}
}

func countSubject(a *site, name, subject string) int {
	n := 0
	for _, m := range a.smtp.Messages() {
		if strings.EqualFold(m.To, name+"@acme.test") && strings.Contains(m.Subject, subject) {
			n++
		}
	}
	return n
}

// TestOutboxSurvivesSMTPOutage: with the SMTP server down, an e-mail stays
// queued and goes out once the server is back.
func TestOutboxSurvivesSMTPOutage(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Ops"}).must(t, 201).id()
			a.smtp.Stop()
			admin.do("POST", "/api/v1/users", map[string]any{"username": "late", "full_name": "Late", "email": "late@acme.test",
				"role": "viewer", "department_id": dept}).must(t, 201)
			// Wait for at least one failed attempt to be recorded.
			deadline := time.Now().Add(wait)
			for {
				r := admin.do("GET", "/api/v1/outbox", nil).must(t, 200)
				items, _ := r.body["items"].([]any)
				if len(items) > 0 {
					e := items[0].(map[string]any)
					if e["status"] == "pending" && e["attempts"].(float64) >= 1 && e["last_error"] != "" {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("no failed attempt recorded: %s", r.raw)
				}
				time.Sleep(50 * time.Millisecond)
			}
			a.smtp.Restart(t)
			a.smtp.WaitFor(t, "late@acme.test", "Bienvenue", 30*time.Second)
		})
	}
}

// TestTwoProcessesDeliverOnce: two serve processes on one PostgreSQL
// deliver each e-mail exactly once.
func TestTwoProcessesDeliverOnce(t *testing.T) {
	a := startSite(t, siteOptions{Dialect: "postgres", Plan: "enterprise"})
	second := a.serve()
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 40}).must(t, 200)
	dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Bulk"}).must(t, 201).id()
	other := a.client()
	other.base = second.URL()
	other.login("boss", adminPassword).must(t, 200) // ends admin's session: use other from here
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			other.do("POST", "/api/v1/users", map[string]any{"username": fmt.Sprintf("bulk%d", i), "full_name": "Bulk",
				"email": fmt.Sprintf("bulk%d@acme.test", i), "role": "viewer", "department_id": dept}).must(t, http.StatusCreated)
		})
	}
	wg.Wait()
	for i := range n {
		a.smtp.WaitFor(t, fmt.Sprintf("bulk%d@acme.test", i), "Bienvenue", 30*time.Second)
	}
	time.Sleep(500 * time.Millisecond) // let any duplicate arrive
	for i := range n {
		if c := a.smtp.Count(fmt.Sprintf("bulk%d@acme.test", i)); c != 1 {
			t.Errorf("bulk%d got %d e-mails", i, c)
		}
	}
	emails, _, err := a.main.Outbox.ListAll(t.Context(), 200, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if e.Status != "sent" || e.Attempts != 1 {
			t.Errorf("e-mail %d: status %s after %d attempts", e.ID, e.Status, e.Attempts)
		}
	}
}

// TestThrottleAddress: the failures counted against an address survive a
// successful sign-in from it, so that one valid account cannot clear the
// way for more guesses at other names.
func TestThrottleAddress(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	c := a.client()
	for i := range 49 {
		c.login(fmt.Sprintf("guess-%d", i), "wrong password here").must(t, 401)
	}
	c.login("boss", adminPassword).must(t, 200)
	c.login("guess-49", "wrong password here").must(t, 401)
	r := c.login("guess-50", "wrong password here").must(t, 429, "too_many_attempts")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// TestThrottleKnownBrowser: failed guesses lock the name for unknown
// browsers, but the real user's browser, known from an earlier sign-in on
// the page, still gets in with the right password (C7: no lockout by an
// attacker); a known browser that keeps guessing is throttled in its turn.
func TestThrottleKnownBrowser(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	signIn := func(c *client, pw string) int {
		return c.post("/login", url.Values{"login": {"boss"}, "password": {pw}}).status
	}
	mine := a.client()
	if st := signIn(mine, adminPassword); st != http.StatusSeeOther {
		t.Fatalf("first sign-in: %d", st)
	}
	attacker := a.client()
	for range 5 {
		attacker.login("boss", "wrong password here").must(t, 401)
	}
	attacker.login("boss", adminPassword).must(t, 429, "too_many_attempts")
	if st := signIn(a.client(), adminPassword); st != http.StatusTooManyRequests {
		t.Fatalf("an unknown browser with the right password: %d, want 429", st)
	}
	steps := []struct {
		pw   string
		want int
	}{
		{"wrong password here", http.StatusUnauthorized}, // the right password is still needed
		{adminPassword, http.StatusSeeOther},
	}
	for _, s := range steps {
		if st := signIn(mine, s.pw); st != s.want {
			t.Fatalf("known browser: %d, want %d", st, s.want)
		}
	}
	// The lock stays for every other browser.
	attacker.login("boss", adminPassword).must(t, 429, "too_many_attempts")
	for range 5 {
		if st := signIn(mine, "wrong password here"); st != http.StatusUnauthorized {
			t.Fatalf("known browser guessing: %d", st)
		}
	}
	if st := signIn(mine, adminPassword); st != http.StatusTooManyRequests {
		t.Fatalf("a known browser that kept guessing: %d, want 429", st)
	}
}
