package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the send_at fallback zone, on hosts without a zone database

	"portail"
	"portail/web/request"
)

// The pages of a letter (D4–D8) beyond the documents list: its options
// and their price, its recipient, its proof, a new file, its cancellation.
// Every change is a form posted to a page route that calls the service
// and redirects back (POST/redirect/GET), so the page works without
// JavaScript; the script only adds the live price (the API's quote, with
// the session cookie) and the countdown.

func (s *Handler) registerLetterPages() {
	s.handle("GET /documents/{id}/proof", s.signedIn(s.documentProof))
	s.handle("POST /documents/{id}/options", s.signedIn(s.changeLetterOptions))
	s.handle("POST /documents/{id}/recipient", s.signedIn(s.changeLetterRecipient))
	s.handle("POST /documents/{id}/file", s.signedIn(s.replaceLetterFile))
	s.handle("GET /documents/{id}/cancel", s.signedIn(s.confirmCancelLetter))
	s.handle("POST /documents/{id}/cancel", s.signedIn(s.cancelLetter))
}

// letterZone is where send_at typed without a zone is read when the
// browser said none (no JavaScript): the zone of the Belgian offices the
// portal serves first.
var letterZone = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Brussels"); err == nil {
		return l
	}
	return time.UTC
}()

// letterDone are the one-time messages after a letter's form.
var letterDone = map[string]string{
	"sent":      "The letter was uploaded. Check the proof and the options below before it goes to print.",
	"changed":   "The changes were saved; the letter was checked and priced again.",
	"replaced":  "The file was replaced; the letter was checked and priced again.",
	"cancelled": "The sending was cancelled. Nothing will be printed or posted.",
}

// addressProblems are fixed by typing the recipient; the others by a new
// file (each message says how).
var addressProblems = []portail.ProblemCode{portail.ProblemAddressNotFound, portail.ProblemAddressIncomplete}

// letterData is what a letter's page shows beyond the document's facts.
type letterData struct {
	// CanChange: the policy lets the user change the letter and its wait
	// is not over: the forms show.
	CanChange bool
	Checked   bool // the letter was inspected (documents stored before letters were not)
	Deadline  *time.Time
	Proofs    []proofPage
	Problems  []problemView
	// RecipientForm: the window is empty or incomplete, or the recipient
	// was typed: a recipient may be typed (again).
	RecipientForm bool
	Price         string
	Countries     []country
	Options       []optionGroup
	SendAt        string // the datetime-local value of the chosen start
}

type proofPage struct {
	Page  int // 0: the address page
	URL   string
	Label string
}

type problemView struct {
	Code    portail.ProblemCode
	Page    int
	Message string // says what to do, too
	Address bool   // fixed by typing the recipient, else by a new file
}

// optionGroup is one choice of the options form: radios, or a checkbox
// (Check) for registered.
type optionGroup struct {
	Name    string
	Legend  string
	Check   bool
	Checked bool // for Check
	Choices []optionChoice
}

type optionChoice struct {
	Value, Label string
	Selected     bool
}

// optionGroups are the options form's choices, set as o says.
func (p *page) optionGroups(o portail.LetterOptions) []optionGroup {
	yes := func(b bool) string { return strconv.FormatBool(b) }
	radio := func(name, legend, cur string, choices ...[2]string) optionGroup {
		g := optionGroup{Name: name, Legend: p.t(legend)}
		for _, c := range choices {
			g.Choices = append(g.Choices, optionChoice{Value: c[0], Label: p.t(c[1]), Selected: c[0] == cur})
		}
		return g
	}
	return []optionGroup{
		radio("color", "Printing", yes(o.Color), [2]string{"false", "Black and white"}, [2]string{"true", "Colour"}),
		radio("duplex", "Sides", yes(o.Duplex), [2]string{"true", "Both sides (duplex)"}, [2]string{"false", "One side"}),
		radio("postage", "Postage", string(o.Postage), [2]string{"non_prior", "Non-prior"}, [2]string{"prior", "Prior"}),
		{Name: "registered", Legend: p.t("Registered letter"), Check: true, Checked: o.Registered},
		radio("window", "Envelope window", string(o.Window), [2]string{"right", "Window on the right"}, [2]string{"left", "Window on the left (DIN 5008 B)"}),
	}
}

// letterOptionsForm reads the options of a form: each field it has. The
// registered checkbox follows a hidden "false", so its last value counts.
func letterOptionsForm(r *http.Request) (portail.LetterOptionsPatch, error) {
	var o portail.LetterOptionsPatch
	var v portail.Validation
	last := func(name string) (string, bool) {
		vs := r.Form[name]
		if len(vs) == 0 {
			return "", false
		}
		return vs[len(vs)-1], true
	}
	boolean := func(name string) *bool {
		s, ok := last(name)
		if !ok {
			return nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add(name, "Choose one of the options.")
			return nil
		}
		return &b
	}
	o.Color, o.Duplex, o.Registered = boolean("color"), boolean("duplex"), boolean("registered")
	if s, ok := last("postage"); ok {
		pg := portail.Postage(s)
		if !pg.Valid() {
			v.Add("postage", "Choose one of the options.")
		}
		o.Postage = &pg
	}
	if s, ok := last("window"); ok {
		w := portail.Window(s)
		if !w.Valid() {
			v.Add("window", "Choose one of the options.")
		}
		o.Window = &w
	}
	return o, v.Err()
}

