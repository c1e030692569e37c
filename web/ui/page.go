package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"portail"
	"portail/web/request"
)

// nav says which menu entries the policy lets the user open: no link that
// would answer 403 (I1).
type nav struct {
	Documents, Labels, Reports          bool
	Users, Departments, Account, Outbox bool
	Webhooks                            bool
	Current                             string
}

func navFor(a portail.Actor) nav {
	acct := portail.Resource{AccountID: a.AccountID}
	return nav{
		Documents:   len(viewModules(a, portail.ActViewDocument, portail.DocumentModules)) > 0 || len(sendModules(a)) > 0,
		Labels:      !portail.ScopeFor(a, portail.ActViewLabel, portail.ModuleParcels).None,
		Reports:     len(viewModules(a, portail.ActViewReports, portail.Modules)) > 0,
		Users:       canListUsers(a),
		Departments: portail.Can(a, portail.ActManageDepartments, acct),
		Account:     portail.Can(a, portail.ActViewAccount, acct),
		Outbox:      portail.Can(a, portail.ActViewOutbox, acct),
		Webhooks:    portail.Can(a, portail.ActManageWebhooks, acct),
	}
}

// view is what every page template receives.
type view struct {
	Title string
	Lang  string
	// Refresh, when set, is how often, in seconds, a status page's script
	// asks whether its item moved (static/portail.js); without
	// JavaScript, a link to RefreshURL refreshes it.
	Refresh    int
	RefreshURL string // the page without its one-time flash
	Me         *portail.User
	Nav        nav
	Flash      string
	Error      string
	Fields     map[string]string // field errors by field name (English; the template translates)
	Form       map[string]string // what the user typed, kept on error
	Data       any
	// LangQuery is, per language, the query of the link that shows this
	// page in it (render fills it).
	LangQuery map[string]string
	// Simulating is set on the pages of documents, labels and reports,
	// and the home page, while the print-and-post simulator moves them:
	// their statuses are not a real printer's or carrier's.
	Simulating bool
	// Currency is the ISO 4217 code prices are shown in (render fills it).
	Currency string
	// Passkeys: the installation lets passkeys on (a base URL on a name),
	// so the sign-in pages offer them.
	Passkeys bool

	// ErrorHTML, when set, is Error with its links (the seat message's
	// link to the account page).
	ErrorHTML template.HTML
}

// page is one request to a page, with its language and, when signed in,
// its user and the context that carries the caller.
type page struct {
	s     *Handler
	w     http.ResponseWriter
	r     *http.Request
	lang  string
	me    *portail.User
	actor portail.Actor
	ctx   context.Context
	flash string // the one-time message an item page shows (English)
}

// anon serves a page that needs no sign-in.
func (s *Handler) anon(h func(p *page)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := negotiate(r, nil)
		if l := r.URL.Query().Get("lang"); portail.ValidLanguage(l) {
			s.site.Cookies().Set(w, langCookie, l)
		}
		h(&page{s: s, w: w, r: r, lang: lang, ctx: request.Anonymous(r)})
	}
}

