package request

import (
	"net/url"
	"strconv"
	"time"

	"portail"
)

// Int reads a whole-number parameter: "" is 0, anything but a
// non-negative int64 a field error.
func Int(s, field string, v *portail.Validation) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		v.Add(field, "Expected a positive whole number.")
	}
	return n
}

// Time reads an RFC 3339 time or a YYYY-MM-DD date (UTC). A date as the
// end of a range means the end of that day.
func Time(s, field string, end bool, v *portail.Validation) *time.Time {
	if s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.Add(field, "Use a date (2026-01-31) or an RFC 3339 time (2026-01-31T08:00:00Z).")
		return nil
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return &t
}

// The list filters, one parser each, for the API and the pages alike: a
// parameter that cannot be read is a field error on its name (the API
// answers it in problem+json, a page shows it next to its field), never
// silently dropped.

// UserFilter reads the users list's parameters.
func UserFilter(q url.Values) (portail.UserFilter, error) {
	var v portail.Validation
	f := portail.UserFilter{Status: q.Get("status"), Query: q.Get("q"), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	f.DepartmentID = Int(q.Get("department_id"), "department_id", &v)
	f.Limit = int(Int(q.Get("limit"), "limit", &v))
	if role := q.Get("role"); role != "" {
		var ok bool
		if f.Role, ok = portail.ParseRole(role); !ok {
			v.Add("role", "Use viewer, operator, department_admin or admin.")
		}
	}
	if mod := q.Get("module"); mod != "" {
		var ok bool
		if f.Module, ok = portail.ParseModule(mod); !ok {
			v.Add("module", "Use mail, parcels or classic.")
		}
	}
	return f, v.Err()
}

// DocumentFilter reads the documents list's parameters.
func DocumentFilter(q url.Values) (portail.DocumentFilter, error) {
	var v portail.Validation
	f := portail.DocumentFilter{Status: portail.DocumentStatus(q.Get("status")), Cursor: q.Get("cursor")}
	f.DepartmentID = Int(q.Get("department_id"), "department_id", &v)
	f.Limit = int(Int(q.Get("limit"), "limit", &v))
	f.From = Time(q.Get("from"), "from", false, &v)
	f.To = Time(q.Get("to"), "to", true, &v)
	if name := q.Get("module"); name != "" {
		if m, ok := portail.ParseModule(name); ok {
			f.Module = m
		} else {
			v.Add("module", "Use mail or classic.")
		}
	}
	return f, portail.JoinInvalid(f.Validate(), v.Err())
}

// LabelFilter reads the labels list's parameters.
func LabelFilter(q url.Values) (portail.LabelFilter, error) {
	var v portail.Validation
	f := portail.LabelFilter{Status: portail.LabelStatus(q.Get("status")), Cursor: q.Get("cursor")}
	f.DepartmentID = Int(q.Get("department_id"), "department_id", &v)
	f.Limit = int(Int(q.Get("limit"), "limit", &v))
	f.From = Time(q.Get("from"), "from", false, &v)
	f.To = Time(q.Get("to"), "to", true, &v)
	return f, portail.JoinInvalid(f.Validate(), v.Err())
}

// ActivityFilter reads the activity log's parameters.
func ActivityFilter(q url.Values) (portail.ActivityFilter, error) {
	var v portail.Validation
	f := portail.ActivityFilter{Type: portail.ActivityType(q.Get("type")), Cursor: q.Get("cursor")}
	f.UserID = Int(q.Get("user_id"), "user_id", &v)
	f.Limit = int(Int(q.Get("limit"), "limit", &v))
	f.From = Time(q.Get("from"), "from", false, &v)
	f.To = Time(q.Get("to"), "to", true, &v)
	return f, v.Err()
}

// ReportRange reads from and to, completed as portail.NewReportRange says.
func ReportRange(q url.Values) (time.Time, time.Time, error) {
	var v portail.Validation
	from := Time(q.Get("from"), "from", false, &v)
	to := Time(q.Get("to"), "to", true, &v)
	if err := v.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	rg := portail.NewReportRange(from, to, time.Now())
	return rg.From, rg.To, nil
}

// Page reads a history page's parameters, limit and cursor.
func Page(q url.Values) (limit int, cursor string, err error) {
	var v portail.Validation
	limit = int(Int(q.Get("limit"), "limit", &v))
	return limit, q.Get("cursor"), v.Err()
}
