package ui_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portail/internal/lettertest"
	"portail/web/internal/webtest"
	"portail/web/ui"
)

// inputValue returns the value of the input with id in page, and whether
// there is one.
func inputValue(page, id string) (string, bool) {
	m := regexp.MustCompile(`<input id="` + regexp.QuoteMeta(id) + `"[^>]*?value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// selected returns the value of the selected option of the select id.
func selected(page, id string) string {
	i := strings.Index(page, `<select id="`+id+`"`)
	if i < 0 {
		return ""
	}
	end := strings.Index(page[i:], "</select>")
	m := regexp.MustCompile(`<option value="([^"]*)"[^>]*selected`).FindStringSubmatch(page[i : i+end])
	if m == nil {
		return ""
	}
	return m[1]
}

func labelForm(dept int64, sender, recipient map[string]string, weight string) string {
	f := url.Values{"department_id": {strconv.FormatInt(dept, 10)}, "weight": {weight}}
	for k, v := range sender {
		f.Set("sender."+k, v)
	}
	for k, v := range recipient {
		f.Set("recipient."+k, v)
	}
	return f.Encode()
}

var (
	acme   = map[string]string{"name": "Acme Shipping", "company": "Acme SA", "street": "Rue de la Loi", "house_number": "16", "postal_code": "1000", "city": "Bruxelles", "country": "BE"}
	martin = map[string]string{"name": "Atelier Martin", "street": "Rue de la Paix", "house_number": "12", "postal_code": "75002", "city": "Paris", "country": "FR"}
	jan    = map[string]string{"name": "Jan de Vries", "street": "Keizersgracht", "house_number": "221", "postal_code": "1016 DV", "city": "Amsterdam", "country": "NL"}
)