// signedIn serves a page for a signed-in user. Without a session it sends
// the browser to sign in, telling why when another login ended the
// session (C6); with a temporary password it sends the user to replace it
// first (C2), then, when the account requires a second factor they lack,
// to enrol one (C11).
func (s *Handler) signedIn(h func(p *page)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := request.Authenticate(r, *s.Services)
		if err != nil {
			target := "/login"
			switch portail.ErrorCode(err) {
			case portail.ESESSIONREPLACED:
				target = "/login?replaced=1"
			case portail.ESESSIONENDED:
				target = "/login?ended=1"
			}
			if request.SignedOut(err) {
				s.site.Cookies().ClearSession(w)
				if r.Method == http.MethodGet && r.URL.Path != "/" {
					target += sep(target) + "next=" + url.QueryEscape(r.URL.RequestURI())
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			s.pageError(&page{s: s, w: w, r: r, lang: negotiate(r, nil)}, err)
			return
		}
		if sess.User.PasswordChangeRequired && r.URL.Path != "/password" {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		// Then a second factor the account requires (C11).
		if sess.User.MFAEnrolmentRequired && !sess.User.PasswordChangeRequired && !enrolmentPage(r.URL.Path) {
			http.Redirect(w, r, "/profile/mfa", http.StatusSeeOther)
			return
		}
		p := &page{s: s, w: w, r: r, lang: negotiate(r, sess.User), me: sess.User, ctx: sess.Ctx}
		p.actor = portail.CallerFrom(sess.Ctx).Actor
		h(p)
	}
}

// linkQuery is a list page's query q, for a link that sets key to value:
// the filters stay, the one-time message ("done") and the page ("cursor")
// go.
func linkQuery(q url.Values, key, value string) string {
	nq := url.Values{}
	for k, v := range q {
		if k != "done" && k != "cursor" {
			nq[k] = v
		}
	}
	nq.Set(key, value)
	return nq.Encode()
}

// nextQuery is q for the link to the next page; "" when there is none.
func nextQuery(q url.Values, next string) string {
	if next == "" {
		return ""
	}
	return linkQuery(q, "cursor", next)
}

// langQueries are the queries of the language links: the page's own query
// with only lang changed, so that a one-time link (setup, invitation,
// reset, e-mail confirmation) still works in the language chosen. A page
// shown again after its form was posted has its token (or the sign-in's
// next page) in the form, not in the URL: the link carries it back.
func langQueries(r *http.Request, form map[string]string) map[string]string {
	q := url.Values{}
	if r != nil {
		for k, v := range r.URL.Query() {
			if k != "lang" {
				q[k] = v
			}
		}
	}
	for _, k := range []string{"token", "next"} {
		if form[k] != "" && q.Get(k) == "" {
			q.Set(k, form[k])
		}
	}
	out := map[string]string{}
	for _, l := range portail.Languages {
		q.Set("lang", l)
		out[l] = q.Encode()
	}
	return out
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// t translates in the page's language.
func (p *page) t(msg string, args ...any) string { return translate(p.lang, msg, args...) }

// view returns a view with the page's common parts.
func (p *page) view(title string) view {
	v := view{Title: p.t(title), Lang: p.lang, Me: p.me, Fields: map[string]string{}, Form: map[string]string{}, Passkeys: p.s.PasskeysOn()}
	if p.me != nil {
		v.Nav = navFor(p.actor)
	}
	return v
}

// render writes the page template name in the page's language.
func (p *page) render(status int, name string, v view) {
	t, ok := p.s.pages.get(p.lang, name)
	if !ok {
		http.Error(p.w, "no page "+name, http.StatusInternalServerError)
		return
	}
	if v.Lang == "" {
		v.Lang = p.lang
	}
	v.LangQuery = langQueries(p.r, v.Form)
	v.Currency = p.s.site.Currency()
	switch v.Nav.Current {
	case "home", "documents", "labels", "reports":
		v.Simulating = p.s.site.Simulating()
	}
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		p.s.site.Logger().Error("render", "page", name, "err", err)
		http.Error(p.w, "Internal error.", http.StatusInternalServerError)
		return
	}
	p.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	p.w.Header().Set("Cache-Control", "no-store")
	p.w.WriteHeader(status)
	p.w.Write(b.Bytes())
}

// redirect sends the browser on after a successful form (POST/redirect/GET).
func (p *page) redirect(target string) { http.Redirect(p.w, p.r, target, http.StatusSeeOther) }

// pageError shows an error page: 404 for what the user may not see, 403
// for what they may not do.
func (s *Handler) pageError(p *page, err error) {
	status := request.Status(err)
	request.LogFailure(s.site.Logger(), p.r, err)
	request.SetRetryAfter(p.w, err)
	v := p.view("Error")
	v.Error = p.t(portail.ErrorMessage(err))
	v.Data = status
	p.render(status, "error", v)
}

// formErrors splits err into a page message and field messages: every
// message of a field, in order (a password may break several rules).
func formErrors(err error) (string, map[string][]string) {
	fields := map[string][]string{}
	if e, ok := err.(*portail.Error); ok {
		for _, f := range e.Fields {
			if !slices.Contains(fields[f.Field], f.Message) {
				fields[f.Field] = append(fields[f.Field], f.Message)
			}
		}
	}
	return portail.ErrorMessage(err), fields
}

// failed fills a view with err: a translated message and field messages.
func (p *page) failed(v *view, err error) int {
	msg, fields := formErrors(err)
	v.Error = p.t(msg)
	for k, ms := range fields {
		said := make([]string, len(ms))
		for i, m := range ms {
			said[i] = p.t(m)
		}
		v.Fields[k] = strings.Join(said, " ")
		if slices.Contains(ms, msg) || portail.ErrorCode(err) == portail.EINVALID {
			// The message stands next to its field; the top of the page
			// only says where to look.
			v.Error = p.t("Check the fields marked below.")
		}
	}
	if portail.ErrorCode(err) == portail.ESEATLIMIT {
		var e *portail.Error
		if errors.As(err, &e) {
			v.Error, v.ErrorHTML = p.seatMessage(e)
		}
	}
	request.LogFailure(p.s.site.Logger(), p.r, err)
	request.SetRetryAfter(p.w, err)
	return request.Status(err)
}

// seatMessage says a seat_limit refusal in the page's language: the plan,
// what it includes, the extra seats and the total, then what to do. An
// admin is sent to the account page (a link); anyone else cannot open it
// and is told to ask an admin. It returns the text and the same with the
// link.
func (p *page) seatMessage(e *portail.Error) (string, template.HTML) {
	plan := p.t(string(e.Plan))
	var parts []string
	switch {
	case e.Trial:
		parts = append(parts, p.t("The trial of the %s plan includes %d users.", plan, e.Included))
	case e.Included == 1:
		parts = append(parts, p.t("The %s plan includes one user.", plan))
	default:
		parts = append(parts, p.t("The %s plan includes %d users.", plan, e.Included))
	}
	switch e.Extra {
	case 0:
		parts = append(parts, p.t("Every seat is taken."))
	case 1:
		parts = append(parts, p.t("With one extra seat, that makes %d in all, and every seat is taken.", e.Limit))
	default:
		parts = append(parts, p.t("With %d extra seats, that makes %d in all, and every seat is taken.", e.Extra, e.Limit))
	}
	var out []string
	for _, s := range parts {
		out = append(out, html.EscapeString(s))
	}
	if portail.Can(p.actor, portail.ActViewAccount, portail.Resource{AccountID: p.actor.AccountID}) {
		act, link := p.t("Add extra seats on the %s, or deactivate a user first."), p.t("Account page")
		parts = append(parts, fmt.Sprintf(act, link))
		out = append(out, strings.Replace(html.EscapeString(act), "%s", `<a href="/account">`+html.EscapeString(link)+`</a>`, 1))
	} else {
		act := p.t("Ask an admin of the account to add extra seats, or deactivate a user first.")
		parts, out = append(parts, act), append(out, html.EscapeString(act))
	}
	return strings.Join(parts, " "), template.HTML(strings.Join(out, " "))
}
