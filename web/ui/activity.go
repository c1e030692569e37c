package ui

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"portail"
	"portail/web/request"
)

func (s *Handler) registerActivityPages() {
	s.handle("GET /activity", s.signedIn(s.activity))
}

type activityData struct {
	Entries   []*portail.Activity
	Query     string // the filters, for the CSV link
	NextQuery string
	Users     []*portail.User
	Names     map[int64]string // usernames by id, for the actor column
	Types     []portail.ActivityType
	Details   map[int64]string // each entry's detail, in words
}

// The details of the log are written for the CSV and the API as
// "key=value" pairs ("role=viewer->operator department_id=3") or a short
// sentence; the page says them in the reader's language, with names for
// ids and labels for roles.
var (
	detailKeys = map[string]string{"username": "Username", "role": "Role", "department_id": "Department",
		"modules": "Module access", "onboarding": "Onboarding", "email": "E-mail", "full_name": "Full name",
		"language": "Language", "name": "Name", "prefix": "Key", "plan": "Plan", "extra_seats": "Extra seats",
		"document": "Document", "module": "Module", "label": "Parcel label", "tracking_number": "Tracking number",
		"template": "E-mail", "to": "Recipient", "status": "Status",
		"default_sender": "Default sender"}
	detailKey = regexp.MustCompile(`(?:^|\s)([a-z_]+)=`)
)

func detailText(p *page, detail string, depts map[int64]string) string {
	if t := p.t(detail); t != detail || detail == "" {
		return t
	}
	value := func(key, v string) string {
		switch key {
		case "role":
			if r, ok := portail.ParseRole(v); ok {
				return p.t(roleLabels[r])
			}
		case "department_id":
			id, _ := strconv.ParseInt(v, 10, 64)
			if id == 0 {
				return "—"
			}
			if n, ok := depts[id]; ok {
				return n
			}
		case "plan":
			return p.t(v)
		case "modules":
			var names []string
			for _, m := range strings.Split(v, ",") {
				if mod, ok := portail.ParseModule(m); ok {
					names = append(names, p.t(moduleLabels[mod]))
				}
			}
			return strings.Join(names, ", ")
		}
		return v
	}
	var parts []string
	locs := detailKey.FindAllStringSubmatchIndex(detail, -1)
	head := detail
	if len(locs) > 0 {
		head = detail[:locs[0][0]]
	}
	for _, w := range strings.Fields(head) {
		if label, ok := detailKeys[w]; ok {
			w = p.t(label) // a field that changed
		}
		parts = append(parts, w)
	}
	for i, l := range locs {
		key, end := detail[l[2]:l[3]], len(detail)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		v := strings.TrimSpace(detail[l[1]:end])
		if from, to, ok := strings.Cut(v, "->"); ok {
			v = value(key, from) + " → " + value(key, to)
		} else {
			v = value(key, v)
		}
		label := key
		if l, ok := detailKeys[key]; ok {
			label = p.t(l)
		}
		parts = append(parts, label+colon(p.lang)+" "+v)
	}
	return strings.Join(parts, " · ")
}

// activityTypes are offered in the type filter.
var activityTypes = []portail.ActivityType{
	portail.ActivityLoginSucceeded, portail.ActivityLoginFailed, portail.ActivityLogout, portail.ActivitySessionReplaced,
	portail.ActivityNotificationSent, portail.ActivityFetch, portail.ActivityManualOrder, portail.ActivityLabelRequest,
	portail.ActivityUserCreated, portail.ActivityUserUpdated, portail.ActivityUserDeactivated, portail.ActivityUserReactivated,
	portail.ActivityRoleChanged, portail.ActivityPasswordResetSent, portail.ActivityPasswordChanged, portail.ActivityInvitationSent,
	portail.ActivityAPIKeyCreated, portail.ActivityAPIKeyRevoked, portail.ActivityDepartmentCreated, portail.ActivityDepartmentUpdated,
	portail.ActivityAccountCreated, portail.ActivitySubscription,
}

func (s *Handler) activity(p *page) {
	q := p.r.URL.Query()
	v := p.view("Activity log")
	v.Nav.Current = "activity"
	for _, k := range []string{"user_id", "type", "from", "to"} {
		v.Form[k] = q.Get(k)
	}
	f, err := request.ActivityFilter(q)
	if err != nil {
		status := p.failed(&v, err)
		v.Data = activityData{Types: activityTypes}
		p.render(status, "activity", v)
		return
	}
	entries, next, err := s.Activity.ListActivity(p.ctx, f)
	if err != nil {
		s.pageError(p, err)
		return
	}
	// The user filter offers the users the caller may see.
	n, _, err := s.names(p)
	if err != nil {
		s.pageError(p, err)
		return
	}
	details := make(map[int64]string, len(entries))
	for _, e := range entries {
		details[e.ID] = detailText(p, e.Detail, n.Depts)
	}
	q.Del("cursor")
	v.Data = activityData{Entries: entries, Query: q.Encode(), NextQuery: nextQuery(q, next), Users: n.List, Names: n.Users,
		Types: activityTypes, Details: details}
	p.render(http.StatusOK, "activity", v)
}
