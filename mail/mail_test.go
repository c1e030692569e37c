package mail

import (
	"strings"
	"testing"

	"portail"
)

var templates = []portail.EmailTemplate{portail.EmailInvitation, portail.EmailTemporaryPassword, portail.EmailPasswordReset,
	portail.EmailPasswordChanged, portail.EmailAddressChanged, portail.EmailConfirmAddress, portail.EmailMFAReset}

// params are those of an e-mail queued by an earlier release, which
// carries its whole link and the public address.
func params() portail.EmailParams {
	return portail.EmailParams{FullName: `Zoé <script>alert(1)</script>`, Username: "zoe", Account: "Acme & Co",
		NewEmail: "new@acme.test", BaseURL: "https://portail.acme.test", Link: "https://portail.acme.test/reset-password?token=T0K3N&x=1",
		Code: "ABCD-EFGH", Password: "tangerine orbit velvet", Redacted: false}
}

// Every e-mail exists in every language, with both parts, the user's
// secrets where the e-mail carries them, and nothing unescaped in HTML.
func TestRenderEveryTemplate(t *testing.T) {
	for _, lang := range portail.Languages {
		for _, tpl := range templates {
			t.Run(lang+"/"+string(tpl), func(t *testing.T) {
				m, err := Render(&portail.Email{ID: 7, To: "zoe@acme.test", Template: tpl, Language: lang, Params: params()}, "")
				if err != nil {
					t.Fatal(err)
				}
				if m.Subject == "" || m.Text == "" || !strings.Contains(m.HTML, `<html lang="`+lang+`"`) {
					t.Fatalf("incomplete message: %+v", m)
				}
				if strings.Contains(m.HTML, "<script>") {
					t.Error("the full name reached the HTML part unescaped")
				}
				if strings.Contains(m.Text, "{") {
					t.Errorf("a placeholder is left in the text:\n%s", m.Text)
				}
				switch tpl {
				case portail.EmailInvitation:
					mustContain(t, m, "https://portail.acme.test/reset-password?token=T0K3N&x=1", "zoe")
				case portail.EmailPasswordReset:
					mustContain(t, m, "T0K3N", "ABCD-EFGH")
				case portail.EmailTemporaryPassword:
					mustContain(t, m, "tangerine orbit velvet", "zoe", "https://portail.acme.test/login")
				case portail.EmailAddressChanged:
					mustContain(t, m, "new@acme.test")
				case portail.EmailConfirmAddress:
					mustContain(t, m, "https://portail.acme.test/reset-password?token=T0K3N&x=1", "new@acme.test", "zoe", "24")
				}
				if tpl != portail.EmailInvitation && tpl != portail.EmailPasswordReset && tpl != portail.EmailConfirmAddress && strings.Contains(m.Text, "T0K3N") {
					t.Error("a link token leaked into an e-mail that has no link")
				}
			})
		}
	}
}

func mustContain(t *testing.T, m Message, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(m.Text, p) {
			t.Errorf("the text part lacks %q:\n%s", p, m.Text)
		}
	}
}

// The temporary password stands alone on the line after its label
// (the contract of §9, which scripts rely on).
func TestTemporaryPasswordLine(t *testing.T) {
	for lang, label := range map[string]string{"fr": "Mot de passe :", "en": "Password:", "nl": "Wachtwoord:"} {
		m, err := Render(&portail.Email{Template: portail.EmailTemporaryPassword, Language: lang, Params: params()}, "")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(m.Text, "\n")
		found := false
		for i, l := range lines {
			if l == label && i+1 < len(lines) {
				found = lines[i+1] == "tangerine orbit velvet"
			}
		}
		if !found {
			t.Errorf("%s: no line %q followed by the password alone:\n%s", lang, label, m.Text)
		}
	}
}

