package ui

import (
	"net/http"
	"net/url"
	"portail"
	"portail/web/request"
	"slices"
	"time"
)

// reportsData is the summary laid out for the page: totals, a table by
// department and status, and a chart per kind.
type reportsData struct {
	From, To  string // as typed, for the form and the CSV link
	Query     string
	Kinds     []kindReport
	Empty     bool
	ToDisplay string
}

type kindReport struct {
	Kind     portail.SubjectKind
	Title    string
	Statuses []string
	Total    int64
	ByStatus map[string]int64
	Rows     []deptRow
	Chart    chart
}

type deptRow struct {
	Department string
	Counts     []int64 // by Statuses
	Total      int64
}

func (s *Handler) reports(p *page) {
	if len(viewModules(p.actor, portail.ActViewReports, portail.Modules)) == 0 {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	v := p.view("Reports")
	v.Nav.Current = "reports"
	q := p.r.URL.Query()
	v.Form["from"], v.Form["to"] = q.Get("from"), q.Get("to")
	from, to, err := request.ReportRange(p.r.URL.Query())
	var rows []portail.ReportRow
	if err == nil {
		rows, err = s.Reports.Summary(p.ctx, from, to)
	}
	status := http.StatusOK
	if err != nil {
		if status = s.listFailed(p, &v, err); status == 0 {
			return
		}
		from, to = time.Now().UTC().AddDate(0, 0, -30), time.Now().UTC()
	}
	if v.Form["from"] == "" {
		v.Form["from"] = from.Format(time.DateOnly)
	}
	if v.Form["to"] == "" {
		v.Form["to"] = to.AddDate(0, 0, -1).Format(time.DateOnly) // the form's "to" is the last day shown
	}
	d := reportsData{Query: url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}.Encode(), Empty: len(rows) == 0}
	for _, k := range []struct {
		kind     portail.SubjectKind
		title    string
		statuses []string
	}{
		{portail.SubjectDocument, "Documents", statusStrings(portail.DocumentStatuses)},
		{portail.SubjectLabel, "Parcel labels", statusStrings(portail.LabelStatuses)},
	} {
		d.Kinds = append(d.Kinds, buildKindReport(p, k.kind, k.title, k.statuses, rows, from, to))
	}
	v.Data = d
	p.render(status, "reports", v)
}

func statusStrings[S ~string](ss []S) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func buildKindReport(p *page, kind portail.SubjectKind, title string, statuses []string, rows []portail.ReportRow, from, to time.Time) kindReport {
	k := kindReport{Kind: kind, Title: title, Statuses: statuses, ByStatus: map[string]int64{}}
	byDept := map[string]*deptRow{}
	perDay := map[time.Time]map[string]int64{}
	for _, r := range rows {
		if r.Kind != kind {
			continue
		}
		k.Total += r.Count
		k.ByStatus[r.Status] += r.Count
		dr := byDept[r.Department]
		if dr == nil {
			dr = &deptRow{Department: r.Department, Counts: make([]int64, len(statuses))}
			byDept[r.Department] = dr
		}
		if i := slices.Index(statuses, r.Status); i >= 0 {
			dr.Counts[i] += r.Count
		}
		dr.Total += r.Count
		day := r.Day.UTC()
		if perDay[day] == nil {
			perDay[day] = map[string]int64{}
		}
		perDay[day][r.Status] += r.Count
	}
	for _, dr := range byDept {
		k.Rows = append(k.Rows, *dr)
	}
	slices.SortFunc(k.Rows, func(a, b deptRow) int {
		if a.Department < b.Department {
			return -1
		}
		return 1
	})
	k.Chart = stackedChart(p, statuses, perDay, from, to)
	return k
}
