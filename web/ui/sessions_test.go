package ui_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

var sessionItemID = regexp.MustCompile(`<li id="session-((?:bs|ak)_\d+)" data-kind="(browser|api_key)"`)

// sessionCards are the item ids of a page's sessions list by kind.
func sessionCards(body string) map[string][]string {
	out := map[string][]string{}
	for _, m := range sessionItemID.FindAllStringSubmatch(body, -1) {
		out[m[2]] = append(out[m[2]], m[1])
	}
	return out
}

// TestProfileSessions: the profile says where its user is signed in, in
// their language, with an end button each; ending a key revokes it, ending
// this browser's session signs it out (C12).
func TestProfileSessions(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		w := s.Do("POST", "/profile/api-keys", "", strings.NewReader("key_name=export"), form, s.Admin)
		if w.Code != http.StatusCreated {
			t.Fatalf("%s: a new key: %d", s.Dialect, w.Code)
		}
		w = s.Do("GET", "/profile", "lang=fr", nil, nil, s.Admin)
		s.CheckServed(t, "profile", w)
		body := w.Body.String()
		for _, want := range []string{"Où vous êtes connecté", "Dernière connexion", "aucune enregistrée avant celle-ci", "Ce navigateur",
			"Navigateur ou programme inconnu", "192.0.2.1", "Clé API export", "Mettre fin (révoquer la clé)"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the French profile lacks %q", s.Dialect, want)
			}
		}
		cards := sessionCards(body)
		if len(cards["browser"]) != 1 || len(cards["api_key"]) != 1 {
			t.Fatalf("%s: cards %v", s.Dialect, cards)
		}
		// Another's item, or garbage, is not found and ends nothing.
		for _, id := range []string{"ak_999999", "nothing"} {
			if w := s.Do("POST", "/profile/sessions/"+id+"/end", "", nil, form, s.Admin); w.Code != http.StatusNotFound {
				t.Errorf("%s: ending %s: %d", s.Dialect, id, w.Code)
			}
		}
		w = s.Do("POST", "/profile/sessions/"+cards["api_key"][0]+"/end", "", nil, form, s.Admin)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/profile?done=revoked") {
			t.Fatalf("%s: ending the key: %d %s", s.Dialect, w.Code, w.Header().Get("Location"))
		}
		w = s.Do("GET", "/profile", "done=revoked", nil, nil, s.Admin)
		if c := sessionCards(w.Body.String()); len(c["api_key"]) != 0 || len(c["browser"]) != 1 {
			t.Errorf("%s: after ending the key: %v", s.Dialect, c)
		}
		if !strings.Contains(w.Body.String(), `<p class="flash" role="status">La clé API a été révoquée.`) { // the admin's language
			t.Errorf("%s: no flash after ending the key", s.Dialect)
		}
		// This browser's own session: signed out, the cookie cleared.
		w = s.Do("POST", "/profile/sessions/"+cards["browser"][0]+"/end", "", nil, form, s.Admin)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?signed_out=1" || !strings.Contains(w.Header().Get("Set-Cookie"), "portail_session=;") {
			t.Errorf("%s: ending this browser's session: %d %s %q", s.Dialect, w.Code, w.Header().Get("Location"), w.Header().Get("Set-Cookie"))
		}
		w = s.Do("GET", "/profile", "", nil, nil, s.Admin)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login?ended=1") {
			t.Errorf("%s: the ended session's next page: %d %s", s.Dialect, w.Code, w.Header().Get("Location"))
		}
		w = s.Do("GET", "/login", "ended=1&lang=nl", nil, nil)
		if !strings.Contains(w.Body.String(), "U bent afgemeld: deze sessie is vanaf een andere plek beëindigd") {
			t.Errorf("%s: the sign-in page does not say why, in Dutch", s.Dialect)
		}
	}
}

// TestUserEditSessions: the edit page shows a user's sessions to an admin,
// with "sign out everywhere", which signs them out.
func TestUserEditSessions(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		admin := s.IDs["admin"]
		w := s.Do("GET", fmt.Sprintf("/users/%d", s.IDs["op1"]), "lang=fr", nil, nil, s.Admin)
		s.CheckServed(t, "user edit", w)
		body := w.Body.String()
		if !strings.Contains(body, "Où cet utilisateur est connecté") || !strings.Contains(body, "Connecté nulle part, et aucune clé API.") ||
			!strings.Contains(body, fmt.Sprintf(`action="/users/%d/sign-out"`, s.IDs["op1"])) {
			t.Errorf("%s: the edit page of an invited user lacks the sessions section", s.Dialect)
		}
		// The admin's own edit page: their session, not marked current
		// (another user's view), and no end button per item.
		w = s.Do("GET", fmt.Sprintf("/users/%d", admin), "", nil, nil, s.Admin)
		body = w.Body.String()
		if c := sessionCards(body); len(c["browser"]) != 1 || strings.Contains(body, "Ce navigateur") || strings.Contains(body, "/profile/sessions/") {
			t.Errorf("%s: the admin's edit page: %v", s.Dialect, c)
		}
		w = s.Do("POST", fmt.Sprintf("/users/%d/sign-out", s.IDs["op1"]), "", nil, form, s.Admin)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != fmt.Sprintf("/users/%d?done=signed_out", s.IDs["op1"]) {
			t.Errorf("%s: sign out everywhere: %d %s", s.Dialect, w.Code, w.Header().Get("Location"))
		}
		if w := s.Do("POST", "/users/999999/sign-out", "", nil, form, s.Admin); w.Code != http.StatusNotFound {
			t.Errorf("%s: sign out of nobody: %d", s.Dialect, w.Code)
		}
		w = s.Do("GET", fmt.Sprintf("/users/%d", s.IDs["op1"]), "done=signed_out", nil, nil, s.Admin)
		if !strings.Contains(w.Body.String(), "a été déconnecté partout") {
			t.Errorf("%s: no flash after signing out", s.Dialect)
		}
	}
}
