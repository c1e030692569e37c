package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"portail/internal/testdb"
)

// TestSeatMessagePage: after one extra seat is bought on the gold plan,
// the seat message of the add-user page names the plan's 3, the 1 extra
// and the 4 in all (it said « permet 4 utilisateurs », which read as the
// plan's own number), links the account page for an admin, and tells a
// department admin, whom the account page refuses, to ask an admin.
func TestSeatMessagePage(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Ventes"}).must(t, 201).id()
			admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 1}).must(t, 200)
			admin.do("POST", "/api/v1/users", map[string]any{"username": "chef", "full_name": "Chef Ventes", "language": "fr",
				"email": "chef@acme.test", "role": "department_admin", "department_id": dept}).must(t, 201)
			for _, n := range []string{"u1", "u2"} {
				admin.do("POST", "/api/v1/users", map[string]any{"username": n, "full_name": "User " + n,
					"email": n + "@acme.test", "role": "viewer", "department_id": dept}).must(t, 201)
			}
			a.activate("chef@acme.test", "", "a long passphrase of his own")
			form := func(name string) url.Values {
				return url.Values{"username": {name}, "full_name": {"Full " + name}, "email": {name + "@acme.test"},
					"role": {"viewer"}, "department_id": {fmt.Sprint(dept)}, "modules": {"letters"}, "onboarding": {"invitation"}}
			}

			page := admin.post("/users", form("u3")).must(t, 409)
			for _, want := range []string{"Le forfait Or comprend 3 utilisateurs.",
				"Avec un utilisateur supplémentaire, cela fait 4 au total, et tous les postes sont occupés.",
				`Ajoutez des utilisateurs supplémentaires sur la <a href="/account">page Compte</a>, ou désactivez d&#39;abord un utilisateur.`} {
				if !strings.Contains(page.body, want) {
					t.Errorf("the admin's seat message lacks %q:\n%s", want, errorOf(page.body))
				}
			}
			if strings.Contains(page.body, "permet 4") {
				t.Errorf("the seat message still reads as the plan's own number:\n%s", errorOf(page.body))
			}
			// The page speaks the user's own language.
			admin.do("PATCH", "/api/v1/me", map[string]any{"language": "nl"}).must(t, 200)
			page = admin.post("/users", form("u3")).must(t, 409)
			for _, want := range []string{"Het abonnement Goud omvat 3 gebruikers.", "Met één extra plaats zijn dat er 4 in totaal",
				`<a href="/account">pagina Account</a>`} {
				if !strings.Contains(page.body, want) {
					t.Errorf("the Dutch seat message lacks %q:\n%s", want, errorOf(page.body))
				}
			}
			admin.do("PATCH", "/api/v1/me", map[string]any{"language": "en"}).must(t, 200)
			page = admin.post("/users", form("u3")).must(t, 409)
			if want := "The Gold plan includes 3 users. With one extra seat, that makes 4 in all, and every seat is taken."; !strings.Contains(page.body, want) {
				t.Errorf("the English seat message lacks %q:\n%s", want, errorOf(page.body))
			}

			chef := a.client()
			chef.signIn(t, "chef", "a long passphrase of his own")
			chef.get("/account").must(t, 403)
			page = chef.post("/users", form("u3")).must(t, 409)
			if want := "Demandez à un administrateur du compte d&#39;ajouter des utilisateurs supplémentaires, ou désactivez d&#39;abord un utilisateur."; !strings.Contains(page.body, want) {
				t.Errorf("the department admin's seat message lacks %q:\n%s", want, errorOf(page.body))
			}
			if strings.Contains(page.body, `href="/account"`) {
				t.Errorf("the department admin is sent to the account page, which refuses them:\n%s", errorOf(page.body))
			}
		})
	}
}

// errorOf is the error paragraph of a page, for the failure messages.
func errorOf(body string) string {
	_, after, ok := strings.Cut(body, `<p class="error"`)
	if !ok {
		return "(no error paragraph)"
	}
	before, _, _ := strings.Cut(after, "</p>")
	return before
}
