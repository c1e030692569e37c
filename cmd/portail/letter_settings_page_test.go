package main

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestLetterSettingsPages: a department's admin sets their own
// department's letter defaults on its page, not another's; an operator
// none; neither sees the account's settings; everyone signed in reads the
// tariff; and the change is an activity entry the admin sees.
func TestLetterSettingsPages(t *testing.T) {
	s := startSite(t, siteOptions{Plan: "enterprise"})
	admin := s.client()
	admin.login("boss", adminPassword).must(t, 200)
	own := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Own"}).must(t, 201).id()
	other := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Other"}).must(t, 201).id()
	pw := "a long secret passphrase for letters"
	for _, u := range []struct{ name, role string }{{"dora", "department_admin"}, {"otto", "operator"}} {
		admin.do("POST", "/api/v1/users", map[string]any{"username": u.name, "full_name": u.name, "email": u.name + "@acme.test",
			"role": u.role, "department_id": own, "modules": []string{"mail"}, "language": "en"}).must(t, 201)
		s.activate(u.name+"@acme.test", "Welcome", pw)
	}
	dora, otto := s.client(), s.client()
	dora.signIn(t, "dora", pw)
	otto.signIn(t, "otto", pw)

	path := fmt.Sprintf("/departments/%d/letters", own)
	dora.get(path).must(t, http.StatusOK, `id="letters-form"`, "Letter defaults of Own")
	dora.post(path, url.Values{"color": {"1"}, "duplex": {"1"}, "postage": {"prior"}, "window": {"left"}}).must(t, http.StatusSeeOther)
	dora.get(path+"?done=saved").must(t, http.StatusOK, `class="flash"`, `id="postage-prior" name="postage" value="prior" checked`)
	dora.get(fmt.Sprintf("/departments/%d/letters", other)).must(t, http.StatusNotFound)
	dora.post(fmt.Sprintf("/departments/%d/letters", other), url.Values{"postage": {"prior"}, "window": {"left"}}).must(t, http.StatusNotFound)
	otto.get(path).must(t, http.StatusForbidden)
	otto.post(path, url.Values{"remove": {"1"}}).must(t, http.StatusForbidden)
	dora.get("/account").must(t, http.StatusForbidden)
	otto.post("/account/settings", url.Values{"letter_cancellation_minutes": {"0"}, "country": {"BE"}}).must(t, http.StatusForbidden)
	otto.get("/tariff").must(t, http.StatusOK, "Prices excluding VAT", "€0.09")

	body := admin.do("GET", fmt.Sprintf("/api/v1/departments/%d", own), nil).must(t, 200).body
	if d, _ := body["letter_defaults"].(map[string]any); d["color"] != true || d["postage"] != "prior" || d["window"] != "left" || d["registered"] != false {
		t.Errorf("the department's letter defaults over the API: %v", body["letter_defaults"])
	}
	admin.do("PUT", "/api/v1/account/settings", map[string]int{"letter_cancellation_minutes": 45}).must(t, 200)
	admin.get("/activity?type=account_settings_changed").must(t, http.StatusOK, `data-type="account_settings_changed"`)
}
