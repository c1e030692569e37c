package api

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portail"
)

// The CSV exports (RFC 4180) of the activity log and the report summary:
// their header rows, their writer, the variant for spreadsheets
// (?format=excel), and the cell rule against formula injection.

// ReportCSVHeader is the header row of the summary's CSV export.
var ReportCSVHeader = []string{"kind", "day", "department_id", "department", "module", "status", "count"}

// ActivityCSVHeader is the header row of the export (SPEC §9; actor_kind
// and actor_name last, Wave-2 details 1).
var ActivityCSVHeader = []string{"id", "at", "user_id", "username", "actor_id", "type", "detail", "ip", "user_agent", "started_at", "ended_at", "actor_kind", "actor_name"}

// csvFormat is how an export is written: by default the RFC 4180 one
// whose columns programs read (SPEC §9), or, with ?format=excel (SPEC §9
// Wave-2 details 16), the variant a French or Dutch spreadsheet opens as
// it is: semicolons (their lists use the comma for decimals), a UTF-8
// byte order mark (else accents come out garbled) and the headers in the
// user's language.
type csvFormat struct {
	excel bool
	lang  string
}

// csvFormatOf reads ?format: "" or "csv", or "excel". EINVALID.
func csvFormatOf(r *http.Request, me *portail.User) (csvFormat, error) {
	switch r.URL.Query().Get("format") {
	case "", "csv":
		return csvFormat{}, nil
	case "excel":
		lang := portail.DefaultLanguage
		if me != nil && portail.ValidLanguage(me.Language) {
			lang = me.Language
		}
		return csvFormat{excel: true, lang: lang}, nil
	}
	var v portail.Validation
	v.Add("format", "Use csv or excel.")
	return csvFormat{}, v.Err()
}

// withFormatError adds a bad ?format to the field errors of err, so that
// one answer names every bad parameter; another error stands alone.
func withFormatError(err, format error) error {
	if err == nil || portail.ErrorCode(err) == portail.EINVALID {
		return portail.JoinInvalid(format, err)
	}
	return err
}

// start sets the headers of the answer, named filename (".csv"), and
// writes the header row.
func (f csvFormat) start(w http.ResponseWriter, filename string, header []string) *csv.Writer {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if f.excel {
		io.WriteString(w, "\uFEFF")
		cw.Comma = ';'
		names := make([]string, len(header))
		for i, col := range header {
			names[i] = csvHeaderName(f.lang, col)
		}
		header = names
	}
	cw.Write(header)
	return cw
}

// csvHeaderNames are the export columns as people read them, by
// language; English is the fallback.
var csvHeaderNames = map[string]map[string]string{
	"en": {"id": "ID", "at": "When (UTC)", "user_id": "User ID", "username": "Username", "actor_id": "By (user ID)",
		"type": "Event", "detail": "Details", "ip": "Address", "user_agent": "Browser", "started_at": "Started (UTC)",
		"ended_at": "Ended (UTC)", "kind": "Kind", "day": "Day", "department_id": "Department ID", "department": "Department",
		"module": "Module", "status": "Status", "count": "Count", "total": "Total",
		"actor_kind": "Done by (kind)", "actor_name": "Done by"},
	"fr": {"id": "ID", "at": "Date (UTC)", "user_id": "ID utilisateur", "username": "Nom d'utilisateur", "actor_id": "Par (ID utilisateur)",
		"type": "Événement", "detail": "Détails", "ip": "Adresse", "user_agent": "Navigateur", "started_at": "Début (UTC)",
		"ended_at": "Fin (UTC)", "kind": "Type", "day": "Jour", "department_id": "ID département", "department": "Département",
		"module": "Module", "status": "Statut", "count": "Nombre", "total": "Total",
		"actor_kind": "Auteur (type)", "actor_name": "Auteur"},
	"nl": {"id": "ID", "at": "Tijdstip (UTC)", "user_id": "Gebruikers-ID", "username": "Gebruikersnaam", "actor_id": "Door (gebruikers-ID)",
		"type": "Gebeurtenis", "detail": "Details", "ip": "Adres", "user_agent": "Browser", "started_at": "Begin (UTC)",
		"ended_at": "Einde (UTC)", "kind": "Soort", "day": "Dag", "department_id": "Afdelings-ID", "department": "Afdeling",
		"module": "Module", "status": "Status", "count": "Aantal", "total": "Totaal",
		"actor_kind": "Uitgevoerd door (soort)", "actor_name": "Uitgevoerd door"},
}

func csvHeaderName(lang, col string) string {
	if n, ok := csvHeaderNames[lang][col]; ok {
		return n
	}
	if n, ok := csvHeaderNames["en"][col]; ok {
		return n
	}
	return col
}

// WriteActivityCSV writes the header and every entry each yields, in the
// default format.
func WriteActivityCSV(w http.ResponseWriter, each func(func(*portail.Activity) error) error, onErr func(error)) {
	writeActivityCSV(w, csvFormat{}, each, onErr)
}

func writeActivityCSV(w http.ResponseWriter, f csvFormat, each func(func(*portail.Activity) error) error, onErr func(error)) {
	cw := f.start(w, "activity.csv", ActivityCSVHeader)
	flusher, _ := w.(http.Flusher)
	n := 0
	err := each(func(e *portail.Activity) error {
		actor := e.ActorName.String()
		if e.ActorKind() == portail.ActorSCIM {
			actor = e.SCIMToken
		}
		cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), idString(e.UserID), CSVSafe(e.Username),
			idString(e.ActorID), CSVSafe(string(e.Type)), CSVSafe(e.Detail), CSVSafe(e.IP), CSVSafe(e.UserAgent),
			timeString(e.StartedAt), timeString(e.EndedAt), string(e.ActorKind()), CSVSafe(actor)})
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
