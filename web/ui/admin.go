package ui

import (
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"portail"
	"portail/mail"
	"portail/web/request"
)

func (s *Handler) registerAdminPages() {
	s.handle("GET /departments", s.signedIn(s.departments))
	s.handle("POST /departments", s.signedIn(s.createDepartment))
	s.handle("POST /departments/{id}", s.signedIn(s.renameDepartment))
	s.handle("GET /account", s.signedIn(s.account))
	s.handle("POST /account", s.signedIn(s.updateAccount))
	s.registerLetterSettingsPages()
	s.registerSCIMPages()
	s.handle("GET /outbox", s.signedIn(s.outbox))
	s.handle("GET /outbox/{id}", s.signedIn(s.outboxEmail))
	s.handle("GET /outbox/{id}/html", s.signedIn(s.outboxEmailHTML))
}

func (s *Handler) departments(p *page) { s.renderDepartments(p, http.StatusOK, nil, "") }

func (s *Handler) renderDepartments(p *page, status int, fail error, failedID string) {
	if !portail.Can(p.actor, portail.ActManageDepartments, portail.Resource{AccountID: p.actor.AccountID}) {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	v := p.view("Departments")
	v.Nav.Current = "departments"
	switch p.r.URL.Query().Get("done") {
	case "created":
		v.Flash = p.t("The department was created.")
	case "renamed":
		v.Flash = p.t("The department was renamed.")
	}
	// The rename form opens on demand, through a link, so that it works
	// without JavaScript; a refused rename shows it again with its message.
	v.Form["rename"] = p.r.URL.Query().Get("rename")
	if fail != nil {
		status = p.failed(&v, fail)
		v.Form["name"], v.Form["failed_id"] = p.r.PostFormValue("name"), failedID
		if failedID != "new" {
			v.Form["rename"] = failedID
		}
	}
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	v.Data = depts
	p.render(status, "departments", v)
}

func (s *Handler) createDepartment(p *page) {
	if _, err := s.Departments.CreateDepartment(p.ctx, p.r.PostFormValue("name")); err != nil {
		s.renderDepartments(p, 0, err, "new")
		return
	}
	p.redirect("/departments?done=created")
}

func (s *Handler) renameDepartment(p *page) {
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	if _, err := s.Departments.RenameDepartment(p.ctx, id, p.r.PostFormValue("name")); err != nil {
		if request.Status(err) == http.StatusNotFound {
			s.pageError(p, err)
			return
		}
		s.renderDepartments(p, 0, err, p.r.PathValue("id"))
		return
	}
	p.redirect("/departments?done=renamed")
}

type accountData struct {
	Account *portail.Account
	Plans   []portail.Plan
	Modules []portail.Module
	Seats   seats
	InTrial bool
	// The letter settings' form and the installation's tariff.
	Countries []country
	Tariff    tariffView
	// SCIM is the provisioning section (web/ui/scim.go).
	SCIM scimSection
	// SSO is the single sign-on section; nil for whoever may not manage it.
	SSO *ssoData
}

func (s *Handler) account(p *page) { s.renderAccount(p, http.StatusOK, nil) }

func (s *Handler) renderAccount(p *page, status int, fail error) {
	s.renderAccountForm(p, status, fail, "subscription")
}

// renderAccountForm shows the account page; a refusal of form
// ("subscription" or "settings") keeps what was typed in that form, the
// other showing what is stored.
func (s *Handler) renderAccountForm(p *page, status int, fail error, form string) {
	s.renderAccountPage(p, status, fail, form, "")
}

// renderAccountPage is renderAccountForm, also for the "scim" form, with
// a SCIM token just created to show once.
func (s *Handler) renderAccountPage(p *page, status int, fail error, form, newToken string) {
	a, err := s.Accounts.FindAccount(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	v := p.view("Account and subscription")
	v.Nav.Current = "account"
	switch p.r.URL.Query().Get("done") {
	case "saved":
		v.Flash = p.t("The subscription was updated.")
	case "settings":
		v.Flash = p.t("The letter settings were saved.")
	case "scim-revoked":
		v.Flash = p.t("The SCIM token was revoked.")
	case "sso":
		v.Flash = p.t("The single sign-on settings were saved.")
	case "sso_deleted":
		v.Flash = p.t("Single sign-on is disconnected: users sign in with their passwords again.")
	}
	v.Form["plan"], v.Form["extra_seats"] = string(a.Plan), strconv.Itoa(a.ExtraSeats)
	v.Form["modules"], v.Form["onboarding"] = strings.Join(a.Modules.Strings(), ","), string(a.Onboarding)
	if fail != nil {
		status = p.failed(&v, fail)
	}
	if fail != nil && form == "subscription" {
		for _, k := range []string{"plan", "extra_seats", "onboarding"} {
			v.Form[k] = p.r.PostFormValue(k)
		}
		_, v.Form["modules"] = formModules(p.r)
	}
	if err := s.accountSettingsForm(p, &v, fail != nil && form == "settings"); err != nil {
		s.pageError(p, err)
		return
	}
	scim, err := s.scimSectionOf(p, &v, newToken, fail != nil && form == "scim")
	if err != nil {
		s.pageError(p, err)
		return
	}
	sso, err := s.accountSSOForm(p, &v, fail != nil && form == "sso")
	if err != nil {
		s.pageError(p, err)
		return
	}
	v.Data = accountData{Account: a, Plans: portail.Plans, Modules: portail.Modules, Seats: seatsOf(a), InTrial: a.InTrial(a.AsOf),
		Countries: countries(p.lang), Tariff: newTariffView(s.site.Tariff(), s.site.MaxPages()), SCIM: scim, SSO: sso}
	p.render(status, "account", v)
}

func (s *Handler) updateAccount(p *page) {
	r := p.r
	r.ParseForm()
	var u portail.SubscriptionUpdate
	plan := portail.Plan(r.PostFormValue("plan"))
	u.Plan = &plan
	extra, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("extra_seats")))
	if err != nil {
		s.renderAccount(p, 0, &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: "extra_seats", Message: "Use a number of extra seats between 0 and 10000."}}})
		return
	}
	u.ExtraSeats = &extra
	mods, _ := formModules(r)
	u.Modules = &mods
	onb := portail.Onboarding(r.PostFormValue("onboarding"))
	u.Onboarding = &onb
	if _, err := s.Accounts.UpdateSubscription(p.ctx, u); err != nil {
		s.renderAccount(p, 0, err)
		return
	}
	p.redirect("/account?done=saved")
}

