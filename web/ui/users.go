package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"portail"
	"portail/web/request"
)

func (s *Handler) registerUserPages() {
	s.handle("GET /users", s.signedIn(s.users))
	s.handle("GET /users/new", s.signedIn(s.newUser))
	s.handle("POST /users", s.signedIn(s.createUser))
	s.handle("GET /users/{id}", s.signedIn(s.editUser))
	s.handle("POST /users/{id}", s.signedIn(s.updateUser))
	s.handle("POST /users/{id}/deactivate", s.signedIn(s.userAction("deactivated", func(p *page, id int64) error {
		_, err := s.Users.DeactivateUser(p.ctx, id)
		return err
	})))
	s.handle("POST /users/{id}/reactivate", s.signedIn(s.userAction("reactivated", func(p *page, id int64) error {
		_, err := s.Users.ReactivateUser(p.ctx, id)
		return err
	})))
	s.handle("POST /users/{id}/password-reset", s.signedIn(s.userAction("reset", func(p *page, id int64) error {
		return s.Credentials.SendPasswordReset(p.ctx, id)
	})))
	s.handle("POST /users/{id}/invitation", s.signedIn(s.userAction("invited", func(p *page, id int64) error {
		return s.Credentials.ResendInvitation(p.ctx, id)
	})))
	s.registerUserBulkPages()
}

// flashes are the messages a redirect after a form asks for.
var flashes = map[string]string{
	"created":     "The user was created. An e-mail is on its way to them.",
	"saved":       "Changes saved.",
	"deactivated": "The user was deactivated. Their sessions and API keys ended at once.",
	"reactivated": "The user was reactivated.",
	"reset":       "Password reset instructions were sent to the user.",
	"invited":     "A new invitation was sent; the previous link no longer works.",
	"mfa_reset":   "The user's second factors were removed; they were told by e-mail.",
	"signed_out":  "The user was signed out everywhere: their browser sessions ended; their API keys still work.",
}

// canListUsers: the users page is for those who see other users than
// themselves (admins and department admins).
func canListUsers(a portail.Actor) bool {
	return portail.ScopeFor(a, portail.ActViewUser, 0).OwnerID == 0
}

type usersData struct {
	Users       []*portail.User
	Departments []*portail.Department
	DeptNames   map[int64]string
	Next        string
	NextQuery   string // the filters with the next page's cursor
	Sort        map[string]sortLink
	Query       url.Values
	CanCreate   bool
	Roles       []portail.Role
	Modules     []portail.Module
	Count       int
	// Seats is the account's seat counter; nil when it cannot be read.
	Seats *portail.SeatCount
	// CSVQuery is the list's filters as GET /api/v1/users.csv reads them.
	CSVQuery string
	// Results are the outcome of a bulk action, one line per user.
	Results []bulkResult
}

func (s *Handler) users(p *page) { s.usersPage(p, nil, "") }

