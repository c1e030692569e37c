package ui

import (
	"regexp"
	"strings"
	"testing"

	"portail"
)

// TestActivityDetailsInWords: the page says every detail the log keeps as
// code in the reader's language: no onboarding or e-mail template code,
// no HTTP call, no status number without a word.
func TestActivityDetailsInWords(t *testing.T) {
	depts := map[int64]string{3: "Ventes"}
	cases := []struct {
		detail string
		want   map[string]string
	}{
		{"username=ann role=viewer department_id=3 modules=mail,parcels onboarding=temporary_password", map[string]string{
			"fr": "Nom d'utilisateur\u00a0: ann · Rôle\u00a0: Viewer · Département\u00a0: Ventes · Accès aux modules\u00a0: Mail, Colis · Accueil du nouvel utilisateur\u00a0: mot de passe temporaire",
			"en": "Username: ann · Role: Viewer · Department: Ventes · Module access: Mail, Parcels · Onboarding: temporary password",
		}},
		{"plan=silver->gold onboarding=invitation->temporary_password", map[string]string{
			"fr": "Forfait\u00a0: Argent → Or · Accueil du nouvel utilisateur\u00a0: e-mail d'invitation → mot de passe temporaire",
			"nl": "Abonnement: Zilver → Goud · Onboarding: uitnodigingsmail → tijdelijk wachtwoord",
		}},
		{"template=temporary_password to=ann@acme.test", map[string]string{
			"nl": "E-mail: het tijdelijke wachtwoord · Ontvanger: ann@acme.test",
			"en": "E-mail: the temporary password · Recipient: ann@acme.test",
		}},
		{"document=12 status", map[string]string{"fr": "Document\u00a0: #12 · statut consulté", "en": "Document: #12 · status viewed"}},
		{"document=12 file", map[string]string{"fr": "Document\u00a0: #12 · fichier téléchargé", "nl": "Document: #12 · bestand gedownload"}},
		{"label=4 pdf", map[string]string{"fr": "Étiquette de colis\u00a0: #4 · PDF téléchargé"}},
		{"GET /api/v1/labels/4/pdf status=200", map[string]string{
			"fr": "API\u00a0: PDF de l'étiquette #4 téléchargé · Réponse\u00a0: réussie (200)",
			"nl": "API: pdf van label #4 gedownload · Antwoord: geslaagd (200)",
			"en": "API: PDF of label #4 downloaded · Answer: succeeded (200)",
		}},
		{"POST /api/v1/labels status=400", map[string]string{
			"fr": "API\u00a0: étiquette créée · Réponse\u00a0: refusée (400)",
			"en": "API: label created · Answer: refused (400)",
		}},
		{"GET /api/v1/labels status=200", map[string]string{"en": "API: labels listed · Answer: succeeded (200)"}},
		{"GET /api/v1/labels/4/history status=404", map[string]string{"nl": "API: geschiedenis van label #4 bekeken · Antwoord: geweigerd (404)"}},
		{"GET /api/v1/labels/4 status=200", map[string]string{"fr": "API\u00a0: étiquette #4 consultée · Réponse\u00a0: réussie (200)"}},
		{"language=fr->nl", map[string]string{"en": "Language: Français → Nederlands"}},
	}
	raw := regexp.MustCompile(`[a-z]+_[a-z_]+|/api/|\bGET\b|\bPOST\b|=`)
	for _, c := range cases {
		for lang, want := range c.want {
			got := detailText(&page{lang: lang}, c.detail, depts)
			if got != want {
				t.Errorf("%s %q:\n got %q\nwant %q", lang, c.detail, got, want)
			}
		}
		for _, lang := range []string{"fr", "nl", "en"} {
			got := detailText(&page{lang: lang}, c.detail, depts)
			if m := raw.FindString(strings.ReplaceAll(got, "ann@acme.test", "")); m != "" {
				t.Errorf("%s %q says %q raw: %q", lang, c.detail, m, got)
			}
		}
	}
}

// TestDetailText: the page reads an entry's detail with the root's parser,
// so a value holding " key=" stays one value (a department renamed
// "team x=1" used to read as a name and a field "x"), and ordinary details
// read as before.
func TestDetailText(t *testing.T) {
	p := &page{lang: "en"}
	depts := map[int64]string{3: "Sales"}
	for _, c := range []struct{ detail, want string }{
		{portail.Detail{}.Change("name", "Old", "team x=1").String(), "Name: Old → team x=1"},
		{"role=viewer->operator department_id=3", "Role: Viewer → Operator · Department: Sales"},
		{"full_name email", "Full name · E-mail"},
		{"name=ci prefix=ptl_abcdefgh", "Name: ci · Key: ptl_abcdefgh"},
	} {
		if got := detailText(p, c.detail, depts); got != c.want {
			t.Errorf("detailText(%q) = %q, want %q", c.detail, got, c.want)
		}
	}
}
