package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"portail"
	"portail/web/request"
)

// The pages of the work the roles govern (D1–D3): documents, parcel
// labels, their statuses and the reports. Downloads go through the API
// routes, which take the session cookie as well.

func (s *Server) registerWorkPages() {
	s.handle("GET /documents", s.signedIn(s.uiDocuments))
	s.handle("POST /documents", s.signedIn(s.uiSendDocument))
	s.handle("GET /documents/{id}", s.signedIn(s.uiDocument))
	s.handle("GET /labels", s.signedIn(s.uiLabels))
	s.handle("GET /labels/new", s.signedIn(s.uiNewLabel))
	s.handle("POST /labels", s.signedIn(s.uiCreateLabel))
	s.handle("GET /labels/{id}", s.signedIn(s.uiLabel))
	s.handle("GET /reports", s.signedIn(s.uiReports))
}

// viewModules returns the modules of ms in which a sees something.
func viewModules(a portail.Actor, act portail.Action, ms []portail.Module) []portail.Module {
	var out []portail.Module
	for _, m := range ms {
		if !portail.ScopeFor(a, act, m).None {
			out = append(out, m)
		}
	}
	return out
}

// sendModules returns the modules in which a may send a document of
// their own (an admin: to any department).
func sendModules(a portail.Actor) []portail.Module {
	var out []portail.Module
	for _, m := range portail.DocumentModules {
		if portail.Can(a, portail.ActSendDocument, portail.Resource{AccountID: a.AccountID, DepartmentID: a.DepartmentID,
			OwnerID: a.UserID, Module: m}) {
			out = append(out, m)
		}
	}
	return out
}

func canCreateLabels(a portail.Actor) bool {
	return portail.Can(a, portail.ActCreateLabel, portail.Resource{AccountID: a.AccountID, DepartmentID: a.DepartmentID,
		OwnerID: a.UserID, Module: portail.ModuleParcels})
}

// names maps the ids of the departments and users a page shows to names.
type names struct {
	Depts map[int64]string
	Users map[int64]string
	List  []*portail.User // the users the caller may see, when they see others than themselves
}

func (s *Server) names(p *page) (names, []*portail.Department, error) {
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		return names{}, nil, err
	}
	n := names{Depts: deptNames(depts), Users: map[int64]string{p.me.ID: p.me.Username}}
	if canListUsers(p.actor) {
		if n.List, _, err = s.Users.ListUsers(p.ctx, portail.UserFilter{Status: "all", Limit: portail.MaxPageSize}); err != nil {
			return names{}, nil, err
		}
		for _, u := range n.List {
			n.Users[u.ID] = u.Username
		}
	}
	return n, depts, nil
}

type documentsData struct {
	Documents   []*portail.Document
	Names       names
	Departments []*portail.Department
	Modules     []portail.Module // to filter on
	SendModules []portail.Module
	ChooseDept  bool // the user has no department of their own (an admin) and picks one
	Statuses    []portail.DocumentStatus
	Query       url.Values
	NextQuery   string
	MaxUpload   string
}

func (s *Server) uiDocuments(p *page) { s.renderDocuments(p, http.StatusOK, nil) }