// TestLabelFormDefaults: the label form starts from the chosen
// department's default sender and the account's country (BE), offers the
// department's last senders, reads the weight as people type it (2,5 kg,
// 850 g) with each problem next to its field, and the label page shows
// the weight as 2,5 kg with an Open (inline) and a Download link.
func TestLabelFormDefaults(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		d1 := strconv.FormatInt(s.IDs["D1"], 10)
		page := func(path, query string) string {
			t.Helper()
			w := s.Do("GET", path, query, nil, nil, s.Admin)
			if w.Code != http.StatusOK {
				t.Fatalf("%s: GET %s?%s: %d", s.Dialect, path, query, w.Code)
			}
			return w.Body.String()
		}
		// A blank department: both countries start as the account's.
		form := page("/labels/new", "")
		if got := selected(form, "recipient-country"); got != "BE" {
			t.Errorf("%s: recipient country %q, want the account's BE", s.Dialect, got)
		}
		if got := selected(form, "sender-country"); got != "BE" {
			t.Errorf("%s: sender country %q, want BE", s.Dialect, got)
		}
		if name, _ := inputValue(form, "sender-name"); name != "" {
			t.Errorf("%s: sender %q before any default", s.Dialect, name)
		}

		// The department admin (here the admin) sets D1's default sender.
		body := `{"default_sender":{"name":"Acme Shipping","company":"Acme SA","street":"Rue de la Loi","house_number":"16","postal_code":"1000","city":"Bruxelles","country":"BE"}}`
		if w := s.Do("PATCH", "/api/v1/departments/"+d1, "", strings.NewReader(body), http.Header{"Content-Type": {"application/json"}}, s.Admin); w.Code != 200 {
			t.Fatalf("%s: PATCH default_sender: %d %s", s.Dialect, w.Code, w.Body)
		}
		form = page("/labels/new", "department_id="+d1)
		for id, want := range map[string]string{"sender-name": "Acme Shipping", "sender-company": "Acme SA", "sender-postal_code": "1000", "sender-city": "Bruxelles"} {
			if got, _ := inputValue(form, id); got != want {
				t.Errorf("%s: %s = %q, want the department's default %q", s.Dialect, id, got, want)
			}
		}
		if got := selected(form, "department_id"); got != d1 {
			t.Errorf("%s: department %q selected, want D1 %s", s.Dialect, got, d1)
		}
		if !strings.Contains(form, `href="/departments/`+d1+`/sender"`) {
			t.Errorf("%s: no link to set D1's default sender", s.Dialect)
		}

		// Bad input: every problem next to its field, in French, typed values kept.
		w := s.Do("POST", "/labels", "", strings.NewReader(labelForm(s.IDs["D1"], acme,
			map[string]string{"name": "Jan", "street": "Rue", "house_number": "1", "postal_code": "100", "city": "Liège", "country": "BE"}, "2500")), formHeader, s.Admin)
		got := w.Body.String()
		if w.Code != http.StatusBadRequest {
			t.Fatalf("%s: bad label form: %d", s.Dialect, w.Code)
		}
		for id, want := range map[string]string{"recipient.postal_code-err": "Un code postal belge a 4 chiffres, par exemple 1000.",
			"weight-err": "Précisez l'unité\u00a0: kg ou g."} {
			if !strings.Contains(html.UnescapeString(got), `id="`+id+`">`+want) {
				t.Errorf("%s: no %q next to its field (%s)", s.Dialect, want, id)
			}
		}
		if v, _ := inputValue(got, "weight"); v != "2500" {
			t.Errorf("%s: the typed weight became %q", s.Dialect, v)
		}

		// 2,5 kg is 2500 g; the label page says 2,5 kg.
		w = s.Do("POST", "/labels", "", strings.NewReader(labelForm(s.IDs["D1"], acme, jan, "2,5 kg")), formHeader, s.Admin)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: label form: %d %s", s.Dialect, w.Code, w.Body)
		}
		loc, _ := url.Parse(w.Header().Get("Location"))
		id := strings.TrimPrefix(loc.Path, "/labels/")
		lp := page(loc.Path, "")
		if !strings.Contains(lp, `<dd id="weight">2,5`+"\u00a0"+`kg</dd>`) {
			t.Errorf("%s: the label page does not say 2,5 kg", s.Dialect)
		}
		if !strings.Contains(lp, `href="/api/v1/labels/`+id+`/pdf?inline=true"`) || !regexp.MustCompile(`id="download"[^>]*href="/api/v1/labels/`+id+`/pdf" download`).MatchString(lp) {
			t.Errorf("%s: no Open (inline) and Download links on the label page", s.Dialect)
		}
		pdf := s.Do("GET", "/api/v1/labels/"+id+"/pdf", "inline=true", nil, nil, s.Admin)
		if !strings.HasPrefix(pdf.Header().Get("Content-Disposition"), "inline;") {
			t.Errorf("%s: Open answers Content-Disposition %q", s.Dialect, pdf.Header().Get("Content-Disposition"))
		}
		if text := pdfText(t, pdf.Body.Bytes()); !strings.Contains(text, "COLIS") || !strings.Contains(strings.ReplaceAll(text, "\u00a0", " "), "2,5 kg") {
			t.Errorf("%s: the French admin's label is not in French:\n%s", s.Dialect, text)
		}
		if w := s.Do("POST", "/labels", "", strings.NewReader(labelForm(s.IDs["D1"], martin, jan, "850 g")), formHeader, s.Admin); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: second label: %d", s.Dialect, w.Code)
		}

		// The last senders are offered, newest first; choosing one fills it in.
		form = page("/labels/new", "department_id="+d1)
		i := strings.Index(form, `<select id="recent-sender"`)
		if i < 0 {
			t.Fatalf("%s: no last senders offered", s.Dialect)
		}
		recent := form[i : i+strings.Index(form[i:], "</select>")]
		if a, b := strings.Index(recent, "Atelier Martin"), strings.Index(recent, "Acme Shipping"); a < 0 || b < 0 || a > b {
			t.Errorf("%s: last senders not Martin then Acme:\n%s", s.Dialect, recent)
		}
		form = page("/labels/new", "department_id="+d1+"&sender=0")
		if got, _ := inputValue(form, "sender-name"); got != "Atelier Martin" {
			t.Errorf("%s: ?sender=0 fills %q, want the newest sender", s.Dialect, got)
		}
		if got := selected(form, "sender-country"); got != "FR" {
			t.Errorf("%s: ?sender=0 country %q", s.Dialect, got)
		}
		// D2 has no default and no label yet.
		form = page("/labels/new", "department_id="+strconv.FormatInt(s.IDs["D2"], 10))
		if got, _ := inputValue(form, "sender-name"); got != "" || strings.Contains(form, `id="recent-sender"`) {
			t.Errorf("%s: D2's form has D1's sender %q", s.Dialect, got)
		}
	}
}

