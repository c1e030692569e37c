package ui

import (
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"portail"
	"portail/web/request"
)

// Single sign-on (C13): the sign-in page's discovery and the callback, and
// the account page's section (admins, through the policy).

func (s *Handler) registerSSOPages() {
	s.handle("GET /auth/sso/start", s.anon(s.limited(request.LimitLogin, s.ssoStart)))
	s.handle("GET "+request.SSOCallbackPath, s.anon(s.limited(request.LimitToken, s.ssoCallback)))
	s.handle("POST /account/sso", s.signedIn(s.saveSSO))
	s.handle("POST /account/sso/delete", s.signedIn(s.deleteSSO))
}

// ssoStart sends the browser to the provider of the typed login's
// account; a login without SSO is told so on the sign-in page.
func (s *Handler) ssoStart(p *page) {
	login := strings.TrimSpace(p.r.URL.Query().Get("login"))
	to, err := request.BeginSSO(p.w, p.r, *s.Services, s.site, login)
	if err != nil {
		v := p.view("Sign in")
		v.Form["login"], v.Form["sso_login"] = login, login
		status := p.failed(&v, err)
		p.render(status, "login", v)
		return
	}
	// A page that moves on by itself rather than a redirect: the sign-in
	// page's CSP (form-action 'self') forbids a form's navigation to end
	// at another origin, and the provider's is another; a refresh is a
	// navigation of the page's own.
	v := p.view("Single sign-on")
	v.Data = ssoRedirect{URL: template.URL(to),
		Refresh: template.HTML(`<meta http-equiv="refresh" content="0; url=` + html.EscapeString(to) + `">`)}
	p.render(http.StatusOK, "sso_redirect", v)
}

// ssoRedirect is the page that sends the browser on to the provider.
type ssoRedirect struct {
	URL     template.URL
	Refresh template.HTML
}

// ssoCallback ends the provider's round trip in a portail session, or on
// the sign-in page with why not (the seats' message when just-in-time
// creation is past them).
func (s *Handler) ssoCallback(p *page) {
	_, token, err := request.FinishSSO(p.w, p.r, *s.Services, s.site)
	if err != nil {
		v := p.view("Sign in")
		status := p.failed(&v, err)
		p.render(status, "login", v)
		return
	}
	s.site.Cookies().SetSession(p.w, token)
	p.redirect("/")
}

// ssoData is the account page's single sign-on section.
type ssoData struct {
	Connected, SecretSet bool
	RedirectURI          string
	Departments          []*portail.Department
	Roles                []portail.Role
	Modules              []portail.Module
}

// accountSSOForm fills the section's form with the stored settings, or
// with what was posted when the save was refused; nil when the caller
// may not manage SSO.
func (s *Handler) accountSSOForm(p *page, v *view, posted bool) (*ssoData, error) {
	if s.SSO == nil || !portail.Can(p.actor, portail.ActManageSSO, portail.Resource{AccountID: p.actor.AccountID}) {
		return nil, nil
	}
	c, err := s.SSO.SSOSettings(p.ctx)
	if err != nil {
		return nil, err
	}
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		return nil, err
	}
	d := &ssoData{Connected: c.Issuer != "", SecretSet: c.ClientSecretSet, RedirectURI: request.SSORedirectURL(s.site),
		Departments: depts, Roles: []portail.Role{portail.RoleViewer, portail.RoleOperator, portail.RoleDepartmentAdmin},
		Modules: p.actor.Modules.List()}
	if posted {
		for _, k := range []string{"sso_issuer", "sso_client_id", "sso_domains", "sso_required", "sso_jit", "sso_jit_department_id", "sso_jit_role"} {
			v.Form[k] = p.r.PostFormValue(k)
		}
		v.Form["sso_jit_modules"] = strings.Join(p.r.PostForm["sso_jit_modules"], ",")
		return d, nil
	}
	v.Form["sso_issuer"], v.Form["sso_client_id"], v.Form["sso_domains"] = c.Issuer, c.ClientID, strings.Join(c.Domains, "\n")
	v.Form["sso_required"] = boolForm(c.Required)
	v.Form["sso_jit_role"], v.Form["sso_jit_modules"] = portail.RoleOperator.String(), "" // inList needs a string
	if j := c.JIT; j != nil {
		v.Form["sso_jit"], v.Form["sso_jit_role"] = "on", j.Role.String()
		v.Form["sso_jit_department_id"] = strconv.FormatInt(j.DepartmentID, 10)
		v.Form["sso_jit_modules"] = strings.Join(j.Modules.Strings(), ",")
	}
	return d, nil
}

func boolForm(b bool) string {
	if b {
		return "on"
	}
	return ""
}

// saveSSO saves the section: every field is sent, the secret only when
// typed (left empty it stays as it is).
func (s *Handler) saveSSO(p *page) {
	if s.SSO == nil {
		s.pageError(p, portail.ErrNotFound("Single sign-on"))
		return
	}
	r := p.r
	r.ParseForm()
	issuer, clientID := r.PostFormValue("sso_issuer"), r.PostFormValue("sso_client_id")
	domains := strings.FieldsFunc(r.PostFormValue("sso_domains"), func(c rune) bool { return c == ',' || c == ';' || c == '\n' || c == '\r' || c == ' ' })
	required := r.PostFormValue("sso_required") != ""
	u := portail.SSOUpdate{Issuer: &issuer, ClientID: &clientID, Domains: &domains, Required: &required, JITOff: r.PostFormValue("sso_jit") == ""}
	if sec := r.PostFormValue("sso_client_secret"); sec != "" {
		u.ClientSecret = &sec
	}
	if !u.JITOff {
		role, _ := portail.ParseRole(r.PostFormValue("sso_jit_role"))
		dept, _ := strconv.ParseInt(r.PostFormValue("sso_jit_department_id"), 10, 64)
		var mods portail.ModuleSet
		for _, n := range r.PostForm["sso_jit_modules"] {
			if m, ok := portail.ParseModule(n); ok {
				mods |= portail.ModuleSet(m)
			}
		}
		u.JIT = &portail.SSOJIT{Role: role, DepartmentID: dept, Modules: mods}
	}
	if _, err := s.SSO.UpdateSSO(p.ctx, u); err != nil {
		s.renderAccountForm(p, 0, ssoFields(err), "sso")
		return
	}
	p.redirect("/account?done=sso#sso-title")
}

// ssoFields names the API's fields of a refusal as the form's: domains[i]
// is the domains box, jit.role the role list.
func ssoFields(err error) error {
	e, ok := err.(*portail.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]portail.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		name := f.Field
		if strings.HasPrefix(name, "domains") {
			name = "domains"
		}
		out.Fields[i] = portail.FieldError{Field: "sso_" + strings.ReplaceAll(name, ".", "_"), Message: f.Message}
	}
	return &out
}

func (s *Handler) deleteSSO(p *page) {
	if s.SSO == nil {
		s.pageError(p, portail.ErrNotFound("Single sign-on"))
		return
	}
	if err := s.SSO.DeleteSSO(p.ctx); err != nil {
		s.pageError(p, err)
		return
	}
	p.redirect("/account?done=sso_deleted#sso-title")
}

// ssoLoginTarget is where the sign-in page sends a login whose account
// requires SSO.
func ssoLoginTarget(login string) string {
	return "/auth/sso/start?login=" + url.QueryEscape(login)
}
