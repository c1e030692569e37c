package main

// Letters through the browser (D4–D8): the send form, the letter's page
// with its proof, its problems, its recipient, its options and price, its
// countdown and its cancellation. The PDFs are real A4 letters written
// with gopdf (internal/lettertest) and read by the real PDF engine.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"portail/internal/browsertest"
	"portail/internal/lettertest"
)

// letterFile writes a generated letter for Pick.
func letterFile(t *testing.T, name string, pdf []byte) string {
	t.Helper()
	return browsertest.File(t, name, string(pdf))
}

// proofsLoaded scrolls each proof of the page into view (they load
// lazily) and waits until every one is a decoded image; it returns how
// many there are.
func (b *tab) proofsLoaded() int {
	b.t.Helper()
	b.Must("#proof img")
	ok := b.WaitJS(`(function(){ const imgs = [...document.querySelectorAll("#proof img")];
		imgs.forEach(i => { if (!i.complete || !i.naturalWidth) { i.scrollIntoView(); } });
		return imgs.every(i => i.complete && i.naturalWidth > 0) })()`, 20*time.Second)
	if !ok {
		b.Fatalf("the proof images did not load: %v", js[[]string](b, `[...document.querySelectorAll("#proof img")].map(i => i.src + " " + i.naturalWidth)`))
	}
	return js[int](b, `document.querySelectorAll("#proof img").length`)
}

// sendLetter sends the letter through the send form in dept (mail), after
// set has chosen options on the form (nil for the defaults).
func (b *tab) sendLetter(path, dept string, set func()) int64 {
	b.t.Helper()
	if st := b.Open("/documents"); st != 200 {
		b.Fatalf("/documents answered %d", st)
	}
	b.Pick("#file", path)
	b.SelectText("#department_id", dept)
	b.Fill("#module", "mail")
	if set != nil {
		set()
	}
	return b.Submit("#send")
}

func (b *tab) letterStatus() string {
	b.t.Helper()
	return js[string](b, `document.getElementById("status").dataset.status`)
}

// cents reads a price as the page writes it (« 2,34 € ») in cents.
func (b *tab) cents(sel string) int {
	b.t.Helper()
	s := b.Text(sel)
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	n, err := strconv.Atoi(digits)
	if err != nil || !strings.Contains(s, "€") {
		b.Fatalf("%s says %q, not a price in euros", sel, s)
	}
	return n
}

// lettersSent: (a) a clean letter, uploaded with its options, lands on its
// page: received, its proof loaded, the recipient as read, the price and
// the countdown to its cancellation; changing an option asks the price
// again on the spot; (d) cancelled through the confirmation step it is
// « Annulé » and its change controls are gone; (e) a letter sent later
// says when it will go.
func lettersSent(t *testing.T, s *site, b *tab) {
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.addDepartment("Courrier")

	// (a) A clean letter.
	b.Open("/documents")
	b.Must("#opt-color-false")
	if !js[bool](b, `document.getElementById("opt-duplex-true").checked && document.getElementById("opt-postage-non_prior").checked && document.getElementById("opt-window-right").checked && !document.getElementById("opt-registered").checked`) {
		b.Errorf("the send form does not start from the default options")
	}
	if st := b.sendLetter(letterFile(t, "offre.pdf", lettertest.Letter(1)), "Courrier", func() {
		b.Click("#opt-postage-prior")
		b.Shot("letter-send")
	}); st != 200 {
		b.Fatalf("sending the letter answered %d", st)
	}
	b.itemID("documents")
	b.WantText(".flash", "aperçu")
	if got := b.letterStatus(); got != "received" {
		b.Fatalf("a clean letter is %q, want received", got)
	}
	b.WantText("#status", "Reçu")
	b.WantText("#recipient", lettertest.Address...)
	b.WantText("#options", "Prior")
	if n := b.proofsLoaded(); n != 1 {
		b.Errorf("%d proofs for a one-page letter without an address page", n)
	}
	b.WantText("#proof-legend", "zone imprimable", "fenêtre d'adresse", "problème, en rouge")
	price := b.cents("#price")
	if price <= 0 {
		b.Errorf("the price is %d cents", price)
	}
	if !b.WaitJS(`/Annulable encore \d+ min/.test(document.getElementById("countdown").textContent)`, 5*time.Second) {
		b.Errorf("the countdown says %q", b.Text("#countdown"))
	}
	b.Shot("letter")
	// The price follows the options at once: registered costs more.
	b.Click("#opt-registered")
	if !b.WaitJS(`document.getElementById("quote-price").textContent !== `+browsertest.Q(b.Text("#quote-price")), 10*time.Second) {
		b.Fatalf("the price did not change with registered ticked")
	}
	if up := b.cents("#quote-price"); up <= price {
		b.Errorf("registered: %d cents, not more than %d", up, price)
	}
	if st := b.Submit("#save-options"); st != 200 {
		b.Fatalf("saving the options answered %d", st)
	}
	b.WantText("#options", "Recommandé")
	if got := b.cents("#price"); got <= price {
		b.Errorf("saved registered: %d cents, not more than %d", got, price)
	}

	// (d) Cancelled with a confirmation step.
	if st := b.Submit("a#cancel"); st != 200 {
		b.Fatalf("the cancel link answered %d", st)
	}
	b.WantText("h1", "Annuler l'envoi")
	if st := b.Submit("#confirm-cancel"); st != 200 {
		b.Fatalf("confirming the cancellation answered %d", st)
	}
	if got := b.letterStatus(); got != "cancelled" {
		b.Fatalf("after the cancellation the letter is %q", got)
	}
	b.WantText("#status", "Annulé")
	b.WantText(".flash", "annulé")
	if b.Exists("#options-form") || b.Exists("a#cancel") || b.Exists("#countdown") {
		b.Errorf("a cancelled letter still offers its change controls")
	}
	b.Open("/documents?status=cancelled")
	b.Must(`#documents tr[data-name="offre.pdf"]`)
	statuses := js[string](b, `[...document.querySelectorAll("#f-status option")].map(o => o.text).join("|")`)
	for _, w := range []string{"Action requise", "Reçu — en attente", "En impression", "Imprimé", "Posté", "Échec", "Annulé", "Retour à l'expéditeur"} {
		if !strings.Contains(statuses, w) {
			b.Errorf("the status filter offers %q, not %q", statuses, w)
		}
	}

	// (e) A letter sent tomorrow.
	tomorrow := time.Now().Add(24*time.Hour).Format("2006-01-02") + "T10:00"
	if st := b.sendLetter(letterFile(t, "voeux.pdf", lettertest.Letter(1)), "Courrier", func() { b.Fill("#send_at_local", tomorrow) }); st != 200 {
		b.Fatalf("sending the scheduled letter answered %d", st)
	}
	b.WantText("#send-at", "Envoi prévu le")
	if got := b.letterStatus(); got != "received" {
		b.Fatalf("a scheduled letter is %q, want received", got)
	}
	// The browser's zone was sent with the form: the time shown back in
	// it is the one typed.
	if got := js[string](b, `document.getElementById("send_at_local").value`); got != tomorrow {
		b.Errorf("the scheduled start shows %q, typed %q", got, tomorrow)
	}
	b.WantText("#send-at", "10:00")
}

