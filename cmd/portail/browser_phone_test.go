package main

import (
	"fmt"
	"strings"
	"testing"

	"portail/internal/lettertest"
)

// phoneWidth is the width of a common phone, in CSS pixels.
const phoneWidth = 390

// fitsPhone lists what does not fit the phone's width on the open page:
// the page scrolling sideways, and any table that reaches past the screen
// without a box of its own that scrolls it (a clipped table). A wide table
// may scroll inside its .table-wrap; the page itself may not.
const fitsPhone = `(() => {
	const w = document.documentElement.clientWidth, out = [];
	const doc = document.documentElement;
	if (doc.scrollWidth > w) {
		// Name the widest culprits: elements reaching past the screen whose
		// parent does not, so the report points at the cause.
		const past = [...document.body.querySelectorAll("*")].filter(e => {
			const r = e.getBoundingClientRect();
			return r.right > w + 0.5 && r.width > 1 && e.parentElement.getBoundingClientRect().right <= w + 0.5;
		}).slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : "") + " to " + Math.round(e.getBoundingClientRect().right) + "px");
		out.push("the page scrolls sideways to " + doc.scrollWidth + "px (" + past.join(", ") + ")");
	}
	for (const t of document.querySelectorAll("main table")) {
		if (t.getBoundingClientRect().right <= w + 0.5) continue;
		let box = t.parentElement;
		while (box && box !== document.body) {
			const o = getComputedStyle(box).overflowX;
			if (o === "auto" || o === "scroll") break;
			box = box.parentElement;
		}
		if (!box || box === document.body) {
			out.push("table#" + t.id + " reaches " + Math.round(t.getBoundingClientRect().right) + "px with no box that scrolls it");
		} else if (box.getBoundingClientRect().right > w + 0.5) {
			out.push("the box of table#" + t.id + " itself reaches " + Math.round(box.getBoundingClientRect().right) + "px");
		}
	}
	// The departments and the outbox are read row by row to act on one
	// (rename it, open the e-mail): their tables fit whole, rather than
	// hide their last columns past the edge of the screen.
	for (const t of document.querySelectorAll("table#departments, table#outbox")) {
		const box = t.closest(".table-wrap");
		if (box && box.scrollWidth > box.clientWidth) {
			out.push("table#" + t.id + " is cut: " + box.clientWidth + " of its " + box.scrollWidth + "px show");
		}
	}
	return out;
})()`

// phoneWidthEverywhere: at 390×844, every page an admin and a department
// admin reach, and every page before signing in, in French, Dutch and
// English, fits the screen: no page scrolls sideways, and a wide table
// scrolls inside its own box instead of being clipped; the departments
// and the outbox fit whole. The data are long
// on purpose, as real ones are: long department names, e-mail addresses
// and file names.
// phoneShots are the pages saved as phone screenshots, by path.
var phoneShots = map[string]string{"/": "home", "/users": "users", "/account": "account", "/documents": "documents",
	"/labels/new": "label-form", "/outbox": "outbox", "/activity": "activity", "/webhooks": "webhooks"}

