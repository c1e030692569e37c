package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestFollowingAStatusLogsNoFetch: a document's page follows its status
// through a small JSON answer, not a reload, and only what the person
// asked for is logged: opening the page and downloading the file, not
// the page's polling.
func TestFollowingAStatusLogsNoFetch(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Courrier"}).must(t, 201).id()
	doc := admin.uploadPDF(t, dept, "lettre.pdf")
	fetches := func() []string {
		t.Helper()
		var out []string
		for _, it := range outboxItems(t, admin.do("GET", "/api/v1/activity?type=fetch&limit=200", nil).must(t, 200)) {
			out = append(out, it["detail"].(string))
		}
		return out
	}

	path := fmt.Sprintf("/documents/%d", doc)
	page := admin.get(path).must(t, http.StatusOK, `<meta name="portail-follow" content="`+path+`" data-every="5">`,
		`<a href="`+path+`" id="refresh">Actualiser</a>`)
	if strings.Contains(page.body, `http-equiv="refresh"`) {
		t.Errorf("the page still reloads itself:\n%s", page.body)
	}
	for range 3 {
		st := admin.get(path+"/status").must(t, http.StatusOK)
		var got struct {
			Status string `json:"status"`
			Final  bool   `json:"final"`
		}
		if err := json.Unmarshal([]byte(st.body), &got); err != nil || got.Status != "received" || got.Final {
			t.Fatalf("status answer %q: %+v %v", st.body, got, err)
		}
	}
	// The page asking for itself once its status moved is no fetch either.
	admin.get(path, "Portail-Poll", "1").must(t, http.StatusOK, `id="history"`)
	want := fmt.Sprintf("document=%d status", doc)
	if got := fetches(); len(got) != 1 || got[0] != want {
		t.Fatalf("fetch entries %q, want the one opening of the page (%q)", got, want)
	}
	// A download is asked for, and logged.
	admin.do("GET", fmt.Sprintf("/api/v1/documents/%d/file", doc), nil).must(t, 200)
	if got := fetches(); len(got) != 2 {
		t.Fatalf("fetch entries %q, want the opening and the download", got)
	}
	// Another's or a missing document has no status to follow.
	admin.get("/documents/999999/status").must(t, http.StatusNotFound)
}
