package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

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

// TestUsersPageSeatsAndBulk: the users page counts the seats (used of the
// limit, and those left), shows each user's last sign-in, links the CSV
// export of the list as filtered, and runs bulk actions without
// JavaScript, one result line per user, each through the policy.
func TestUsersPageSeatsAndBulk(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			ventes := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Ventes"}).must(t, 201).id()
			achats := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Achats"}).must(t, 201).id()
			admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 2}).must(t, 200)
			chef := admin.do("POST", "/api/v1/users", map[string]any{"username": "chef", "full_name": "Chef Ventes", "language": "fr",
				"email": "chef@acme.test", "role": "department_admin", "department_id": ventes}).must(t, 201).id()
			u1 := admin.do("POST", "/api/v1/users", map[string]any{"username": "u1", "full_name": "User 1",
				"email": "u1@acme.test", "role": "viewer", "department_id": ventes}).must(t, 201).id()
			u2 := admin.do("POST", "/api/v1/users", map[string]any{"username": "u2", "full_name": "User 2",
				"email": "u2@acme.test", "role": "viewer", "department_id": achats}).must(t, 201).id()
			a.activate("chef@acme.test", "", "a long passphrase of his own")

			page := admin.get("/users?lang=fr").must(t, 200, `id="seat-count"`, "Postes occupés", `<dd id="seats-used">4 / 5</dd>`,
				`<dd id="seats-available">1</dd>`, "Dernière connexion", "Jamais", `id="users-csv" class="button secondary" href="/api/v1/users.csv?"`,
				`id="import-users"`, `name="ids" value="`+fmt.Sprint(u1)+`"`)
			if !strings.Contains(page.body, time.Now().UTC().Format("2006-01-02")) {
				t.Errorf("the boss's last sign-in (today) is not shown")
			}
			admin.get("/users?q=u&role=viewer&inactive=1").must(t, 200, `href="/api/v1/users.csv?q=u&amp;role=viewer&amp;status=all"`)

			// Resend invitations: u1 and u2 are invited, the boss is not.
			bulk := func(c *client, action string, ids ...int64) htmlPage {
				form := url.Values{"action": {action}}
				for _, id := range ids {
					form.Add("ids", fmt.Sprint(id))
				}
				return c.post("/users/bulk", form)
			}
			boss := admin.do("GET", "/api/v1/me", nil).must(t, 200).id()
			page = bulk(admin, "invite", u1, u2, boss).must(t, 200, `id="bulk-results"`, "Fait\u00a0: 2 sur 3.")
			for _, want := range []string{`<li data-username="u1" class="ok">`, `<li data-username="u2" class="ok">`, `<li data-username="boss" class="refused">`} {
				if !strings.Contains(page.body, want) {
					t.Errorf("bulk invitations: no %s in\n%s", want, page.body)
				}
			}
			a.mail("u1@acme.test", 2, "")
			a.mail("u2@acme.test", 2, "")

			// The department admin deactivates in their department only:
			// u2 of Achats is not theirs (not found), nor is the boss.
			c := a.client()
			c.signIn(t, "chef", "a long passphrase of his own")
			page = bulk(c, "deactivate", u1, u2, boss).must(t, 200, "Fait\u00a0: 1 sur 3.", `<li data-username="u1" class="ok">`)
			if strings.Count(page.body, `class="refused"`) != 2 {
				t.Errorf("the department admin's bulk deactivation refused not two:\n%s", page.body)
			}
			for id, want := range map[int64]string{u1: "inactive", u2: "invited", boss: "active", chef: "active"} {
				if st := admin.do("GET", fmt.Sprintf("/api/v1/users/%d", id), nil).must(t, 200).body["status"]; st != want {
					t.Errorf("user %d is %v after the bulk deactivation, want %s", id, st, want)
				}
			}
			bulk(admin, "deactivate").must(t, 200, "Sélectionnez d&#39;abord au moins un utilisateur")
			a.client().post("/users/bulk", url.Values{"action": {"deactivate"}, "ids": {fmt.Sprint(u2)}}).must(t, 303)
		})
	}
}

// TestUsersImportPage: the import page documents its columns; a file is
// first checked (nothing written, every refusal said per line), then the
// valid lines are imported, their invitations sent; an operator may not
// open it.
func TestUsersImportPage(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			admin := a.client()
			admin.login("boss", adminPassword).must(t, 200)
			ventes := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Ventes"}).must(t, 201).id()
			admin.do("POST", "/api/v1/users", map[string]any{"username": "oper", "full_name": "Oper Ator", "language": "fr",
				"email": "oper@acme.test", "role": "operator", "department_id": ventes}).must(t, 201)
			a.activate("oper@acme.test", "", "a long passphrase of her own")

			admin.get("/users/import").must(t, 200, `id="import-form"`, `enctype="multipart/form-data"`, "<code>username</code>",
				"<code>modules</code>", "Fichier CSV (au plus 512 Ko et 1000 utilisateurs)")
			file := "username,full_name,email,role,department,modules,language\n" +
				"jeanne,Jeanne Dupont,jeanne@acme.test,operator,Ventes,mail|parcels,fr\n" +
				"paul,Paul Martin,paul@acme.test,viewer,Nulle part,mail,\n" +
				"louis,Louis Petit,louis@acme.test,viewer,Ventes,,\n"
			page := admin.upload("/users/import", map[string]string{"dry_run": "true"}, "users.csv", file).must(t, 200,
				"Vérification du fichier", "Lignes à créer\u00a0: 1. Lignes refusées\u00a0: 2.", `<tr data-line="2" class="would_create">`,
				`<tr data-line="3" class="refused">`, "Aucun département ne porte ce nom.", `<tr data-line="4" class="refused">`,
				"Il ne reste aucun poste", `id="import-run"`, `name="csv" value="username,full_name`)
			_ = page
			if n := len(admin.do("GET", "/api/v1/users?status=all", nil).must(t, 200).body["items"].([]any)); n != 2 {
				t.Fatalf("the check wrote: %d users", n)
			}
			admin.upload("/users/import", map[string]string{"dry_run": "false", "csv": file}, "ignored.csv", "").must(t, 200,
				"Importation terminée", "Lignes créées\u00a0: 1. Lignes refusées\u00a0: 2.", `<tr data-line="2" class="created">`)
			a.mail("jeanne@acme.test", 1, "")
			if n := len(admin.do("GET", "/api/v1/users?status=all", nil).must(t, 200).body["items"].([]any)); n != 3 {
				t.Fatalf("the import made %d users in all, want 3", n)
			}
			admin.upload("/users/import", map[string]string{"dry_run": "true"}, "users.csv", "name;age\nx;1\n").must(t, 400,
				`id="file-err"`, "Colonne inconnue dans la ligne d&#39;en-tête")

			op := a.client()
			op.signIn(t, "oper", "a long passphrase of her own")
			op.get("/users/import").must(t, 403)
			op.upload("/users/import", map[string]string{"dry_run": "true"}, "users.csv", file).must(t, 403)
		})
	}
}