func (s *Server) renderDocuments(p *page, status int, fail error) {
	mods := viewModules(p.actor, portail.ActViewDocument, portail.DocumentModules)
	send := sendModules(p.actor)
	if len(mods) == 0 && len(send) == 0 {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	q := p.r.URL.Query()
	v := p.view("Documents")
	v.Nav.Current = "documents"
	if fail != nil {
		status = p.failed(&v, fail)
		v.Form["department_id"], v.Form["module"] = p.r.FormValue("department_id"), p.r.FormValue("module")
	}
	f, err := request.DocumentFilter(q)
	var docs []*portail.Document
	var next string
	if err == nil && len(mods) > 0 {
		docs, next, err = s.Documents.ListDocuments(p.ctx, f)
	}
	if err != nil {
		if status = s.listFailed(p, &v, err); status == 0 {
			return
		}
	}
	n, depts, err := s.names(p)
	if err != nil {
		s.pageError(p, err)
		return
	}
	v.Data = documentsData{Documents: docs, Names: n, Departments: depts, Modules: mods, SendModules: send,
		ChooseDept: p.actor.DepartmentID == 0, Statuses: portail.DocumentStatuses, Query: q,
		NextQuery: nextQuery(q, next), MaxUpload: request.FormatBytes(request.MaxUpload(s.MaxUpload))}
	p.render(status, "documents", v)
}

func (s *Server) uiSendDocument(p *page) {
	c, file, err := request.Upload(p.w, p.r, s.MaxUpload)
	if err != nil {
		s.renderDocuments(p, 0, err)
		return
	}
	defer file.Close()
	if p.actor.DepartmentID != 0 {
		c.DepartmentID = p.actor.DepartmentID // the form offers no choice
	}
	d, err := s.Documents.SendDocument(p.ctx, c, file)
	if err != nil {
		s.renderDocuments(p, 0, err)
		return
	}
	p.redirect("/documents/" + strconv.FormatInt(d.ID, 10) + "?done=sent")
}

// listFailed shows a list's refused filter next to its field and returns
// the page's status; any other error takes the whole page, and it returns
// 0.
func (s *Server) listFailed(p *page, v *view, err error) int {
	if request.Status(err) != http.StatusBadRequest {
		s.pageError(p, err)
		return 0
	}
	return p.failed(v, err)
}

// itemData is a document or a label with its history.
type itemData struct {
	Document *portail.Document
	Label    *portail.Label
	History  []*portail.Change
	Names    names
	Final    bool
}

func (s *Server) uiDocument(p *page) {
	s.itemPage(p, "document", "Document", "documents", "The document was received; its status follows here.",
		func(id int64, d *itemData) (err error) {
			d.Document, err = s.Documents.FindDocument(p.ctx, id)
			if err == nil {
				d.Final = d.Document.Status.Final()
			}
			return err
		}, s.Documents.DocumentHistory)
}

// itemPage shows a document or a label with its history. find loads the
// item and says whether its status is final; until it is, the page
// reloads itself to follow the status without JavaScript.
func (s *Server) itemPage(p *page, tmpl, title, current, doneFlash string, find func(id int64, d *itemData) error,
	history func(ctx context.Context, id int64, limit int, cursor string) ([]*portail.Change, string, error)) {
	var d itemData
	id, err := request.PathID(p.r)
	if err == nil {
		err = find(id, &d)
	}
	if err == nil {
		d.History, _, err = history(p.ctx, id, portail.MaxPageSize, "")
	}
	if err == nil {
		d.Names, _, err = s.names(p)
	}
	if err != nil {
		s.pageError(p, err)
		return
	}
	v := p.view(title)
	v.Nav.Current = current
	if p.r.URL.Query().Has("done") {
		v.Flash = p.t(doneFlash)
	}
	if !d.Final {
		v.Refresh, v.RefreshURL = 5, p.r.URL.Path
	}
	v.Data = d
	p.render(http.StatusOK, tmpl, v)
}

type labelsData struct {
	Labels    []*portail.Label
	Names     names
	CanCreate bool
	Statuses  []portail.LabelStatus
	Query     url.Values
	NextQuery string
	Depts     []*portail.Department
}

func (s *Server) uiLabels(p *page) {
	if portail.ScopeFor(p.actor, portail.ActViewLabel, portail.ModuleParcels).None {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	q := p.r.URL.Query()
	v := p.view("Parcel labels")
	v.Nav.Current = "labels"
	f, err := request.LabelFilter(q)
	status := http.StatusOK
	var labels []*portail.Label
	var next string
	if err == nil {
		labels, next, err = s.Labels.ListLabels(p.ctx, f)
	}
	if err != nil {
		if status = s.listFailed(p, &v, err); status == 0 {
			return
		}
	}
	n, depts, err := s.names(p)
	if err != nil {
		s.pageError(p, err)
		return
	}
	v.Data = labelsData{Labels: labels, Names: n, CanCreate: canCreateLabels(p.actor), Statuses: portail.LabelStatuses,
		Query: q, NextQuery: nextQuery(q, next), Depts: depts}
	p.render(status, "labels", v)
}

type labelFormData struct {
	Departments []*portail.Department
	ChooseDept  bool
	Countries   []country
	// Autocomplete gives each address field its autofill token.
	Autocomplete map[string]string
}

func (s *Server) uiNewLabel(p *page) { s.renderLabelForm(p, http.StatusOK, nil) }

func (s *Server) renderLabelForm(p *page, status int, fail error) {
	if !canCreateLabels(p.actor) {
		s.pageError(p, portail.ErrForbidden())
		return
	}
	v := p.view("Create a parcel label")
	v.Nav.Current = "labels"
	if fail != nil {
		status = p.failed(&v, fail)
		for k, vals := range p.r.PostForm {
			v.Form[k] = vals[0]
		}
	}
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	v.Data = labelFormData{Departments: depts, ChooseDept: p.actor.DepartmentID == 0, Countries: countries(p.lang),
		Autocomplete: map[string]string{"name": "name", "company": "organization", "street": "address-line1",
			"house_number": "address-line2", "postal_code": "postal-code", "city": "address-level2"}}
	p.render(status, "label_form", v)
}

func (s *Server) uiCreateLabel(p *page) {
	r := p.r
	r.ParseForm()
	addr := func(prefix string) portail.Address {
		get := func(k string) string { return r.PostFormValue(prefix + "." + k) }
		return portail.Address{Name: get("name"), Company: get("company"), Street: get("street"), HouseNumber: get("house_number"),
			PostalCode: get("postal_code"), City: get("city"), Country: get("country")}
	}
	var v portail.Validation
	c := portail.LabelCreate{Sender: addr("sender"), Recipient: addr("recipient"), DepartmentID: p.actor.DepartmentID}
	if p.actor.DepartmentID == 0 { // the form offers a choice
		c.DepartmentID = request.Int(r.PostFormValue("department_id"), "department_id", &v)
	}
	c.WeightGrams = int(request.Int(r.PostFormValue("weight_grams"), "weight_grams", &v))
	if err := v.Err(); err != nil {
		s.renderLabelForm(p, 0, err)
		return
	}
	l, err := s.Labels.CreateLabel(p.ctx, c)
	if err != nil {
		s.renderLabelForm(p, 0, err)
		return
	}
	p.redirect("/labels/" + strconv.FormatInt(l.ID, 10) + "?done=created")
}

func (s *Server) uiLabel(p *page) {
	s.itemPage(p, "label", "Parcel label", "labels", "The label was created: download its PDF and stick it on the parcel.",
		func(id int64, d *itemData) (err error) {
			d.Label, err = s.Labels.FindLabel(p.ctx, id)
			if err == nil {
				d.Final = d.Label.Status.Final()
			}
			return err
		}, s.Labels.LabelHistory)
}

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

func (s *Server) uiReports(p *page) {
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

// chart is a stacked bar chart drawn as SVG on the server: no script, no
// vendored library, readable by screen readers through its table twin.
type chart struct {
	Width, Height int
	Bars          []bar
	YMax          int64
	Ticks         []tick
	Legend        []legendItem
}

type bar struct {
	X, W     float64
	Segments []segment
	Label    string // the day, under some bars
	LabelX   float64
}

type segment struct {
	Y, H   float64
	Status string
	Title  string
}

type tick struct {
	Y     float64
	Label string
}

type legendItem struct{ Status, Label string }

const (
	chartW, chartH         = 720, 240
	chartLeft, chartBottom = 40, 24
	chartTop, chartMaxBars = 8, 400
	chartPlotH             = chartH - chartBottom - chartTop
	chartPlotW             = chartW - chartLeft - 8
)

// shortDay writes a day and month the way the language does.
func shortDay(lang string, d time.Time) string {
	if lang == "en" {
		return d.Format("Jan 2")
	}
	return d.Format("2/1")
}

func stackedChart(p *page, statuses []string, perDay map[time.Time]map[string]int64, from, to time.Time) chart {
	c := chart{Width: chartW, Height: chartH}
	var days []time.Time
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to) && len(days) < chartMaxBars; d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	for _, d := range days {
		var sum int64
		for _, n := range perDay[d] {
			sum += n
		}
		c.YMax = max(c.YMax, sum)
	}
	for _, s := range statuses {
		c.Legend = append(c.Legend, legendItem{Status: s, Label: p.t("status:" + s)})
	}
	if len(days) == 0 {
		return c
	}
	ymax := max(c.YMax, 1)
	for i := int64(0); i <= 4; i++ {
		v := ymax * i / 4
		c.Ticks = append(c.Ticks, tick{Y: chartTop + chartPlotH - float64(v)/float64(ymax)*chartPlotH, Label: strconv.FormatInt(v, 10)})
	}
	step := float64(chartPlotW) / float64(len(days))
	every := max(1, len(days)/6)
	for i, d := range days {
		b := bar{X: chartLeft + float64(i)*step + step*0.1, W: step * 0.8}
		y := float64(chartTop + chartPlotH)
		for _, s := range statuses {
			n := perDay[d][s]
			if n == 0 {
				continue
			}
			h := float64(n) / float64(ymax) * chartPlotH
			y -= h
			b.Segments = append(b.Segments, segment{Y: y, H: h, Status: s,
				Title: d.Format(time.DateOnly) + " · " + p.t("status:"+s) + ": " + strconv.FormatInt(n, 10)})
		}
		if i%every == 0 {
			b.Label, b.LabelX = shortDay(p.lang, d), b.X+b.W/2
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// country is one choice of the country select, named in the page's
// language.
type country struct{ Code, Name string }

// countryName names a country code in lang; an unknown code stays a code.
func countryName(lang, code string) string {
	if r, err := language.ParseRegion(code); err == nil {
		if n := display.Regions(language.Make(lang)).Name(r); n != "" {
			return n
		}
	}
	return code
}

// countries lists the countries by their name in lang, made once per
// language when a label form first asks for it.
func countries(lang string) []country { return countriesByLang[lang]() }

var countriesByLang = func() map[string]func() []country {
	m := map[string]func() []country{}
	for _, lang := range portail.Languages {
		m[lang] = sync.OnceValue(func() []country {
			codes := portail.CountryCodes()
			out := make([]country, 0, len(codes))
			for _, c := range codes {
				out = append(out, country{Code: c, Name: countryName(lang, c)})
			}
			col := collate.New(language.Make(lang))
			slices.SortFunc(out, func(a, b country) int { return col.CompareString(a.Name, b.Name) })
			return out
		})
	}
	return m
}()
