package main

import (
	"fmt"
	"strings"
	"testing"

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
