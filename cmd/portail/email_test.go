package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portail/internal/testdb"
)

// emailEnv is an account with an admin signed in and helpers to make users,
// for the e-mail change scenarios.
type emailEnv struct {
	a     *site
	admin *client
	dept  int64
	n     int
}

func newEmailEnv(t *testing.T, dialect string) *emailEnv {
	a := startSite(t, siteOptions{Dialect: dialect, Plan: "enterprise"})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 20}).must(t, 200)
	dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Sales"}).must(t, 201).id()
	return &emailEnv{a: a, admin: admin, dept: dept}
}

// create adds a user with the address and returns its id and username.
func (e *emailEnv) create(t *testing.T, email string, extra map[string]any) (int64, string) {
	t.Helper()
	e.n++
	name := fmt.Sprintf("mover%d", e.n)
	if email == "" {
		email = name + "@acme.test"
	}
	body := map[string]any{"username": name, "full_name": "Mover " + name, "email": email,
		"role": "operator", "department_id": e.dept, "modules": []string{"mail"}}
	for k, v := range extra {
		body[k] = v
	}
	return e.admin.do("POST", "/api/v1/users", body).must(t, 201).id(), name
}

// activate creates a user, completes the invitation and signs them in.
func (e *emailEnv) activate(t *testing.T) (id int64, name, pw string, c *client) {
	t.Helper()
	id, name = e.create(t, "", nil)
	msg := e.a.smtp.WaitFor(t, name+"@acme.test", "Bienvenue", wait)
	pw = fmt.Sprintf("a long secret passphrase number %d", id)
	e.a.client().do("POST", "/api/v1/auth/invitation", map[string]string{"token": tokenOf(t, msg.Link("/invitation")), "new_password": pw}).must(t, 204)
	c = e.a.client()
	c.login(name, pw).must(t, 200)
	return id, name, pw, c
}

// outboxTo counts the outbox e-mails to an address with a template: the
// outbox is written in the change's transaction, so this is exact where
// counting deliveries would have to wait for an absence.
func (e *emailEnv) outboxTo(t *testing.T, to, template string) int {
	t.Helper()
	n := 0
	for _, it := range outboxItems(t, e.admin.do("GET", "/api/v1/outbox?limit=200", nil).must(t, 200)) {
		if strings.EqualFold(it["to"].(string), to) && it["template"] == template {
			n++
		}
	}
	return n
}

func outboxItems(t *testing.T, r response) []map[string]any {
	t.Helper()
	raw, _ := r.body["items"].([]any)
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// mustFieldError wants a 400 invalid naming the field.
func mustFieldError(t *testing.T, r response, field string) {
	t.Helper()
	r.must(t, 400, "invalid")
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return
		}
	}
	t.Fatalf("no field error on %s: %s", field, r.raw)
}

const confirmSubject = "Confirmez votre nouvelle adresse"