// sendAtForm reads the later start of a form: send_at_local as typed in
// a datetime-local input (no zone), read in the browser's zone that the
// page's script put in "tz" (an IANA name) or, failing that, in
// "tz_offset" (minutes east of UTC at that moment); without script, in
// letterZone. An empty field is no start.
func sendAtForm(r *http.Request) (*time.Time, error) {
	s := strings.TrimSpace(r.FormValue("send_at_local"))
	if s == "" {
		return nil, nil
	}
	loc := letterZone
	if l, err := time.LoadLocation(r.FormValue("tz")); err == nil && r.FormValue("tz") != "" {
		loc = l
	} else if off, err := strconv.Atoi(r.FormValue("tz_offset")); err == nil && off > -24*60 && off < 24*60 {
		loc = time.FixedZone("", off*60)
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	var v portail.Validation
	v.Add("send_at", "Give a date and a time, like 2026-12-24 09:00.")
	return nil, v.Err()
}

// sendAtChanged reports whether the start typed differs from the one the
// form showed (was, RFC 3339, "" for none), to the minute the input
// keeps: an options fix leaves a start alone, even one that has passed
// or one an API client set to the second.
func sendAtChanged(typed *time.Time, was string) bool {
	if was == "" {
		return typed != nil
	}
	w, err := time.Parse(time.RFC3339Nano, was)
	if err != nil || typed == nil {
		return true
	}
	return !typed.Equal(w.Truncate(time.Minute))
}

// localInput writes t for a datetime-local input, in the zone the page
// shows times in before its script rewrites them.
func localInput(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(letterZone).Format("2006-01-02T15:04")
}

// letterView fills the letter part of a document's page.
func (p *page) letterView(d *portail.Document, f map[string]string) *letterData {
	l := &letterData{Checked: d.Inspection != nil || d.Pages > 0, Deadline: d.CancelUntil}
	now := time.Now()
	var deadline time.Time
	if d.CancelUntil != nil {
		deadline = *d.CancelUntil
	}
	l.CanChange = portail.Can(p.actor, portail.ActChangeDocument, d.Resource()) && d.Status.CanChange(deadline, now)
	if !l.Checked {
		return l
	}
	version := strconv.FormatInt(d.UpdatedAt.UnixMicro(), 36)
	proof := func(n int) string {
		return "/documents/" + strconv.FormatInt(d.ID, 10) + "/proof?page=" + strconv.Itoa(n) + "&v=" + version
	}
	if d.AddressPage() {
		l.Proofs = append(l.Proofs, proofPage{Page: 0, URL: proof(0), Label: p.t("Address page (added in front)")})
	}
	for n := 1; n <= d.Pages; n++ {
		l.Proofs = append(l.Proofs, proofPage{Page: n, URL: proof(n), Label: p.t("Page %d", n)})
	}
	incomplete := false
	for _, pr := range d.Problems {
		address := slices.Contains(addressProblems, pr.Code)
		l.Problems = append(l.Problems, problemView{Code: pr.Code, Page: pr.Page, Message: pr.Message(p.lang), Address: address})
		incomplete = incomplete || address
	}
	l.RecipientForm = l.CanChange && (d.Typed || d.Recipient == nil || incomplete)
	if d.Priced {
		cur := d.Currency
		if cur == "" {
			cur = p.s.site.Currency()
		}
		l.Price = formatMoney(p.lang, cur, int(d.PriceCents))
	}
	l.Countries = countries(p.lang)
	l.Options = p.optionGroups(d.Options)
	l.SendAt = localInput(d.Times.SendAt)
	if f != nil {
		// A refused form shows what was typed.
		if o, err := letterOptionsForm(p.r); err == nil {
			l.Options = p.optionGroups(o.Apply(d.Options))
		}
		if f["send_at_local"] != "" {
			l.SendAt = f["send_at_local"]
		}
	}
	return l
}

func (s *Handler) documentProof(p *page) {
	id, err := request.PathID(p.r)
	n := 1
	if err == nil {
		if q := p.r.URL.Query().Get("page"); q != "" {
			if n, err = strconv.Atoi(q); err != nil || n < 0 {
				err = portail.Errorf(portail.EINVALID, "The page is a whole number.")
			}
		}
	}
	var png []byte
	if err == nil {
		png, err = s.Documents.DocumentProof(p.ctx, id, n)
	}
	if err != nil {
		request.LogFailure(s.site.Logger(), p.r, err)
		http.Error(p.w, http.StatusText(request.Status(err)), request.Status(err))
		return
	}
	h := p.w.Header()
	h.Set("Content-Type", "image/png")
	// The address carries the letter's version: a new file or recipient
	// is a new address, so the browser may keep this one.
	h.Set("Cache-Control", "private, max-age=3600")
	p.w.Write(png)
}

// letterChanged sends the browser back to the letter's page after a
// change, or shows the page again with what went wrong.
func (s *Handler) letterChanged(p *page, id int64, done string, err error) {
	if err != nil {
		s.documentPage(p, err)
		return
	}
	p.redirect("/documents/" + strconv.FormatInt(id, 10) + "?done=" + done)
}

func (s *Handler) changeLetterOptions(p *page) {
	id, err := request.PathID(p.r)
	if err != nil {
		s.pageError(p, err)
		return
	}
	if err := p.r.ParseForm(); err != nil {
		s.pageError(p, portail.Errorf(portail.EINVALID, "The form could not be read."))
		return
	}
	var c portail.DocumentChange
	o, err := letterOptionsForm(p.r)
	sendAt, err2 := sendAtForm(p.r)
	if err = portail.JoinInvalid(err, err2); err == nil {
		c.Options, c.SetSendAt, c.SendAt = o, sendAtChanged(sendAt, p.r.PostFormValue("send_at_was")), sendAt
		_, err = s.Documents.ChangeDocument(p.ctx, id, c)
		err = s.sayProblems(p, err)
	}
	s.letterChanged(p, id, "changed", err)
}

func (s *Handler) changeLetterRecipient(p *page) {
	id, err := request.PathID(p.r)
	if err != nil {
		s.pageError(p, err)
		return
	}
	c := portail.DocumentChange{SetRecipient: true}
	if p.r.PostFormValue("remove") == "" {
		c.Recipient = recipientForm(p)
	}
	_, err = s.Documents.ChangeDocument(p.ctx, id, c)
	s.letterChanged(p, id, "changed", s.sayProblems(p, err))
}

// sayProblems puts the problems a refused change would have caused in
// the page's language.
func (s *Handler) sayProblems(p *page, err error) error { return portail.InLanguage(err, p.lang) }

// recipientForm reads a typed recipient: its name, address lines, postal
// code, city and country, and makes the printed block of them (SPEC §9
// Wave-2 details 3): the name, the lines, the postal code and city, and
// the country's name when it is not Belgium.
func recipientForm(p *page) *portail.Recipient {
	f := func(k string) string { return strings.TrimSpace(p.r.PostFormValue("recipient." + k)) }
	r := &portail.Recipient{Name: f("name"), PostalCode: f("postal_code"), City: f("city"), Country: strings.ToUpper(f("country"))}
	if r.Name != "" {
		r.Lines = append(r.Lines, r.Name)
	}
	for _, l := range strings.Split(strings.ReplaceAll(f("lines"), "\r", ""), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			r.Lines = append(r.Lines, l)
		}
	}
	if last := strings.TrimSpace(r.PostalCode + " " + r.City); last != "" {
		r.Lines = append(r.Lines, last)
	}
	if r.Country != "" && r.Country != "BE" {
		r.Lines = append(r.Lines, strings.ToUpper(countryName("fr", r.Country)))
	}
	return r
}

