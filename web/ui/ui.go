// Package ui is the face of portail people use: the server-rendered
// pages in French, Dutch and English (templates/, locales/, static/),
// each a form posted and redirected (POST/redirect/GET), its refusals
// said next to their fields. It imports web/request and the domain,
// never the API (web/api); downloads go through the API's routes, which
// take the session cookie as well.
package ui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/web/request"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the parsed templates, per language: each page is the layout
// plus its own file, with "t" bound to the language's catalog.
type pages struct {
	byLang map[string]map[string]*template.Template
}

func mustParsePages() *pages {
	p := &pages{byLang: map[string]map[string]*template.Template{}}
	files, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, lang := range portail.Languages {
		p.byLang[lang] = map[string]*template.Template{}
		for _, f := range files {
			name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
			if name == "layout" {
				continue
			}
			t := template.New("layout.html").Funcs(templateFuncs(lang))
			p.byLang[lang][name] = template.Must(t.ParseFS(templatesFS, "templates/layout.html", f))
		}
	}
	return p
}

func templateFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":    func(msg string, args ...any) string { return translate(lang, msg, args...) },
		"role": func(r portail.Role) string { return translate(lang, roleLabels[r]) },
		"status": func(s portail.UserStatus) string {
			return translate(lang, map[portail.UserStatus]string{portail.StatusInvited: "Invited", portail.StatusActive: "Active", portail.StatusInactive: "Inactive"}[s])
		},
		"module":  func(m portail.Module) string { return translate(lang, moduleLabels[m]) },
		"modules": func(s portail.ModuleSet) []portail.Module { return s.List() },
		"has":     func(s portail.ModuleSet, m portail.Module) bool { return s.Has(m) },
		"inList":  func(list, v string) bool { return slices.Contains(strings.Split(list, ","), v) },
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.UTC().Format("2006-01-02 15:04")
			case *time.Time:
				if v != nil {
					return v.UTC().Format("2006-01-02 15:04")
				}
			}
			return "—"
		},
		"money": func(cents int) string { return formatMoney(lang, cents) },
		"lang":  func() string { return lang },
		"list":  func(items ...string) []string { return items },
		// query marks a query string made by url.Values.Encode as safe to put
		// after "?" as it is.
		"query":   func(encoded string) template.URL { return template.URL(encoded) },
		"sortTh":  func(label string, l sortLink, class string) sortHeader { return sortHeader{label, l, class} },
		"country": func(code string) string { return countryName(lang, code) },
		"colon":   func() string { return colon(lang) },
		// field pairs a field's name with its error for the "ferr" template.
		"field": func(name string, errs map[string]string) fieldError { return fieldError{name, errs[name]} },
	}
}

// colon ends a label: French typography puts a (non-breaking) space
// before it.
func colon(lang string) string {
	if lang == "fr" {
		return "\u00a0:"
	}
	return ":"
}

type fieldError struct{ Name, Msg string }

// sortHeader is a sortable column header of a list.
type sortHeader struct {
	Label string
	Link  sortLink
	Class string
}

var roleLabels = map[portail.Role]string{portail.RoleViewer: "Viewer", portail.RoleOperator: "Operator",
	portail.RoleDepartmentAdmin: "Department admin", portail.RoleAdmin: "Admin"}

var moduleLabels = map[portail.Module]string{portail.ModuleMail: "Mail", portail.ModuleParcels: "Parcels", portail.ModuleClassic: "Classic"}

func formatMoney(lang string, cents int) string {
	whole, frac := cents/100, cents%100
	s := strconv.Itoa(whole) + "." + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
	if lang == "en" {
		return "$" + s
	}
	return strings.Replace(s, ".", ",", 1) + " $"
}

// nav says which menu entries the policy lets the user open: no link that
// would answer 403 (I1).
type nav struct {
	Documents, Labels, Reports          bool
	Users, Departments, Account, Outbox bool
	Current                             string
}

func navFor(a portail.Actor) nav {
	acct := portail.Resource{AccountID: a.AccountID}
	return nav{
		Documents:   len(viewModules(a, portail.ActViewDocument, portail.DocumentModules)) > 0 || len(sendModules(a)) > 0,
		Labels:      !portail.ScopeFor(a, portail.ActViewLabel, portail.ModuleParcels).None,
		Reports:     len(viewModules(a, portail.ActViewReports, portail.Modules)) > 0,
		Users:       portail.ScopeFor(a, portail.ActViewUser, 0).OwnerID == 0,
		Departments: portail.Can(a, portail.ActManageDepartments, acct),
		Account:     portail.Can(a, portail.ActViewAccount, acct),
		Outbox:      portail.Can(a, portail.ActViewOutbox, acct),
	}
}

