package ui

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"portail"
	"portail/web/request"
)

// The letter settings: the account's cancellation window and country
// (on the account page, admins), a department's letter defaults (admins
// and that department's admin) and the installation's tariff (the
// account page, and /tariff for everyone signed in).

func (s *Handler) registerLetterSettingsPages() {
	s.handle("POST /account/settings", s.signedIn(s.saveAccountSettings))
	s.handle("GET /departments/{id}/letters", s.signedIn(s.departmentLetters))
	s.handle("POST /departments/{id}/letters", s.signedIn(s.saveDepartmentLetters))
	s.handle("GET /tariff", s.signedIn(s.tariffPage))
}

// accountSettingsForm fills the letter settings form from the stored
// settings, or from what was posted when the form was refused.
func (s *Handler) accountSettingsForm(p *page, v *view, posted bool) error {
	if posted {
		v.Form["letter_cancellation_minutes"] = p.r.PostFormValue("letter_cancellation_minutes")
		v.Form["country"] = p.r.PostFormValue("country")
		return nil
	}
	st, err := s.Accounts.AccountSettings(p.ctx)
	if err != nil {
		return err
	}
	v.Form["letter_cancellation_minutes"] = strconv.Itoa(st.LetterCancellationMinutes)
	v.Form["country"] = st.Country
	return nil
}

func (s *Handler) saveAccountSettings(p *page) {
	p.r.ParseForm()
	var u portail.AccountSettingsUpdate
	minutes, err := strconv.Atoi(strings.TrimSpace(p.r.PostFormValue("letter_cancellation_minutes")))
	if err != nil {
		s.renderAccountForm(p, 0, &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: "letter_cancellation_minutes", Message: "Use a number of minutes between 0 and 1440."}}}, "settings")
		return
	}
	u.LetterCancellationMinutes = &minutes
	country := strings.ToUpper(strings.TrimSpace(p.r.PostFormValue("country")))
	u.Country = &country
	if _, err := s.Accounts.UpdateAccountSettings(p.ctx, u); err != nil {
		s.renderAccountForm(p, 0, err, "settings")
		return
	}
	p.redirect("/account?done=settings#letters-title")
}

// tariffView is the tariff as the pages show it: amounts in cents of
// Currency, VAT excluded.
type tariffView struct {
	Currency                  string
	BlackWhiteSide, ColorSide int
	Sheet, Registered         int
	SheetGrams, MaxPages      int
	Envelopes                 []portail.EnvelopeStep
	Postage                   []postageRow
	EnvelopeCents             []int // of Envelopes, as money takes them
}

// postageRow is one weight step: the postage of each product for a
// letter of at most UpToGrams (and more than the row before).
type postageRow struct {
	UpToGrams       int
	NonPrior, Prior int
}

func newTariffView(t *portail.Tariff, maxPages int) tariffView {
	v := tariffView{Currency: t.Currency, BlackWhiteSide: int(t.BlackWhiteSideCents), ColorSide: int(t.ColorSideCents),
		Sheet: int(t.SheetCents), Registered: int(t.RegisteredCents), SheetGrams: t.SheetGrams, MaxPages: maxPages,
		Envelopes: t.Envelopes}
	for _, e := range t.Envelopes {
		v.EnvelopeCents = append(v.EnvelopeCents, int(e.Cents))
	}
	// The products may step at other weights: each row is a bound of
	// either, with the price of the step of each that holds it.
	var bounds []int
	for _, steps := range t.Postage {
		for _, st := range steps {
			bounds = append(bounds, st.UpToGrams)
		}
	}
	slices.Sort(bounds)
	step := func(p portail.Postage, g int) int {
		for _, st := range t.Postage[p] {
			if g <= st.UpToGrams {
				return int(st.Cents)
			}
		}
		return -1 // too heavy for this product
	}
	for _, g := range slices.Compact(bounds) {
		v.Postage = append(v.Postage, postageRow{UpToGrams: g, NonPrior: step(portail.PostageNonPrior, g), Prior: step(portail.PostagePrior, g)})
	}
	return v
}

func (s *Handler) tariffPage(p *page) {
	v := p.view("Letter tariff")
	v.Data = newTariffView(s.site.Tariff(), s.site.MaxPages())
	p.render(http.StatusOK, "tariff", v)
}

