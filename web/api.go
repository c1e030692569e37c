package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"portail"
	"portail/web/request"
)

func (s *Server) registerAPI() {
	s.handle("GET /api/v1/openapi.json", s.openAPI)
	// Anything else under the API answers in problem+json too.
	s.handle("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, portail.Errorf(portail.ENOTFOUND, "No such API route: %s %s.", r.Method, r.URL.Path))
	})

	s.handle("POST /api/v1/auth/login", s.limitedAPI(request.LimitLogin, s.apiLogin))
	s.handle("POST /api/v1/auth/logout", s.apiLogout)
	s.handle("POST /api/v1/auth/password", s.authedTemp(s.apiChangePassword))
	s.handle("POST /api/v1/auth/forgot", s.limitedAPI(request.LimitForgot, s.apiForgot))
	s.handle("POST /api/v1/auth/reset", s.limitedAPI(request.LimitToken, s.apiReset))
	s.handle("POST /api/v1/auth/invitation", s.limitedAPI(request.LimitToken, s.apiAcceptInvitation))
	s.handle("POST /api/v1/auth/email-confirm", s.limitedAPI(request.LimitToken, s.apiConfirmEmail))
	s.handle("GET /api/v1/me", s.authedTemp(s.apiMe))
	s.handle("PATCH /api/v1/me", s.authed(s.apiPatchMe))
	s.handle("GET /api/v1/me/api-keys", s.authed(s.apiListKeys))
	s.handle("POST /api/v1/me/api-keys", s.authed(s.apiCreateKey))
	s.handle("DELETE /api/v1/me/api-keys/{id}", s.authed(s.apiRevokeKey))

	s.handle("GET /api/v1/users", s.authed(s.apiListUsers))
	s.handle("POST /api/v1/users", s.authed(s.apiCreateUser))
	s.handle("GET /api/v1/users/{id}", s.authed(s.apiGetUser))
	s.handle("PATCH /api/v1/users/{id}", s.authed(s.apiPatchUser))
	s.handle("POST /api/v1/users/{id}/deactivate", s.authed(s.apiDeactivateUser))
	s.handle("POST /api/v1/users/{id}/reactivate", s.authed(s.apiReactivateUser))
	s.handle("POST /api/v1/users/{id}/password-reset", s.authed(s.apiSendReset))
	s.handle("POST /api/v1/users/{id}/invitation", s.authed(s.apiResendInvitation))

	s.handle("GET /api/v1/departments", s.authed(s.apiListDepartments))
	s.handle("POST /api/v1/departments", s.authed(s.apiCreateDepartment))
	s.handle("GET /api/v1/departments/{id}", s.authed(s.apiGetDepartment))
	s.handle("PATCH /api/v1/departments/{id}", s.authed(s.apiPatchDepartment))

	s.handle("GET /api/v1/account", s.authed(s.apiGetAccount))
	s.handle("PUT /api/v1/account/subscription", s.authed(s.apiPutSubscription))

	s.handle("GET /api/v1/activity", s.authed(s.apiListActivity))
	s.handle("GET /api/v1/activity.csv", s.authed(s.apiActivityCSV))

	s.handle("GET /api/v1/outbox", s.authed(s.apiListOutbox))
	s.handle("GET /api/v1/outbox/{id}", s.authed(s.apiGetOutbox))

	s.handle("POST /api/v1/documents", s.authed(s.apiSendDocument))
	s.handle("GET /api/v1/documents", s.authed(s.apiListDocuments))
	s.handle("GET /api/v1/documents/{id}", s.authed(s.apiGetDocument))
	s.handle("GET /api/v1/documents/{id}/file", s.authed(s.apiDocumentFile))
	s.handle("GET /api/v1/documents/{id}/history", s.authed(s.apiDocumentHistory))
	s.handle("POST /api/v1/labels", s.authed(s.labelCall(s.apiCreateLabel)))
	s.handle("GET /api/v1/labels", s.authed(s.labelCall(s.apiListLabels)))
	s.handle("GET /api/v1/labels/{id}", s.authed(s.labelCall(s.apiGetLabel)))
	s.handle("GET /api/v1/labels/{id}/pdf", s.authed(s.labelCall(s.apiLabelPDF)))
	s.handle("GET /api/v1/labels/{id}/history", s.authed(s.labelCall(s.apiLabelHistory)))
	s.handle("GET /api/v1/reports/summary", s.authed(s.apiReportSummary))
	s.handle("GET /api/v1/reports/summary.csv", s.authed(s.apiReportSummaryCSV))
}

// userJSON is a user in the API (SPEC §9).
type userJSON struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	FullName     string     `json:"full_name"`
	Email        string     `json:"email"`
	Role         string     `json:"role"`
	DepartmentID *int64     `json:"department_id"`
	Modules      []string   `json:"modules"`
	Status       string     `json:"status"`
	Language     string     `json:"language"`
	CreatedAt    time.Time  `json:"created_at"`
	LastLoginAt  *time.Time `json:"last_login_at"`
	// PendingEmail is the new address of a change of one's own that waits
	// for its confirmation; absent when none.
	PendingEmail string `json:"pending_email,omitempty"`
}

