package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"portail"
	"portail/web/request"
)

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

func (s *Handler) login(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	in, err := s.Auth.Login(request.Anonymous(r), portail.Login{Login: req.Login, Password: req.Password, Device: request.KnownDevice(r)})
	if err != nil {
		return err
	}
	return s.writeSignIn(w, in)
}

func (s *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if sess, err := request.Authenticate(r, *s.Services); err == nil {
		if err := s.Auth.Logout(sess.Ctx); err != nil {
			return err
		}
	}
	s.site.Cookies().ClearSession(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) changePassword(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Auth.ChangePassword(r.Context(), req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) getMe(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	// The session's user is read without the pending address (every
	// request authenticates; few need it), so the user is read again here.
	u, err := s.Users.FindUser(r.Context(), me.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Handler) patchMe(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	upd, _, err := decodeUserPatch(w, r)
	if err != nil {
		return err
	}
	if upd.ChangesAccess() {
		return portail.Errorf(portail.EFORBIDDEN, "You cannot change your own role, department or modules.")
	}
	u, err := s.Users.UpdateUser(r.Context(), me.ID, upd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

// --- users ---

func (s *Handler) listUsers(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.UserFilter(r.URL.Query())
	if err != nil {
		return err
	}
	users, next, err := s.Users.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]userJSON, len(users))
	for i, u := range users {
		items[i] = toUserJSON(u)
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Handler) createUser(w http.ResponseWriter, r *http.Request, me *portail.User) error {
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
		return err
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
		return portail.JoinInvalid(c.Validate(), err)
	}
	u, err := s.Users.CreateUser(r.Context(), c)
	if err != nil {
		return moduleFields(err, req.Modules)
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return writeJSON(w, http.StatusCreated, toUserJSON(u))
}

func (s *Handler) getUser(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	u, err := s.Users.FindUser(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
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

func (s *Handler) patchUser(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	upd, modules, err := decodeUserPatch(w, r)
	if err != nil {
		return err
	}
	u, err := s.Users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		return moduleFields(err, modules)
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Handler) deactivateUser(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	return s.userAction(w, r, s.Users.DeactivateUser)
}

func (s *Handler) reactivateUser(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	return s.userAction(w, r, s.Users.ReactivateUser)
}

func (s *Handler) userAction(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id int64) (*portail.User, error)) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	u, err := fn(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

// --- departments ---

type departmentJSON struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name"`
	CreatedAt     time.Time        `json:"created_at"`
	DefaultSender *portail.Address `json:"default_sender"`
	// LetterDefaults are the department's own, null when it has none
	// (a new letter then starts from the installation's defaults).
	LetterDefaults *portail.LetterOptions `json:"letter_defaults"`
}

func toDepartmentJSON(d *portail.Department) departmentJSON {
	return departmentJSON{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt, DefaultSender: d.DefaultSender, LetterDefaults: d.LetterDefaults}
}

func (s *Handler) listDepartments(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	ds, err := s.Departments.ListDepartments(r.Context())
	if err != nil {
		return err
	}
	items := make([]departmentJSON, len(ds))
	for i, d := range ds {
		items[i] = toDepartmentJSON(d)
	}
	return writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Handler) getDepartment(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	d, err := s.Departments.FindDepartment(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDepartmentJSON(d))
}

type departmentRequest struct {
	Name string `json:"name"`
}

func (s *Handler) createDepartment(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req departmentRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	d, err := s.Departments.CreateDepartment(r.Context(), req.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/departments/"+strconv.FormatInt(d.ID, 10))
	return writeJSON(w, http.StatusCreated, toDepartmentJSON(d))
}

func (s *Handler) patchDepartment(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	// Each member is optional; default_sender null removes the default.
	var req struct {
		Name           *string         `json:"name"`
		DefaultSender  json.RawMessage `json:"default_sender"`
		LetterDefaults json.RawMessage `json:"letter_defaults"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	u := portail.DepartmentUpdate{Name: req.Name}
	if req.DefaultSender != nil {
		u.SetDefaultSender = true
		if string(req.DefaultSender) != "null" {
			u.DefaultSender = new(portail.Address)
			if err := decodeJSON(req.DefaultSender, u.DefaultSender); err != nil {
				return prefixFields(err, "default_sender")
			}
		}
	}
	if req.LetterDefaults != nil {
		if u.LetterDefaults, err = decodeLetterDefaults(req.LetterDefaults); err != nil {
			return err
		}
		u.SetLetterDefaults = true
	}
	d, err := s.Departments.UpdateDepartment(r.Context(), id, u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDepartmentJSON(d))
}

// prefixFields names the field errors of a nested object under its
// member: default_sender.city.
func prefixFields(err error, member string) error {
	e, ok := err.(*portail.Error)
	if !ok {
		return err
	}
	if len(e.Fields) == 0 {
		return &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: member, Message: "Expected an object or null."}}}
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, portail.FieldError{Field: member + "." + f.Field, Message: f.Message})
	}
	return &out
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
	Currency         string   `json:"currency"`
	Modules          []string `json:"modules"`
	Onboarding       string   `json:"onboarding"`
	Country          string   `json:"country"`
}

func toAccountJSON(a *portail.Account, now time.Time, currency string) accountJSON {
	j := accountJSON{ID: a.ID, Name: a.Name, Plan: string(a.Plan), TrialEndsAt: a.TrialEndsAt,
		MonthlyCostCents: a.MonthlyCostCents(), Modules: a.Modules.Strings(), Onboarding: string(a.Onboarding),
		Country: a.Country, Currency: currency}
	j.Seats.Included, j.Seats.Extra, j.Seats.Used = a.IncludedSeats(now), a.ExtraSeats, a.UsedSeats
	j.Seats.Available, j.Seats.UnusedExtra = a.AvailableSeats(now), a.UnusedExtraSeats(now)
	return j
}

func (s *Handler) getAccount(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	a, err := s.Accounts.FindAccount(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAccountJSON(a, a.AsOf, s.site.Currency()))
}

func (s *Handler) putSubscription(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		Plan       *string   `json:"plan"`
		ExtraSeats *int      `json:"extra_seats"`
		Modules    *[]string `json:"modules"`
		Onboarding *string   `json:"onboarding"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
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
		return err
	}
	a, err := s.Accounts.UpdateSubscription(r.Context(), u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAccountJSON(a, a.AsOf, s.site.Currency()))
}
