package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portail"
)

// The CSV exports (RFC 4180) of the activity log and the report summary:
// their header rows, their writer, and the cell rule against formula
// injection.

// ReportCSVHeader is the header row of the summary's CSV export.
var ReportCSVHeader = []string{"kind", "day", "department_id", "department", "module", "status", "count"}

// ActivityCSVHeader is the header row of the export (SPEC §9; actor_kind
// and actor_name last, Wave-2 details 1).
var ActivityCSVHeader = []string{"id", "at", "user_id", "username", "actor_id", "type", "detail", "ip", "user_agent", "started_at", "ended_at", "actor_kind", "actor_name"}

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
			timeString(e.StartedAt), timeString(e.EndedAt), string(portail.ActorKindOf(e.ActorID)), CSVSafe(e.ActorName.String())})
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
