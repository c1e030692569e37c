package main

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portail/internal/lettertest"
	"portail/internal/testdb"
)

// The pages without a browser: every page renders for the roles that may
// open it, forms work without JavaScript, and errors keep what was typed.
// The browser suite (e2e) drives the same pages in Chromium.

// htmlPage is one HTML answer.
type htmlPage struct {
	status int
	body   string
	loc    string
}

func (c *client) get(path string, header ...string) htmlPage {
	c.a.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.send(req)
}

func (c *client) post(path string, form url.Values) htmlPage {
	c.a.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req)
}

func (c *client) send(req *http.Request) htmlPage {
	res, err := c.http.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return htmlPage{status: res.StatusCode, body: string(b), loc: res.Header.Get("Location")}
}

func (p htmlPage) must(t *testing.T, status int, contains ...string) htmlPage {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d (Location %q)\n%s", p.status, status, p.loc, p.body)
	}
	for _, s := range contains {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page lacks %q:\n%s", s, p.body)
		}
	}
	return p
}

func (c *client) signIn(t *testing.T, login, password string) {
	t.Helper()
	p := c.post("/login", url.Values{"login": {login}, "password": {password}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d\n%s", login, p.status, p.body)
	}
}

func TestPages(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			// The setup page creates the first account only, and only with
			// its one-time token: an empty one is no way in.
			anon := a.client()
			anon.post("/setup", url.Values{"token": {""}, "account": {"Mallory"}, "plan": {"enterprise"},
				"admin_username": {"mallory"}, "admin_email": {"mallory@evil.test"}, "admin_password": {"a long enough passphrase"}}).
				must(t, http.StatusBadRequest)
			anon.login("mallory", "a long enough passphrase").must(t, http.StatusUnauthorized)
			admin := a.client()
			admin.get("/users").must(t, http.StatusSeeOther)
			admin.signIn(t, "boss", adminPassword)

			admin.get("/users/new").must(t, http.StatusOK, `<option value="admin"`, `href="/departments"`)
			for _, path := range []string{"/", "/users", "/users/new", "/departments", "/account", "/activity", "/profile", "/outbox"} {
				t.Run(path, func(t *testing.T) { admin.get(path).must(t, http.StatusOK, `<main id="main"`) })
			}
			admin.post("/departments", url.Values{"name": {"Ventes"}}).must(t, http.StatusSeeOther)
			deps := admin.get("/departments").must(t, http.StatusOK, `data-name="Ventes"`)
			deptID := regexp.MustCompile(`id="department-(\d+)"`).FindStringSubmatch(deps.body)[1]
			admin.get("/users/new").must(t, http.StatusOK, `<option value="viewer"`, `<option value="operator"`, `<option value="department_admin"`, `<option value="admin"`)

			// A form error names the field and keeps what was typed.
			form := url.Values{"username": {"marie"}, "full_name": {"Marie Curie"}, "email": {"BOSS@acme.test"},
				"role": {"operator"}, "department_id": {deptID}, "modules": {"mail"}, "modules_present": {"1"}, "language": {"fr"}}
			p := admin.post("/users", form).must(t, http.StatusConflict, `id="email-err"`, `value="Marie Curie"`, `value="marie"`)
			if !strings.Contains(p.body, `value="mail" checked`) {
				t.Fatalf("the module choice was lost:\n%s", p.body)
			}
			form.Set("email", "marie@acme.test")
			p = admin.post("/users", form).must(t, http.StatusSeeOther)
			list := admin.get(p.loc).must(t, http.StatusOK, `data-username="marie"`, `class="flash"`)
			id := regexp.MustCompile(`href="/users/(\d+)"`).FindStringSubmatch(list.body)[1]
			// Column headers sort the list, and say which way.
			desc := admin.get("/users?sort=-username").must(t, http.StatusOK, `aria-sort="descending"`, `href="/users?sort=username"`)
			if strings.Index(desc.body, `data-username="marie"`) > strings.Index(desc.body, `data-username="boss"`) {
				t.Error("sort=-username does not list marie before boss")
			}
			admin.get("/users?sort=shoe_size").must(t, http.StatusBadRequest)
			// Links that carry the filters keep them as query parameters.
			admin.get("/activity?type=user_created").must(t, http.StatusOK, `href="/api/v1/activity.csv?type=user_created"`, `data-type="user_created"`)
			edit := admin.get("/users/"+id).must(t, http.StatusOK, `id="resend-invitation"`, `id="deactivate"`, `<option value="operator" selected>`)
			if strings.Contains(edit.body, `id="send-reset"`) {
				t.Fatal("an invited user has no password to reset")
			}

			// Deactivate: gone from the default list, back with the checkbox.
			admin.post("/users/"+id+"/deactivate", nil).must(t, http.StatusSeeOther)
			if strings.Contains(admin.get("/users").body, `data-username="marie"`) {
				t.Fatal("a deactivated user shows in the default list")
			}
			admin.get("/users?inactive=1").must(t, http.StatusOK, `data-username="marie"`, `badge inactive`)
			admin.get("/users/"+id).must(t, http.StatusOK, `id="reactivate"`)

			// The seats: gold = 3; boss + marie (inactive) leaves 2 free.
			admin.get("/account").must(t, http.StatusOK, `id="seats-used">1<`, `id="seats-available">2<`)
			admin.post("/account", url.Values{"plan": {"gold"}, "extra_seats": {"x"}, "onboarding": {"invitation"}, "modules": {"mail", "parcels", "classic"}}).
				must(t, http.StatusBadRequest, `id="extra_seats-err"`)

			// French wording of the help pages.
			fr := a.client()
			fr.get("/login", "Accept-Language", "fr-BE,fr;q=0.9").must(t, http.StatusOK, `lang="fr"`, "Mot de passe oublié")
			admin.post("/profile", url.Values{"full_name": {"Boss"}, "email": {"boss@acme.test"}, "language": {"fr"}}).must(t, http.StatusSeeOther)
			admin.get("/users?inactive=1").must(t, http.StatusOK, "Ajouter un utilisateur", "Afficher les utilisateurs inactifs", "Statut")
			admin.get("/users/"+id).must(t, http.StatusOK, "Enregistrer")
			// The log's details in words: names for ids, labels for roles.
			acts := admin.get("/activity?type=user_created").must(t, http.StatusOK, "Ventes", "Operator")
			if strings.Contains(acts.body, "department_id=") {
				t.Errorf("raw details on the activity page:\n%s", acts.body)
			}
			admin.post("/profile", url.Values{"full_name": {"Boss"}, "email": {"boss@acme.test"}, "language": {"nl"}}).must(t, http.StatusSeeOther)
			admin.get("/users").must(t, http.StatusOK, `lang="nl"`, "Gebruiker toevoegen")

			// An operator sees no Users menu and gets 403 on its URL.
			admin.post("/users/"+id+"/reactivate", nil).must(t, http.StatusSeeOther)
			// Deactivation killed the first invitation: the edit page sends a new one.
			a.smtp.WaitFor(t, "marie@acme.test", "Bienvenue", wait)
			admin.post("/users/"+id+"/invitation", nil).must(t, http.StatusSeeOther)
			for deadline := time.Now().Add(wait); a.smtp.Count("marie@acme.test") < 2; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no second invitation")
				}
			}
			op := a.client()
			op.do("POST", "/api/v1/auth/invitation", map[string]string{"token": tokenOf(t, a.smtp.WaitFor(t, "marie@acme.test", "Bienvenue", wait).Link("/invitation")), "new_password": "a long enough passphrase"}).must(t, http.StatusNoContent)
			op.signIn(t, "marie", "a long enough passphrase")
			home := op.get("/").must(t, http.StatusOK, "/profile")
			if strings.Contains(home.body, `href="/users"`) || strings.Contains(home.body, `href="/account"`) {
				t.Fatalf("an operator sees admin menus:\n%s", home.body)
			}
			for _, path := range []string{"/users", "/users/new", "/departments", "/account", "/outbox"} {
				if st := op.get(path).status; st != http.StatusForbidden && st != http.StatusNotFound {
					t.Errorf("operator GET %s: %d, want 403 or 404", path, st)
				}
			}
			op.get("/users").must(t, http.StatusForbidden)
		})
	}
}

