package main

import (
	"net/http"
	"testing"
)

// letterSettings: an admin sets the account's cancellation window to 30
// minutes (after a refused 2000, said next to the field), sees the tariff
// on the account page, then sets a department's letter defaults to colour
// and the left window, and sees them saved on its page and said on the
// departments page.
func letterSettings(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Comptabilité")

	admin.Open("/account")
	if got := admin.Value("#letter_cancellation_minutes"); got != "15" {
		admin.Errorf("the cancellation window starts at %q, want 15", got)
	}
	admin.WantText("#tariff", "Prix hors TVA", "Impression couleur, par face imprimée", "jusqu'à 50\u00a0g")
	admin.Fill("#letter_cancellation_minutes", "2000")
	if st := admin.Submit("button#save-settings"); st != http.StatusBadRequest {
		admin.Fatalf("2000 minutes answered %d, want 400", st)
	}
	admin.WantFieldError("letter_cancellation_minutes", "letter_cancellation_minutes-err")
	admin.WantText("#letter_cancellation_minutes-err", "entre 0 et 1440")
	admin.Fill("#letter_cancellation_minutes", "30")
	if st := admin.Submit("button#save-settings"); st != 200 {
		admin.Fatalf("saving the settings answered %d", st)
	}
	admin.WantText(".flash", "réglages des courriers")
	admin.Open("/account")
	if got, country := admin.Value("#letter_cancellation_minutes"), admin.Value("#country"); got != "30" || country != "BE" {
		admin.Errorf("after saving: %q minutes, country %q; want 30, BE", got, country)
	}
	admin.Shot("letter-settings-account")

	admin.Open("/departments")
	if st := admin.Submit(`table#departments tr[data-name="Comptabilité"] a[href$="/letters"]`); st != 200 {
		admin.Fatalf("the letter defaults page answered %d", st)
	}
	if admin.Value("#letter-color") != "off" || admin.Value("#letter-duplex") != "on" || admin.Value("#window-right") != "on" {
		admin.Errorf("a department without defaults does not start from the usual options")
	}
	admin.Check("#letter-color", true)
	admin.Check("#window-left", true)
	if st := admin.Submit("button#save"); st != 200 {
		admin.Fatalf("saving the letter defaults answered %d", st)
	}
	admin.Must(".flash")
	admin.Open(admin.Path()) // read back, not the form as it was posted
	if admin.Value("#letter-color") != "on" || admin.Value("#window-left") != "on" || admin.Value("#letter-duplex") != "on" ||
		admin.Value("#postage-non_prior") != "on" || admin.Value("#letter-registered") != "off" {
		admin.Errorf("the saved defaults are not colour, duplex, non prior, not registered, left window")
	}
	admin.Shot("letter-settings-department")
	admin.Open("/departments")
	admin.WantText(`table#departments tr[data-name="Comptabilité"]`, "couleur", "fenêtre à gauche")
}
