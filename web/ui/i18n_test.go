package ui

import (
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/feature/plural"

	"portail"
)

// TestCatalogsComplete finds every message the UI can show — the
// templates' {{t "…"}}, the page code's p.t/p.view/translate calls and
// maps, and the domain's error and field messages — and checks that the
// French and Dutch catalogs translate each one.
func TestCatalogsComplete(t *testing.T) {
	msgs := map[string]bool{}
	lit := `"((?:[^"\\]|\\.)*)"`
	add := func(re *regexp.Regexp, text string) {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			s, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatalf("unquote %q: %v", m[1], err)
			}
			msgs[s] = true
		}
	}
	tmplT := regexp.MustCompile(`(?:[{(]t |sortTh )` + lit)
	fs.WalkDir(templatesFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templatesFS.ReadFile(path)
		add(tmplT, string(b))
		return nil
	})
	webCalls := regexp.MustCompile(`(?:p\.t|\.view|translate\([a-z.]+,)\(?` + lit)
	// Every ErrNotFound("What") of the code is a message of its own.
	notFound := map[string]bool{}
	notFoundCall := regexp.MustCompile(`ErrNotFound\("([^"]+)"\)`)
	domain := regexp.MustCompile(`(?:\.Add\([^\n]*?, (?:fmt\.Sprintf\()?|Message: |Errorf\((?:portail\.)?E[A-Z]+, |Invalid\("[a-z_.]+", )` + lit + `\)?[,)}\n]`)
	for _, dir := range []string{".", "../request", "../api", "..", "../..", "../../sqldb", "../../password", "../../sso"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if dir == "." {
				add(webCalls, string(b))
			}
			add(domain, string(b))
			for _, m := range notFoundCall.FindAllStringSubmatch(string(b), -1) {
				notFound[m[1]] = true
			}
		}
	}
	for _, m := range []map[string]string{flashes} {
		for _, v := range m {
			msgs[v] = true
		}
	}
	for _, v := range roleLabels {
		msgs[v] = true
	}
	for _, v := range moduleLabels {
		msgs[v] = true
	}
	for _, p := range portail.Plans {
		msgs[string(p)] = true
	}
	for _, a := range activityTypes {
		msgs["activity:"+string(a)] = true
	}
	for _, s := range append(statusStrings(portail.DocumentStatuses), statusStrings(portail.LabelStatuses)...) {
		msgs["status:"+s] = true
	}
	for _, k := range []string{"name", "company", "street", "house_number", "postal_code", "city", "country"} {
		msgs["address:"+k] = true
	}
	for _, s := range []string{portail.EmailPending, portail.EmailSent, portail.EmailFailed} {
		msgs["email:"+s] = true
	}
	// Messages built with a number, found by their pattern.
	for _, s := range []string{"Invited", "Active", "Inactive",
		// Sentences of the activity log's details.
		"invitation accepted", "reset", "an earlier session was ended by this login",
		"Use at least %d characters; a passphrase of several words is easy to remember.", "Use at most %d characters.",
		// The upload limit, in each unit request.FormatBytes writes.
		"The file is larger than the limit of %d MiB.", "The file is larger than the limit of %d KiB.",
		"The file is larger than the limit of %d bytes."} {
		msgs[s] = true
	}
	delete(msgs, "status:") // the prefix of computed keys, added below
	// Not-found messages name what was not found.
	delete(msgs, "%s not found.")
	for what := range notFound {
		msgs[what+" not found."] = true
	}
	// The label form's messages, as the domain gives them.
	for _, country := range []string{"BE", "LU", "FR", "DE", "NL"} {
		msgs[portail.PostalCodeProblem(country, "?")] = true
	}
	for _, typed := range []string{"", "x", "2,5 g", "2500", "99 kg"} {
		_, m := portail.ParseWeight(typed)
		msgs[m] = true
	}
	// Messages with a number are looked up with the number as %d.
	for m := range msgs {
		if k := numberless(m); k != m {
			delete(msgs, m)
			msgs[k] = true
		}
	}
	if len(msgs) < 150 {
		t.Fatalf("found only %d messages: the extraction is broken", len(msgs))
	}
	for _, lang := range []string{"fr", "nl", "en"} {
		var missing []string
		for m := range msgs {
			if lang == "en" && !identKey.MatchString(m) {
				continue // English is the source, but for keys like activity:login_failed
			}
			if catalogs()[lang][m] == "" && plurals()[lang][m] == nil {
				missing = append(missing, m)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			b, _ := json.MarshalIndent(missing, "", "  ")
			t.Errorf("%d messages lack a %s translation in web/ui/locales/%s.json:\n%s", len(missing), lang, lang, b)
		}
	}
}

