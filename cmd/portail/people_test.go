package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portail/internal/testdb"
)

// TestNamesOnPages: a viewer and an operator see people by name where the
// pages showed « Expéditeur #2 », « Par #1 » (SPEC §9 Wave-2 details 1):
// the viewer the operator who sent a letter and the admin who made a
// label (list, page, history), the operator the admin who created her (activity log), though
// neither may list users.
func TestNamesOnPages(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Setup: []string{"--admin-full-name", "Berta Boss"}})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Courrier"}).must(t, 201).id()
			people := map[string]*client{}
			for _, u := range [][3]string{{"marie", "Marie Curie", "operator"}, {"vic", "Victor Hugo", "viewer"}} {
				admin.do("POST", "/api/v1/users", map[string]any{"username": u[0], "full_name": u[1], "email": u[0] + "@acme.test",
					"role": u[2], "department_id": dept, "modules": []string{"mail", "parcels"}}).must(t, 201)
				pw := "a long secret passphrase for the mail room"
				a.activate(u[0]+"@acme.test", "Bienvenue", pw)
				c := a.client()
				c.signIn(t, u[0], pw)
				people[u[0]] = c
			}
			marie, vic := people["marie"], people["vic"]
			doc := marie.uploadPDF(t, dept, "lettre.pdf")
			addr := map[string]string{"name": "Ann", "street": "Rue Haute", "house_number": "1", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}
			label := admin.do("POST", "/api/v1/labels", map[string]any{"department_id": dept, "sender": addr, "recipient": addr,
				"weight_grams": 250}).must(t, 201).id()

			vic.get("/documents?lang=fr").must(t, 200, `data-name="lettre.pdf"`, "Marie Curie")
			page := vic.get(fmt.Sprintf("/documents/%d?lang=fr", doc)).must(t, 200, `id="history"`)
			if n := countOf(page.body, "Marie Curie"); n < 2 {
				t.Errorf("the document page names Marie Curie %d times, want the sender and the history's line", n)
			}
			page = vic.get(fmt.Sprintf("/labels/%d?lang=fr", label)).must(t, 200, `id="history"`)
			if n := countOf(page.body, "Berta Boss"); n < 2 {
				t.Errorf("the label page names Berta Boss %d times, want its creator and the history's line", n)
			}
			marie.get("/activity?lang=fr&type=user_created").must(t, 200, `data-type="user_created"`, "Berta Boss")
		})
	}
}

func countOf(s, sub string) int { return strings.Count(s, sub) }

// TestSignInAnswers: the sign-in page and the API tell a deactivated user
// who typed the right password that the account is deactivated (a wrong
// password gets the usual answer, and both count in the throttle); the
// sign-in page says when one has signed out; the reset page keeps the new
// password typed after a wrong code; the change of a temporary password
// does not ask again for the password typed at the sign-in just before,
// in that session only.
func TestSignInAnswers(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			// The clock moves on only when a step says so.
			var skew atomic.Int64
			now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "enterprise", Now: now})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Accueil"}).must(t, 201).id()
			newUser := func(name string, extra map[string]any) int64 {
				body := map[string]any{"username": name, "full_name": "User " + name, "email": name + "@acme.test",
					"role": "operator", "department_id": dept, "modules": []string{"mail"}, "language": "fr"}
				for k, v := range extra {
					body[k] = v
				}
				return admin.do("POST", "/api/v1/users", body).must(t, 201).id()
			}
			const pw = "a long secret passphrase for the front desk"

			t.Run("Deactivated", func(t *testing.T) {
				id := newUser("dora", nil)
				a.activate("dora@acme.test", "Bienvenue", pw)
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", id), nil).must(t, 200)
				c := a.client()
				wrong := c.post("/login?lang=fr", url.Values{"login": {"dora"}, "password": {"not the password at all"}})
				wrong.must(t, http.StatusUnauthorized, "Nom d&#39;utilisateur ou mot de passe incorrect.")
				if strings.Contains(wrong.body, "désactivé") {
					t.Error("a wrong password is told the account is deactivated")
				}
				c.post("/login?lang=fr", url.Values{"login": {"dora"}, "password": {pw}}).
					must(t, http.StatusForbidden, "Votre compte est désactivé. Demandez à un administrateur de votre compte de le réactiver.")
				c.login("dora", "not the password at all").must(t, 401, "unauthenticated")
				c.login("dora", pw).must(t, 403, "account_inactive")
				// Four failures so far: the fifth is answered, the sixth waits.
				c.login("dora", pw).must(t, 403, "account_inactive")
				c.login("dora", pw).must(t, 429, "too_many_attempts")
			})

			t.Run("SignedOut", func(t *testing.T) {
				newUser("sam", nil)
				a.activate("sam@acme.test", "Bienvenue", pw)
				c := a.client()
				c.signIn(t, "sam", pw)
				out := c.post("/logout", nil)
				if out.status != http.StatusSeeOther {
					t.Fatalf("sign out: %d", out.status)
				}
				c.get(out.loc, "Accept-Language", "fr").must(t, http.StatusOK, `class="flash"`, "Vous êtes bien déconnecté de portail.")
			})

			t.Run("ResetKeepsPassword", func(t *testing.T) {
				id := newUser("rita", nil)
				a.activate("rita@acme.test", "Bienvenue", pw)
				admin.do("POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), nil).must(t, 202)
				tok := tokenOf(t, a.link(a.mail("rita@acme.test", 2, "renouveler"), "/reset-password?token="))
				const typed = "my brand new front desk passphrase"
				page := a.client().post("/reset-password?lang=fr", url.Values{"token": {tok}, "code": {"0000-0000"}, "new_password": {typed}})
				if page.status < 400 || !strings.Contains(page.body, `value="`+typed+`"`) {
					t.Errorf("after a wrong code: %d, the typed password is lost", page.status)
				}
			})

			t.Run("TemporaryPasswordOnce", func(t *testing.T) {
				newUser("tom", map[string]any{"onboarding": "temporary_password"})
				temp := a.smtp.WaitFor(t, "tom@acme.test", "temporaire", wait).After("Mot de passe :")
				c := a.client()
				c.signIn(t, "tom", temp)
				form := c.get("/password?lang=fr").must(t, http.StatusOK, `id="new_password"`)
				if strings.Contains(form.body, `id="current_password"`) {
					t.Error("the forced change asks again for the temporary password typed at sign-in")
				}
				c.post("/password", url.Values{"new_password": {"a fresh and private passphrase"}}).must(t, http.StatusSeeOther)
				c.get("/documents").must(t, http.StatusOK)
				// Once replaced, a change asks for the current password again.
				c.get("/password?lang=fr").must(t, http.StatusOK, `id="current_password"`)
				c.post("/password", url.Values{"new_password": {"yet another private passphrase"}}).must(t, http.StatusBadRequest, `id="current_password-err"`)
			})

			t.Run("TemporaryPasswordGraceEnds", func(t *testing.T) {
				newUser("tim", map[string]any{"onboarding": "temporary_password"})
				temp := a.smtp.WaitFor(t, "tim@acme.test", "temporaire", wait).After("Mot de passe :")
				c := a.client()
				c.login("tim", temp).must(t, 200)
				skew.Add(int64(6 * time.Minute)) // past portail.TemporaryPasswordGrace
				c.do("POST", "/api/v1/auth/password", map[string]string{"new_password": "a fresh and private passphrase"}).must(t, 400, "invalid")
				c.do("POST", "/api/v1/auth/password", map[string]string{"current_password": temp, "new_password": "a fresh and private passphrase"}).must(t, 204)
			})
		})
	}
}
