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