// minimalPDF is a clean one-page A4 letter with an address in its window.
var minimalPDF = string(lettertest.Letter(1))

func (c *client) upload(path string, fields map[string]string, fileName, content string) htmlPage {
	c.a.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

func TestWorkPages(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			admin := a.client()
			admin.signIn(t, "boss", adminPassword)
			admin.post("/departments", url.Values{"name": {"Ventes"}}).must(t, http.StatusSeeOther)
			deps := admin.get("/departments").body
			deptID := regexp.MustCompile(`id="department-(\d+)"`).FindStringSubmatch(deps)[1]
			home := admin.get("/").must(t, http.StatusOK, `href="/documents"`, `href="/labels"`, `href="/reports"`)
			_ = home

			// A file that is not a PDF is refused next to the file field.
			admin.upload("/documents", map[string]string{"department_id": deptID, "module": "mail"}, "notes.txt", "hello").
				must(t, http.StatusBadRequest, `id="file-err"`)
			p := admin.upload("/documents", map[string]string{"department_id": deptID, "module": "mail"}, "lettre.pdf", minimalPDF).
				must(t, http.StatusSeeOther)
			doc := admin.get(p.loc).must(t, http.StatusOK, "lettre.pdf", `data-status="received"`, `name="portail-follow"`, `id="history"`)
			_ = doc
			admin.get("/documents").must(t, http.StatusOK, `data-name="lettre.pdf"`)

			// A label form with mistakes keeps what was typed and names the fields.
			form := url.Values{"department_id": {deptID}, "weight": {"1,2 kg"},
				"sender.name": {"Acme"}, "sender.street": {"Rue de la Loi"}, "sender.house_number": {"16"}, "sender.postal_code": {"1000"},
				"sender.city": {"Bruxelles"}, "sender.country": {"BE"},
				"recipient.name": {"Marie Curie"}, "recipient.street": {"Rue Pierre et Marie Curie"}, "recipient.house_number": {"11"},
				"recipient.postal_code": {""}, "recipient.city": {"Paris"}, "recipient.country": {"FR"}}
			admin.post("/labels", form).must(t, http.StatusBadRequest, `id="recipient.postal_code-err"`, `value="Marie Curie"`)
			form.Set("recipient.postal_code", "75005")
			p = admin.post("/labels", form).must(t, http.StatusSeeOther)
			label := admin.get(p.loc).must(t, http.StatusOK, `id="tracking"`, `data-status="created"`, "/pdf")
			if !regexp.MustCompile(`<code id="tracking">[A-Z]{2}\d{9}[A-Z]{2}</code>`).MatchString(label.body) {
				t.Fatalf("no S10 tracking number on the label page:\n%s", label.body)
			}
			admin.get("/reports").must(t, http.StatusOK, `<svg class="chart"`, "Ventes", `class="s-received"`)
			admin.get("/reports?from=nonsense").must(t, http.StatusBadRequest, `id="from-err"`)
		})
	}
}

