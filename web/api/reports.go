package api

import (
	"net/http"
	"strconv"
	"time"

	"portail"
	"portail/web/request"
)

type reportRowJSON struct {
	Kind         string `json:"kind"`
	Day          string `json:"day"`
	DepartmentID int64  `json:"department_id"`
	Department   string `json:"department"`
	Module       string `json:"module"`
	Status       string `json:"status"`
	Count        int64  `json:"count"`
}

type reportJSON struct {
	From time.Time       `json:"from"`
	To   time.Time       `json:"to"`
	Rows []reportRowJSON `json:"rows"`
}

func (s *Handler) summary(r *http.Request) (reportJSON, error) {
	from, to, err := request.ReportRange(r.URL.Query())
	if err != nil {
		return reportJSON{}, err
	}
	rows, err := s.Reports.Summary(r.Context(), from, to)
	if err != nil {
		return reportJSON{}, err
	}
	out := reportJSON{From: from, To: to, Rows: make([]reportRowJSON, len(rows))}
	for i, row := range rows {
		out.Rows[i] = reportRowJSON{Kind: string(row.Kind), Day: row.Day.Format(time.DateOnly), DepartmentID: row.DepartmentID,
			Department: row.Department, Module: row.Module.String(), Status: row.Status, Count: row.Count}
	}
	return out, nil
}

func (s *Handler) reportSummary(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	rep, err := s.summary(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// reportSummaryCSV writes the summary as CSV (RFC 4180), department
// names neutralised against formula injection like the activity export.
func (s *Handler) reportSummaryCSV(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	format, ferr := csvFormatOf(r, me)
	rep, err := s.summary(r)
	if err = withFormatError(err, ferr); err != nil {
		return err
	}
	cw := format.start(w, "summary.csv", ReportCSVHeader)
	var kinds []string
	totals := map[string]int64{}
	for _, row := range rep.Rows {
		cw.Write([]string{row.Kind, row.Day, strconv.FormatInt(row.DepartmentID, 10), CSVSafe(row.Department), row.Module,
			row.Status, strconv.FormatInt(row.Count, 10)})
		if _, seen := totals[row.Kind]; !seen {
			kinds = append(kinds, row.Kind)
		}
		totals[row.Kind] += row.Count
	}
	// People read the spreadsheet's last lines for the totals, one a kind
	// (documents and labels do not add up); programs sum the default
	// format themselves, whose rows stay only the summary's.
	if format.excel {
		for _, k := range kinds {
			cw.Write([]string{k, "", "", csvHeaderName(format.lang, "total"), "", "", strconv.FormatInt(totals[k], 10)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.site.Logger().ErrorContext(r.Context(), "report export", "err", err)
	}
	return nil
}