// TestEmailChange: a change of one's own address needs the current password
// and takes effect when the new address confirms; every change of address
// kills the links sent to the old one (SPEC §9 Wave-2 details 15, C10, U4),
// on SQLite and PostgreSQL with the real SMTP server.
func TestEmailChange(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e := newEmailEnv(t, dialect)
			a := e.a

			t.Run("SelfChangeConfirmedByTheNewAddress", func(t *testing.T) {
				_, name, pw, c := e.activate(t)
				old, next := name+"@acme.test", name+".new@acme.test"
				mustFieldError(t, c.do("PATCH", "/api/v1/me", map[string]any{"email": next}), "current_password")
				mustFieldError(t, c.do("PATCH", "/api/v1/me", map[string]any{"email": next, "current_password": "not my password at all"}), "current_password")
				r := c.do("PATCH", "/api/v1/me", map[string]any{"email": next, "current_password": pw, "full_name": "Moved Mover"}).must(t, 200)
				if r.body["email"] != old || r.body["pending_email"] != next || r.body["full_name"] != "Moved Mover" {
					t.Fatalf("PATCH /me answered %s; want the address unchanged, pending_email %s, the name changed", r.raw, next)
				}
				if me := c.do("GET", "/api/v1/me", nil).must(t, 200); me.body["email"] != old || me.body["pending_email"] != next {
					t.Fatalf("GET /me %s", me.raw)
				}
				// The old address still signs in: nothing changed yet.
				c.login(old, pw).must(t, 200)

				msg := a.smtp.WaitFor(t, next, confirmSubject, wait)
				link := msg.Link("/confirm-email?token=")
				if !strings.HasPrefix(link, a.url+"/confirm-email?token=") || !strings.Contains(msg.HTML, "<a href=") {
					t.Fatalf("confirmation e-mail:\n%s", msg.Text)
				}
				// Opening the link, as mail scanners do, never uses it up.
				for range 2 {
					res, err := a.client().http.Get(link)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if res.StatusCode != 200 {
						t.Fatalf("GET %s: %d", link, res.StatusCode)
					}
				}
				if got := c.do("GET", "/api/v1/me", nil).must(t, 200); got.body["email"] != old {
					t.Fatalf("opening the link changed the address: %s", got.raw)
				}
				tok := tokenOf(t, link)
				anon := a.client()
				anon.do("POST", "/api/v1/auth/email-confirm", map[string]string{"token": tok}).must(t, 204)
				anon.do("POST", "/api/v1/auth/email-confirm", map[string]string{"token": tok}).must(t, 400, "token_invalid")
				me := c.do("GET", "/api/v1/me", nil).must(t, 200)
				if me.body["email"] != next || me.body["pending_email"] != nil {
					t.Fatalf("after confirmation GET /me %s", me.raw)
				}
				// C10: the old address is told, and learns the new one.
				notice := a.smtp.WaitFor(t, old, "adresse e-mail a été modifiée", wait)
				if !strings.Contains(notice.Text, next) {
					t.Fatalf("notice to the old address:\n%s", notice.Text)
				}
				if n := e.outboxTo(t, old, "email_confirm"); n != 0 {
					t.Fatalf("%d confirmation e-mails went to the old address", n)
				}
				if n := e.outboxTo(t, next, "email_changed"); n != 0 {
					t.Fatalf("the change notice went to the new address (%d)", n)
				}
				a.client().login(old, pw).must(t, 401, "unauthenticated")
				a.client().login(next, pw).must(t, 200)
			})

			t.Run("EveryRouteToOnesOwnAddressNeedsThePassword", func(t *testing.T) {
				// The admin changing their own address through /users/{id}
				// is a change of one's own address too.
				me := e.admin.do("GET", "/api/v1/me", nil).must(t, 200)
				mustFieldError(t, e.admin.do("PATCH", fmt.Sprintf("/api/v1/users/%d", me.id()), map[string]any{"email": "boss2@acme.test"}), "current_password")
				r := e.admin.do("PATCH", fmt.Sprintf("/api/v1/users/%d", me.id()), map[string]any{"email": "boss2@acme.test", "current_password": adminPassword}).must(t, 200)
				if r.body["email"] != "boss@acme.test" || r.body["pending_email"] != "boss2@acme.test" {
					t.Fatalf("PATCH own user %s", r.raw)
				}
				// Saving the same address is no change and needs no password.
				e.admin.do("PATCH", "/api/v1/me", map[string]any{"email": "BOSS@acme.test", "full_name": "Boss"}).must(t, 200)
			})

			t.Run("NewerRequestKillsTheOlder", func(t *testing.T) {
				_, name, pw, c := e.activate(t)
				first, second := name+".one@acme.test", name+".two@acme.test"
				c.do("PATCH", "/api/v1/me", map[string]any{"email": first, "current_password": pw}).must(t, 200)
				tokFirst := tokenOf(t, a.smtp.WaitFor(t, first, confirmSubject, wait).Link("/confirm-email"))
				if r := c.do("PATCH", "/api/v1/me", map[string]any{"email": second, "current_password": pw}).must(t, 200); r.body["pending_email"] != second {
					t.Fatalf("second request %s", r.raw)
				}
				tokSecond := tokenOf(t, a.smtp.WaitFor(t, second, confirmSubject, wait).Link("/confirm-email"))
				anon := a.client()
				anon.do("POST", "/api/v1/auth/email-confirm", map[string]string{"token": tokFirst}).must(t, 400, "token_invalid")
				anon.do("POST", "/api/v1/auth/email-confirm", map[string]string{"token": tokSecond}).must(t, 204)
				if me := c.do("GET", "/api/v1/me", nil).must(t, 200); me.body["email"] != second {
					t.Fatalf("GET /me %s", me.raw)
				}
			})

			t.Run("AddressTakenBeforeConfirmation", func(t *testing.T) {
				_, name, pw, c := e.activate(t)
				wanted := name + ".wanted@acme.test"
				c.do("PATCH", "/api/v1/me", map[string]any{"email": wanted, "current_password": pw}).must(t, 200)
				tok := tokenOf(t, a.smtp.WaitFor(t, wanted, confirmSubject, wait).Link("/confirm-email"))
				// A pending change reserves nothing: the address is free
				// until confirmed, and someone else takes it meanwhile.
				e.create(t, wanted, nil)
				a.client().do("POST", "/api/v1/auth/email-confirm", map[string]string{"token": tok}).must(t, 409, "email_taken")
				if me := c.do("GET", "/api/v1/me", nil).must(t, 200); me.body["email"] != name+"@acme.test" {
					t.Fatalf("GET /me %s", me.raw)
				}
			})

			t.Run("AdminCorrectsAMistypedInvitation", func(t *testing.T) {
				typo := fmt.Sprintf("mover%d@acme.tset", e.n+1)
				id, name := e.create(t, typo, nil)
				right := name + "@acme.test"
				oldTok := tokenOf(t, a.smtp.WaitFor(t, typo, "Bienvenue", wait).Link("/invitation"))
				r := e.admin.do("PATCH", fmt.Sprintf("/api/v1/users/%d", id), map[string]any{"email": right}).must(t, 200)
				if r.body["email"] != right || r.body["status"] != "invited" {
					t.Fatalf("an admin's change applies at once: %s", r.raw)
				}
				anon := a.client()
				anon.do("POST", "/api/v1/auth/invitation", map[string]string{"token": oldTok, "new_password": "the mistyped mailbox owner"}).must(t, 400, "token_invalid")
				newTok := tokenOf(t, a.smtp.WaitFor(t, right, "Bienvenue", wait).Link("/invitation"))
				anon.do("POST", "/api/v1/auth/invitation", map[string]string{"token": newTok, "new_password": "the real person's passphrase"}).must(t, 204)
				a.client().login(right, "the real person's passphrase").must(t, 200)
				// The mistyped mailbox, whose owner never was this user, is
				// not told where the invitation went instead.
				if n := e.outboxTo(t, typo, "email_changed"); n != 0 {
					t.Fatalf("the mistyped address got %d change notices", n)
				}
			})

			t.Run("AdminCorrectsAMistypedTemporaryPassword", func(t *testing.T) {
				typo := fmt.Sprintf("mover%d@acme.tset", e.n+1)
				id, name := e.create(t, typo, map[string]any{"onboarding": "temporary_password"})
				right := name + "@acme.test"
				oldTemp := a.smtp.WaitFor(t, typo, "mot de passe temporaire", wait).After("Mot de passe :")
				stranger := a.client()
				stranger.login(name, oldTemp).must(t, 200)
				e.admin.do("PATCH", fmt.Sprintf("/api/v1/users/%d", id), map[string]any{"email": right}).must(t, 200)
				stranger.do("GET", "/api/v1/me", nil).must(t, 401)
				a.client().login(name, oldTemp).must(t, 401, "unauthenticated")
				newTemp := a.smtp.WaitFor(t, right, "mot de passe temporaire", wait).After("Mot de passe :")
				if newTemp == "" || newTemp == oldTemp {
					t.Fatalf("new temporary password %q (old %q)", newTemp, oldTemp)
				}
				if r := a.client().login(name, newTemp).must(t, 200); r.body["password_change_required"] != true {
					t.Fatalf("login %s", r.raw)
				}
			})

			t.Run("ResetLinksDieWithTheAddress", func(t *testing.T) {
				id, name, pw, c := e.activate(t)
				reset := func(to string) (string, string) {
					t.Helper()
					e.admin.do("POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), nil).must(t, 202)
					m := a.smtp.WaitFor(t, to, "renouveler", wait)
					return tokenOf(t, m.Link("/reset-password")), m.After("Code de récupération :")
				}
				useReset := func(tok, code string) response {
					return a.client().do("POST", "/api/v1/auth/reset", map[string]string{"token": tok, "code": code, "new_password": "someone else's passphrase"})
				}
				// An admin's change kills the link at once.
				tok, code := reset(name + "@acme.test")
				second := name + ".second@acme.test"
				e.admin.do("PATCH", fmt.Sprintf("/api/v1/users/%d", id), map[string]any{"email": second}).must(t, 200)
				useReset(tok, code).must(t, 400, "token_invalid")
				// A change of one's own kills it when confirmed.
				tok, code = reset(second)
				third := name + ".third@acme.test"
				c.login(second, pw).must(t, 200)
				c.do("PATCH", "/api/v1/me", map[string]any{"email": third, "current_password": pw}).must(t, 200)
				confirm := tokenOf(t, a.smtp.WaitFor(t, third, confirmSubject, wait).Link("/confirm-email"))
				a.client().do("POST", "/api/v1/auth/email-confirm", map[string]string{"token": confirm}).must(t, 204)
				useReset(tok, code).must(t, 400, "token_invalid")
				a.client().login(third, pw).must(t, 200)
			})
		})
	}
}