// countedMessages show a count with a noun: each must be translated by
// plural forms, in English too, so that « 1 utilisateur » and "1 user"
// are not « 1 utilisateurs » and "1 users".
var countedMessages = []string{
	"%d users",
	"%d paid extra seats are unused. Deactivated users do not free paid seats: lower the extra seats below if you no longer need them.",
	"Too many failed sign-ins. Wait %d seconds before trying again, or reset your password.",
	"Too many requests. Wait %d seconds and try again.",
	"Too many wrong passwords. Wait %d seconds before trying again.",
	"The %s plan includes %d users.",
	"The trial of the %s plan includes %d users.",
	"This user was sent %d reset e-mails in the last hour, the most allowed. Try again in %d minutes.",
}

// TestCatalogsPlurals: a counted message is plural in every language, and
// has every CLDR form the language's rules give to a whole number (French:
// one and other, as 0 and 1 are "one"; Dutch and English: one and other).
func TestCatalogsPlurals(t *testing.T) {
	counted := map[string]bool{}
	for _, m := range countedMessages {
		counted[m] = true
	}
	for _, lang := range portail.Languages {
		for m := range plurals()[lang] {
			counted[m] = true
		}
	}
	for _, lang := range portail.Languages {
		needed := map[plural.Form]bool{}
		for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 100, 101, 1000, 1000000, 2000000} {
			needed[pluralForm(lang, n)] = true
		}
		for n := range 1000 {
			needed[pluralForm(lang, n)] = true
		}
		for m := range counted {
			fs := plurals()[lang][m]
			if fs == nil {
				t.Errorf("%s: %q shows a count and needs plural forms in web/ui/locales/%s.json", lang, m, lang)
				continue
			}
			for form := range needed {
				if fs[form] == "" {
					t.Errorf("%s: %q lacks its %s form", lang, m, formName(form))
				}
			}
		}
	}
}

func formName(f plural.Form) string {
	for name, form := range formNames {
		if form == f {
			return name
		}
	}
	return "?"
}