// letterFixes: (b) a letter with ink in the margin is « Action requise »
// with the problem said in words, the proof drawn; replacing the file
// with a clean one makes it received; (c) a letter with an empty window
// takes a typed recipient: the address page appears in front (page 0 of
// the proof), one more sheet, a higher price.
func letterFixes(t *testing.T, s *site, b *tab) {
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.addDepartment("Courrier")

	// (b) Ink in the margin.
	if st := b.sendLetter(letterFile(t, "marge.pdf", lettertest.MarginInk()), "Courrier", nil); st != 200 {
		b.Fatalf("sending the letter answered %d", st)
	}
	if got := b.letterStatus(); got != "action_required" {
		b.Fatalf("ink in the margin: %q, want action_required", got)
	}
	b.WantText("#status", "Action requise")
	b.Must(`#problems li[data-code="outside_printable_area"]`)
	b.WantText(`#problems li[data-code="outside_printable_area"]`, "5 mm", "remplacez le fichier", "Voir la page 1", "Remplacer le fichier")
	b.Must(`#problems li[data-code="outside_printable_area"] a[href="#proof-1"]`)
	b.proofsLoaded()
	b.Shot("letter-problem")
	b.Open("/documents")
	b.WantText(`#documents tr[data-name="marge.pdf"] .problem-mark`, "1")
	b.Submit(`#documents tr[data-name="marge.pdf"] a`)
	b.Pick("#replace-file", letterFile(t, "marge-corrigee.pdf", lettertest.Letter(1)))
	if st := b.Submit("#replace"); st != 200 {
		b.Fatalf("replacing the file answered %d", st)
	}
	if got := b.letterStatus(); got != "received" {
		b.Fatalf("after a clean file the letter is %q, want received", got)
	}
	if b.Exists("#problems") {
		b.Errorf("a clean file still lists problems: %s", b.Text("#problems"))
	}
	b.proofsLoaded()

	// (c) An empty window.
	if st := b.sendLetter(letterFile(t, "sans-adresse.pdf", lettertest.NoAddress()), "Courrier", nil); st != 200 {
		b.Fatalf("sending the letter answered %d", st)
	}
	b.Must(`#problems li[data-code="address_not_found"]`)
	b.Must("#recipient-form")
	sheets, price := b.Text("#sheets"), b.cents("#price")
	if b.proofsLoaded() != 1 || b.Exists("#proof-0") {
		b.Errorf("before a recipient is typed, the letter has an address page")
	}
	b.Fill("#recipient-name", "Jan Peeters", "#recipient-lines", "Kerkstraat 1", "#recipient-postal_code", "9000", "#recipient-city", "Gent")
	if st := b.Submit("#save-recipient"); st != 200 {
		b.Fatalf("typing the recipient answered %d", st)
	}
	if got := b.letterStatus(); got != "received" {
		b.Fatalf("with a typed recipient the letter is %q, want received (problems: %s)", got, b.Text("main"))
	}
	b.WantText("#recipient", "Jan Peeters", "9000 Gent", "saisi")
	if n := b.proofsLoaded(); n != 2 || !b.Exists("#proof-0 img") {
		b.Errorf("with a typed recipient: %d proofs, want the address page and page 1", n)
	}
	if got := b.Text("#sheets"); !strings.HasPrefix(got, "2") || !strings.HasPrefix(sheets, "1") {
		b.Errorf("sheets %q before, %q after the address page", sheets, got)
	}
	if got := b.cents("#price"); got <= price {
		b.Errorf("the address page's sheet costs nothing: %d then %d cents", price, got)
	}
	b.Shot("letter-address-page")
	// Accepted, the letter cannot lose its only address: no button offers
	// it.
	if b.Exists("#remove-recipient") {
		b.Errorf("an accepted letter offers to remove its only address")
	}
}
