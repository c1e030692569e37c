package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestOutboxWithoutSMTP: without --smtp the outbox is named for what it
// is, says at the top that nothing is sent and how to configure a server,
// and an e-mail's page makes its link clickable and shows the HTML part as
// the recipient would see it, in a sandbox.
func TestOutboxWithoutSMTP(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold", Flags: []string{"--smtp="}})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	admin.do("POST", "/api/v1/users", map[string]any{"username": "ann", "full_name": "Ann <b>Lee</b>", "email": "ann@acme.test",
		"role": "admin"}).must(t, 201)

	list := admin.get("/outbox").must(t, http.StatusOK, "<h1>Boîte d&#39;envoi</h1>", `id="no-smtp"`, "--smtp", "PORTAIL_SMTP",
		"Non envoyé\u00a0: aucun serveur SMTP")
	if strings.Contains(list.body, "En attente") {
		t.Errorf("without SMTP an e-mail still says it waits:\n%s", list.body)
	}
	id := regexp.MustCompile(`href="/outbox/(\d+)"`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatalf("no e-mail in the outbox:\n%s", list.body)
	}
	mail := admin.get("/outbox/"+id[1]).must(t, http.StatusOK, `id="no-smtp"`,
		fmt.Sprintf(`<iframe class="mail" id="mail-html" sandbox src="/outbox/%s/html"`, id[1]))
	link := regexp.MustCompile(`<a href="(` + regexp.QuoteMeta(a.url) + `/invitation\?token=[^"]+)">`).FindStringSubmatch(mail.body)
	if link == nil {
		t.Fatalf("the invitation link is not clickable:\n%s", mail.body)
	}

	// The HTML part is served alone, as an untrusted document: sandboxed,
	// nothing fetched, framed by our pages only; the name typed is escaped.
	req, _ := http.NewRequest("GET", a.url+"/outbox/"+id[1]+"/html", nil)
	res, err := admin.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.HasPrefix(csp, "sandbox;") || !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "script-src") {
		t.Errorf("the HTML part: %d, CSP %q", res.StatusCode, csp)
	}
	admin.get("/outbox/"+id[1]+"/html").must(t, http.StatusOK, "<p>", "Ann &lt;b&gt;Lee&lt;/b&gt;", link[1][len(a.url):len(a.url)+12])
	// Another account's or a missing e-mail is not found.
	admin.get("/outbox/999999/html").must(t, http.StatusNotFound)

	// In Dutch and English too.
	admin.do("PATCH", "/api/v1/me", map[string]any{"language": "nl"}).must(t, 200)
	admin.get("/outbox").must(t, http.StatusOK, "<h1>Postvak UIT</h1>", "Er is geen SMTP-server ingesteld")
	admin.do("PATCH", "/api/v1/me", map[string]any{"language": "en"}).must(t, 200)
	admin.get("/outbox").must(t, http.StatusOK, "<h1>Outbox</h1>", "No SMTP server is configured")
}

// TestOutboxWithSMTP: with a server, no notice, and statuses as they are.
func TestOutboxWithSMTP(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	if p := admin.get("/outbox").must(t, http.StatusOK, "<h1>Boîte d&#39;envoi</h1>"); strings.Contains(p.body, `id="no-smtp"`) {
		t.Errorf("with an SMTP server the outbox says there is none:\n%s", p.body)
	}
}

// TestOutboxEmailHTMLInAPI: a program reads the HTML part too.
func TestOutboxEmailHTMLInAPI(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold", Flags: []string{"--smtp="}})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	admin.do("POST", "/api/v1/users", map[string]any{"username": "ann", "full_name": "Ann", "email": "ann@acme.test", "role": "admin"}).must(t, 201)
	items := outboxItems(t, admin.do("GET", "/api/v1/outbox", nil).must(t, 200))
	if len(items) == 0 {
		t.Fatal("no e-mail in the outbox")
	}
	e := admin.do("GET", fmt.Sprintf("/api/v1/outbox/%v", items[0]["id"]), nil).must(t, 200)
	if h, _ := e.body["html"].(string); !strings.HasPrefix(h, "<!doctype html>") || !strings.Contains(h, "/invitation?token=") {
		t.Errorf("the e-mail's html: %q", h)
	}
	if _, ok := items[0]["html"]; ok {
		t.Errorf("the list carries the HTML part")
	}
}
