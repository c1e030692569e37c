package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestExportsForExcel: the CSV exports keep their format for programs,
// and ?format=excel gives what a French or Dutch spreadsheet opens as it
// is (a BOM, semicolons, headers in the user's language), with a total
// row a kind for the report; the pages offer both, and the report page
// has its total row.
func TestExportsForExcel(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Courrier"}).must(t, 201).id()
	admin.uploadPDF(t, dept, "a.pdf")
	admin.uploadPDF(t, dept, "b.pdf")

	// The API's default keeps its exact contract: no BOM, commas, the
	// header of the spec, no total row.
	sum := string(admin.do("GET", "/api/v1/reports/summary.csv", nil).must(t, 200).raw)
	lines := strings.Split(strings.TrimSuffix(sum, "\r\n"), "\r\n")
	if lines[0] != "kind,day,department_id,department,module,status,count" || len(lines) != 2 ||
		!regexp.MustCompile(`^document,\d{4}-\d\d-\d\d,\d+,Courrier,mail,received,2$`).MatchString(lines[1]) {
		t.Fatalf("default summary CSV:\n%q", sum)
	}
	act := string(admin.do("GET", "/api/v1/activity.csv", nil).must(t, 200).raw)
	if !strings.HasPrefix(act, "id,at,user_id,username,actor_id,type,detail,ip,user_agent,started_at,ended_at,actor_kind,actor_name\r\n") {
		t.Fatalf("default activity CSV starts %q", act[:min(len(act), 120)])
	}

	// The spreadsheet variant, in the admin's French.
	r := admin.do("GET", "/api/v1/reports/summary.csv?format=excel", nil).must(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	lines = strings.Split(strings.TrimSuffix(string(r.raw), "\r\n"), "\r\n")
	if len(lines) != 3 || lines[0] != "\uFEFFType;Jour;ID département;Département;Module;Statut;Nombre" ||
		!regexp.MustCompile(`^document;\d{4}-\d\d-\d\d;\d+;Courrier;mail;received;2$`).MatchString(lines[1]) || lines[2] != "document;;;Total;;;2" {
		t.Fatalf("excel summary CSV:\n%q", r.raw)
	}
	act = string(admin.do("GET", "/api/v1/activity.csv?format=excel&type=manual_order", nil).must(t, 200).raw)
	if !strings.HasPrefix(act, "\uFEFFID;Date (UTC);ID utilisateur;Nom d'utilisateur;Par (ID utilisateur);Événement;Détails;Adresse;Navigateur;Début (UTC);Fin (UTC);Auteur (type);Auteur\r\n") ||
		strings.Count(act, "\r\n") != 3 || !strings.Contains(act, ";manual_order;") {
		t.Fatalf("excel activity CSV:\n%q", act)
	}
	// A format it does not know is said on its field.
	bad := admin.do("GET", "/api/v1/activity.csv?format=xlsx&from=nonsense", nil).must(t, 400, "invalid")
	if s := string(bad.raw); !strings.Contains(s, `"field":"format"`) || !strings.Contains(s, `"field":"from"`) {
		t.Errorf("a bad format and a bad date: %s", s)
	}
	admin.do("GET", "/api/v1/reports/summary.csv?format=xlsx", nil).must(t, 400, "invalid")

	// The pages offer both; the report has its total row.
	admin.get("/activity?type=manual_order").must(t, http.StatusOK, `href="/api/v1/activity.csv?type=manual_order"`,
		`id="csv-excel" class="button secondary" href="/api/v1/activity.csv?type=manual_order&amp;format=excel"`, "CSV pour Excel")
	rep := admin.get("/reports").must(t, http.StatusOK, `id="csv-excel"`, "format=excel")
	// A column per status, in the life cycle's order: action_required,
	// then received with the two letters.
	if !regexp.MustCompile(`<tfoot><tr class="total"><th scope="row">Total</th><td class="num">0</td><td class="num">2</td>(<td class="num">0</td>){6}<td class="num">2</td></tr></tfoot>`).MatchString(rep.body) {
		t.Errorf("the report has no total row:\n%s", rep.body)
	}

	// In Dutch, the headers are Dutch.
	admin.do("PATCH", "/api/v1/me", map[string]any{"language": "nl"}).must(t, 200)
	r = admin.do("GET", "/api/v1/reports/summary.csv?format=excel", nil).must(t, 200)
	if !strings.HasPrefix(string(r.raw), "\uFEFFSoort;Dag;Afdelings-ID;Afdeling;Module;Status;Aantal\r\n") || !strings.Contains(string(r.raw), ";;;Totaal;;;2\r\n") {
		t.Errorf("Dutch excel summary:\n%q", r.raw)
	}
}
