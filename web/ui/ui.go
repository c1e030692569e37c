// Package ui is the face of portail people use: the server-rendered
// pages in French, Dutch and English (templates/, locales/, static/),
// each a form posted and redirected (POST/redirect/GET), its refusals
// said next to their fields. It imports web/request and the domain,
// never the API (web/api); downloads go through the API's routes, which
// take the session cookie as well.
package ui

import (
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"portail"
	"portail/web/request"
)

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
	s.registerWebhookPages()
	s.registerMFAPages()
	s.registerSessionPages()
	s.registerSSOPages()
}

// NotFound is the page of an address that names no page, which the server
// shows for any GET no route takes: signed in, with the user's menu and
// language; otherwise as a sign-in page would be.
func (s *Handler) NotFound(w http.ResponseWriter, r *http.Request) {
	p := &page{s: s, w: w, r: r, lang: negotiate(r, nil), ctx: request.Anonymous(r)}
	if sess, err := request.Authenticate(r, *s.Services); err == nil && !sess.User.PasswordChangeRequired {
		p.me, p.ctx, p.lang = sess.User, sess.Ctx, negotiate(r, sess.User)
		p.actor = portail.CallerFrom(sess.Ctx).Actor
	}
	v := p.view("Not found")
	v.Error = p.t("This page does not exist. Check the address, or go back to the home page.")
	v.Data = http.StatusNotFound
	p.render(http.StatusNotFound, "error", v)
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

// homeData is what the home page says to its user: what they may do
// (the policy's word: a Viewer is not offered to send), the department
// they belong to, and to a new admin the first steps still to take.
type homeData struct {
	CanSend, CanCreateLabels bool
	Department               string
	Checklist                *checklist
}

// checklist is a new admin's first steps, each done as soon as the data
// says so: a department exists, someone besides the admin was added, the
// plan is chosen (no trial runs).
type checklist struct {
	Departments, Users, Plan bool
	TrialEnds                *time.Time
}

func (s *Handler) home(p *page) {
	v := p.view("Home")
	v.Nav.Current = "home"
	if r := p.r.URL.Query(); r.Get("password") != "" {
		v.Flash = p.t("Your password was changed.")
	}
	d := homeData{CanSend: len(sendModules(p.actor)) > 0, CanCreateLabels: canCreateLabels(p.actor)}
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	for _, dep := range depts {
		if dep.ID == p.me.DepartmentID {
			d.Department = dep.Name
		}
	}
	if v.Nav.Departments && v.Nav.Account {
		a, err := s.Accounts.FindAccount(p.ctx)
		if err != nil {
			s.pageError(p, err)
			return
		}
		c := &checklist{Departments: len(depts) > 0, Users: a.UsedSeats > 1, Plan: !a.InTrial(a.AsOf)}
		if !c.Plan {
			c.TrialEnds = a.TrialEndsAt
		}
		if !c.Departments || !c.Users || !c.Plan {
			d.Checklist = c
		}
	}
	v.Data = d
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
