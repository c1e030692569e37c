package ui_test

import (
	"html"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

// TestAccountPlanSeatsPlural: the account page's plan list says each
// plan's users in the plural of French: the Starter plan (« Démarrage ») has
// « 1 utilisateur », not « 1 utilisateurs ». (Dutch and English forms are
// in TestPluralForms; the admin of the test servers speaks French.)
func TestAccountPlanSeatsPlural(t *testing.T) {
	s := webtest.NewServers(t)[0]
	w := s.Do("GET", "/account", "", nil, nil, s.Admin)
	body := html.UnescapeString(w.Body.String())
	if w.Code != 200 || !strings.Contains(body, `<html lang="fr">`) {
		t.Fatalf("GET /account: %d, want a French page", w.Code)
	}
	for _, want := range []string{">Démarrage — 1 utilisateur<", ">Bronze — 1 utilisateur<", ">Or — 3 utilisateurs<"} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /account: no %q in the plan list", want)
		}
	}
	if strings.Contains(body, "1 utilisateurs") {
		t.Errorf("GET /account still says « 1 utilisateurs »")
	}
}
