package ui_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

// checked reports whether the input of id on page is checked.
func checked(page, id string) bool {
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		return false
	}
	end := strings.Index(page[i:], ">")
	return strings.Contains(page[i:i+end], " checked")
}

// TestAccountLetterSettingsPage: the account page shows the letter
// settings and the tariff, VAT excluded, in the admin's language; a
// refused change keeps what was typed, says why next to the field and
// leaves the subscription form as stored; a good one is saved.
func TestAccountLetterSettingsPage(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		page := s.Do("GET", "/account", "", nil, nil, s.Admin).Body.String()
		if v, _ := inputValue(page, "letter_cancellation_minutes"); v != "15" || selected(page, "country") != "BE" {
			t.Fatalf("%s: settings form shows %q min, country %q", s.Dialect, v, selected(page, "country"))
		}
		text := html.UnescapeString(page)
		for _, want := range []string{"Prix hors TVA", `id="tariff-bw">0,09` + "\u00a0€", `id="tariff-registered">6,90` + "\u00a0€",
			"jusqu'à 50\u00a0g", "1,45\u00a0€", "1,81\u00a0€", "jusqu'à 2\u00a0kg", "Enveloppe, jusqu'à 6 feuilles", "au plus 60 pages"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the account page lacks %q", s.Dialect, want)
			}
		}
		bad := url.Values{"letter_cancellation_minutes": {"2000"}, "country": {"BE"}}
		w := s.Do("POST", "/account/settings", "", strings.NewReader(bad.Encode()), formHeader, s.Admin)
		body := html.UnescapeString(w.Body.String())
		if w.Code != 400 || !strings.Contains(body, `id="letter_cancellation_minutes-err">Indiquez un nombre de minutes entre 0 et 1440.`) {
			t.Fatalf("%s: too many minutes: %d, no message next to the field", s.Dialect, w.Code)
		}
		if v, _ := inputValue(body, "letter_cancellation_minutes"); v != "2000" {
			t.Errorf("%s: typed minutes became %q", s.Dialect, v)
		}
		if v, _ := inputValue(body, "extra_seats"); v != "0" || selected(body, "plan-select") != "enterprise" {
			t.Errorf("%s: the subscription form shows %q extra seats, plan %q", s.Dialect, v, selected(body, "plan-select"))
		}
		w = s.Do("POST", "/account/settings", "", strings.NewReader("letter_cancellation_minutes=abc&country=BE"), formHeader, s.Admin)
		if w.Code != 400 || !strings.Contains(w.Body.String(), `id="letter_cancellation_minutes-err"`) {
			t.Errorf("%s: not a number: %d", s.Dialect, w.Code)
		}
		good := url.Values{"letter_cancellation_minutes": {"30"}, "country": {"LU"}}
		if w := s.Do("POST", "/account/settings", "", strings.NewReader(good.Encode()), formHeader, s.Admin); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: good settings: %d", s.Dialect, w.Code)
		}
		page = s.Do("GET", "/account", "done=settings", nil, nil, s.Admin).Body.String()
		if v, _ := inputValue(page, "letter_cancellation_minutes"); v != "30" || selected(page, "country") != "LU" ||
			!strings.Contains(html.UnescapeString(page), "Les réglages des courriers ont été enregistrés.") {
			t.Errorf("%s: saved settings show %q min, country %q", s.Dialect, v, selected(page, "country"))
		}
	}
}

// TestDepartmentLettersPage: a department's letter defaults have their
// own page, linked from the departments page and the sender's; it shows
// the usual options until some are saved, keeps them, says them on the
// departments page, and removes them.
func TestDepartmentLettersPage(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		d1 := strconv.FormatInt(s.IDs["D1"], 10)
		path := "/departments/" + d1 + "/letters"
		page := s.Do("GET", path, "", nil, nil, s.Admin).Body.String()
		if !checked(page, "letter-duplex") || checked(page, "letter-color") || !checked(page, "postage-non_prior") ||
			checked(page, "letter-registered") || !checked(page, "window-right") || strings.Contains(page, `id="remove"`) {
			t.Fatalf("%s: a department without defaults does not show the usual options", s.Dialect)
		}
		for _, p := range []string{"/departments", "/departments/" + d1 + "/sender"} {
			if !strings.Contains(s.Do("GET", p, "", nil, nil, s.Admin).Body.String(), `href="`+path+`"`) {
				t.Errorf("%s: %s does not link to the letter defaults", s.Dialect, p)
			}
		}
		bad := url.Values{"color": {"1"}, "postage": {"express"}, "window": {"left"}}
		w := s.Do("POST", path, "", strings.NewReader(bad.Encode()), formHeader, s.Admin)
		if w.Code != 400 || !strings.Contains(html.UnescapeString(w.Body.String()), `id="postage-err">Choisissez prior ou non prior.`) ||
			!checked(w.Body.String(), "letter-color") || !checked(w.Body.String(), "window-left") {
			t.Fatalf("%s: bad postage: %d, no message next to it or the choices lost", s.Dialect, w.Code)
		}
		good := url.Values{"color": {"1"}, "postage": {"prior"}, "registered": {"1"}, "window": {"left"}}
		if w := s.Do("POST", path, "", strings.NewReader(good.Encode()), formHeader, s.Admin); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: good defaults: %d", s.Dialect, w.Code)
		}
		page = s.Do("GET", path, "done=saved", nil, nil, s.Admin).Body.String()
		if !checked(page, "letter-color") || checked(page, "letter-duplex") || !checked(page, "postage-prior") ||
			!checked(page, "letter-registered") || !checked(page, "window-left") || !strings.Contains(page, `id="remove"`) {
			t.Errorf("%s: the saved defaults do not show", s.Dialect)
		}
		dp := html.UnescapeString(s.Do("GET", "/departments", "", nil, nil, s.Admin).Body.String())
		if !strings.Contains(dp, "couleur, recto, prior, recommandé, fenêtre à gauche</a>") {
			t.Errorf("%s: the departments page does not say the defaults", s.Dialect)
		}
		if w := s.Do("POST", path, "", strings.NewReader("remove=1"), formHeader, s.Admin); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: remove: %d", s.Dialect, w.Code)
		}
		if page := s.Do("GET", path, "", nil, nil, s.Admin).Body.String(); checked(page, "letter-color") || strings.Contains(page, `id="remove"`) {
			t.Errorf("%s: the removed defaults still show", s.Dialect)
		}
		if w := s.Do("GET", "/departments/999999/letters", "", nil, nil, s.Admin); w.Code != 404 {
			t.Errorf("%s: unknown department: %d", s.Dialect, w.Code)
		}
	}
}

// TestTariffPage: /tariff shows the tariff to whoever is signed in, and
// sends the others to sign in.
func TestTariffPage(t *testing.T) {
	s := webtest.NewServers(t)[0]
	w := s.Do("GET", "/tariff", "", nil, nil, s.Admin)
	if w.Code != 200 || !strings.Contains(html.UnescapeString(w.Body.String()), "Prix hors TVA") {
		t.Fatalf("GET /tariff: %d", w.Code)
	}
	if w := s.Do("GET", "/tariff", "", nil, nil); w.Code != http.StatusSeeOther {
		t.Errorf("GET /tariff signed out: %d, want a redirect to sign in", w.Code)
	}
}