// usersPage shows the list as the query filters it; after a bulk action,
// with its results and message (an error when there are no results).
func (s *Handler) usersPage(p *page, results []bulkResult, msg string) {
	if !canListUsers(p.actor) {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	q := p.r.URL.Query()
	v := p.view("Users")
	v.Nav.Current = "users"
	if f, ok := flashes[q.Get("done")]; ok {
		v.Flash = p.t(f)
	}
	f, err := request.UserFilter(q)
	if f.Status == "" && q.Get("inactive") != "" {
		f.Status = "all" // the page's checkbox
	}
	status := http.StatusOK
	var users []*portail.User
	var next string
	if err == nil {
		users, next, err = s.Users.ListUsers(p.ctx, f)
	}
	if err != nil {
		// A refused filter (a department id that is no number, a search
		// too long) is said next to its field, with the form kept.
		if status = s.listFailed(p, &v, err); status == 0 {
			return
		}
	}
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	d := usersData{Users: users, Departments: depts, DeptNames: deptNames(depts), Next: next, Query: q,
		CanCreate: canCreateSomeone(p.actor, depts), Roles: portail.Roles, Modules: p.actor.Modules.List(), Count: len(users)}
	d.Sort = sortLinks(q, []string{"username", "full_name", "email", "created_at"})
	d.NextQuery = nextQuery(q, next)
	if seats, err := s.Accounts.SeatCount(p.ctx); err == nil {
		d.Seats = &seats
	}
	d.CSVQuery, d.Results = usersCSVQuery(q), results
	switch {
	case msg == "" || v.Error != "":
	case results == nil:
		v.Error = msg // nothing was done: the selection was empty
	default:
		v.Flash = msg
	}
	v.Data = d
	p.render(status, "users", v)
}

// sortLink is a column header's link: the list in that column's order,
// or the reverse when it is the current one.
type sortLink struct {
	Query string
	Dir   string // ascending, descending or "" (aria-sort)
	Arrow string
}

func sortLinks(q url.Values, cols []string) map[string]sortLink {
	cur := q.Get("sort")
	if cur == "" {
		cur = cols[0]
	}
	out := map[string]sortLink{}
	for _, c := range cols {
		l, sort := sortLink{}, c
		switch cur {
		case c:
			l.Dir, l.Arrow, sort = "ascending", "▲", "-"+c
		case "-" + c:
			l.Dir, l.Arrow = "descending", "▼"
		}
		l.Query = linkQuery(q, "sort", sort)
		out[c] = l
	}
	return out
}

func deptNames(ds []*portail.Department) map[int64]string {
	m := make(map[int64]string, len(ds))
	for _, d := range ds {
		m[d.ID] = d.Name
	}
	return m
}

// canCreateSomeone reports whether the actor may add any user at all to
// one of depts (the departments they see).
func canCreateSomeone(a portail.Actor, depts []*portail.Department) bool {
	return len(grantableRoles(a, depts)) > 0
}

// grantableRoles lists the roles the actor may give a new user in one of
// depts: a department admin, in their own department; an admin, in any
// department (their own is none) or as another Admin.
func grantableRoles(a portail.Actor, depts []*portail.Department) []portail.Role {
	var out []portail.Role
	for _, r := range portail.Roles {
		target := portail.Resource{AccountID: a.AccountID, Role: r}
		ok := false
		if r == portail.RoleAdmin {
			ok = portail.Can(a, portail.ActCreateUser, target)
		}
		for _, d := range depts {
			if ok {
				break
			}
			target.DepartmentID = d.ID
			ok = portail.Can(a, portail.ActCreateUser, target)
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// userFormData is what the add and edit forms offer: only the roles,
// departments and modules the actor may give.
type userFormData struct {
	User         *portail.User
	Roles        []portail.Role
	Departments  []*portail.Department
	Modules      []portail.Module
	CanAccess    bool // may change role, department, modules
	EmailLocked  bool // may not change the e-mail address
	EmailOwn     bool // the actor's own address: changed on the profile page, with the password
	CanEdit      bool
	CanReset     bool
	CanInvite    bool
	CanToggle    bool // deactivate or reactivate
	DeptName     string
	Onboardings  []portail.Onboarding
	Languages    []string
	LanguageName map[string]string
	Sessions     *sessionsData // the user's sessions, to who may manage them (C12)
}

var languageNames = map[string]string{"fr": "Français", "en": "English", "nl": "Nederlands"}

func (s *Handler) userForm(p *page, u *portail.User) (userFormData, error) {
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		return userFormData{}, err
	}
	a := p.actor
	d := userFormData{User: u, Departments: depts, Modules: a.Modules.List(), Onboardings: []portail.Onboarding{portail.OnboardingInvitation, portail.OnboardingTemporaryPassword},
		Languages: portail.Languages, LanguageName: languageNames}
	d.Roles = grantableRoles(a, depts)
	d.CanAccess = true
	if u != nil {
		r := u.Resource()
		d.CanEdit = portail.Can(a, portail.ActEditUser, r)
		d.EmailLocked = !portail.Can(a, portail.ActChangeUserEmail, r)
		if u.ID == a.UserID {
			d.EmailOwn, d.EmailLocked = true, true
		}
		// The access fields show when the policy lets the caller change
		// this user's access at all; which modules they may grant is asked
		// again on save.
		access := r
		access.Modules = 0
		d.CanAccess = portail.Can(a, portail.ActChangeUserAccess, access)
		d.CanReset = d.CanEdit && u.Status == portail.StatusActive
		d.CanInvite = d.CanEdit && u.Status == portail.StatusInvited && u.ID != a.UserID
		if u.Status == portail.StatusInactive {
			d.CanToggle = portail.Can(a, portail.ActReactivateUser, r)
		} else {
			d.CanToggle = portail.Can(a, portail.ActDeactivateUser, r)
		}
		d.DeptName = deptNames(depts)[u.DepartmentID]
		if !d.CanAccess && !slices.Contains(d.Roles, u.Role) {
			d.Roles = append(d.Roles, u.Role) // shown, not changeable
		}
	}
	return d, nil
}

func (s *Handler) newUser(p *page) {
	v := p.view("Add user")
	v.Nav.Current = "users"
	d, err := s.userForm(p, nil)
	if err != nil {
		s.pageError(p, err)
		return
	}
	if len(d.Roles) == 0 {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	v.Data = d
	v.Form["role"], v.Form["onboarding"], v.Form["language"] = "operator", "", p.lang
	v.Form["modules"] = strings.Join(p.actor.Modules.Strings(), ",")
	// Defaults that can be saved as they are: an Operator in one's own
	// department, else in the first one; with no department yet only an
	// Admin can be added (the page says to create a department first).
	switch {
	case p.actor.DepartmentID != 0:
		v.Form["department_id"] = strconv.FormatInt(p.actor.DepartmentID, 10)
	case len(d.Departments) > 0:
		v.Form["department_id"] = strconv.FormatInt(d.Departments[0].ID, 10)
	case slices.Contains(d.Roles, portail.RoleAdmin):
		v.Form["role"] = portail.RoleAdmin.String()
	}
	if !slices.Contains(d.Roles, portail.RoleOperator) && v.Form["role"] == "operator" {
		v.Form["role"] = d.Roles[0].String()
	}
	p.render(http.StatusOK, "user_form", v)
}

// formModules reads the module checkboxes.
func formModules(r *http.Request) (portail.ModuleSet, string) {
	var set portail.ModuleSet
	for _, name := range r.PostForm["modules"] {
		if m, ok := portail.ParseModule(name); ok {
			set |= portail.ModuleSet(m)
		}
	}
	return set, strings.Join(set.Strings(), ",")
}

func (s *Handler) createUser(p *page) {
	r := p.r
	r.ParseForm()
	v := p.view("Add user")
	v.Nav.Current = "users"
	for _, k := range []string{"username", "full_name", "email", "role", "department_id", "onboarding", "language"} {
		v.Form[k] = r.PostFormValue(k)
	}
	mods, modList := formModules(r)
	v.Form["modules"] = modList
	c := portail.UserCreate{Username: v.Form["username"], FullName: v.Form["full_name"], Email: v.Form["email"], Modules: mods,
		Language: v.Form["language"], Onboarding: portail.Onboarding(v.Form["onboarding"])}
	c.Role, _ = portail.ParseRole(v.Form["role"])
	c.DepartmentID, _ = strconv.ParseInt(v.Form["department_id"], 10, 64)
	if c.Role == portail.RoleAdmin {
		c.DepartmentID = 0 // an admin stands above departments, whatever the select says
	}
	u, err := s.Users.CreateUser(p.ctx, c)
	if err != nil {
		status := p.failed(&v, err)
		d, ferr := s.userForm(p, nil)
		if ferr != nil {
			s.pageError(p, ferr)
			return
		}
		v.Data = d
		p.render(status, "user_form", v)
		return
	}
	p.redirect("/users?done=created&q=" + url.QueryEscape(u.Username))
}

func (s *Handler) loadUser(p *page) (*portail.User, bool) {
	id, err := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	if err != nil {
		s.pageError(p, portail.ErrNotFound("User"))
		return nil, false
	}
	u, err := s.Users.FindUser(p.ctx, id)
	if err != nil {
		s.pageError(p, err)
		return nil, false
	}
	return u, true
}

func (s *Handler) editUser(p *page) {
	u, ok := s.loadUser(p)
	if !ok {
		return
	}
	s.renderEditUser(p, u, http.StatusOK, nil)
}

func (s *Handler) renderEditUser(p *page, u *portail.User, status int, fail error) {
	v := p.view("Edit user")
	v.Nav.Current = "users"
	if f, ok := flashes[p.r.URL.Query().Get("done")]; ok {
		v.Flash = p.t(f)
	}
	v.Form["full_name"], v.Form["email"], v.Form["role"], v.Form["language"] = u.FullName, u.Email, u.Role.String(), u.Language
	v.Form["department_id"], v.Form["modules"] = strconv.FormatInt(u.DepartmentID, 10), strings.Join(u.Modules.Strings(), ",")
	if fail != nil {
		status = p.failed(&v, fail)
		for _, k := range []string{"full_name", "email", "role", "department_id", "language"} {
			if val, ok := p.r.PostForm[k]; ok {
				v.Form[k] = val[0]
			}
		}
		if p.r.PostForm.Has("modules_present") {
			_, v.Form["modules"] = formModules(p.r)
		}
	}
	d, err := s.userForm(p, u)
	if err == nil {
		d.Sessions, err = s.userSessions(p, u)
	}
	if err != nil {
		s.pageError(p, err)
		return
	}
	v.Data = d
	p.render(status, "user_edit", v)
}

func (s *Handler) updateUser(p *page) {
	u, ok := s.loadUser(p)
	if !ok {
		return
	}
	r := p.r
	r.ParseForm()
	var upd portail.UserUpdate
	str := func(k string) *string {
		if vals, ok := r.PostForm[k]; ok {
			return &vals[0]
		}
		return nil
	}
	upd.FullName, upd.Email, upd.Language = str("full_name"), str("email"), str("language")
	if u.ID != p.actor.UserID && r.PostForm.Has("role") {
		role, _ := portail.ParseRole(r.PostFormValue("role"))
		dept, _ := strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
		if role == portail.RoleAdmin {
			dept = 0
		}
		mods, _ := formModules(r)
		if role != u.Role {
			upd.Role = &role
		}
		if dept != u.DepartmentID {
			upd.DepartmentID = &dept
		}
		if mods != u.Modules {
			upd.Modules = &mods
		}
	}
	if _, err := s.Users.UpdateUser(p.ctx, u.ID, upd); err != nil {
		s.renderEditUser(p, u, 0, err)
		return
	}
	p.redirect("/users/" + strconv.FormatInt(u.ID, 10) + "?done=saved")
}

// userAction runs one of the edit page's buttons, then comes back to
// the edit page with its outcome.
func (s *Handler) userAction(done string, fn func(p *page, id int64) error) func(p *page) {
	return func(p *page) {
		u, ok := s.loadUser(p)
		if !ok {
			return
		}
		if err := fn(p, u.ID); err != nil {
			if request.Status(err) == http.StatusNotFound {
				s.pageError(p, err)
				return
			}
			s.renderEditUser(p, u, 0, err)
			return
		}
		p.redirect("/users/" + strconv.FormatInt(u.ID, 10) + "?done=" + done)
	}
}