type departmentLettersData struct {
	Department *portail.Department
	// Options are what the form shows: the department's defaults, or the
	// installation's when it has none.
	Options portail.LetterOptions
	// Admin: the departments page is theirs to go back to.
	Admin bool
}

func (s *Handler) departmentLetters(p *page) { s.renderDepartmentLetters(p, http.StatusOK, nil) }

func (s *Handler) renderDepartmentLetters(p *page, status int, fail error) {
	d, ok := s.departmentDefaultsOf(p)
	if !ok {
		return
	}
	v := p.view("Letter defaults")
	v.Title = p.t("Letter defaults of %s", d.Name)
	v.Nav.Current = "departments"
	data := departmentLettersData{Department: d, Options: portail.DefaultLetterOptions(),
		Admin: portail.Can(p.actor, portail.ActManageDepartments, portail.Resource{AccountID: d.AccountID})}
	if d.LetterDefaults != nil {
		data.Options = *d.LetterDefaults
	}
	if fail != nil {
		status = p.failed(&v, fail)
		for k, m := range v.Fields { // the form's fields are the options'
			if f, ok := strings.CutPrefix(k, "letter_defaults."); ok {
				v.Fields[f] = m
			}
		}
		data.Options = letterOptionsOf(p.r)
	}
	switch p.r.URL.Query().Get("done") {
	case "saved":
		v.Flash = p.t("The letter defaults were saved: new letters of this department start with them.")
	case "removed":
		v.Flash = p.t("The department's letter defaults were removed: new letters start with the usual options.")
	}
	v.Data = data
	p.render(status, "department_letters", v)
}

// letterOptionsOf reads the options of the letter defaults form: boxes
// for colour, duplex and registered, a choice of postage and window.
func letterOptionsOf(r *http.Request) portail.LetterOptions {
	return portail.LetterOptions{
		Color:      r.PostFormValue("color") != "",
		Duplex:     r.PostFormValue("duplex") != "",
		Postage:    portail.Postage(r.PostFormValue("postage")),
		Registered: r.PostFormValue("registered") != "",
		Window:     portail.Window(r.PostFormValue("window")),
	}
}

func (s *Handler) saveDepartmentLetters(p *page) {
	id, err := request.PathID(p.r)
	if err != nil {
		s.pageError(p, err)
		return
	}
	p.r.ParseForm()
	u := portail.DepartmentUpdate{SetLetterDefaults: true}
	done := "removed"
	if p.r.PostFormValue("remove") == "" {
		o := letterOptionsOf(p.r)
		u.LetterDefaults, done = &o, "saved"
	}
	if _, err := s.Departments.UpdateDepartment(p.ctx, id, u); err != nil {
		if portail.ErrorCode(err) != portail.EINVALID {
			s.pageError(p, err)
			return
		}
		s.renderDepartmentLetters(p, 0, err)
		return
	}
	p.redirect("/departments/" + strconv.FormatInt(id, 10) + "/letters?done=" + done)
}

// letterSettingsFuncs are the template functions of these pages: grams
// writes a weight step (50 g, 2 kg), letterOptions says a department's
// defaults in short (« couleur, recto, prior, recommandé, fenêtre gauche »).
func letterSettingsFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"grams": func(g int) string {
			if g >= 1000 && g%1000 == 0 {
				return strconv.Itoa(g/1000) + "\u00a0kg"
			}
			return strconv.Itoa(g) + "\u00a0g"
		},
		"letterOptions": func(o *portail.LetterOptions) string {
			if o == nil {
				return ""
			}
			pick := func(cond bool, yes, no string) string {
				if cond {
					return yes
				}
				return no
			}
			words := []string{
				pick(o.Color, translate(lang, "colour"), translate(lang, "black and white")),
				pick(o.Duplex, translate(lang, "duplex"), translate(lang, "simplex")),
				pick(o.Postage == portail.PostagePrior, translate(lang, "prior"), translate(lang, "non prior")),
			}
			if o.Registered {
				words = append(words, translate(lang, "registered"))
			}
			words = append(words, pick(o.Window == portail.WindowLeft, translate(lang, "left window"), translate(lang, "right window")))
			return strings.Join(words, ", ")
		},
	}
}
