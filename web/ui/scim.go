package ui

import (
	"net/http"
	"strconv"
	"strings"

	"portail"
)

// The account page's SCIM section (C14): an admin creates a token with the
// defaults of the users the directory creates, sees it once, lists the
// tokens with their last use and revokes them.

func (s *Handler) registerSCIMPages() {
	s.handle("POST /account/scim-tokens", s.signedIn(s.createSCIMToken))
	s.handle("POST /account/scim-tokens/{id}/revoke", s.signedIn(s.revokeSCIMToken))
}

// scimSection is what the section shows.
type scimSection struct {
	Shown       bool // the caller may manage tokens and the server serves SCIM
	URL         string
	Tokens      []*portail.SCIMToken
	NewToken    string
	Roles       []portail.Role
	Departments []*portail.Department
	Modules     []portail.Module
}

// scimSectionOf reads the section for the account page; hidden from who
// may not manage tokens.
func (s *Handler) scimSectionOf(p *page, v *view, newToken string, failed bool) (scimSection, error) {
	a := p.actor
	if s.SCIMTokens == nil || !portail.Can(a, portail.ActManageProvisioning, portail.Resource{AccountID: a.AccountID}) {
		return scimSection{}, nil
	}
	tokens, err := s.SCIMTokens.ListSCIMTokens(p.ctx)
	if err != nil {
		return scimSection{}, err
	}
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		return scimSection{}, err
	}
	if failed {
		for _, k := range []string{"scim_name", "scim_role", "scim_department_id"} {
			v.Form[k] = p.r.PostFormValue(k)
		}
		v.Form["scim_modules"] = strings.Join(p.r.PostForm["scim_modules"], ",")
	} else {
		v.Form["scim_name"], v.Form["scim_department_id"] = "", ""
		v.Form["scim_role"], v.Form["scim_modules"] = portail.RoleOperator.String(), portail.ModuleMail.String()
	}
	return scimSection{Shown: true, URL: strings.TrimSuffix(s.site.BaseURL(), "/") + "/scim/v2", Tokens: tokens, NewToken: newToken,
		Roles: portail.Roles[:3], Departments: depts, Modules: portail.Modules}, nil
}

func (s *Handler) createSCIMToken(p *page) {
	r := p.r
	r.ParseForm()
	c := portail.SCIMTokenCreate{Name: r.PostFormValue("scim_name")}
	c.Defaults.Role, _ = portail.ParseRole(r.PostFormValue("scim_role"))
	c.Defaults.DepartmentID, _ = strconv.ParseInt(r.PostFormValue("scim_department_id"), 10, 64)
	for _, name := range r.PostForm["scim_modules"] {
		if m, ok := portail.ParseModule(name); ok {
			c.Defaults.Modules |= portail.NewModuleSet(m)
		}
	}
	if s.SCIMTokens == nil {
		s.pageError(p, portail.ErrNotFound("Page"))
		return
	}
	_, token, err := s.SCIMTokens.CreateSCIMToken(p.ctx, c)
	if err != nil {
		for from, to := range map[string]string{"name": "scim_name", "defaults.role": "scim_role",
			"defaults.department_id": "scim_department_id", "defaults.modules": "scim_modules"} {
			err = renameField(err, from, to)
		}
		s.renderAccountPage(p, 0, err, "scim", "")
		return
	}
	// The token is shown once, in this answer, and never again.
	s.renderAccountPage(p, http.StatusCreated, nil, "scim", token)
}

func (s *Handler) revokeSCIMToken(p *page) {
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	if s.SCIMTokens == nil {
		s.pageError(p, portail.ErrNotFound("Page"))
		return
	}
	if err := s.SCIMTokens.RevokeSCIMToken(p.ctx, id); err != nil {
		s.pageError(p, err)
		return
	}
	p.redirect("/account?done=scim-revoked#scim")
}
