package main

// Documents, parcel labels and reports through the browser.

import (
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"portail"
	"portail/internal/browsertest"
)

// sendDocument sends the file through the form of /documents, with the
// department (an admin's choice; by name) and the module when given, and
// returns the status of the page it lands on.
func (b *tab) sendDocument(path, dept, module string) int64 {
	b.t.Helper()
	if st := b.Open("/documents"); st != 200 {
		b.Fatalf("/documents answered %d", st)
	}
	b.Must("form#document-form")
	b.Pick("#file", path)
	if dept != "" {
		b.SelectText("#department_id", dept)
	}
	if module != "" {
		b.Fill("#module", module)
	}
	return b.Submit("#send")
}

// itemID is the id in the page's path /documents/{id} or /labels/{id}.
func (b *tab) itemID(kind string) int64 {
	b.t.Helper()
	m := regexp.MustCompile(`^/` + kind + `/(\d+)(\?|$)`).FindStringSubmatch(b.Path())
	if m == nil {
		b.Fatalf("at %s, want /%s/{id}", b.Path(), kind)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

type address struct{ name, company, street, number, postal, city, country string }

// fillAddress fills the sender or recipient fieldset of the label form.
func (b *tab) fillAddress(who string, a address) {
	b.t.Helper()
	p := "#" + who + "-"
	b.Fill(p+"name", a.name, p+"company", a.company, p+"street", a.street, p+"house_number", a.number,
		p+"postal_code", a.postal, p+"city", a.city, p+"country", a.country)
}

// newLabel opens the label form through the button of /labels.
func (b *tab) newLabel() {
	b.t.Helper()
	if st := b.Open("/labels"); st != 200 {
		b.Fatalf("/labels answered %d", st)
	}
	if st := b.Submit("a#add-label"); st != 200 {
		b.Fatalf("the label form answered %d", st)
	}
	b.WantPath("/labels/new")
	b.Must("form#label-form")
}

// createLabel creates a label through the form and returns its id; the
// weight is typed as people do, in grams or kilograms.
func (b *tab) createLabel(dept string, from, to address, weight string) int64 {
	b.t.Helper()
	b.newLabel()
	if dept != "" {
		b.SelectText("#department_id", dept)
	}
	b.fillAddress("sender", from)
	b.fillAddress("recipient", to)
	b.Fill("#weight", weight)
	if st := b.Submit("button#save"); st != 200 {
		b.Fatalf("creating the label answered %d", st)
	}
	return b.itemID("labels")
}

// historySteps lists the data-to of the rows of the history table.
func (b *tab) historySteps() []string {
	b.t.Helper()
	return js[[]string](b, `[...document.querySelectorAll("#history tbody tr")].map(r => r.dataset.to)`)
}

// wantHistoryWording fails unless each row of the history table says its
// change in the page's words: "Processing → Printed", and for the first
// row the first status, never the stored change name ("created:").
func (b *tab) wantHistoryWording(catalog map[string]string) {
	b.t.Helper()
	rows := js[[][]string](b, `[...document.querySelectorAll("#history tbody tr")].map(r => [r.dataset.to, r.cells[1].innerText.trim()])`)
	if len(rows) == 0 {
		b.Fatalf("no history rows")
	}
	for _, r := range rows {
		to, said := r[0], r[1]
		name := catalog["status:"+to]
		if name == "" {
			name = to
		}
		if !strings.HasSuffix(said, name) || strings.Contains(said, "created:") || strings.HasPrefix(said, "→") {
			b.Errorf("the history row of the step to %s says %q, want it to end with %q (no raw change name, no empty \"from\")", to, said, name)
		}
	}
}

// documentStatus: an operator sends a PDF through /documents and lands
// on its page, which shows it received and follows it by itself (its
// script, without a reload) to posted or failed, the history showing each step. A file that
// is not a PDF, and one over --max-upload, are refused next to the file
// field. The operator has no label button; a viewer of the department
// sees the document but no upload form, and the reports.
func documentStatus(t *testing.T, s *site, admin *tab) {
	// No cancellation window: the simulator takes the letter at once (the
	// browser's sign-in then ends this API session).
	api := s.client()
	api.login("boss", adminPassword).must(t, 200)
	api.noLetterWait(t)
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	op := admin.signedIn(userForm{username: "olga", fullName: "Olga Operator", email: "olga@acme.test", role: "operator",
		dept: "Sales", modules: []string{"mail", "classic", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of her own")
	if st := op.Submit(`nav a[href="/documents"]`); st != 200 {
		op.Fatalf("/documents answered %d", st)
	}
	op.Must("form#document-form")
	op.WantText(`label[for="file"]`, "64\u00a0KiB")
	// An operator sends for their own department: no choice of it.
	if op.Exists("select#department_id") {
		op.Errorf("the operator's form offers a department")
	}
	if opts := op.Options("#module"); !slices.Contains(opts, "mail") || !slices.Contains(opts, "classic") {
		op.Fatalf("the module select offers %q, want mail and classic", opts)
	}

	// A file that is not a PDF: the error stands by the file field, and
	// the form keeps the module chosen.
	if st := op.sendDocument(browsertest.File(t, "notes.txt", "just some notes\n"), "", "classic"); st != http.StatusBadRequest {
		op.Fatalf("a text file answered %d, want 400", st)
	}
	op.WantPath("/documents")
	op.WantFieldError("file", "file-err")
	if got := op.Value("#module"); got != "classic" {
		op.Errorf("after the error the module is %q, want classic", got)
	}
	// A PDF over --max-upload (64 KiB) is refused the same way.
	big := minimalPDF[:9] + "%" + strings.Repeat("x", 90<<10) + "\n" + minimalPDF[9:]
	if st := op.sendDocument(browsertest.File(t, "big.pdf", big), "", "mail"); st != http.StatusRequestEntityTooLarge && st != http.StatusBadRequest {
		op.Fatalf("a 90 KiB PDF answered %d, want 413", st)
	}
	op.WantFieldError("file", "file-err")
	op.WantText("#file-err", "64 KiB")
	op.Open("/documents")
	if op.Exists(`#documents tr[data-name="notes.txt"]`) || op.Exists(`#documents tr[data-name="big.pdf"]`) {
		op.Fatalf("a refused file is listed")
	}

	// A good PDF: its page shows it received and follows its status.
	start := time.Now()
	if st := op.sendDocument(browsertest.File(t, "letter.pdf", minimalPDF), "", "mail"); st != 200 {
		op.Fatalf("sending a PDF answered %d", st)
	}
	id := op.itemID("documents")
	op.Must(".flash")
	op.WantText("h1", "letter.pdf")
	if got := js[string](op, `document.getElementById("status").dataset.status`); got != "received" {
		op.Fatalf("the new document's status is %q, want received", got)
	}
	if !op.Exists(`meta[name="portail-follow"]`) || !op.Exists("a#refresh") {
		op.Fatalf("the page of a document in progress does not follow its status")
	}
	op.Must(`#history tr[data-to="received"]`)
	// The page follows the status without reloading itself: a mark left
	// in this page is still there once the status is final.
	js[bool](op, `window.samePage = true`)
	if !op.WaitJS(`(function(e){ return !!e && (e.dataset.status === "posted" || e.dataset.status === "failed") })(document.getElementById("status"))`, 15*time.Second) {
		op.Fatalf("the document page still shows %q after %s", js[string](op, `document.getElementById("status").dataset.status`), time.Since(start).Round(time.Millisecond))
	}
	t.Logf("the document page showed a final status %s after the upload", time.Since(start).Round(time.Millisecond))
	if !js[bool](op, `window.samePage === true`) {
		op.Fatalf("the page reloaded itself to follow the status")
	}
	if got := js[string](op, `document.getElementById("status").getAttribute("aria-live")`); got != "polite" {
		op.Errorf("the status is no live region (aria-live %q)", got)
	}
	if got := op.itemID("documents"); got != id {
		op.Fatalf("the page refreshed to document %d, want %d", got, id)
	}
	final := js[string](op, `document.getElementById("status").dataset.status`)
	want := []string{"received", "processing", "printed", "posted"}
	if final == "failed" {
		want = []string{"received", "processing", "failed"}
	}
	if got := op.historySteps(); strings.Join(got, " ") != strings.Join(want, " ") {
		op.Fatalf("the history shows the steps %q, want %q", got, want)
	}
	// The simulator's moves name it, and the page says it runs.
	for _, step := range want[1:] {
		op.WantText(`#history tr[data-to="`+step+`"]`, "Simulator (test mode)")
	}
	op.WantText("#simulator", "Test mode:", "simulator")
	op.wantHistoryWording(catalog(t, "en"))
	// A posted letter may still come back (returned): its page follows
	// on; a failed one is final.
	if op.Exists("#follow") != (final == "posted") {
		op.Errorf("the page of a %s document follows its status: %v", final, op.Exists("#follow"))
	}

	// The list shows it with its status; the PDF downloads.
	op.Open("/documents")
	op.Must(`#documents tr[data-name="letter.pdf"]`)
	op.WantText(`#documents tr[data-name="letter.pdf"] td.status`, map[string]string{"posted": "Posted", "failed": "Failed"}[final])
	if f := op.Fetch(fmt.Sprintf("/api/v1/documents/%d/file", id)); f.Status != 200 || !strings.HasPrefix(f.Head, "%PDF") {
		op.Errorf("the document's download got %d %q starting %q", f.Status, f.Type, f.Head)
	}

	// No label button for an operator, and no label form.
	if st := op.Open("/labels"); st != 200 {
		op.Fatalf("/labels answered %d to an operator with the parcels module", st)
	}
	if op.Exists("a#add-label") || op.Exists(`a[href="/labels/new"]`) {
		op.Errorf("the operator's /labels offers to create a label")
	}
	if st := op.Open("/labels/new"); st != http.StatusForbidden {
		op.Errorf("/labels/new answered %d to an operator, want 403", st)
	}

	// A viewer of the department sees the document, but no upload form,
	// no label button, and the reports.
	viewer := admin.signedIn(userForm{username: "victor", fullName: "Victor Viewer", email: "victor@acme.test", role: "viewer",
		dept: "Sales", modules: []string{"mail", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of his own")
	if st := viewer.Open("/documents"); st != 200 {
		viewer.Fatalf("/documents answered %d to a viewer", st)
	}
	if viewer.Exists("form#document-form") || viewer.Exists("#file") {
		viewer.Fatalf("the viewer's /documents offers the upload form")
	}
	viewer.Must(`#documents tr[data-name="letter.pdf"]`)
	if st := viewer.Open("/labels"); st != 200 {
		viewer.Fatalf("/labels answered %d to a viewer", st)
	}
	if viewer.Exists("a#add-label") {
		viewer.Errorf("the viewer's /labels offers to create a label")
	}
	if st := viewer.Submit(`nav a[href="/reports"]`); st != 200 {
		viewer.Fatalf("/reports answered %d to a viewer", st)
	}
	if n := js[int](viewer, `document.querySelectorAll('section[aria-labelledby="report-document"] svg.chart rect').length`); n == 0 {
		viewer.Fatalf("the documents chart has no bar")
	}
	viewer.WantText(`section[aria-labelledby="report-document"] table.report-table tbody`, "Sales")
	if got := viewer.Text(`section[aria-labelledby="report-document"] table.report-table tbody tr td.num:last-child`); got != "1" {
		viewer.Errorf("the documents report counts %q in all, want 1", got)
	}
}

var acmeHQ = address{name: "Acme Shipping", company: "Acme SA", street: "Rue de la Loi", number: "16", postal: "1000", city: "Brussels", country: "BE"}

// parcelLabel: a department admin creates a parcel label through
// /labels/new; a missing postal code is refused by its field and the form
// keeps what was typed; then the label page shows the S10 tracking number
// and a PDF link that downloads a PDF.
func parcelLabel(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Shipping")
	dana := admin.signedIn(userForm{username: "dana", fullName: "Dana Depthead", email: "dana@acme.test", role: "department_admin",
		dept: "Shipping", modules: []string{"mail", "parcels"}, lang: "en"}, "Welcome", "a long passphrase of her own")
	if st := dana.Submit(`nav a[href="/labels"]`); st != 200 {
		dana.Fatalf("/labels answered %d", st)
	}
	dana.Must("a#add-label")
	dana.newLabel()
	if dana.Exists("select#department_id") {
		dana.Errorf("a department admin's label form offers a department")
	}
	to := address{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", city: "Paris", country: "FR"}
	dana.fillAddress("sender", acmeHQ)
	dana.fillAddress("recipient", to)
	dana.Fill("#weight", "1.2 kg")
	if st := dana.Submit("button#save"); st != http.StatusBadRequest {
		dana.Fatalf("a label without the recipient's postal code answered %d, want 400", st)
	}
	dana.WantPath("/labels")
	dana.Must(`#recipient\.postal_code-err`)
	dana.WantFieldError("recipient-postal_code", "recipient.postal_code-err")
	if n := js[int](dana, `document.querySelectorAll("p.field-error").length`); n != 1 {
		dana.Errorf("%d field errors, want only the postal code's", n)
	}
	dana.Must(".error")
	// Everything typed is still there.
	for who, a := range map[string]address{"sender": acmeHQ, "recipient": to} {
		for k, v := range map[string]string{"name": a.name, "company": a.company, "street": a.street, "house_number": a.number,
			"postal_code": a.postal, "city": a.city, "country": a.country} {
			if got := dana.Value("#" + who + "-" + k); got != v {
				dana.Errorf("after the error, #%s-%s holds %q, want %q", who, k, got, v)
			}
		}
	}
	if got := dana.Value("#weight"); got != "1.2 kg" {
		dana.Errorf("after the error, the weight is %q, want 1.2 kg", got)
	}
	dana.Fill("#recipient-postal_code", "75005")
	if st := dana.Submit("button#save"); st != 200 {
		dana.Fatalf("the corrected label answered %d", st)
	}
	id := dana.itemID("labels")
	dana.Must(".flash")
	tracking := dana.Text("#tracking")
	if !portail.ValidS10(tracking) {
		dana.Fatalf("the tracking number %q is not a valid S10 identifier", tracking)
	}
	if got := js[string](dana, `document.getElementById("status").dataset.status`); got != "created" {
		dana.Errorf("the new label's status is %q, want created", got)
	}
	dana.WantText("main", "Marie Curie", "75005 Paris", "Acme Shipping", "1.2\u00a0kg")
	dana.Must(`#history tr[data-to="created"]`)
	dana.wantHistoryWording(catalog(t, "en"))
	// The PDF link works.
	href := js[string](dana, `document.querySelector("a#download").href`)
	if !strings.HasPrefix(href, s.url+"/") {
		dana.Fatalf("the PDF link %q is not on the site", href)
	}
	f := dana.Fetch(href)
	if f.Status != 200 || !strings.HasPrefix(f.Head, "%PDF") || !strings.Contains(f.Type, "application/pdf") {
		dana.Fatalf("the label's PDF link got %d %q (%d bytes) starting %q, want a PDF", f.Status, f.Type, f.Size, f.Head)
	}
	// The list shows it; so does the admin's.
	dana.Open("/labels")
	dana.WantText(`#labels tr[data-tracking="`+tracking+`"]`, "Marie Curie", "Paris")
	admin.Open("/labels")
	admin.Must(`#labels tr[data-tracking="` + tracking + `"]`)
	admin.Open(fmt.Sprintf("/labels/%d", id))
	admin.WantText("#tracking", tracking)
}

// frenchWorkTour: a French admin sends documents and creates labels
// through the pages; a stand-in processor moves them to a mix of statuses
// and their creation is spread over the last week, so that the reports
// have bars. With PORTAIL_SCREENSHOTS it saves the pages of the work.
func frenchWorkTour(t *testing.T, s *site, admin *tab) {
	// No cancellation window: the stand-in processor may take the letters
	// at once (the browser's sign-in then ends this API session).
	api := s.client()
	api.login("boss", adminPassword).must(t, 200)
	api.noLetterWait(t)
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Ventes")
	admin.addDepartment("Expédition")
	fr := catalog(t, "fr")

	ctx := t.Context()
	proc := s.main.Processing
	advance := func(kind portail.SubjectKind, id int64, steps []string) {
		t.Helper()
		for i := 1; i < len(steps); i++ {
			if ok, err := proc.Advance(ctx, kind, id, steps[i-1], steps[i]); err != nil || !ok {
				t.Fatalf("move %s %d from %s to %s: %v %v", kind, id, steps[i-1], steps[i], ok, err)
			}
		}
	}
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(s.dsn, "sqlite:")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	backdate := func(table string, id int64, days int) {
		t.Helper()
		if days == 0 {
			return
		}
		if _, err := db.ExecContext(ctx, `UPDATE `+table+` SET created_at = created_at - ? WHERE id = ?`,
			int64(days)*int64(24*time.Hour/time.Microsecond), id); err != nil {
			t.Fatal(err)
		}
	}

	posted := []string{"received", "processing", "printed", "posted"}
	docs := []struct {
		name, dept, module string
		steps              []string
		daysAgo            int
	}{
		{"facture-2026-114.pdf", "Ventes", "mail", posted, 6},
		{"relance-client.pdf", "Ventes", "mail", posted, 5},
		{"contrat-cadre.pdf", "Expédition", "classic", []string{"received", "processing", "failed"}, 4},
		{"courrier-mairie.pdf", "Ventes", "classic", posted, 3},
		{"bulletin-octobre.pdf", "Expédition", "mail", posted, 2},
		{"avis-echeance.pdf", "Ventes", "mail", posted[:3], 1},
		{"lettre-recommandee.pdf", "Expédition", "mail", posted[:2], 0},
		{"devis-atelier.pdf", "Ventes", "mail", posted[:1], 0},
		{"lettre-bienvenue.pdf", "Ventes", "mail", posted, 0},
	}
	var shown int64
	for _, d := range docs {
		if st := admin.sendDocument(browsertest.File(t, d.name, minimalPDF), d.dept, d.module); st != 200 {
			admin.Fatalf("sending %s answered %d", d.name, st)
		}
		id := admin.itemID("documents")
		advance(portail.SubjectDocument, id, d.steps)
		backdate("documents", id, d.daysAgo)
		shown = id
	}
	if st := admin.Open(fmt.Sprintf("/documents/%d", shown)); st != 200 {
		admin.Fatalf("the document page answered %d", st)
	}
	if got := admin.historySteps(); strings.Join(got, " ") != strings.Join(posted, " ") {
		admin.Errorf("the history shows %q, want %q", got, posted)
	}
	admin.Shot("document")
	admin.wantHistoryWording(fr)
	if st := admin.Open("/documents"); st != 200 {
		admin.Fatalf("/documents answered %d", st)
	}
	for _, d := range docs {
		admin.Must(`#documents tr[data-name="` + d.name + `"]`)
	}
	admin.Shot("documents")

	// The label form with a field error, then labels in several statuses.
	admin.newLabel()
	admin.SelectText("#department_id", "Expédition")
	admin.fillAddress("sender", address{name: "Acme Expédition", company: "Acme SA", street: "Rue de la Loi", number: "16",
		postal: "1000", city: "Bruxelles", country: "BE"})
	admin.fillAddress("recipient", address{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", city: "Paris", country: "FR"})
	admin.Fill("#weight", "1,2 kg")
	if st := admin.Submit("button#save"); st != http.StatusBadRequest {
		admin.Fatalf("a label without the recipient's postal code answered %d, want 400", st)
	}
	admin.Must(`#recipient\.postal_code-err`)
	admin.Shot("label-form")
	// The field's message is in French, like the rest of the page.
	if msg := admin.Text(`#recipient\.postal_code-err`); msg == "Required." || fr[msg] != "" {
		admin.Errorf("the French label form says %q by the postal code: English (web/ui/locales/fr.json has no %q)", msg, msg)
	}

	sender := address{name: "Acme Expédition", company: "Acme SA", street: "Rue de la Loi", number: "16", postal: "1000", city: "Bruxelles", country: "BE"}
	labels := []struct {
		to      address
		weight  string
		steps   []string
		daysAgo int
	}{
		{address{name: "Jan Peeters", street: "Meir", number: "50", postal: "2000", city: "Antwerpen", country: "BE"}, "850 g", []string{"created", "in_transit", "delivered"}, 6},
		{address{name: "Sophie Martin", company: "Atelier Martin", street: "Rue de Rivoli", number: "99", postal: "75001", city: "Paris", country: "FR"}, "2,3 kg", []string{"created", "in_transit", "delivered"}, 4},
		{address{name: "Lukas Weber", street: "Hauptstraße", number: "5", postal: "10115", city: "Berlin", country: "DE"}, "400 g", []string{"created", "in_transit", "returned"}, 3},
		{address{name: "Emma de Vries", street: "Damrak", number: "1", postal: "1012 LG", city: "Amsterdam", country: "NL"}, "1,5 kg", []string{"created", "in_transit"}, 1},
		{address{name: "Luc Dubois", street: "Grand-Rue", number: "3", postal: "1660", city: "Luxembourg", country: "LU"}, "600 g", []string{"created"}, 0},
		{address{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", postal: "75005", city: "Paris", country: "FR"}, "1200 g", []string{"created", "in_transit"}, 0},
	}
	var label int64
	for _, l := range labels {
		label = admin.createLabel("Expédition", sender, l.to, l.weight)
		advance(portail.SubjectLabel, label, l.steps)
		backdate("labels", label, l.daysAgo)
	}
	if st := admin.Open(fmt.Sprintf("/labels/%d", label)); st != 200 {
		admin.Fatalf("the label page answered %d", st)
	}
	if !portail.ValidS10(admin.Text("#tracking")) {
		admin.Errorf("the tracking number %q is not S10", admin.Text("#tracking"))
	}
	admin.Shot("label-page")
	if st := admin.Open("/labels"); st != 200 {
		admin.Fatalf("/labels answered %d", st)
	}
	if n := js[int](admin, `document.querySelectorAll("#labels tbody tr").length`); n != len(labels) {
		admin.Errorf("/labels lists %d labels, want %d", n, len(labels))
	}
	admin.Shot("labels")

	// The reports: a chart with bars and a table per kind.
	if st := admin.Open("/reports"); st != 200 {
		admin.Fatalf("/reports answered %d", st)
	}
	for kind, n := range map[string]int{"document": len(docs), "label": len(labels)} {
		sec := `section[aria-labelledby="report-` + kind + `"]`
		admin.WantText(sec+" h2", fmt.Sprintf("(%d)", n))
		if bars := js[int](admin, `new Set([...document.querySelectorAll('`+sec+` svg.chart rect')].map(r => r.getAttribute("x"))).size`); bars < 4 {
			admin.Errorf("the %s chart has %d bars, want one per day with items (at least 4)", kind, bars)
		}
		admin.Must(sec + " table.report-table tbody tr")
	}
	admin.WantText(`section[aria-labelledby="report-document"] table.report-table tbody`, "Ventes", "Expédition")
	admin.Shot("reports")
}

// labelDefaults: a French admin sets a department's default sender on its
// own page (a wrong postal code said next to its field), and the label
// form starts from it, with the account's country for the recipient;
// choosing another department swaps the untouched sender; the weight is
// typed 2,5 kg and the label page says it so, with an Open link that
// shows the PDF in the browser; the department's last senders are offered
// and one fills the sender in without leaving the page.
func labelDefaults(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Expédition")
	admin.addDepartment("Ventes")
	if st := admin.Submit(`table#departments tr[data-name="Expédition"] a[href$="/sender"]`); st != 200 {
		admin.Fatalf("the default sender page answered %d", st)
	}
	if got := admin.Value("#default_sender-country"); got != "BE" {
		admin.Errorf("the sender's country starts as %q, want the account's BE", got)
	}
	acme := address{name: "Acme Expédition", company: "Acme SA", street: "Rue de la Loi", number: "16", postal: "100", city: "Bruxelles", country: "BE"}
	admin.fillAddress("default_sender", acme)
	if st := admin.Submit("button#save"); st != http.StatusBadRequest {
		admin.Fatalf("a 3-digit Belgian postal code answered %d, want 400", st)
	}
	admin.WantFieldError("default_sender-postal_code", "default_sender.postal_code-err")
	admin.WantText(`#default_sender\.postal_code-err`, "Un code postal belge a 4 chiffres")
	if got := admin.Value("#default_sender-name"); got != acme.name {
		admin.Errorf("after the error the name is %q", got)
	}
	admin.Fill("#default_sender-postal_code", "1000")
	if st := admin.Submit("button#save"); st != 200 {
		admin.Fatalf("saving the default sender answered %d", st)
	}
	admin.Must(".flash")

	admin.newLabel()
	if got := admin.Text(`#department_id option:checked`); got != "Expédition" {
		admin.Fatalf("the form is for %q, want the first department", got)
	}
	wantSender := func(name, postal string) {
		admin.t.Helper()
		if got, gotPostal := admin.Value("#sender-name"), admin.Value("#sender-postal_code"); got != name || gotPostal != postal {
			admin.Errorf("the sender is %q %q, want %q %q", got, gotPostal, name, postal)
		}
	}
	wantSender("Acme Expédition", "1000")
	if got := admin.Value("#recipient-country"); got != "BE" {
		admin.Errorf("the recipient's country starts as %q, want BE", got)
	}
	// Ventes has no default: the untouched sender goes; back, it returns.
	admin.SelectText("#department_id", "Ventes")
	wantSender("", "")
	admin.SelectText("#department_id", "Expédition")
	wantSender("Acme Expédition", "1000")

	admin.fillAddress("recipient", address{name: "Jan de Vries", street: "Keizersgracht", number: "221", postal: "1016dv", city: "Amsterdam", country: "NL"})
	admin.Fill("#weight", "2,5 kg")
	if st := admin.Submit("button#save"); st != 200 {
		admin.Fatalf("creating the label answered %d", st)
	}
	admin.itemID("labels")
	admin.WantText("#weight", "2,5\u00a0kg")
	admin.WantText("main", "1016 DV Amsterdam")
	if target := js[string](admin, `document.querySelector("a#open").target`); target != "_blank" {
		admin.Errorf("Open has target %q", target)
	}
	open := js[string](admin, `document.querySelector("a#open").href`)
	if f := admin.Fetch(open); !strings.HasSuffix(open, "?inline=true") || f.Status != 200 || !strings.HasPrefix(f.Head, "%PDF") {
		admin.Errorf("Open %s got %d %q", open, f.Status, f.Head)
	}
	if !js[bool](admin, `document.querySelector("a#download").hasAttribute("download")`) {
		admin.Errorf("Download does not download")
	}

	admin.createLabel("Expédition", address{name: "Atelier Martin", company: "Martin SARL", street: "Rue de la Paix", number: "12", postal: "75002", city: "Paris", country: "FR"},
		address{name: "Marie Curie", street: "Rue Pierre et Marie Curie", number: "11", postal: "75005", city: "Paris", country: "FR"}, "850 g")
	admin.newLabel()
	admin.Must("select#recent-sender")
	if js[bool](admin, `!document.getElementById("use-sender").hidden`) {
		admin.Errorf("with the script, the last senders need no button")
	}
	before := admin.Path()
	admin.SelectText("#recent-sender", "Atelier Martin, Rue de la Paix 12, 75002 Paris")
	wantSender("Atelier Martin", "75002")
	if got := admin.Value("#sender-country"); got != "FR" {
		admin.Errorf("the chosen sender's country is %q", got)
	}
	if admin.Path() != before {
		admin.Errorf("choosing a last sender left the page for %s", admin.Path())
	}
	// A sender chosen or typed stays when the department changes; the
	// last senders, Expédition's, hide.
	admin.SelectText("#department_id", "Ventes")
	wantSender("Atelier Martin", "75002")
	if !js[bool](admin, `document.getElementById("recent-senders").hidden`) {
		admin.Errorf("Expédition's last senders are still offered for Ventes")
	}
}