// view is what every page template receives.
type view struct {
	Title string
	Lang  string
	// Refresh, when set, reloads the page after that many seconds: a
	// status page follows its item without JavaScript.
	Refresh    int
	RefreshURL string // the page without its one-time flash
	Me         *portail.User
	Nav        nav
	Flash      string
	Error      string
	Fields     map[string]string // field errors by field name (English; the template translates)
	Form       map[string]string // what the user typed, kept on error
	Data       any
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
// first (C2).
func (s *Handler) signedIn(h func(p *page)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := request.Authenticate(r, *s.Services)
		if err != nil {
			target := "/login"
			if portail.ErrorCode(err) == portail.ESESSIONREPLACED {
				target = "/login?replaced=1"
			}
			if c := portail.ErrorCode(err); c == portail.EUNAUTHENTICATED || c == portail.ESESSIONREPLACED {
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
	v := view{Title: p.t(title), Lang: p.lang, Me: p.me, Fields: map[string]string{}, Form: map[string]string{}}
	if p.me != nil {
		v.Nav = navFor(p.actor)
	}
	return v
}

// render writes the page template name in the page's language.
func (p *page) render(status int, name string, v view) {
	t, ok := p.s.pages.byLang[p.lang][name]
	if !ok {
		http.Error(p.w, "no page "+name, http.StatusInternalServerError)
		return
	}
	if v.Lang == "" {
		v.Lang = p.lang
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

// formErrors splits err into a page message and field messages.
func formErrors(err error) (string, map[string]string) {
	fields := map[string]string{}
	if e, ok := err.(*portail.Error); ok {
		for _, f := range e.Fields {
			if _, seen := fields[f.Field]; !seen {
				fields[f.Field] = f.Message
			}
		}
	}
	return portail.ErrorMessage(err), fields
}

// failed fills a view with err: a translated message and field messages.
func (p *page) failed(v *view, err error) int {
	msg, fields := formErrors(err)
	v.Error = p.t(msg)
	for k, m := range fields {
		v.Fields[k] = p.t(m)
		if m == msg || portail.ErrorCode(err) == portail.EINVALID {
			// The message stands next to its field; the top of the page
			// only says where to look.
			v.Error = p.t("Check the fields marked below.")
		}
	}
	if portail.ErrorCode(err) == portail.ESEATLIMIT {
		var e *portail.Error
		if errors.As(err, &e) {
			v.Error = p.t("The %s plan allows %d users and they are all taken. Add extra seats on the Account page, or deactivate a user first.", p.t(string(e.Plan)), e.Limit)
		}
	}
	request.LogFailure(p.s.site.Logger(), p.r, err)
	request.SetRetryAfter(p.w, err)
	return request.Status(err)
}

// Handler serves the pages over the services.
type Handler struct {
	*request.Services
	site   request.Site
	pages  *pages
	handle func(pattern string, h http.HandlerFunc)
}

// New returns the pages over svc; site gives the server's settings.
func New(svc *request.Services, site request.Site) *Handler {
	return &Handler{Services: svc, site: site, pages: mustParsePages()}
}

// Routes registers every page, and the static files, with handle.
func (s *Handler) Routes(handle func(pattern string, h http.HandlerFunc)) {
	s.handle = handle
	static, _ := fs.Sub(staticFS, "static")
	s.handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(filesOnly{static})).ServeHTTP)
	s.handle("GET /{$}", s.signedIn(s.home))
	s.registerAuthPages()
	s.registerUserPages()
	s.registerAdminPages()
	s.registerProfilePages()
	s.registerActivityPages()
	s.registerWorkPages()
}

// filesOnly is a file system whose directories do not exist, so that the
// file server answers 404 instead of listing them.
type filesOnly struct{ fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}

func (s *Handler) home(p *page) {
	v := p.view("Home")
	v.Nav.Current = "home"
	if r := p.r.URL.Query(); r.Get("password") != "" {
		v.Flash = p.t("Your password was changed.")
	}
	p.render(http.StatusOK, "home", v)
}

// limitedPage is answers 429 past the class's rate, as a page that says how long to
// wait.
func (s *Handler) limited(c request.LimitClass, h func(p *page)) func(p *page) {
	return func(p *page) {
		if ok, wait := s.site.Allow(c, p.r); !ok {
			secs := request.RetrySeconds(wait)
			p.w.Header().Set("Retry-After", strconv.Itoa(secs))
			v := p.view("Error")
			v.Error = p.t("Too many requests. Wait %d seconds and try again.", secs)
			v.Data = http.StatusTooManyRequests
			p.render(http.StatusTooManyRequests, "error", v)
			return
		}
		h(p)
	}
}
