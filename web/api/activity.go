package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/web/request"
)

type activityJSON struct {
	ID        int64      `json:"id"`
	At        time.Time  `json:"at"`
	UserID    *int64     `json:"user_id"`
	Username  string     `json:"username,omitempty"`
	ActorID   *int64     `json:"actor_id"`
	Type      string     `json:"type"`
	Detail    string     `json:"detail"`
	IP        string     `json:"ip"`
	UserAgent string     `json:"user_agent"`
	StartedAt *time.Time `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toActivityJSON(e *portail.Activity) activityJSON {
	return activityJSON{ID: e.ID, At: e.At, UserID: optID(e.UserID), Username: e.Username, ActorID: optID(e.ActorID),
		Type: string(e.Type), Detail: e.Detail, IP: e.IP, UserAgent: e.UserAgent, StartedAt: e.StartedAt, EndedAt: e.EndedAt}
}

func (s *Handler) listActivity(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.ActivityFilter(r.URL.Query())
	if err != nil {
		return err
	}
	entries, next, err := s.Activity.ListActivity(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]activityJSON, len(entries))
	for i, e := range entries {
		items[i] = toActivityJSON(e)
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

// apiActivityCSV streams the log as CSV (RFC 4180), page by page, flushing
// as it goes: an export of months of entries never sits in memory.
func (s *Handler) activityCSV(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.ActivityFilter(r.URL.Query())
	if err != nil {
		return err
	}
	// Ask for the first page, with the whole filter (its cursor too),
	// before writing anything, so that a refusal is still a proper problem
	// response and not a 200 cut short.
	probe := f
	probe.Limit = 1
	if _, _, err := s.Activity.ListActivity(r.Context(), probe); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="activity.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	WriteActivityCSV(w, func(fn func(*portail.Activity) error) error {
		return s.Activity.EachActivity(r.Context(), f, fn)
	}, func(err error) {
		s.site.Logger().ErrorContext(r.Context(), "activity export", "err", err)
	})
	return nil
}

// ActivityCSVHeader is the header row of the export (SPEC §9).
var ActivityCSVHeader = []string{"id", "at", "user_id", "username", "actor_id", "type", "detail", "ip", "user_agent", "started_at", "ended_at"}

// WriteActivityCSV writes the header and every entry each yields.
func WriteActivityCSV(w http.ResponseWriter, each func(func(*portail.Activity) error) error, onErr func(error)) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write(ActivityCSVHeader)
	flusher, _ := w.(http.Flusher)
	n := 0
	err := each(func(e *portail.Activity) error {
		cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), idString(e.UserID), CSVSafe(e.Username),
			idString(e.ActorID), CSVSafe(string(e.Type)), CSVSafe(e.Detail), CSVSafe(e.IP), CSVSafe(e.UserAgent),
			timeString(e.StartedAt), timeString(e.EndedAt)})
		if n++; n%200 == 0 {
			cw.Flush()
			if flusher != nil {
				flusher.Flush()
			}
		}
		return cw.Error()
	})
	cw.Flush()
	if err != nil {
		onErr(err)
	}
}

// CSVSafe neutralises a cell that a spreadsheet would run as a formula
// (CSV injection): one starting with =, +, -, @, a tab or a carriage
// return gets a leading apostrophe.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}