// TestDepartmentSenderPage: the department's default sender has its own
// form, its problems next to the fields with the typed values kept, and
// can be removed.
func TestDepartmentSenderPage(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		path := "/departments/" + strconv.FormatInt(s.IDs["D1"], 10) + "/sender"
		w := s.Do("GET", path, "", nil, nil, s.Admin)
		if w.Code != 200 || selected(w.Body.String(), "default_sender-country") != "BE" {
			t.Fatalf("%s: GET %s: %d, country %q", s.Dialect, path, w.Code, selected(w.Body.String(), "default_sender-country"))
		}
		bad := url.Values{"default_sender.name": {"Acme"}, "default_sender.street": {"Rue"}, "default_sender.house_number": {"1"},
			"default_sender.postal_code": {"1016"}, "default_sender.city": {"Amsterdam"}, "default_sender.country": {"NL"}}
		w = s.Do("POST", path, "", strings.NewReader(bad.Encode()), formHeader, s.Admin)
		if w.Code != 400 || !strings.Contains(html.UnescapeString(w.Body.String()), `id="default_sender.postal_code-err">Un code postal néerlandais`) {
			t.Fatalf("%s: bad sender: %d, no message next to the postal code", s.Dialect, w.Code)
		}
		if v, _ := inputValue(w.Body.String(), "default_sender-city"); v != "Amsterdam" {
			t.Errorf("%s: typed city became %q", s.Dialect, v)
		}
		bad.Set("default_sender.postal_code", "1016dv")
		w = s.Do("POST", path, "", strings.NewReader(bad.Encode()), formHeader, s.Admin)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: good sender: %d", s.Dialect, w.Code)
		}
		w = s.Do("GET", path, "done=saved", nil, nil, s.Admin)
		if v, _ := inputValue(w.Body.String(), "default_sender-postal_code"); v != "1016 DV" || !strings.Contains(w.Body.String(), `id="remove"`) {
			t.Errorf("%s: saved sender shows postal code %q", s.Dialect, v)
		}
		if dp := s.Do("GET", "/departments", "", nil, nil, s.Admin).Body.String(); !strings.Contains(dp, `href="`+path+`"`) {
			t.Errorf("%s: the departments page does not link to the default sender", s.Dialect)
		}
		w = s.Do("POST", path, "", strings.NewReader("remove=1"), formHeader, s.Admin)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: remove: %d", s.Dialect, w.Code)
		}
		if v, _ := inputValue(s.Do("GET", path, "", nil, nil, s.Admin).Body.String(), "default_sender-name"); v != "" {
			t.Errorf("%s: removed sender still there: %q", s.Dialect, v)
		}
		// A department of no one is not found.
		if w := s.Do("GET", "/departments/999999/sender", "", nil, nil, s.Admin); w.Code != 404 {
			t.Errorf("%s: unknown department: %d", s.Dialect, w.Code)
		}
	}
}