// TestEmailChangePages: the profile form asks for the current password to
// change the address and says where the confirmation went; the link's page
// confirms only by its button, and works without JavaScript.
func TestEmailChangePages(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e := newEmailEnv(t, dialect)
			a := e.a
			_, name, pw, _ := e.activate(t)
			old, next := name+"@acme.test", name+".page@acme.test"
			c := a.client()
			c.signIn(t, name, pw)
			c.get("/profile").must(t, http.StatusOK, `id="current_password"`, `name="current_password"`, `type="password"`)

			form := url.Values{"full_name": {"Mover Page"}, "email": {next}, "language": {"fr"}}
			p := c.post("/profile", form).must(t, http.StatusBadRequest, `id="current_password-err"`, `value="`+next+`"`, `value="Mover Page"`)
			if strings.Contains(p.body, pw) {
				t.Fatal("the page repeats a password")
			}
			form.Set("current_password", "not my password at all")
			c.post("/profile", form).must(t, http.StatusBadRequest, `id="current_password-err"`)
			form.Set("current_password", pw)
			p = c.post("/profile", form).must(t, http.StatusSeeOther)
			c.get(p.loc).must(t, http.StatusOK, `id="pending-email"`, next, `value="`+old+`"`, "Un lien de confirmation a été envoyé à")

			link := a.smtp.WaitFor(t, next, confirmSubject, wait).Link("/confirm-email?token=")
			path := strings.TrimPrefix(link, a.url)
			anon := a.client()
			for range 2 { // opening the page never uses the link up
				anon.get(path).must(t, http.StatusOK, `action="/confirm-email"`, `name="token"`, `id="confirm-email"`, next)
			}
			c.get("/profile").must(t, http.StatusOK, `value="`+old+`"`, `id="pending-email"`)
			done := anon.post("/confirm-email", url.Values{"token": {tokenOf(t, link)}}).must(t, http.StatusOK, "Votre adresse e-mail est maintenant", next)
			if strings.Contains(done.body, `id="confirm-email"`) {
				t.Fatal("the button stays after the confirmation")
			}
			// A used link says so, and offers no button.
			dead := anon.get(path).must(t, http.StatusBadRequest)
			if strings.Contains(dead.body, `id="confirm-email"`) {
				t.Fatal("a used link still shows the button")
			}
			anon.post("/confirm-email", url.Values{"token": {tokenOf(t, link)}}).must(t, http.StatusBadRequest)
			after := c.get("/profile").must(t, http.StatusOK, `value="`+next+`"`)
			if strings.Contains(after.body, `id="pending-email"`) {
				t.Fatal("the notice of a pending change stays after its confirmation")
			}
			// The edit page of one's own user sends to the profile for the address.
			me := e.admin.do("GET", "/api/v1/me", nil).must(t, 200).id()
			boss := a.client()
			boss.signIn(t, "boss", adminPassword)
			own := boss.get(fmt.Sprintf("/users/%d", me)).must(t, http.StatusOK, `href="/profile"`)
			if !regexp.MustCompile(`<input id="email"[^>]* readonly`).MatchString(own.body) {
				t.Errorf("the e-mail of one's own user is editable on the edit page:\n%s", own.body)
			}
			// English and Dutch.
			anon.get(path+"&lang=en").must(t, http.StatusBadRequest, `lang="en"`)
			anon.get(path+"&lang=nl").must(t, http.StatusBadRequest, `lang="nl"`)
		})
	}
}
