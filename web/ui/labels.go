package ui

import (
	"net/http"
	"net/url"
	"portail"
	"portail/web/request"
	"strconv"
)

// The parcel label pages (D2): the list, the form, a label with its
// history.

func canCreateLabels(a portail.Actor) bool {
	return portail.Can(a, portail.ActCreateLabel, portail.Resource{AccountID: a.AccountID, DepartmentID: a.DepartmentID,
		OwnerID: a.UserID, Module: portail.ModuleParcels})
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

func (s *Handler) labels(p *page) {
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

func (s *Handler) newLabel(p *page) { s.renderLabelForm(p, http.StatusOK, nil) }

func (s *Handler) renderLabelForm(p *page, status int, fail error) {
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

func (s *Handler) createLabel(p *page) {
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

func (s *Handler) label(p *page) {
	s.itemPage(p, "label", "Parcel label", "labels", "The label was created: download its PDF and stick it on the parcel.",
		func(id int64, d *itemData) (err error) {
			d.Label, err = s.Labels.FindLabel(p.ctx, id)
			if err == nil {
				d.Final = d.Label.Status.Final()
			}
			return err
		}, s.Labels.LabelHistory)
}
