package ui

import (
	"net/http"
	"strconv"

	"portail"
)

func (s *Handler) registerProfilePages() {
	s.handle("GET /profile", s.signedIn(s.profile))
	s.handle("POST /profile", s.signedIn(s.updateProfile))
	s.handle("POST /profile/api-keys", s.signedIn(s.createKey))
	s.handle("POST /profile/api-keys/{id}/revoke", s.signedIn(s.revokeKey))
}

type profileData struct {
	Keys         []*portail.APIKey
	NewKey       string
	Languages    []string
	LanguageName map[string]string
	DeptName     string
	// PendingEmail is the new address waiting for its confirmation link.
	PendingEmail string
	Sessions     *sessionsData // where the user is signed in (C12)
}

func (s *Handler) profile(p *page) { s.renderProfile(p, http.StatusOK, nil, "") }

func (s *Handler) renderProfile(p *page, status int, fail error, newKey string) {
	v := p.view("My profile")
	v.Nav.Current = "profile"
	switch p.r.URL.Query().Get("done") {
	case "saved":
		v.Flash = p.t("Changes saved.")
	case "revoked":
		v.Flash = p.t("The API key was revoked.")
	case "ended":
		v.Flash = p.t("The session was ended: that browser is signed out.")
	}
	v.Form["full_name"], v.Form["email"], v.Form["language"] = p.me.FullName, p.me.Email, p.me.Language
	if fail != nil {
		status = p.failed(&v, fail)
		if e, ok := fail.(*portail.Error); ok && e.RetryAfter > 0 {
			// Wrong current passwords count as failed sign-ins.
			p.w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
			v.Error = p.t("Too many failed sign-ins. Wait %d seconds before trying again, or reset your password.", e.RetryAfter)
			v.Fields["current_password"] = v.Error
		}
		for _, k := range []string{"full_name", "email", "language", "key_name"} {
			if val, ok := p.r.PostForm[k]; ok {
				v.Form[k] = val[0]
			}
		}
	}
	keys, err := s.Credentials.ListAPIKeys(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	// The session's user is read without the pending address.
	me, err := s.Users.FindUser(p.ctx, p.me.ID)
	if err != nil {
		s.pageError(p, err)
		return
	}
	d := profileData{Keys: keys, NewKey: newKey, Languages: portail.Languages, LanguageName: languageNames, PendingEmail: me.PendingEmail}
	if d.Sessions, err = s.mySessions(p); err != nil {
		s.pageError(p, err)
		return
	}
	if p.me.DepartmentID != 0 {
		if dep, err := s.Departments.FindDepartment(p.ctx, p.me.DepartmentID); err == nil {
			d.DeptName = dep.Name
		}
	}
	v.Data = d
	p.render(status, "profile", v)
}

func (s *Handler) updateProfile(p *page) {
	r := p.r
	r.ParseForm()
	name, email, lang := r.PostFormValue("full_name"), r.PostFormValue("email"), r.PostFormValue("language")
	upd := portail.UserUpdate{FullName: &name, Email: &email, Language: &lang, CurrentPassword: r.PostFormValue("current_password")}
	if _, err := s.Users.UpdateUser(p.ctx, p.me.ID, upd); err != nil {
		s.renderProfile(p, 0, err, "")
		return
	}
	p.redirect("/profile?done=saved")
}

func (s *Handler) createKey(p *page) {
	p.r.ParseForm()
	_, key, err := s.Credentials.CreateAPIKey(p.ctx, p.r.PostFormValue("key_name"))
	if err != nil {
		s.renderProfile(p, 0, renameField(err, "name", "key_name"), "")
		return
	}
	// The key is shown once, in this answer, and never again.
	s.renderProfile(p, http.StatusCreated, nil, key)
}

func (s *Handler) revokeKey(p *page) {
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	if err := s.Credentials.RevokeAPIKey(p.ctx, id); err != nil {
		s.pageError(p, err)
		return
	}
	p.redirect("/profile?done=revoked")
}

// renameField renames a field of a validation error to the form's name.
func renameField(err error, from, to string) error {
	if e, ok := err.(*portail.Error); ok {
		for i := range e.Fields {
			if e.Fields[i].Field == from {
				e.Fields[i].Field = to
			}
		}
	}
	return err
}