func (s *Handler) replaceLetterFile(p *page) {
	id, err := request.PathID(p.r)
	if err != nil {
		s.pageError(p, err)
		return
	}
	name, file, err := request.ReplacementFile(p.w, p.r, s.site.MaxUpload())
	if err == nil {
		defer file.Close()
		_, err = s.Documents.ReplaceDocumentFile(p.ctx, id, name, file)
	}
	s.letterChanged(p, id, "replaced", s.sayProblems(p, err))
}

func (s *Handler) confirmCancelLetter(p *page) {
	id, err := request.PathID(p.r)
	var d *portail.Document
	if err == nil {
		d, err = s.Documents.FindDocument(p.ctx, id)
	}
	if err != nil {
		s.pageError(p, err)
		return
	}
	l := p.letterView(d, nil)
	if !l.CanChange {
		s.documentPage(p, portail.ErrTooLate())
		return
	}
	v := p.view("Cancel the sending")
	v.Nav.Current = "documents"
	v.Data = itemData{Document: d, Letter: l}
	p.render(http.StatusOK, "letter_cancel", v)
}

func (s *Handler) cancelLetter(p *page) {
	id, err := request.PathID(p.r)
	if err != nil {
		s.pageError(p, err)
		return
	}
	_, err = s.Documents.CancelDocument(p.ctx, id)
	s.letterChanged(p, id, "cancelled", err)
}
