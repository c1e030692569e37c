package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// scimTokens: on a phone, an admin creates a SCIM token on the account
// page (after a refused empty name, said next to the field) with its
// defaults, sees it once, and the directory uses it; the list shows its
// last use; the page fits the phone's width in French; revoked, the token
// no longer works.
func scimTokens(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Service des expéditions internationales et du courrier recommandé")
	admin.Viewport(phoneWidth, 844, true)
	admin.Open("/account")
	admin.WantText("#scim", "Provisionnement (SCIM)", s.url+"/scim/v2")
	if st := admin.Submit("button#create-scim-token"); st != http.StatusBadRequest {
		admin.Fatalf("a token without a name answered %d, want 400", st)
	}
	admin.WantFieldError("scim_name", "scim_name-err")
	admin.Fill("#scim_name", "Microsoft Entra ID — annuaire de l'entreprise, synchronisation")
	admin.Fill("#scim_role", "viewer")
	admin.SelectText("#scim_department_id", "Service des expéditions internationales et du courrier recommandé")
	admin.Check("#scim-module-parcels", true)
	if st := admin.Submit("button#create-scim-token"); st != http.StatusCreated {
		admin.Fatalf("creating the token answered %d", st)
	}
	admin.WantText("#new-scim-token", "ne sera plus affiché")
	token := regexp.MustCompile(`scim_[A-Za-z0-9_-]+`).FindString(admin.Text("#new-scim-token code"))
	if token == "" {
		admin.Fatalf("no token shown")
	}
	// The directory creates a user with the token's defaults.
	req, _ := http.NewRequest("POST", s.url+"/scim/v2/Users", strings.NewReader(
		`{"userName":"zoe","name":{"givenName":"Zoé","familyName":"Martin"},"emails":[{"value":"zoe@acme.test","primary":true}]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("the directory's create answered %d", res.StatusCode)
	}
	admin.Open("/account")
	if strings.Contains(admin.Text("main"), token) {
		admin.Errorf("the account page shows the token again")
	}
	admin.WantText("table#scim-tokens", "Microsoft Entra ID")
	for _, p := range js[[]string](admin, fitsPhone) {
		admin.Errorf("the account page on a phone: %s", p)
	}
	admin.Shot("phone-account-scim")
	admin.Open("/users")
	admin.WantText("main", "zoe", "Zoé Martin")
	admin.Open("/account")
	if st := admin.Submit("table#scim-tokens button[type=submit]"); st != 200 {
		admin.Fatalf("revoking answered %d", st)
	}
	admin.WantText(".flash", "révoqué")
	req, _ = http.NewRequest("GET", s.url+"/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the revoked token answered %d", res.StatusCode)
	}
}