func TestMetrics(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	c := a.client()
	c.login("boss", adminPassword).must(t, http.StatusOK)
	c.do("GET", "/api/v1/users/987654", nil).must(t, http.StatusNotFound)
	p := c.get("/metrics").must(t, http.StatusOK, `portail_http_requests_total{method="POST",route="POST /api/v1/auth/login",status="200"} 1`,
		`route="GET /api/v1/users/{id}",status="404"`, "portail_http_request_duration_seconds_bucket", "go_goroutines")
	if strings.Contains(p.body, "987654") {
		t.Error("a path with an id became a label")
	}
	// The outbox's figures come from the database: with SMTP down, an
	// invitation waits and the pending count shows it.
	a.smtp.Stop()
	c.do("POST", "/api/v1/users", map[string]any{"username": "ann", "full_name": "Ann", "email": "ann@acme.test",
		"role": "admin"}).must(t, http.StatusCreated)
	c.get("/metrics").must(t, http.StatusOK, `portail_outbox_emails{status="pending"} 1`, `portail_outbox_emails{status="failed"} 0`)
	// Other hosts need the token once one is set.
	a.main.Server.MetricsToken = "s3cret"
	c.get("/metrics").must(t, http.StatusUnauthorized)
	c.get("/metrics", "Authorization", "Bearer s3cret").must(t, http.StatusOK)
}
