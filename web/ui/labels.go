package ui

import (
	"encoding/json"
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
	// DeptID is the department the form is for; Recent the last senders
	// of its labels, offered to fill the sender in.
	DeptID int64
	Recent []recentSender
	// DeptSenders holds each department's default sender as JSON, for the
	// script that refills the sender when another department is chosen.
	DeptSenders map[int64]string
	// CanSetDefault: the user may set the department's default sender.
	CanSetDefault bool
}

// recentSender is one of the last senders, as the choice shows it and as
// the script fills it in.
type recentSender struct {
	Index int
	Label string
	JSON  string
}

var addressAutocomplete = map[string]string{"name": "name", "company": "organization", "street": "address-line1",
	"house_number": "address-line2", "postal_code": "postal-code", "city": "address-level2"}

func (s *Handler) newLabel(p *page) { s.renderLabelForm(p, http.StatusOK, nil) }

// fillAddress puts an address in the form's fields under prefix.
func fillAddress(form map[string]string, prefix string, a portail.Address) {
	for k, v := range map[string]string{"name": a.Name, "company": a.Company, "street": a.Street,
		"house_number": a.HouseNumber, "postal_code": a.PostalCode, "city": a.City, "country": a.Country} {
		form[prefix+"."+k] = v
	}
}

func addressJSON(a *portail.Address) string {
	if a == nil {
		return ""
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// renderLabelForm shows the form. A new form starts from the chosen
// department's defaults: its default sender (or one of its last senders,
// ?sender=N), and the account's country for both addresses; a form sent
// back with errors keeps what was typed.
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
	d := labelFormData{Departments: depts, ChooseDept: p.actor.DepartmentID == 0, Countries: countries(p.lang),
		Autocomplete: addressAutocomplete, DeptSenders: map[int64]string{}}
	for _, dept := range depts {
		d.DeptSenders[dept.ID] = addressJSON(dept.DefaultSender)
	}
	d.DeptID = p.actor.DepartmentID
	if d.ChooseDept {
		chosen := p.r.URL.Query().Get("department_id")
		if fail != nil {
			chosen = p.r.PostFormValue("department_id")
		}
		for _, dept := range depts {
			if strconv.FormatInt(dept.ID, 10) == chosen || d.DeptID == 0 {
				d.DeptID = dept.ID
			}
		}
	}
	defaults := &portail.LabelDefaults{Country: portail.DefaultCountry}
	if d.DeptID != 0 {
		got, err := s.Labels.LabelDefaults(p.ctx, d.DeptID)
		if err != nil {
			s.pageError(p, err)
			return
		}
		defaults = got
		d.CanSetDefault = portail.Can(p.actor, portail.ActSetDepartmentDefaults,
			portail.Resource{AccountID: p.actor.AccountID, DepartmentID: d.DeptID})
	}
	for i, a := range defaults.RecentSenders {
		d.Recent = append(d.Recent, recentSender{Index: i, JSON: addressJSON(&a),
			Label: a.Name + ", " + a.Street + " " + a.HouseNumber + ", " + a.PostalCode + " " + a.City})
	}
	if fail == nil {
		v.Form["department_id"] = strconv.FormatInt(d.DeptID, 10)
		v.Form["sender.country"], v.Form["recipient.country"] = defaults.Country, defaults.Country
		if n, err := strconv.Atoi(p.r.URL.Query().Get("sender")); err == nil && n >= 0 && n < len(defaults.RecentSenders) {
			fillAddress(v.Form, "sender", defaults.RecentSenders[n])
		} else if defaults.Sender != nil {
			fillAddress(v.Form, "sender", *defaults.Sender)
		}
	}
	v.Data = d
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
	c := portail.LabelCreate{Sender: addr("sender"), Recipient: addr("recipient"), DepartmentID: p.actor.DepartmentID,
		Language: p.lang}
	if p.actor.DepartmentID == 0 { // the form offers a choice
		c.DepartmentID = request.Int(r.PostFormValue("department_id"), "department_id", &v)
	}
	// The weight is typed as people write it (2,5 kg or 850 g); every
	// problem of the form is said at once, each next to its field.
	grams, problem := portail.ParseWeight(r.PostFormValue("weight"))
	c.WeightGrams = grams
	c.Normalize()
	deptParsed := v.Err() != nil
	if err := c.Validate(); err != nil {
		for _, f := range err.(*portail.Error).Fields {
			switch {
			case f.Field == "department_id" && deptParsed, f.Field == "weight_grams" && problem != "":
				continue // already said by the parse
			case f.Field == "weight_grams":
				f.Field = "weight"
			}
			v.Fields = append(v.Fields, f)
		}
	}
	if problem != "" {
		v.Add("weight", problem)
	}
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

// The department's default sender: its admin (or an account admin) sets
// the address every new label of the department starts from.

type departmentSenderData struct {
	Department   *portail.Department
	ChooseDept   bool
	Countries    []country
	Autocomplete map[string]string
}

// departmentDefaultsOf reads the department of the path for a page of its
// defaults (sender, letters), which its admins and the account's set:
// it answers the page itself with the error when there is one.
func (s *Handler) departmentDefaultsOf(p *page) (*portail.Department, bool) {
	id, err := request.PathID(p.r)
	if err != nil {
		s.pageError(p, err)
		return nil, false
	}
	d, err := s.Departments.FindDepartment(p.ctx, id)
	if err != nil {
		s.pageError(p, err)
		return nil, false
	}
	if !portail.Can(p.actor, portail.ActSetDepartmentDefaults, portail.Resource{AccountID: d.AccountID, DepartmentID: d.ID}) {
		s.pageError(p, portail.ErrForbidden())
		return nil, false
	}
	return d, true
}

func (s *Handler) departmentSender(p *page) { s.renderDepartmentSender(p, http.StatusOK, nil) }

func (s *Handler) renderDepartmentSender(p *page, status int, fail error) {
	d, ok := s.departmentDefaultsOf(p)
	if !ok {
		return
	}
	v := p.view("Default sender")
	v.Title = p.t("Default sender of %s", d.Name)
	v.Nav.Current = "labels"
	switch {
	case fail != nil:
		status = p.failed(&v, fail)
		for k, vals := range p.r.PostForm {
			v.Form[k] = vals[0]
		}
	case d.DefaultSender != nil:
		fillAddress(v.Form, "default_sender", *d.DefaultSender)
	default:
		country := portail.DefaultCountry
		if defaults, err := s.Labels.LabelDefaults(p.ctx, d.ID); err == nil {
			country = defaults.Country
		}
		v.Form["default_sender.country"] = country
	}
	switch p.r.URL.Query().Get("done") {
	case "saved":
		v.Flash = p.t("The default sender was saved: new labels of this department start with it.")
	case "removed":
		v.Flash = p.t("The default sender was removed.")
	}
	v.Data = departmentSenderData{Department: d, ChooseDept: p.actor.DepartmentID == 0, Countries: countries(p.lang),
		Autocomplete: addressAutocomplete}
	p.render(status, "department_sender", v)
}

func (s *Handler) saveDepartmentSender(p *page) {
	id, err := request.PathID(p.r)
	if err != nil {
		s.pageError(p, err)
		return
	}
	p.r.ParseForm()
	u := portail.DepartmentUpdate{SetDefaultSender: true}
	done := "removed"
	if p.r.PostFormValue("remove") == "" {
		get := func(k string) string { return p.r.PostFormValue("default_sender." + k) }
		u.DefaultSender = &portail.Address{Name: get("name"), Company: get("company"), Street: get("street"),
			HouseNumber: get("house_number"), PostalCode: get("postal_code"), City: get("city"), Country: get("country")}
		done = "saved"
	}
	if _, err := s.Departments.UpdateDepartment(p.ctx, id, u); err != nil {
		if portail.ErrorCode(err) != portail.EINVALID {
			s.pageError(p, err)
			return
		}
		s.renderDepartmentSender(p, 0, err)
		return
	}
	p.redirect("/departments/" + strconv.FormatInt(id, 10) + "/sender?done=" + done)
}
