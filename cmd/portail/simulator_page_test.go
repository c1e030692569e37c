package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSimulatorSaysSo: while the print-and-post simulator runs, the home
// page and the pages of documents, labels and reports say the statuses
// are simulated, and the history names the simulator for its moves;
// without it, nothing of the kind shows.
func TestSimulatorSaysSo(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold", Flags: []string{"--simulator=true", "--simulator-interval", "30ms"}})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Courrier"}).must(t, 201).id()
	admin.noLetterWait(t)
	doc := admin.uploadPDF(t, dept, "lettre.pdf")
	deadline := time.Now().Add(wait)
	for admin.do("GET", fmt.Sprintf("/api/v1/documents/%d", doc), nil).must(t, 200).body["status"] == "received" {
		if time.Now().After(deadline) {
			t.Fatal("the simulator did not move the document")
		}
		time.Sleep(20 * time.Millisecond)
	}
	banner := "<p class=\"notice\" id=\"simulator\" role=\"note\"><strong>Mode test\u00a0:</strong> le simulateur d&#39;impression et d&#39;envoi intégré"
	for _, path := range []string{"/", "/documents", "/labels", "/labels/new", "/reports"} {
		admin.get(path).must(t, http.StatusOK, banner)
	}
	page := admin.get(fmt.Sprintf("/documents/%d", doc)).must(t, http.StatusOK, banner,
		`<span class="muted" data-system="simulator">Simulateur (mode test)</span>`)
	if strings.Contains(page.body, ">système<") {
		t.Errorf("a move of the simulator is said to be the system's:\n%s", page.body)
	}
	// Pages about the people and the account do not speak of it.
	for _, path := range []string{"/users", "/activity", "/profile", "/outbox"} {
		if p := admin.get(path).must(t, http.StatusOK); strings.Contains(p.body, `id="simulator"`) {
			t.Errorf("%s speaks of the simulator", path)
		}
	}
}

func TestNoSimulatorNoBanner(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	for _, path := range []string{"/", "/documents", "/labels", "/reports"} {
		if p := admin.get(path).must(t, http.StatusOK); strings.Contains(p.body, `id="simulator"`) {
			t.Errorf("without the simulator %s speaks of it", path)
		}
	}
}
