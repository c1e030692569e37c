package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"portail"
	"portail/web/request"
)

func (s *Handler) registerAuthPages() {
	s.handle("GET /login", s.anon(s.login))
	s.handle("POST /login", s.anon(s.limited(request.LimitLogin, s.loginPost)))
	s.handle("POST /logout", s.logout)
	s.handle("GET /setup", s.anon(s.limited(request.LimitToken, s.setup)))
	s.handle("POST /setup", s.anon(s.limited(request.LimitToken, s.setupPost)))
	s.handle("GET /invitation", s.anon(s.limited(request.LimitToken, s.invitation)))
	s.handle("POST /invitation", s.anon(s.limited(request.LimitToken, s.invitationPost)))
	s.handle("GET /reset-password", s.anon(s.limited(request.LimitToken, s.reset)))
	s.handle("POST /reset-password", s.anon(s.limited(request.LimitToken, s.resetPost)))
	s.handle("GET /confirm-email", s.anon(s.limited(request.LimitToken, s.confirmEmail)))
	s.handle("POST /confirm-email", s.anon(s.limited(request.LimitToken, s.confirmEmailPost)))
	s.handle("GET /forgot", s.anon(s.forgot))
	s.handle("POST /forgot", s.anon(s.limited(request.LimitForgot, s.forgotPost)))
	s.handle("GET /password", s.signedIn(s.password))
	s.handle("POST /password", s.signedIn(s.passwordPost))
}