func toUserJSON(u *portail.User) userJSON {
	j := userJSON{ID: u.ID, Username: u.Username, FullName: u.FullName, Email: u.Email, Role: u.Role.String(),
		Modules: u.Modules.Strings(), Status: string(u.Status), Language: u.Language, CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt,
		PendingEmail: u.PendingEmail}
	if u.DepartmentID != 0 {
		d := u.DepartmentID
		j.DepartmentID = &d
	}
	return j
}

type listJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func newList[T any](items []T, next string) listJSON[T] {
	l := listJSON[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

// --- auth ---

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	u, token, err := s.Auth.Login(request.Anonymous(r), portail.Login{Login: req.Login, Password: req.Password, Device: request.KnownDevice(r)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.cookies().SetSession(w, token)
	writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(u), "password_change_required": u.PasswordChangeRequired})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if sess, err := request.Authenticate(r, s.Services); err == nil {
		if err := s.Auth.Logout(sess.Ctx); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	s.cookies().ClearSession(w)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request, me *portail.User) {
	var req struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.Auth.ChangePassword(r.Context(), req.CurrentPassword, req.NewPassword); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, me *portail.User) {
	// The session's user is read without the pending address (every
	// request authenticates; few need it), so the user is read again here.
	u, err := s.Users.FindUser(r.Context(), me.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Server) apiPatchMe(w http.ResponseWriter, r *http.Request, me *portail.User) {
	upd, _, err := decodeUserPatch(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if upd.ChangesAccess() {
		s.apiError(w, r, portail.Errorf(portail.EFORBIDDEN, "You cannot change your own role, department or modules."))
		return
	}
	u, err := s.Users.UpdateUser(r.Context(), me.ID, upd)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
}

// --- users ---

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request, me *portail.User) {
	f, err := request.UserFilter(r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	users, next, err := s.Users.ListUsers(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items := make([]userJSON, len(users))
	for i, u := range users {
		items[i] = toUserJSON(u)
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request, me *portail.User) {
	var req struct {
		Username     string   `json:"username"`
		FullName     string   `json:"full_name"`
		Email        string   `json:"email"`
		Role         string   `json:"role"`
		DepartmentID *int64   `json:"department_id"`
		Modules      []string `json:"modules"`
		Language     string   `json:"language"`
		Onboarding   string   `json:"onboarding"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	var v portail.Validation
	c := portail.UserCreate{Username: req.Username, FullName: req.FullName, Email: req.Email, Language: req.Language,
		Onboarding: portail.Onboarding(req.Onboarding)}
	c.Role, _ = portail.ParseRole(req.Role) // an unknown role fails Validate with a field error
	if req.DepartmentID != nil {
		c.DepartmentID = *req.DepartmentID
	}
	c.Modules = parseModules(req.Modules, &v, "modules")
	if err := v.Err(); err != nil {
		s.apiError(w, r, request.MergeValidation(err, c.Validate()))
		return
	}
	u, err := s.Users.CreateUser(r.Context(), c)
	if err != nil {
		s.apiError(w, r, moduleFields(err, req.Modules))
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, toUserJSON(u))
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := request.PathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.Users.FindUser(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
}

// decodeUserPatch reads a PATCH body: fields present are changed, and a
// username is refused with username_immutable (U3). It also returns the
// module names as sent, for moduleFields.
func decodeUserPatch(w http.ResponseWriter, r *http.Request) (upd portail.UserUpdate, modules []string, err error) {
	var raw map[string]json.RawMessage
	if err := readJSON(w, r, &raw); err != nil {
		return upd, nil, err
	}
	if _, ok := raw["username"]; ok {
		return upd, nil, &portail.Error{Code: portail.EUSERNAMEIMMUTABLE, Message: "A username can never be changed.",
			Fields: []portail.FieldError{{Field: "username", Message: "A username can never be changed."}}}
	}
	var req struct {
		FullName     *string          `json:"full_name"`
		Email        *string          `json:"email"`
		Language     *string          `json:"language"`
		Role         *string          `json:"role"`
		DepartmentID *json.RawMessage `json:"department_id"`
		Modules      *[]string        `json:"modules"`
		// CurrentPassword is needed to change one's own address.
		CurrentPassword *string `json:"current_password"`
	}
	body, _ := json.Marshal(raw)
	if err := decodeJSON(body, &req); err != nil {
		return upd, nil, err
	}
	var v portail.Validation
	upd.FullName, upd.Email, upd.Language = req.FullName, req.Email, req.Language
	if req.CurrentPassword != nil {
		upd.CurrentPassword = *req.CurrentPassword
	}
	if req.Role != nil {
		role, ok := portail.ParseRole(*req.Role)
		if !ok {
			v.Add("role", "Choose a role: viewer, operator, department_admin or admin.")
		}
		upd.Role = &role
	}
	if raw, ok := raw["department_id"]; ok {
		var id *int64
		if err := json.Unmarshal(raw, &id); err != nil {
			v.Add("department_id", "Expected a number or null.")
		}
		var d int64
		if id != nil {
			d = *id
		}
		upd.DepartmentID = &d
	}
	if req.Modules != nil {
		modules = *req.Modules
		set := parseModules(modules, &v, "modules")
		upd.Modules = &set
	}
	return upd, modules, v.Err()
}

func (s *Server) apiPatchUser(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := request.PathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	upd, modules, err := decodeUserPatch(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.Users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		s.apiError(w, r, moduleFields(err, modules))
		return
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Server) apiDeactivateUser(w http.ResponseWriter, r *http.Request, me *portail.User) {
	s.userAction(w, r, s.Users.DeactivateUser)
}

func (s *Server) apiReactivateUser(w http.ResponseWriter, r *http.Request, me *portail.User) {
	s.userAction(w, r, s.Users.ReactivateUser)
}

func (s *Server) userAction(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id int64) (*portail.User, error)) {
	id, err := request.PathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := fn(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
}

// --- departments ---

type departmentJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func toDepartmentJSON(d *portail.Department) departmentJSON {
	return departmentJSON{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt}
}

func (s *Server) apiListDepartments(w http.ResponseWriter, r *http.Request, me *portail.User) {
	ds, err := s.Departments.ListDepartments(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items := make([]departmentJSON, len(ds))
	for i, d := range ds {
		items[i] = toDepartmentJSON(d)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Server) apiGetDepartment(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := request.PathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.Departments.FindDepartment(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDepartmentJSON(d))
}

type departmentRequest struct {
	Name string `json:"name"`
}

func (s *Server) apiCreateDepartment(w http.ResponseWriter, r *http.Request, me *portail.User) {
	var req departmentRequest
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.Departments.CreateDepartment(r.Context(), req.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/departments/"+strconv.FormatInt(d.ID, 10))
	writeJSON(w, http.StatusCreated, toDepartmentJSON(d))
}

func (s *Server) apiPatchDepartment(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := request.PathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var req departmentRequest
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.Departments.RenameDepartment(r.Context(), id, req.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDepartmentJSON(d))
}

// --- account ---

type accountJSON struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Plan        string     `json:"plan"`
	TrialEndsAt *time.Time `json:"trial_ends_at"`
	Seats       struct {
		Included    int `json:"included"`
		Extra       int `json:"extra"`
		Used        int `json:"used"`
		Available   int `json:"available"`
		UnusedExtra int `json:"unused_extra"`
	} `json:"seats"`
	MonthlyCostCents int      `json:"monthly_cost_cents"`
	Modules          []string `json:"modules"`
	Onboarding       string   `json:"onboarding"`
}

func toAccountJSON(a *portail.Account, now time.Time) accountJSON {
	j := accountJSON{ID: a.ID, Name: a.Name, Plan: string(a.Plan), TrialEndsAt: a.TrialEndsAt,
		MonthlyCostCents: a.MonthlyCostCents(), Modules: a.Modules.Strings(), Onboarding: string(a.Onboarding)}
	j.Seats.Included, j.Seats.Extra, j.Seats.Used = a.IncludedSeats(now), a.ExtraSeats, a.UsedSeats
	j.Seats.Available, j.Seats.UnusedExtra = a.AvailableSeats(now), a.UnusedExtraSeats(now)
	return j
}

func (s *Server) apiGetAccount(w http.ResponseWriter, r *http.Request, me *portail.User) {
	a, err := s.Accounts.FindAccount(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAccountJSON(a, a.AsOf))
}

func (s *Server) apiPutSubscription(w http.ResponseWriter, r *http.Request, me *portail.User) {
	var req struct {
		Plan       *string   `json:"plan"`
		ExtraSeats *int      `json:"extra_seats"`
		Modules    *[]string `json:"modules"`
		Onboarding *string   `json:"onboarding"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	var v portail.Validation
	var u portail.SubscriptionUpdate
	if req.Plan != nil {
		p := portail.Plan(*req.Plan)
		u.Plan = &p
	}
	u.ExtraSeats = req.ExtraSeats
	if req.Modules != nil {
		set := parseModules(*req.Modules, &v, "modules")
		u.Modules = &set
	}
	if req.Onboarding != nil {
		o := portail.Onboarding(*req.Onboarding)
		u.Onboarding = &o
	}
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.Accounts.UpdateSubscription(r.Context(), u)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAccountJSON(a, a.AsOf))
}