// TestPluralForms: the form follows CLDR — French puts 0 with 1, Dutch and
// English put 0 with the plural — in the templates, the page code and the
// messages that come already formatted from the domain.
func TestPluralForms(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"fr", 0, "0 utilisateur"}, {"fr", 1, "1 utilisateur"}, {"fr", 2, "2 utilisateurs"}, {"fr", 5, "5 utilisateurs"},
		{"nl", 0, "0 gebruikers"}, {"nl", 1, "1 gebruiker"}, {"nl", 2, "2 gebruikers"}, {"nl", 5, "5 gebruikers"},
		{"en", 0, "0 users"}, {"en", 1, "1 user"}, {"en", 2, "2 users"}, {"en", 5, "5 users"},
	} {
		if got := translate(c.lang, "%d users", c.n); got != c.want {
			t.Errorf("%s, %d: %q, want %q", c.lang, c.n, got, c.want)
		}
		var b strings.Builder
		tmpl := template.Must(template.New("").Funcs(templateFuncs(c.lang)).Parse(`{{t "%d users" .}}`))
		if err := tmpl.Execute(&b, c.n); err != nil || b.String() != c.want {
			t.Errorf("template, %s, %d: %q (%v), want %q", c.lang, c.n, b.String(), err, c.want)
		}
	}
	// A domain message, formatted before it reaches the page, takes the
	// form of its last number.
	for _, c := range []struct{ lang, msg, want string }{
		{"fr", "Too many wrong passwords. Wait 1 seconds before trying again.", "Attendez 1 seconde avant"},
		{"fr", "Too many wrong passwords. Wait 0 seconds before trying again.", "Attendez 0 seconde avant"},
		{"fr", "Too many wrong passwords. Wait 30 seconds before trying again.", "Attendez 30 secondes avant"},
		{"nl", "Too many wrong passwords. Wait 1 seconds before trying again.", "Wacht 1 seconde voordat"},
		{"en", "Too many wrong passwords. Wait 1 seconds before trying again.", "Wait 1 second before"},
		{"en", "Too many wrong passwords. Wait 0 seconds before trying again.", "Wait 0 seconds before"},
		{"fr", "This user was sent 3 reset e-mails in the last hour, the most allowed. Try again in 1 minutes.", "3 e-mails de renouvellement du mot de passe dans l'heure, le maximum permis. Réessayez dans 1 minute."},
		{"en", "This user was sent 3 reset e-mails in the last hour, the most allowed. Try again in 2 minutes.", "Try again in 2 minutes."},
	} {
		if got := translate(c.lang, c.msg); !strings.Contains(got, c.want) {
			t.Errorf("%s: %q → %q, want it to contain %q", c.lang, c.msg, got, c.want)
		}
	}
}

// identKey matches the keys that are identifiers rather than English
// text: plans, activity:type, email:status.
var identKey = regexp.MustCompile(`^[a-z]+(:[a-z_]+)?$`)

// TestCatalogsFormat: a translation keeps its message's verbs, in order.
func TestCatalogsFormat(t *testing.T) {
	verbs := regexp.MustCompile(`%[sdvq]`)
	for lang, cat := range catalogs() {
		for k, v := range cat {
			if !slices.Equal(verbs.FindAllString(k, -1), verbs.FindAllString(v, -1)) {
				t.Errorf("%s: %q → %q changes the %%-verbs", lang, k, v)
			}
		}
	}
	for lang, cat := range plurals() {
		for k, fs := range cat {
			for _, v := range fs {
				if !slices.Equal(verbs.FindAllString(k, -1), verbs.FindAllString(v, -1)) {
					t.Errorf("%s: %q → %q changes the %%-verbs", lang, k, v)
				}
			}
		}
	}
}

func TestTranslateNumbers(t *testing.T) {
	if got := translate("fr", "Use at least 12 characters; a passphrase of several words is easy to remember."); strings.HasPrefix(got, "Use") {
		t.Errorf("a message with a number is not translated: %q", got)
	} else if !strings.Contains(got, "12") {
		t.Errorf("the number is lost: %q", got)
	}
}

// TestNegotiate: the browser's languages are matched against
// portail.Languages; without a match, or without any, the page speaks
// portail.DefaultLanguage.
func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]string{
		"":                       portail.DefaultLanguage,
		"de-DE,de;q=0.9":         portail.DefaultLanguage,
		"not a header;;;":        portail.DefaultLanguage,
		"nl-BE,nl;q=0.9":         "nl",
		"en-US,fr;q=0.5":         "en",
		"fr-BE,fr;q=0.9,en;q=.8": "fr",
	} {
		r := httptest.NewRequest("GET", "/login", nil)
		r.Header.Set("Accept-Language", accept)
		if got := negotiate(r, nil); got != want {
			t.Errorf("Accept-Language %q: %q, want %q", accept, got, want)
		}
	}
	r := httptest.NewRequest("GET", "/login?lang=nl", nil)
	if got := negotiate(r, &portail.User{Language: "en"}); got != "en" {
		t.Errorf("the user's own language comes first: %q", got)
	}
}