// safeNext keeps a post-login destination only when it is a path of this
// site: no scheme, no host, no "//" or "/\\" (which browsers read as a
// host), and no control characters (which browsers drop, turning "/\t/x"
// into "//x").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsFunc(next, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == '\\'
	}) {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func (s *Handler) login(p *page) {
	v := p.view("Sign in")
	q := p.r.URL.Query()
	v.Form["next"] = q.Get("next")
	switch {
	case q.Get("replaced") != "":
		v.Flash = p.t("You were signed out because you signed in somewhere else. One username can be signed in at one place at a time.")
	case q.Get("ended") != "":
		v.Flash = p.t("You were signed out: this session was ended from another place, by you or by an administrator.")
	case q.Get("welcome") != "":
		v.Flash = p.t("Your password is set: sign in.")
	case q.Get("reset") != "":
		v.Flash = p.t("Your password was changed: sign in with the new one.")
	case q.Get("signed_out") != "":
		v.Flash = p.t("You are signed out.")
	}
	if needs, err := s.Auth.NeedsSetup(p.r.Context()); err == nil && needs {
		v.Flash = p.t("No account exists yet: open the setup link that portail serve printed, or run portail setup.")
	}
	p.render(http.StatusOK, "login", v)
}

func (s *Handler) loginPost(p *page) {
	login, pw := p.r.PostFormValue("login"), p.r.PostFormValue("password")
	dev := request.Device(p.r)
	in, err := s.Auth.Login(p.ctx, portail.Login{Login: login, Password: pw, Device: dev})
	if portail.ErrorCode(err) == portail.ESSOREQUIRED {
		p.redirect(ssoLoginTarget(login)) // the account signs this user in at its provider (C13)
		return
	}
	if err == nil && in.MFARequired() {
		s.mfaStep(p, http.StatusOK, in.MFAToken, in.Methods, nil)
		return
	}
	if err != nil {
		v := p.view("Sign in")
		v.Form["login"], v.Form["next"] = login, p.r.PostFormValue("next")
		status := p.failed(&v, err)
		if e, ok := err.(*portail.Error); ok && e.RetryAfter > 0 {
			p.w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
			v.Error = p.t("Too many failed sign-ins. Wait %d seconds before trying again, or reset your password.", e.RetryAfter)
		}
		p.render(status, "login", v)
		return
	}
	s.signedInNow(p, in, dev)
}

func (s *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if sess, err := request.Authenticate(r, *s.Services); err == nil {
		if err := s.Auth.Logout(sess.Ctx); err != nil {
			s.site.Logger().ErrorContext(r.Context(), "logout", "err", err)
		}
	}
	s.site.Cookies().ClearSession(w)
	http.Redirect(w, r, "/login?signed_out=1", http.StatusSeeOther)
}

func (s *Handler) setup(p *page) {
	v := p.view("Set up portail")
	token := p.r.URL.Query().Get("token")
	if err := s.Auth.CheckSetupToken(p.r.Context(), token); err != nil {
		p.render(p.failed(&v, err), "setup", v)
		return
	}
	v.Form["token"], v.Form["plan"] = token, "enterprise"
	v.Data = portail.Plans
	p.render(http.StatusOK, "setup", v)
}

func (s *Handler) setupPost(p *page) {
	v := p.view("Set up portail")
	r := p.r
	for _, k := range []string{"token", "account", "plan", "admin_username", "admin_full_name", "admin_email", "trial"} {
		v.Form[k] = r.PostFormValue(k)
	}
	v.Data = portail.Plans
	st := portail.Setup{AccountName: v.Form["account"], Plan: portail.Plan(v.Form["plan"]), Trial: v.Form["trial"] != "",
		Modules: portail.AllModules, AdminUsername: v.Form["admin_username"], AdminFullName: v.Form["admin_full_name"],
		AdminEmail: v.Form["admin_email"], AdminPassword: r.PostFormValue("admin_password"), Language: p.lang}
	if st.AdminPassword == "" {
		// The page always sets a password (the command line may invite
		// instead); its absence is said with the other fields' problems.
		none := portail.Validation{}
		none.Add("admin_password", "Choose a password.")
		p.render(p.failed(&v, portail.JoinInvalid(st.Validate(), none.Err())), "setup", v)
		return
	}
	_, u, err := s.Auth.SetupWithToken(r.Context(), v.Form["token"], st)
	if err != nil {
		status := p.failed(&v, err)
		if portail.ErrorCode(err) == portail.ETOKENINVALID {
			v.Data = nil
		}
		p.render(status, "setup", v)
		return
	}
	in, err := s.Auth.Login(p.ctx, portail.Login{Login: u.Username, Password: st.AdminPassword})
	if err != nil {
		p.redirect("/login")
		return
	}
	s.site.Cookies().SetSession(p.w, in.Token)
	p.redirect("/")
}

// invitation shows the form to set a first password. Opening the link
// checks the token but never uses it: mail scanners open links.
func (s *Handler) invitation(p *page) {
	v := p.view("Set your password")
	token := p.r.URL.Query().Get("token")
	if err := s.Credentials.CheckInvitationToken(p.r.Context(), token); err != nil {
		p.render(p.failed(&v, err), "invitation", v)
		return
	}
	v.Form["token"], v.Data = token, true
	p.render(http.StatusOK, "invitation", v)
}

func (s *Handler) invitationPost(p *page) {
	v := p.view("Set your password")
	token := p.r.PostFormValue("token")
	if err := s.Credentials.AcceptInvitation(p.ctx, token, p.r.PostFormValue("new_password")); err != nil {
		status := p.failed(&v, err)
		v.Form["token"], v.Data = token, portail.ErrorCode(err) == portail.EINVALID
		p.render(status, "invitation", v)
		return
	}
	p.redirect("/login?welcome=1")
}

func (s *Handler) reset(p *page) {
	v := p.view("Reset password")
	token := p.r.URL.Query().Get("token")
	if err := s.Credentials.CheckResetToken(p.r.Context(), token); err != nil {
		p.render(p.failed(&v, err), "reset", v)
		return
	}
	v.Form["token"], v.Data = token, true
	p.render(http.StatusOK, "reset", v)
}

func (s *Handler) resetPost(p *page) {
	v := p.view("Reset password")
	token, code := p.r.PostFormValue("token"), p.r.PostFormValue("code")
	if err := s.Credentials.ResetPassword(p.ctx, token, code, p.r.PostFormValue("new_password")); err != nil {
		status := p.failed(&v, err)
		// The form stays while the link lives: after a wrong code or a
		// refused password, the user tries again on the same page, with
		// the new password still typed unless it is what was refused.
		v.Form["token"], v.Form["code"] = token, code
		if v.Fields["new_password"] == "" {
			v.Form["new_password"] = p.r.PostFormValue("new_password")
		}
		v.Data = s.Credentials.CheckResetToken(p.r.Context(), token) == nil
		p.render(status, "reset", v)
		return
	}
	p.redirect("/login?reset=1")
}

// confirmEmailData is the page of the link that confirms a new address.
type confirmEmailData struct {
	Email string
	Form  bool // the link is live: show its button
	Done  bool
}

// confirmEmail shows the address a link confirms and a button to confirm
// it. Opening the link never uses it up: mail scanners open links, and
// only the button's submission confirms.
func (s *Handler) confirmEmail(p *page) {
	v := p.view("Confirm your new e-mail address")
	token := p.r.URL.Query().Get("token")
	email, err := s.Credentials.CheckEmailChangeToken(p.r.Context(), token)
	if err != nil {
		v.Data = confirmEmailData{}
		p.render(p.failed(&v, err), "confirm_email", v)
		return
	}
	v.Form["token"], v.Data = token, confirmEmailData{Email: email, Form: true}
	p.render(http.StatusOK, "confirm_email", v)
}

func (s *Handler) confirmEmailPost(p *page) {
	v := p.view("Confirm your new e-mail address")
	token := p.r.PostFormValue("token")
	email, err := s.Credentials.CheckEmailChangeToken(p.r.Context(), token)
	if err == nil {
		err = s.Credentials.ConfirmEmailChange(p.ctx, token)
	}
	if err != nil {
		v.Data = confirmEmailData{}
		p.render(p.failed(&v, err), "confirm_email", v)
		return
	}
	v.Data = confirmEmailData{Email: email, Done: true}
	p.render(http.StatusOK, "confirm_email", v)
}

func (s *Handler) forgot(p *page) {
	p.render(http.StatusOK, "forgot", p.view("Forgot password?"))
}

func (s *Handler) forgotPost(p *page) {
	s.site.Forgot(p.r, p.r.PostFormValue("login"))
	v := p.view("Forgot password?")
	v.Data = true
	v.Flash = p.t("If an active account matches, an e-mail with reset instructions is on its way. The link and the code are valid for 1 hour.")
	p.render(http.StatusOK, "forgot", v)
}

// password is the password change page, which a user with a temporary
// password is sent to before anything else (C2).
func (s *Handler) password(p *page) {
	v := p.view("Change password")
	if p.me.PasswordChangeRequired {
		v.Flash = p.t("Replace your temporary password with your own before you continue.")
	}
	if !s.passwordTyped(p, &v) {
		return
	}
	p.render(http.StatusOK, "password", v)
}

// passwordTyped leaves out the current password's field when the sign-in
// of this session typed the temporary password moments ago (the service
// checks it again on the change); false when the page was answered.
func (s *Handler) passwordTyped(p *page, v *view) bool {
	typed, err := s.Auth.TemporaryPasswordTyped(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return false
	}
	if typed {
		v.Data = true
		v.Flash = p.t("You signed in with your temporary password moments ago: choose your own password.")
	}
	return true
}

func (s *Handler) passwordPost(p *page) {
	if err := s.Auth.ChangePassword(p.ctx, p.r.PostFormValue("current_password"), p.r.PostFormValue("new_password")); err != nil {
		v := p.view("Change password")
		if !s.passwordTyped(p, &v) {
			return
		}
		status := p.failed(&v, err)
		if e, ok := err.(*portail.Error); ok && e.RetryAfter > 0 {
			p.w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		p.render(status, "password", v)
		return
	}
	p.redirect("/?password=1")
}
