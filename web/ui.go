package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"portail"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the parsed templates: each page is the layout plus its own file.
type pages struct{ byName map[string]*template.Template }

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	files, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		p.byName[name] = template.Must(template.New("layout.html").ParseFS(templatesFS, "templates/layout.html", f))
	}
	return p
}

// view is what every page template receives.
type view struct {
	Title  string
	Me     *portail.User
	Flash  string
	Error  string
	Fields map[string]string // field errors by field name
	Form   map[string]string // what the user typed, kept on error
	Data   any
}

func (s *Server) render(w http.ResponseWriter, status int, name string, v view) {
	t, ok := s.pages.byName[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		s.Logger.Error("render", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
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

func (s *Server) registerUI() {
	static, _ := fs.Sub(staticFS, "static")
	s.handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP)
	s.handle("GET /{$}", s.uiHome)
	s.handle("GET /login", s.uiLogin)
	s.handle("POST /login", s.uiLoginPost)
	s.handle("POST /logout", s.uiLogout)
	s.handle("GET /setup", s.uiSetup)
	s.handle("POST /setup", s.uiSetupPost)
	s.registerCredentialPages()
}

func (s *Server) uiHome(w http.ResponseWriter, r *http.Request) {
	sess, err := s.authenticate(r)
	if err != nil {
		target := "/login"
		if portail.ErrorCode(err) == portail.ESESSIONREPLACED {
			s.clearSessionCookie(w)
			target = "/login?replaced=1"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	if sess.user.PasswordChangeRequired {
		http.Redirect(w, r, "/password", http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "home", view{Title: "portail", Me: sess.user})
}

func (s *Server) uiLogin(w http.ResponseWriter, r *http.Request) {
	v := view{Title: "Sign in", Form: map[string]string{}}
	switch q := r.URL.Query(); {
	case q.Get("replaced") != "":
		v.Flash = "You were signed out because you signed in somewhere else."
	case q.Get("welcome") != "":
		v.Flash = "Your password is set: sign in."
	case q.Get("reset") != "":
		v.Flash = "Your password was changed: sign in with the new one."
	}
	if needs, err := s.Auth.NeedsSetup(r.Context()); err == nil && needs {
		v.Flash = "No account exists yet: open the setup link that `portail serve` printed, or run `portail setup`."
	}
	s.render(w, http.StatusOK, "login", v)
}

func (s *Server) uiLoginPost(w http.ResponseWriter, r *http.Request) {
	login, pw := r.PostFormValue("login"), r.PostFormValue("password")
	_, token, err := s.Auth.Login(anonymous(r), portail.Login{Login: login, Password: pw})
	if err != nil {
		msg, _ := formErrors(err)
		s.render(w, StatusOf(err), "login", view{Title: "Sign in", Error: msg, Form: map[string]string{"login": login}})
		return
	}
	s.setSessionCookie(w, token)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) uiLogout(w http.ResponseWriter, r *http.Request) {
	if sess, err := s.authenticate(r); err == nil {
		s.Auth.Logout(sess.ctx)
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) uiSetup(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := s.Auth.CheckSetupToken(r.Context(), token); err != nil {
		msg, _ := formErrors(err)
		s.render(w, StatusOf(err), "setup", view{Title: "Setup", Error: msg})
		return
	}
	s.render(w, http.StatusOK, "setup", view{Title: "Setup", Form: map[string]string{"token": token, "plan": "enterprise"}, Data: setupData()})
}

func setupData() map[string]any {
	return map[string]any{"Plans": portail.Plans, "Valid": true}
}

func (s *Server) uiSetupPost(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{}
	for _, k := range []string{"token", "account", "plan", "admin_username", "admin_full_name", "admin_email"} {
		form[k] = r.PostFormValue(k)
	}
	st := portail.Setup{AccountName: form["account"], Plan: portail.Plan(form["plan"]), Trial: r.PostFormValue("trial") != "",
		Modules: portail.AllModules, AdminUsername: form["admin_username"], AdminFullName: form["admin_full_name"],
		AdminEmail: form["admin_email"], AdminPassword: r.PostFormValue("admin_password")}
	if st.AdminPassword == "" {
		form["trial"] = r.PostFormValue("trial")
		s.render(w, http.StatusBadRequest, "setup", view{Title: "Setup", Error: "Some fields are invalid.",
			Fields: map[string]string{"admin_password": "Choose a password."}, Form: form, Data: setupData()})
		return
	}
	_, u, err := s.Auth.SetupWithToken(r.Context(), form["token"], st)
	if err != nil {
		msg, fields := formErrors(err)
		s.render(w, StatusOf(err), "setup", view{Title: "Setup", Error: msg, Fields: fields, Form: form, Data: setupData()})
		return
	}
	_, token, err := s.Auth.Login(anonymous(r), portail.Login{Login: u.Username, Password: st.AdminPassword})
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.setSessionCookie(w, token)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) registerCredentialPages() {
	s.handle("GET /invitation", s.uiInvitation)
	s.handle("POST /invitation", s.uiInvitationPost)
	s.handle("GET /reset-password", s.uiReset)
	s.handle("POST /reset-password", s.uiResetPost)
	s.handle("GET /forgot", s.uiForgot)
	s.handle("POST /forgot", s.uiForgotPost)
	s.handle("GET /password", s.uiPassword)
	s.handle("POST /password", s.uiPasswordPost)
}

// uiInvitation shows the form to set a first password. Opening the link
// checks the token but never uses it: mail scanners open links.
func (s *Server) uiInvitation(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := s.Credentials.CheckInvitationToken(r.Context(), token); err != nil {
		msg, _ := formErrors(err)
		s.render(w, StatusOf(err), "invitation", view{Title: "Set your password", Error: msg})
		return
	}
	s.render(w, http.StatusOK, "invitation", view{Title: "Set your password", Form: map[string]string{"token": token}, Data: true})
}

func (s *Server) uiInvitationPost(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	err := s.Credentials.AcceptInvitation(anonymous(r), token, r.PostFormValue("new_password"))
	if err != nil {
		msg, fields := formErrors(err)
		s.render(w, StatusOf(err), "invitation", view{Title: "Set your password", Error: msg, Fields: fields,
			Form: map[string]string{"token": token}, Data: portail.ErrorCode(err) == portail.EINVALID})
		return
	}
	http.Redirect(w, r, "/login?welcome=1", http.StatusSeeOther)
}

func (s *Server) uiReset(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := s.Credentials.CheckResetToken(r.Context(), token); err != nil {
		msg, _ := formErrors(err)
		s.render(w, StatusOf(err), "reset", view{Title: "Reset password", Error: msg})
		return
	}
	s.render(w, http.StatusOK, "reset", view{Title: "Reset password", Form: map[string]string{"token": token}, Data: true})
}

func (s *Server) uiResetPost(w http.ResponseWriter, r *http.Request) {
	token, code := r.PostFormValue("token"), r.PostFormValue("code")
	err := s.Credentials.ResetPassword(anonymous(r), token, code, r.PostFormValue("new_password"))
	if err != nil {
		msg, fields := formErrors(err)
		// The form stays while the link lives: after a wrong code or a
		// refused password, the user tries again on the same page.
		live := s.Credentials.CheckResetToken(r.Context(), token) == nil
		s.render(w, StatusOf(err), "reset", view{Title: "Reset password", Error: msg, Fields: fields,
			Form: map[string]string{"token": token, "code": code}, Data: live})
		return
	}
	http.Redirect(w, r, "/login?reset=1", http.StatusSeeOther)
}

func (s *Server) uiForgot(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "forgot", view{Title: "Forgot password", Form: map[string]string{}})
}

func (s *Server) uiForgotPost(w http.ResponseWriter, r *http.Request) {
	s.forgot(r, r.PostFormValue("login"))
	s.render(w, http.StatusOK, "forgot", view{Title: "Forgot password", Data: true,
		Flash: "If an active account matches, an e-mail with reset instructions is on its way. The link and code are valid for 1 hour."})
}

// uiPassword is the password change page, which a user with a temporary
// password is sent to before anything else (C2).
func (s *Server) uiPassword(w http.ResponseWriter, r *http.Request) {
	sess, err := s.authenticate(r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	v := view{Title: "Change password", Me: sess.user}
	if sess.user.PasswordChangeRequired {
		v.Flash = "Replace your temporary password with your own before you continue."
	}
	s.render(w, http.StatusOK, "password", v)
}

func (s *Server) uiPasswordPost(w http.ResponseWriter, r *http.Request) {
	sess, err := s.authenticate(r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err := s.Auth.ChangePassword(sess.ctx, r.PostFormValue("current_password"), r.PostFormValue("new_password")); err != nil {
		msg, fields := formErrors(err)
		s.render(w, StatusOf(err), "password", view{Title: "Change password", Me: sess.user, Error: msg, Fields: fields})
		return
	}
	http.Redirect(w, r, "/?password=1", http.StatusSeeOther)
}
