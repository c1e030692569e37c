package api

import (
	"encoding/csv"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/web/request"
)

// usersCSVHeader is the header row of GET /users.csv: the list's columns,
// with the department's name after its id and the modules separated by
// spaces, as the import reads them.
var usersCSVHeader = []string{"id", "username", "full_name", "email", "role", "department_id", "department", "modules",
	"status", "language", "created_at", "last_login_at"}

// usersCSV exports the users list as filtered (the filters of GET /users;
// every page of it, not only the first: limit and cursor are ignored).
func (s *Handler) usersCSV(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.UserFilter(r.URL.Query())
	if err != nil {
		return err
	}
	users, err := allUsers(r, s.Users, f)
	if err != nil {
		return err
	}
	depts, err := s.Departments.ListDepartments(r.Context())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, d := range depts {
		names[d.ID] = d.Name
	}
	writeUsersCSV(csvFormat{}.start(w, "users.csv", usersCSVHeader), users, names)
	return nil
}

// allUsers reads every page of the list as filtered, for an export: the
// filter's own limit and cursor are set aside.
func allUsers(r *http.Request, users portail.UserService, f portail.UserFilter) ([]*portail.User, error) {
	f.Cursor, f.Limit = "", portail.MaxPageSize
	var out []*portail.User
	for {
		page, next, err := users.ListUsers(r.Context(), f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// writeUsersCSV writes one line per user (RFC 4180) after the header.
func writeUsersCSV(cw *csv.Writer, users []*portail.User, deptNames map[int64]string) {
	for _, u := range users {
		var last string
		if u.LastLoginAt != nil {
			last = u.LastLoginAt.Format(time.RFC3339Nano)
		}
		cw.Write([]string{strconv.FormatInt(u.ID, 10), CSVSafe(u.Username), CSVSafe(u.FullName), CSVSafe(u.Email), u.Role.String(),
			idString(u.DepartmentID), CSVSafe(deptNames[u.DepartmentID]), strings.Join(u.Modules.Strings(), " "),
			string(u.Status), u.Language, u.CreatedAt.Format(time.RFC3339Nano), last})
	}
	cw.Flush()
}

// importReportJSON is the answer of POST /users/import.
type importReportJSON struct {
	DryRun  bool            `json:"dry_run"`
	Created int             `json:"created"`
	Refused int             `json:"refused"`
	Rows    []importRowJSON `json:"rows"`
}

type importRowJSON struct {
	Line     int                  `json:"line"`
	Username string               `json:"username"`
	Status   string               `json:"status"`
	UserID   *int64               `json:"user_id"`
	Errors   []portail.FieldError `json:"errors"`
}

func toImportReportJSON(rep *portail.ImportReport) importReportJSON {
	j := importReportJSON{DryRun: rep.DryRun, Created: rep.Created, Refused: rep.Refused, Rows: []importRowJSON{}}
	for _, r := range rep.Rows {
		row := importRowJSON{Line: r.Line, Username: r.Username, Status: r.Status, Errors: r.Problems}
		if row.Errors == nil {
			row.Errors = []portail.FieldError{}
		}
		if r.UserID != 0 {
			id := r.UserID
			row.UserID = &id
		}
		j.Rows = append(j.Rows, row)
	}
	return j
}

// importUsers checks an import file (text/csv) and, with dry_run=false,
// creates its valid rows: portail.ImportReport says what became of each.
func (s *Handler) importUsers(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var v portail.Validation
	dry, err := strconv.ParseBool(r.URL.Query().Get("dry_run"))
	if err != nil {
		v.Add("dry_run", "Say dry_run=true to check the file, or dry_run=false to import it.")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		v.Add("Content-Type", "Send the file as text/csv.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	rows, err := portail.ParseImportCSV(http.MaxBytesReader(w, r.Body, portail.MaxImportBytes+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &portail.Error{Code: portail.ETOOLARGE, Message: "The file is too large: at most 512 KB.",
			Fields: []portail.FieldError{{Field: "file", Message: "The file is too large: at most 512 KB."}}}
	}
	if err != nil {
		return err
	}
	rep, err := s.Users.ImportUsers(r.Context(), rows, dry)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toImportReportJSON(rep))
}
