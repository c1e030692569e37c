package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestWebhooksPage: an admin subscribes an endpoint on the Webhooks page,
// sees its secret once, follows its deliveries in the log, resends one,
// disables, enables and deletes it; a department admin has no such page.
// In French, Dutch and English.
func TestWebhooksPage(t *testing.T) {
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	s := startSite(t, siteOptions{Plan: "gold", Flags: []string{"--webhook-allow-private"}})
	// The API goes with a key: one sign-in at a time, and the pages'
	// comes last.
	api := s.client()
	api.login("boss", adminPassword).must(t, 200)
	api.bearer = api.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "webhooks page"}).must(t, 201).body["key"].(string)
	admin := s.client()
	admin.signIn(t, "boss", adminPassword)

	admin.get("/webhooks").must(t, http.StatusOK, "<h1>Webhooks</h1>", `href="/webhooks" aria-current="page"`, "Aucun webhook pour l&#39;instant.",
		`id="event-user.created"`, "Un utilisateur est créé")
	// A refused form keeps what was typed and names the field.
	admin.post("/webhooks", url.Values{"url": {"ftp://hooks.example.com/"}, "events": {"user.created"}}).must(t, http.StatusBadRequest,
		"Utilisez une adresse https.", `value="ftp://hooks.example.com/"`, `id="event-user.created" name="events" value="user.created" checked`)
	admin.post("/webhooks", url.Values{"url": {receiver.URL + "/in"}}).must(t, http.StatusBadRequest, "Choisissez au moins un événement.")

	created := admin.post("/webhooks", url.Values{"url": {receiver.URL + "/in"}, "events": {"user.created", "user.deactivated"}}).
		must(t, http.StatusCreated, `id="new-secret"`, "Le webhook a été créé.", "il ne sera plus affiché")
	secret := regexp.MustCompile(`value="(whsec_[A-Z0-9]+)"`).FindStringSubmatch(created.body)
	if secret == nil {
		t.Fatalf("no secret on the page:\n%s", created.body)
	}
	id := regexp.MustCompile(`href="/webhooks/(\d+)"`).FindStringSubmatch(created.body)
	if id == nil {
		t.Fatalf("no webhook listed:\n%s", created.body)
	}
	list := admin.get("/webhooks").must(t, http.StatusOK, receiver.URL+"/in", "Activé")
	if strings.Contains(list.body, secret[1]) {
		t.Fatal("the list shows the secret again")
	}
	page := "/webhooks/" + id[1]
	admin.get(page).must(t, http.StatusOK, "Rien n&#39;a encore été envoyé", "Un utilisateur est désactivé")

	// An event: its delivery shows in the log.
	api.do("POST", "/api/v1/users", map[string]any{"username": "zoe", "full_name": "Zoé", "email": "zoe@acme.test", "role": "admin"}).must(t, 201)
	var log htmlPage
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		if log = admin.get(page); strings.Contains(log.body, `<span class="badge sent">204</span>`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery in the log:\n%s", log.body)
		}
	}
	resend := regexp.MustCompile(`action="(/webhooks/\d+/deliveries/\d+/resend)"`).FindStringSubmatch(log.body)
	if resend == nil {
		t.Fatalf("no resend button:\n%s", log.body)
	}
	if p := admin.post(resend[1], nil); p.status != http.StatusSeeOther || p.loc != page+"?done=resent" {
		t.Fatalf("resend: %d %q", p.status, p.loc)
	}
	for deadline := time.Now().Add(wait); hits.Load() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the resent event did not arrive (%d requests)", hits.Load())
		}
	}

	if p := admin.post(page+"/disable", nil); p.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", p.status)
	}
	admin.get(page+"?done=disabled").must(t, http.StatusOK, "plus aucun événement ne lui est envoyé", `id="enable"`)
	if p := admin.post(page+"/enable", nil); p.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.status)
	}
	admin.get(page).must(t, http.StatusOK, `id="disable"`, `data-confirm="Supprimer ce webhook ?`)

	// In Dutch and English too.
	api.do("PATCH", "/api/v1/me", map[string]any{"language": "nl"}).must(t, 200)
	admin.get(page).must(t, http.StatusOK, "Verzendlogboek", "Opnieuw versturen", "Een gebruiker wordt aangemaakt")
	api.do("PATCH", "/api/v1/me", map[string]any{"language": "en"}).must(t, 200)
	admin.get("/webhooks").must(t, http.StatusOK, "<h1>Webhooks</h1>", "Add the webhook", "A user is created")

	// A department admin has neither the menu entry nor the page.
	dept := api.do("POST", "/api/v1/departments", map[string]string{"name": "Courrier"}).must(t, 201).id()
	pw := "a long secret passphrase for webhooks"
	api.do("POST", "/api/v1/users", map[string]any{"username": "dora", "full_name": "Dora", "email": "dora@acme.test",
		"role": "department_admin", "department_id": dept, "modules": []string{"mail"}}).must(t, 201)
	s.activate("dora@acme.test", "Bienvenue", pw)
	dora := s.client()
	dora.signIn(t, "dora", pw)
	if home := dora.get("/").must(t, http.StatusOK); strings.Contains(home.body, `href="/webhooks"`) {
		t.Error("a department admin sees the Webhooks menu entry")
	}
	dora.get("/webhooks").must(t, http.StatusForbidden)
	dora.get(page).must(t, http.StatusForbidden)

	if p := admin.post(page+"/delete", nil); p.status != http.StatusSeeOther || p.loc != "/webhooks?done=deleted" {
		t.Fatalf("delete: %d %q", p.status, p.loc)
	}
	admin.get(page).must(t, http.StatusNotFound)
}