type outboxRow struct {
	Email   *portail.Email
	Subject string
	Text    template.HTML // the text part, its links made clickable
	// Mailing is false without an SMTP server: e-mails wait here for
	// someone to pass their links on.
	Mailing bool
}

func (s *Handler) outbox(p *page) {
	emails, next, err := s.Outbox.ListEmails(p.ctx, 50, p.r.URL.Query().Get("cursor"))
	if err != nil {
		s.pageError(p, err)
		return
	}
	v := p.view("Outbox")
	v.Nav.Current = "outbox"
	rows := make([]outboxRow, len(emails))
	for i, e := range emails {
		m, _ := mail.Render(e, s.site.BaseURL())
		rows[i] = outboxRow{Email: e, Subject: m.Subject}
	}
	v.Data = map[string]any{"Rows": rows, "Next": next, "Mailing": s.site.Mailing()}
	p.render(http.StatusOK, "outbox", v)
}

func (s *Handler) outboxEmail(p *page) {
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	e, err := s.Outbox.FindEmail(p.ctx, id)
	if err != nil {
		s.pageError(p, err)
		return
	}
	m, _ := mail.Render(e, s.site.BaseURL())
	v := p.view("E-mail")
	v.Nav.Current = "outbox"
	v.Data = outboxRow{Email: e, Subject: m.Subject, Text: linkify(m.Text), Mailing: s.site.Mailing()}
	p.render(http.StatusOK, "outbox_email", v)
}

// outboxEmailHTML serves an e-mail's HTML part alone, for the frame of its
// page: the recipient's view of it. The e-mail is ours, but it carries what
// users typed (names), so it is served as an untrusted document: a CSP
// sandbox (no scripts, an origin of its own), nothing fetched, only the
// inline styles e-mails use, and framed by our own pages only.
func (s *Handler) outboxEmailHTML(p *page) {
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	e, err := s.Outbox.FindEmail(p.ctx, id)
	if err != nil {
		s.pageError(p, err)
		return
	}
	m, err := mail.Render(e, s.site.BaseURL())
	if err != nil {
		s.pageError(p, err)
		return
	}
	h := p.w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	p.w.Write([]byte(m.HTML))
}

// webLink is an address in an e-mail's text: up to the first space, and
// without the punctuation that ends a sentence.
var webLink = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)»]`)

// linkify escapes text and makes each web address in it a link.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range webLink.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		u := template.HTMLEscapeString(text[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

// seats are the account's seats and cost as the page shows them.
type seats struct {
	Included, Extra, Used, Available, UnusedExtra int
	MonthlyCostCents                              int
}

func seatsOf(a *portail.Account) seats {
	return seats{Included: a.IncludedSeats(a.AsOf), Extra: a.ExtraSeats, Used: a.UsedSeats, Available: a.AvailableSeats(a.AsOf),
		UnusedExtra: a.UnusedExtraSeats(a.AsOf), MonthlyCostCents: a.MonthlyCostCents()}
}