// TestNotFoundInFrench: a label or document the user may not see is said
// in the page's language.
func TestNotFoundInFrench(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		for path, want := range map[string]string{"/labels/999999": "Étiquette introuvable.", "/documents/999999": "Document introuvable."} {
			w := s.Do("GET", path, "", nil, nil, s.Admin)
			if w.Code != 404 || !strings.Contains(html.UnescapeString(w.Body.String()), want) {
				t.Errorf("%s: %s: %d, want 404 saying %q", s.Dialect, path, w.Code, want)
			}
		}
	}
}

// pdfText extracts a PDF's text with poppler's pdftotext (required in CI).
func pdfText(t *testing.T, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (Debian poppler-utils) is required in CI")
		}
		t.Skip("pdftotext not installed")
	}
	in := filepath.Join(t.TempDir(), "label.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// upload posts a file to the documents page as the admin.
func upload(t *testing.T, s *webtest.Server, name string, content []byte) *httptest.ResponseRecorder {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("department_id", strconv.FormatInt(s.IDs["D1"], 10))
	mw.WriteField("module", "mail")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return s.Do("POST", "/documents", "", &b, http.Header{"Content-Type": {mw.FormDataContentType()}}, s.Admin)
}

// TestFrenchWording: the French pages say sizes in octets (4 Ko, 38 o),
// a refused upload in words a person understands (no %PDF-…%%EOF) and
// in French, and the outbox's column is the e-mail's recipient, not the
// « Au » of a date range.
func TestFrenchWording(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		text := func(w *httptest.ResponseRecorder) string { return html.UnescapeString(w.Body.String()) }
		if got := text(s.Do("GET", "/documents", "", nil, nil, s.Admin)); !strings.Contains(got, "Fichier PDF (au plus 4\u00a0Ko)") {
			t.Errorf("%s: the upload form does not say its limit in Ko", s.Dialect)
		}
		w := upload(t, s, "notes.txt", []byte("hello"))
		if got := text(w); w.Code != 400 || !strings.Contains(got, `id="file-err">Ce fichier n'est pas un PDF.`) || strings.Contains(got, "%%EOF") {
			t.Errorf("%s: a text file: %d, the message by the file field is not the plain French one", s.Dialect, w.Code)
		}
		w = upload(t, s, "big.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), webtest.MaxUpload+10)...))
		if got := text(w); w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(got, "Le fichier dépasse la limite de 4\u00a0Ko.") &&
			!strings.Contains(got, "Le fichier dépasse la limite de 4 Ko.") {
			t.Errorf("%s: a file over the limit: %d, not said in French with Ko", s.Dialect, w.Code)
		}
		pdf := lettertest.Small("")
		w = upload(t, s, "lettre.pdf", pdf)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: a PDF: %d", s.Dialect, w.Code)
		}
		doc := text(s.Do("GET", w.Header().Get("Location"), "", nil, nil, s.Admin))
		if want := `<dd id="size">` + strconv.Itoa(len(pdf)) + "\u00a0o</dd>"; !strings.Contains(doc, want) {
			t.Errorf("%s: the document page does not say its size in octets (%q)", s.Dialect, want)
		}
		outbox := text(s.Do("GET", "/outbox", "", nil, nil, s.Admin))
		if !strings.Contains(outbox, `<th scope="col">Destinataire</th>`) || strings.Contains(outbox, `<th scope="col">Au</th>`) {
			t.Errorf("%s: the outbox's recipient column is not « Destinataire »", s.Dialect)
		}
	}
}

func TestFormatSizes(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"fr", 38, "38 o"}, {"fr", 4 << 10, "4 Ko"}, {"fr", 1536, "1,5 Ko"}, {"fr", 20 << 20, "20 Mo"}, {"fr", 1300000, "1,2 Mo"},
		{"nl", 38, "38 bytes"}, {"nl", 1536, "1,5 kB"}, {"nl", 20 << 20, "20 MB"}, {"en", 1536, "1.5 KiB"}, {"en", 20 << 20, "20 MiB"}} {
		if got := strings.ReplaceAll(ui.FormatSize(c.lang, c.n), "\u00a0", " "); got != c.want {
			t.Errorf("formatSize(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}