func phoneWidthEverywhere(t *testing.T, s *site, b *tab) {
	api := s.client()
	api.login("boss", adminPassword).must(t, 200)
	// The browser's sign-in ends the API's session (one login at a
	// time): the API goes on with a key.
	api.bearer = api.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "phone test"}).must(t, 201).body["key"].(string)
	dept := api.do("POST", "/api/v1/departments", map[string]string{"name": "Service des expéditions internationales et du courrier recommandé"}).must(t, 201).id()
	pw := "a long secret passphrase for the mail room"
	dana := api.do("POST", "/api/v1/users", map[string]any{"username": "dana.vandenbroucke-delacroix", "full_name": "Dana Vandenbroucke-Delacroix",
		"email": "dana.vandenbroucke-delacroix@imprimerie-dupont-et-fils.example", "role": "department_admin", "department_id": dept,
		"modules": []string{"mail", "parcels", "classic"}, "language": "fr"}).must(t, 201).id()
	s.activate("dana.vandenbroucke-delacroix@imprimerie-dupont-et-fils.example", "Bienvenue", pw)
	// Keys with long names fill the profile's table of keys.
	api.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "Comptabilité-fournisseurs-synchronisation-nocturne"}).must(t, 201)
	danaAPI := s.client()
	danaAPI.login("dana.vandenbroucke-delacroix", pw).must(t, 200)
	danaAPI.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "Expéditions-internationales-imprimante-étiquettes"}).must(t, 201)
	// Ivy stays invited: her invitation link is a page to measure.
	api.do("POST", "/api/v1/users", map[string]any{"username": "ivy", "full_name": "Ivy Invited", "email": "ivy@acme.test",
		"role": "viewer", "department_id": dept, "language": "fr"}).must(t, 201)
	invitation := s.link(s.mail("ivy@acme.test", 1, "Bienvenue"), "/invitation?token=")
	api.do("POST", "/api/v1/auth/forgot", map[string]string{"login": "dana.vandenbroucke-delacroix"})
	reset := s.link(s.mail("dana.vandenbroucke-delacroix@imprimerie-dupont-et-fils.example", 2, "Instructions"), "/reset-password?token=")

	doc := api.uploadLetter(t, dept, "courrier-recommande-avec-accuse-de-reception-2026-decembre-version-finale.pdf", lettertest.Letter(1))
	// Letters: a clean one (its proof, options, countdown), one with an
	// empty window (its problems and the recipient form), and the
	// cancellation's confirmation.
	clean := api.uploadLetter(t, dept, "offre-de-renouvellement-du-contrat-de-maintenance-des-imprimantes-2027.pdf", lettertest.Letter(2))
	empty := api.uploadLetter(t, dept, "lettre-sans-adresse-dans-la-fenetre.pdf", lettertest.NoAddress())
	letters := []string{fmt.Sprintf("/documents/%d", clean), fmt.Sprintf("/documents/%d", empty), fmt.Sprintf("/documents/%d/cancel", clean)}
	phoneShots[letters[0]], phoneShots[letters[1]] = "letter", "letter-problem"
	addr := map[string]string{"name": "Bartholomeus Vandenbroucke-Delacroix", "company": "Imprimerie Dupont et Fils Internationale",
		"street": "Boulevard du Souverain-Pontife-Extraordinaire", "house_number": "1234", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}
	label := api.do("POST", "/api/v1/labels", map[string]any{"department_id": dept, "sender": addr, "recipient": addr, "weight_grams": 250}).must(t, 201).id()
	items, _ := api.do("GET", "/api/v1/outbox", nil).must(t, 200).body["items"].([]any)
	if len(items) == 0 {
		t.Fatal("the outbox is empty")
	}
	email := int64(items[0].(map[string]any)["id"].(float64))
	// A webhook with a long address; its deliveries fail (no such host)
	// and fill its log.
	hook := api.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://integration.imprimerie-dupont-et-fils.example/portail/evenements-entrants",
		"events": []string{"document.status_changed", "label.status_changed", "user.created", "user.updated", "user.deactivated", "user.reactivated"}}).must(t, 201).id()

	// The setup page is only on an empty site.
	fresh := startSite(t, siteOptions{})
	setup := setupLinkRe.FindString(fresh.out.String())
	if setup == "" {
		t.Fatalf("serve printed no setup link:\n%s", fresh.out.String())
	}

	// On a desktop the phone's layout does not show: the account's facts
	// stand side by side, the tables show their dates.
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.Open("/account")
	if !js[bool](b, `(() => { const dt = document.querySelector(".facts dt"); return dt.getBoundingClientRect().top === dt.nextElementSibling.getBoundingClientRect().top })()`) {
		b.Errorf("at 1280 px the account's facts are stacked, want each name beside its value")
	}
	for _, path := range []string{"/departments", "/outbox"} {
		b.Open(path)
		if !js[bool](b, `document.querySelector("main table th.wide").offsetWidth > 0`) {
			b.Errorf("at 1280 px %s hides its Created column", path)
		}
	}
	b.logout()

	b.Viewport(phoneWidth, 844, true)
	check := func(who, lang, path string) {
		t.Helper()
		b.Open(path)
		if got := js[string](b, `document.documentElement.lang`); got != lang {
			b.Errorf("%s at %s: the page is in %q, want %q", who, path, got, lang)
		}
		for _, p := range js[[]string](b, fitsPhone) {
			b.Errorf("%s, %s, %s: %s", who, lang, path, p)
		}
	}
	signedIn := []string{"/", "/users", "/users/new", fmt.Sprintf("/users/%d", dana), "/users/import", "/departments",
		fmt.Sprintf("/departments/%d/sender", dept), fmt.Sprintf("/departments/%d/letters", dept), "/tariff", "/account", "/account/security", "/activity", "/profile", "/profile/mfa", "/password", "/outbox",
		fmt.Sprintf("/outbox/%d", email), "/documents", fmt.Sprintf("/documents/%d", doc), "/labels", "/labels/new",
		fmt.Sprintf("/labels/%d", label), "/reports", "/webhooks", fmt.Sprintf("/webhooks/%d", hook), "/no-such-page"}
	signedIn = append(signedIn, letters...)
	people := []struct {
		login string
		id    int64
		pw    string
	}{{"boss", 0, adminPassword}, {"dana.vandenbroucke-delacroix", dana, pw}}
	for _, who := range people {
		if st := b.login(who.login, who.pw); st != 200 {
			b.Fatalf("%s's sign in answered %d", who.login, st)
		}
		for _, lang := range []string{"fr", "nl", "en"} {
			if who.id == 0 {
				api.do("PATCH", "/api/v1/me", map[string]string{"language": lang}).must(t, 200)
			} else {
				api.do("PATCH", fmt.Sprintf("/api/v1/users/%d", who.id), map[string]string{"language": lang}).must(t, 200)
			}
			for _, path := range signedIn {
				check(who.login, lang, path)
				// With PORTAIL_SCREENSHOTS, the French admin's main pages as a
				// phone shows them.
				if name, ok := phoneShots[path]; ok && who.id == 0 && lang == "fr" {
					if strings.HasPrefix(name, "letter") {
						b.proofsLoaded() // lazy images load as they scroll into view
					}
					b.Shot("phone-" + name)
				}
			}
		}
		b.logout()
	}
	for _, lang := range []string{"fr", "nl", "en"} {
		for _, path := range []string{"/login", "/forgot", invitation, reset, setup, "/no-such-page"} {
			if strings.Contains(path, "?") {
				path += "&lang=" + lang
			} else {
				path += "?lang=" + lang
			}
			check("signed out", lang, path)
		}
	}
}