// After delivery the outbox keeps the e-mail without its secrets; shown
// again, it says so instead of showing an empty link or code.
func TestRenderRedacted(t *testing.T) {
	p := params().Redact()
	m, err := Render(&portail.Email{Template: portail.EmailPasswordReset, Language: "en", Params: p}, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "T0K3N") || strings.Contains(m.Text, "ABCD-EFGH") || !strings.Contains(m.Text, redactedNote["en"]) {
		t.Errorf("redacted e-mail:\n%s", m.Text)
	}
}

func TestRenderUnknownLanguageIsFrench(t *testing.T) {
	m, err := Render(&portail.Email{Template: portail.EmailInvitation, Language: "de", Params: params()}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `lang="fr"`) {
		t.Errorf("an unknown language did not fall back to French: %s", m.Subject)
	}
	if _, err := Render(&portail.Email{Template: "no_such_template", Language: "fr"}, ""); err == nil {
		t.Error("an unknown template rendered")
	}
}

// An e-mail queued now carries its link's token alone: the link is made
// from the public address the renderer is given and the template's page.
func TestRenderLinksFromToken(t *testing.T) {
	p := portail.EmailParams{FullName: "Zoé", Username: "zoe", Account: "Acme", NewEmail: "new@acme.test",
		Token: "T0K3N", Code: "ABCD-EFGH", Password: "tangerine orbit velvet"}
	for _, c := range []struct {
		tpl  portail.EmailTemplate
		want string
	}{
		{portail.EmailInvitation, "https://portail.acme.test/invitation?token=T0K3N"},
		{portail.EmailPasswordReset, "https://portail.acme.test/reset-password?token=T0K3N"},
		{portail.EmailConfirmAddress, "https://portail.acme.test/confirm-email?token=T0K3N"},
		{portail.EmailTemporaryPassword, "https://portail.acme.test/login"},
	} {
		for _, lang := range portail.Languages {
			m, err := Render(&portail.Email{Template: c.tpl, Language: lang, Params: p}, "https://portail.acme.test/")
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, m, c.want)
			if !strings.Contains(m.HTML, `href="`+c.want+`"`) {
				t.Errorf("%s/%s: the HTML part has no button to %s", lang, c.tpl, c.want)
			}
		}
	}
	// The token is made safe for the query, whatever it holds.
	odd := p
	odd.Token = "a b&c"
	m, _ := Render(&portail.Email{Template: portail.EmailInvitation, Language: "en", Params: odd}, "https://portail.acme.test")
	mustContain(t, m, "https://portail.acme.test/invitation?token=a+b%26c")
	// Delivered, the token is erased like the other secrets.
	m, _ = Render(&portail.Email{Template: portail.EmailInvitation, Language: "en", Params: p.Redact()}, "https://portail.acme.test")
	if strings.Contains(m.Text, "T0K3N") || !strings.Contains(m.Text, redactedNote["en"]) {
		t.Errorf("redacted invitation:\n%s", m.Text)
	}
}

// An e-mail queued by an earlier release keeps the link it carries,
// whatever address the renderer is given now.
func TestRenderStoredLink(t *testing.T) {
	m, err := Render(&portail.Email{Template: portail.EmailInvitation, Language: "en", Params: params()}, "https://new.acme.test")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, m, "https://portail.acme.test/reset-password?token=T0K3N&x=1")
}

// French elides « de » before a vowel: « le portail d’Imprimerie Dupont »,
// never « de Imprimerie ».
func TestFrenchElision(t *testing.T) {
	for account, want := range map[string]string{"Imprimerie Dupont": "portail d’Imprimerie Dupont", "Acme SA": "portail d’Acme SA",
		"Éditions Martin": "portail d’Éditions Martin", "Banque Martin": "portail de Banque Martin", "Hachette": "portail de Hachette"} {
		for _, tpl := range []portail.EmailTemplate{portail.EmailInvitation, portail.EmailTemporaryPassword} {
			p := params()
			p.Account = account
			m, err := Render(&portail.Email{ID: 7, To: "zoe@acme.test", Template: tpl, Language: "fr", Params: p}, "https://portail.acme.test")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m.Text, want) {
				t.Errorf("%s for %q: no %q in\n%s", tpl, account, want, m.Text)
			}
		}
	}
}
