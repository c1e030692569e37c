package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"portail"
	"portail/web/request"
)

// The pages of the work the roles govern (D1–D3): documents, parcel
// labels, their statuses and the reports; this file the documents and
// what the work pages share. Downloads go through the API routes, which
// take the session cookie as well.

func (s *Handler) registerWorkPages() {
	s.handle("GET /documents", s.signedIn(s.documents))
	s.handle("POST /documents", s.signedIn(s.sendDocument))
	s.handle("GET /documents/{id}", s.signedIn(s.document))
	s.handle("GET /documents/{id}/status", s.signedIn(s.documentStatus))
	s.registerLetterPages()
	s.handle("GET /labels", s.signedIn(s.labels))
	s.handle("GET /labels/new", s.signedIn(s.newLabel))
	s.handle("POST /labels", s.signedIn(s.createLabel))
	s.handle("GET /labels/{id}", s.signedIn(s.label))
	s.handle("GET /labels/{id}/status", s.signedIn(s.labelStatus))
	s.handle("GET /departments/{id}/sender", s.signedIn(s.departmentSender))
	s.handle("POST /departments/{id}/sender", s.signedIn(s.saveDepartmentSender))
	s.handle("GET /reports", s.signedIn(s.reports))
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

// names maps the ids of the departments a page shows to their names;
// people's names come with the items themselves (SenderName, ActorName…).
type names struct {
	Depts map[int64]string
}

func (s *Handler) names(p *page) (names, []*portail.Department, error) {
	depts, err := s.Departments.ListDepartments(p.ctx)
	if err != nil {
		return names{}, nil, err
	}
	return names{Depts: deptNames(depts)}, depts, nil
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
	// The send form's letter options, preset from the defaults, and its
	// later start as typed.
	Options []optionGroup
	SendAt  string
}

func (s *Handler) documents(p *page) { s.renderDocuments(p, http.StatusOK, nil) }

func (s *Handler) renderDocuments(p *page, status int, fail error) {
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
	n, depts, err := s.names(p)
	if err != nil {
		s.pageError(p, err)
		return
	}
	opts := letterDefaults(depts, p.actor.DepartmentID, p.r.FormValue("department_id"))
	if fail != nil {
		if o, err := letterOptionsForm(p.r); err == nil {
			opts = o.Apply(opts) // what was chosen stays chosen
		}
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
	v.Data = documentsData{Documents: docs, Names: n, Departments: depts, Modules: mods, SendModules: send,
		ChooseDept: p.actor.DepartmentID == 0, Statuses: portail.DocumentStatuses, Query: q,
		NextQuery: nextQuery(q, next), MaxUpload: formatSize(p.lang, s.site.MaxUpload()),
		Options: p.optionGroups(opts), SendAt: p.r.FormValue("send_at_local")}
	p.render(status, "documents", v)
}

// letterDefaults are the options a new letter starts with: its
// department's defaults (the user's own department, else the one chosen,
// else the first), else the installation's.
func letterDefaults(depts []*portail.Department, own int64, chosen string) portail.LetterOptions {
	id := own
	if id == 0 {
		id, _ = strconv.ParseInt(chosen, 10, 64)
	}
	for i, d := range depts {
		if (d.ID == id || (id == 0 && i == 0)) && d.LetterDefaults != nil {
			return *d.LetterDefaults
		}
	}
	return portail.DefaultLetterOptions()
}

// defaultsJSON is a department's letter defaults for the send form's
// script, which presets the options when another department is chosen.
func defaultsJSON(d *portail.Department) string {
	o := portail.DefaultLetterOptions()
	if d.LetterDefaults != nil {
		o = *d.LetterDefaults
	}
	b, _ := json.Marshal(o)
	return string(b)
}

func (s *Handler) sendDocument(p *page) {
	c, file, err := request.Upload(p.w, p.r, s.site.MaxUpload())
	if err != nil {
		s.renderDocuments(p, 0, err)
		return
	}
	defer file.Close()
	if p.actor.DepartmentID != 0 {
		c.DepartmentID = p.actor.DepartmentID // the form offers no choice
	}
	// The letter's options and later start; its recipient is read from
	// the file, or typed on the letter's page once the window is seen.
	o, err := letterOptionsForm(p.r)
	sendAt, err2 := sendAtForm(p.r)
	if err = portail.JoinInvalid(err, err2); err != nil {
		s.renderDocuments(p, 0, err)
		return
	}
	c.Options, c.SendAt = o, sendAt
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
func (s *Handler) listFailed(p *page, v *view, err error) int {
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
	Letter   *letterData // a document's letter part
}

func (s *Handler) document(p *page) { s.documentPage(p, nil) }

// documentPage shows a document; after a refused change, with what went
// wrong (fail) next to its field.
func (s *Handler) documentPage(p *page, fail error) {
	var form map[string]string
	if fail != nil {
		form = map[string]string{}
		for _, k := range []string{"send_at_local", "recipient.name", "recipient.lines", "recipient.postal_code", "recipient.city", "recipient.country"} {
			form[k] = p.r.PostFormValue(k)
		}
	}
	s.itemPageFailed(p, "document", "Document", "documents", fail, form,
		func(id int64, d *itemData) (err error) {
			d.Document, err = s.Documents.FindDocument(p.ctx, id)
			if err == nil {
				d.Final = d.Document.Status.Final()
				d.Letter = p.letterView(d.Document, form)
			}
			return err
		}, s.Documents.DocumentHistory)
}

// pollHeader marks the page's own request for itself once the status it
// follows has changed (static/portail.js): no link sends it, so what a
// person opens is always logged.
const pollHeader = "Portail-Poll"

// polled marks the page's context as the page asking by itself: the
// services log no fetch for it.
func (p *page) polled() {
	c := portail.CallerFrom(p.ctx)
	c.Polled = true
	p.ctx = portail.WithCaller(p.ctx, c)
}

// itemPage shows a document or a label with its history. find loads the
// item and says whether its status is final; until it is, the page
// follows the status: its script asks /status every few seconds and, on a
// change, the page again (marked with pollHeader), whose status and
// history it puts in place; without JavaScript, a link refreshes it.
func (s *Handler) itemPage(p *page, tmpl, title, current, doneFlash string, find func(id int64, d *itemData) error,
	history func(ctx context.Context, id int64, limit int, cursor string) ([]*portail.Change, string, error)) {
	s.itemPageFailed(p, tmpl, title, current, nil, nil, func(id int64, d *itemData) error {
		if err := find(id, d); err != nil {
			return err
		}
		if p.r.URL.Query().Has("done") {
			p.flash = doneFlash
		}
		return nil
	}, history)
}

// itemPageFailed is itemPage shown again after a refused form (fail, with
// what was typed in form), or with the flash its find sets.
func (s *Handler) itemPageFailed(p *page, tmpl, title, current string, fail error, form map[string]string,
	find func(id int64, d *itemData) error,
	history func(ctx context.Context, id int64, limit int, cursor string) ([]*portail.Change, string, error)) {
	if p.r.Header.Get(pollHeader) == "1" {
		p.polled()
	}
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
	if done := p.r.URL.Query().Get("done"); p.flash != "" {
		v.Flash = p.t(p.flash)
	} else if msg, ok := letterDone[done]; ok && fail == nil {
		v.Flash = p.t(msg)
	}
	status := http.StatusOK
	if fail != nil {
		status = p.failed(&v, fail)
		for k, val := range form {
			v.Form[k] = val
		}
	}
	if !d.Final {
		// The item's own address, also when a refused form shows it again
		// at the form's.
		v.Refresh, v.RefreshURL = 5, "/"+current+"/"+strconv.FormatInt(id, 10)
	}
	v.Data = d
	p.render(status, tmpl, v)
}

// itemStatus is what an item page's script asks every few seconds: the
// status alone, as JSON, logged as no fetch.
type itemStatus struct {
	Status string `json:"status"`
	Final  bool   `json:"final"`
}

func (s *Handler) documentStatus(p *page) {
	s.followStatus(p, func(id int64) (itemStatus, error) {
		d, err := s.Documents.FindDocument(p.ctx, id)
		if err != nil {
			return itemStatus{}, err
		}
		return itemStatus{string(d.Status), d.Status.Final()}, nil
	})
}

func (s *Handler) labelStatus(p *page) {
	s.followStatus(p, func(id int64) (itemStatus, error) {
		l, err := s.Labels.FindLabel(p.ctx, id)
		if err != nil {
			return itemStatus{}, err
		}
		return itemStatus{string(l.Status), l.Status.Final()}, nil
	})
}

// followStatus answers the status of the item of the path; a foreign or
// missing one is 404, as on its page.
func (s *Handler) followStatus(p *page, find func(id int64) (itemStatus, error)) {
	p.polled()
	id, err := request.PathID(p.r)
	var st itemStatus
	if err == nil {
		st, err = find(id)
	}
	h := p.w.Header()
	h.Set("Cache-Control", "no-store")
	if err != nil {
		request.LogFailure(s.site.Logger(), p.r, err)
		http.Error(p.w, http.StatusText(request.Status(err)), request.Status(err))
		return
	}
	h.Set("Content-Type", "application/json")
	json.NewEncoder(p.w).Encode(st)
}
