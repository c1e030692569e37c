package ui

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"portail"
	"portail/web/request"
)

// The users page's bulk actions and the CSV import page.

func (s *Handler) registerUserBulkPages() {
	s.handle("POST /users/bulk", s.signedIn(s.bulkUsers))
	s.handle("GET /users/import", s.signedIn(s.importPage))
	s.handle("POST /users/import", s.signedIn(s.importUsers))
}

// bulkResult is one line of a bulk action's outcome.
type bulkResult struct {
	Username string
	ID       int64
	OK       bool
	Message  string // translated
}

// usersCSVQuery is the list's filters as GET /api/v1/users.csv reads them:
// the page's "Show inactive users" box is status=all; the page's cursor
// and flash do not belong to an export of the whole list.
func usersCSVQuery(q url.Values) string {
	out := url.Values{}
	for _, k := range []string{"status", "department_id", "role", "module", "q", "sort"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	if out.Get("status") == "" && q.Get("inactive") != "" {
		out.Set("status", "all")
	}
	return out.Encode()
}

// maxBulk bounds the users one bulk action touches: a page of the list.
const maxBulk = portail.MaxPageSize

// bulkUsers runs a bulk action on the selected users, each through the
// service of the edit page's own button (and so the policy), one at a
// time, and shows the list again with one result line per user.
func (s *Handler) bulkUsers(p *page) {
	if !canListUsers(p.actor) {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	r := p.r
	r.ParseForm()
	var act func(id int64) error
	var done string
	switch r.PostFormValue("action") {
	case "invite":
		act, done = func(id int64) error { return s.Credentials.ResendInvitation(p.ctx, id) }, "A new invitation was sent."
	case "deactivate":
		act, done = func(id int64) error { _, err := s.Users.DeactivateUser(p.ctx, id); return err }, "Deactivated: their sessions and API keys ended."
	default:
		s.usersPage(p, nil, "")
		return
	}
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !slices.Contains(ids, id) && len(ids) < maxBulk {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		s.usersPage(p, nil, p.t("Select at least one user in the list first."))
		return
	}
	var results []bulkResult
	for _, id := range ids {
		u, err := s.Users.FindUser(p.ctx, id)
		if err != nil {
			if request.Status(err) >= 500 {
				s.pageError(p, err)
				return
			}
			results = append(results, bulkResult{ID: id, Username: "#" + strconv.FormatInt(id, 10), Message: p.t(portail.ErrorMessage(err))})
			continue
		}
		res := bulkResult{ID: id, Username: u.Username, OK: true, Message: p.t(done)}
		if err := act(id); err != nil {
			if request.Status(err) >= 500 {
				s.pageError(p, err)
				return
			}
			res.OK, res.Message = false, p.t(bulkRefusal(err))
		}
		results = append(results, res)
	}
	ok := 0
	for _, r := range results {
		if r.OK {
			ok++
		}
	}
	s.usersPage(p, results, p.t("Done: %d of %d. The result for each selected user is below.", ok, len(results)))
}

// bulkRefusal words a refusal of one user in a bulk action.
func bulkRefusal(err error) string {
	if portail.ErrorCode(err) == portail.EFORBIDDEN {
		return "Not done: you may not do this for this user."
	}
	return portail.ErrorMessage(err)
}

// importData is what the import page shows: the columns, and the report
// of the file sent, with the file kept for the real run.
type importData struct {
	Columns   []importColumn
	MaxRows   int
	MaxSize   string // 512 KB in the page's units
	Report    *portail.ImportReport
	CSV       string // the checked file, sent again by the import button
	FieldName map[string]string
}

type importColumn struct {
	Name, Required, Meaning string
}

var importColumns = []importColumn{
	{"username", "yes", "The sign-in name: letters, digits, . _ -; it never changes."},
	{"full_name", "yes", "First and last name."},
	{"email", "yes", "Where the invitation goes."},
	{"role", "yes", "viewer, operator, department_admin or admin."},
	{"department", "", "The department's name, as on the Departments page; empty for an admin, and your own if you are a department admin."},
	{"modules", "", "mail, parcels, classic, separated by spaces or |; empty gives your own modules."},
	{"language", "", "fr, nl or en; empty is French."},
}

// importFieldNames are the column names a row's problems are said under.
var importFieldNames = map[string]string{"username": "Username", "full_name": "Full name", "email": "E-mail",
	"role": "Role", "department": "Department", "modules": "Module access", "language": "Language", "seats": "Seats"}

func (s *Handler) importAllowed(p *page) bool {
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return false
	}
	if !canCreateSomeone(p.actor, depts) {
		s.pageError(p, portail.ErrForbidden())
		return false
	}
	return true
}

func (s *Handler) importView(p *page) view {
	v := p.view("Import users")
	v.Nav.Current = "users"
	v.Data = importData{Columns: importColumns, MaxRows: portail.MaxImportRows, FieldName: importFieldNames,
		MaxSize: p.t("%d KB", portail.MaxImportBytes>>10)}
	return v
}

func (s *Handler) importPage(p *page) {
	if !s.importAllowed(p) {
		return
	}
	p.render(http.StatusOK, "users_import", s.importView(p))
}

// importUsers checks the file sent (dry run) or imports the file checked
// before (the form's hidden csv field), and shows the report.
func (s *Handler) importUsers(p *page) {
	if !s.importAllowed(p) {
		return
	}
	v := s.importView(p)
	d := v.Data.(importData)
	r := p.r
	r.Body = http.MaxBytesReader(p.w, r.Body, 2*portail.MaxImportBytes+64<<10)
	fail := func(err error) {
		status := p.failed(&v, err)
		p.render(status, "users_import", v)
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(&portail.Error{Code: portail.ETOOLARGE, Message: "The file is too large: at most 512 KB.",
				Fields: []portail.FieldError{{Field: "file", Message: "The file is too large: at most 512 KB."}}})
			return
		}
		fail(portail.Errorf(portail.EINVALID, "Choose the CSV file to import."))
		return
	}
	defer r.MultipartForm.RemoveAll()
	dry := r.PostFormValue("dry_run") != "false"
	var text string
	if dry {
		f, _, err := r.FormFile("file")
		if err != nil {
			var val portail.Validation
			val.Add("file", "Choose the CSV file to import.")
			fail(val.Err())
			return
		}
		// ParseImportCSV refuses what is over the bound.
		b, err := io.ReadAll(io.LimitReader(f, portail.MaxImportBytes+1))
		f.Close()
		if err != nil {
			fail(err)
			return
		}
		text = string(b)
	} else {
		text = r.PostFormValue("csv")
	}
	rows, err := portail.ParseImportCSV(strings.NewReader(text))
	if err != nil {
		fail(err)
		return
	}
	rep, err := s.Users.ImportUsers(p.ctx, rows, dry)
	if err != nil {
		fail(err)
		return
	}
	d.Report = rep
	if dry {
		d.CSV = text
	}
	v.Data = d
	p.render(http.StatusOK, "users_import", v)
}
