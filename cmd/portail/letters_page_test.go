package main

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portail/internal/lettertest"
	"portail/internal/testdb"
)

// uploadForm posts a multipart form with a file part, as the send and
// replace forms do; a field may repeat (the registered checkbox after its
// hidden false).
func (c *client) uploadForm(path string, fields url.Values, fileName string, content []byte) htmlPage {
	c.a.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

// uploadLetter sends a letter through the API in dept (mail) and returns
// its id.
func (c *client) uploadLetter(t *testing.T, dept int64, name string, pdf []byte) int64 {
	t.Helper()
	res, raw := c.sendFile(t, "POST", "/api/v1/documents", name, pdf, "department_id", strconv.FormatInt(dept, 10), "module", "mail")
	var doc struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("uploading %s: %d %v %s", name, res.StatusCode, err, raw)
	}
	return doc.ID
}

var checkedRe = regexp.MustCompile(`id="(opt-[a-z_]+(?:-[a-z_]+)?)"[^>]*\bchecked\b`)

// checkedOptions lists the ids of the ticked options of a page.
func checkedOptions(body string) []string {
	var out []string
	for _, m := range checkedRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestLetterPages: the letter's pages without JavaScript, on both
// databases: the send form's options and later start reach the letter;
// its page shows the status in words, the recipient as read, the price,
// the proof (a PNG of the UI's route), the options form and the
// cancellation; each form works as a plain POST and a refused one keeps
// what was typed next to its field; the empty window takes a typed
// recipient (an address page, page 0); a cancelled letter offers no
// change and a late change is refused in words.
func TestLetterPages(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			c := a.client()
			c.signIn(t, "boss", adminPassword)
			c.post("/departments", url.Values{"name": {"Courrier"}}).must(t, http.StatusSeeOther)
			dept := regexp.MustCompile(`id="department-(\d+)"`).FindStringSubmatch(c.get("/departments").body)[1]

			c.get("/documents").must(t, http.StatusOK, `id="opt-color-false"`, `name="send_at_local"`, `type="datetime-local"`)
			// A later start in the past is refused next to its field, the
			// options chosen stay chosen.
			form := url.Values{"department_id": {dept}, "module": {"mail"}, "color": {"true"}, "duplex": {"true"},
				"postage": {"prior"}, "registered": {"false", "true"}, "window": {"right"},
				"send_at_local": {"2020-01-01T10:00"}, "tz": {"Europe/Brussels"}}
			p := c.uploadForm("/documents", form, "offre.pdf", lettertest.Letter(1)).must(t, http.StatusBadRequest, `id="send_at-err"`)
			if got := strings.Join(checkedOptions(p.body), " "); !strings.Contains(got, "opt-color-true") || !strings.Contains(got, "opt-registered") {
				t.Errorf("after a refusal the options ticked are %s", got)
			}
			tomorrow := time.Now().In(time.UTC).Add(30*time.Hour).Format("2006-01-02") + "T10:00"
			form.Set("send_at_local", tomorrow)
			form.Set("tz", "UTC")
			p = c.uploadForm("/documents", form, "offre.pdf", lettertest.Letter(1)).must(t, http.StatusSeeOther)
			letter := strings.TrimSuffix(p.loc, "?done=sent")
			page := c.get(p.loc).must(t, http.StatusOK, `data-status="received"`, "Reçu — en attente", "aperçu",
				lettertest.Address[0], `id="price"`, "€", `id="options-form"`, `id="cancel"`, "Envoi prévu le",
				letter+`/proof?page=1&amp;v=`, `loading="lazy"`, `id="countdown"`)
			if got := strings.Join(checkedOptions(page.body), " "); got != "opt-color-true opt-duplex-true opt-postage-prior opt-registered opt-window-right" {
				t.Errorf("the letter's options are %s", got)
			}
			if !strings.Contains(page.body, `data-local-at="`+tomorrow[:10]+`T10:00:00Z"`) {
				t.Errorf("the later start was not read in the browser's zone (UTC, %s)", tomorrow)
			}
			proof := regexp.MustCompile(`src="(` + regexp.QuoteMeta(letter) + `/proof\?page=1&amp;v=[^"]+)"`).FindStringSubmatch(page.body)
			if proof == nil {
				t.Fatalf("no proof image of page 1")
			}
			res, err := c.http.Get(a.url + strings.ReplaceAll(proof[1], "&amp;", "&"))
			if err != nil {
				t.Fatal(err)
			}
			png, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("the proof: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(png))
			}
			c.get(letter+"/proof?page=x").must(t, http.StatusBadRequest)
			c.get(letter+"/proof?page=9").must(t, http.StatusNotFound)
			c.get(letter+"/proof?page=0").must(t, http.StatusNotFound) // no address page

			// Saving the options without script, and clearing the start.
			// The form says which start it showed, so that a fix of the
			// options leaves a start alone unless it was changed.
			was := regexp.MustCompile(`name="send_at_was" value="([^"]+)"`).FindStringSubmatch(page.body)
			if was == nil {
				t.Fatal("the options form does not say which start it shows")
			}
			c.post(letter+"/options", url.Values{"color": {"false"}, "duplex": {"false"}, "postage": {"non_prior"},
				"registered": {"false"}, "window": {"right"}, "send_at_local": {""}, "send_at_was": {html.UnescapeString(was[1])}}).must(t, http.StatusSeeOther)
			page = c.get(letter).must(t, http.StatusOK, "Noir et blanc", "Recto seul", "Non prior")
			if strings.Contains(page.body, "Envoi prévu le") {
				t.Errorf("the cleared start is still shown")
			}
			c.post(letter+"/options", url.Values{"postage": {"express"}, "send_at_local": {"demain"}}).
				must(t, http.StatusBadRequest, `id="send_at-err"`, `value="demain"`)

			// (c) An empty window: a recipient typed, refused then taken.
			p = c.uploadForm("/documents", url.Values{"department_id": {dept}, "module": {"mail"}}, "vide.pdf", lettertest.NoAddress()).
				must(t, http.StatusSeeOther)
			empty := strings.TrimSuffix(p.loc, "?done=sent")
			c.get(empty).must(t, http.StatusOK, `data-status="action_required"`, "Action requise", `data-code="address_not_found"`,
				`id="recipient-form"`, "saisissez le destinataire")
			typed := url.Values{"recipient.name": {"Jan Peeters"}, "recipient.lines": {"Kerkstraat 1"}, "recipient.postal_code": {""},
				"recipient.city": {"Gent"}, "recipient.country": {"BE"}}
			c.post(empty+"/recipient", typed).must(t, http.StatusBadRequest, `value="Jan Peeters"`, "Kerkstraat 1", "field-error")
			typed.Set("recipient.postal_code", "9000")
			c.post(empty+"/recipient", typed).must(t, http.StatusSeeOther)
			c.get(empty).must(t, http.StatusOK, `data-status="received"`, "Jan Peeters", "9000 Gent", empty+`/proof?page=0&amp;`,
				"Page d&#39;adresse", `<dd id="sheets">2`)
			c.get(empty+"/proof?page=0").must(t, http.StatusOK)
			// An accepted letter cannot lose its only address: the
			// refusal says why in French.
			c.post(empty+"/recipient", url.Values{"remove": {"1"}}).must(t, http.StatusBadRequest, "Aucune adresse n’a été trouvée", `id="recipient-err"`)
			c.get(empty).must(t, http.StatusOK, `data-status="received"`, `<dd id="sheets">2`)

			// (d) Cancelled through the confirmation page.
			c.get(letter+"/cancel").must(t, http.StatusOK, `id="confirm-cancel"`, `action="`+letter+`/cancel"`, "Annuler l&#39;envoi")
			c.post(letter+"/cancel", nil).must(t, http.StatusSeeOther)
			page = c.get(letter+"?done=cancelled").must(t, http.StatusOK, `data-status="cancelled"`, "Annulé", "L&#39;envoi est annulé")
			for _, gone := range []string{`id="options-form"`, `id="cancel"`, `id="countdown"`, `id="replace-form"`} {
				if strings.Contains(page.body, gone) {
					t.Errorf("a cancelled letter still has %s", gone)
				}
			}
			c.post(letter+"/options", url.Values{"postage": {"prior"}}).must(t, http.StatusConflict, "ne peut plus être modifié")
			c.get(letter+"/cancel").must(t, http.StatusConflict)

			// The list: the statuses in words, the price and the problems
			// marker of a letter with ink in its margin.
			c.uploadForm("/documents", url.Values{"department_id": {dept}, "module": {"mail"}}, "marge.pdf", lettertest.MarginInk()).
				must(t, http.StatusSeeOther)
			list := c.get("/documents").must(t, http.StatusOK, `class="problem-mark"`, "€", "Annulé")
			for _, w := range []string{"Action requise", "Reçu — en attente", "En impression", "Imprimé", "Posté", "Échec", "Annulé", "Retour à l&#39;expéditeur"} {
				if !strings.Contains(list.body, w) {
					t.Errorf("the documents page lacks the status %q", w)
				}
			}
			c.get("/documents?status=cancelled").must(t, http.StatusOK, `data-name="offre.pdf"`)
		})
	}
}
