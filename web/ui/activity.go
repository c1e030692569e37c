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
		"template": "E-mail", "to": "Recipient", "status": "Answer",
		"default_sender": "Default sender"}
	// The words of a value that the log keeps as code.
	detailValues = map[string]map[string]string{
		"onboarding": {"invitation": "invitation e-mail", "temporary_password": "temporary password"},
		"template": {"invitation": "the invitation", "temporary_password": "the temporary password",
			"password_reset": "the password reset", "password_changed": "the notice of a changed password",
			"email_changed": "the notice of a changed e-mail address", "email_confirm": "the confirmation of a new e-mail address",
			"webhook_disabled": "the notice of a disabled webhook"},
	}
	// fetchWhat says what a fetch ("document=3 file") got.
	fetchWhat = map[string]string{"status": "status viewed", "file": "file downloaded", "pdf": "PDF downloaded"}
	// apiCall is a label_request's call ("GET /api/v1/labels/3/pdf").
	apiCall = regexp.MustCompile(`^(GET|POST) /api/v1/labels(?:/(\d+)(?:/(pdf|history))?)?$`)
)

// apiCallText says a label API call in words, or "" for a call it does
// not know.
func apiCallText(p *page, call string) string {
	m := apiCall.FindStringSubmatch(call)
	switch {
	case m == nil:
		return ""
	case m[1] == "POST" && m[2] == "":
		return p.t("API: label created")
	case m[2] == "":
		return p.t("API: labels listed")
	case m[3] == "pdf":
		return p.t("API: PDF of label #%s downloaded", m[2])
	case m[3] == "history":
		return p.t("API: history of label #%s viewed", m[2])
	}
	return p.t("API: label #%s viewed", m[2])
}

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
		case "language":
			if n, ok := languageNames[v]; ok {
				return n
			}
		case "onboarding", "template":
			if w, ok := detailValues[key][v]; ok {
				return p.t(w)
			}
		case "document", "label":
			// A fetch: the item, then what was fetched.
			id, what, _ := strings.Cut(v, " ")
			if w, ok := fetchWhat[what]; ok {
				return "#" + id + " · " + p.t(w)
			}
			if what == "" {
				return "#" + id
			}
		case "status":
			// The answer of an API call.
			if code, err := strconv.Atoi(v); err == nil {
				if code < 400 {
					return p.t("succeeded (%d)", code)
				}
				return p.t("refused (%d)", code)
			}
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
	var parts, words []string
	items := portail.ParseDetail(detail)
	for len(items) > 0 && items[0].Key == "" {
		words, items = append(words, items[0].Value), items[1:]
	}
	if call := apiCallText(p, strings.Join(words, " ")); call != "" {
		parts = append(parts, call)
	} else {
		for _, w := range words {
			if label, ok := detailKeys[w]; ok {
				w = p.t(label) // a field that changed
			}
			parts = append(parts, w)
		}
	}
	for _, it := range items {
		if it.Key == "" { // a word after the pairs
			parts = append(parts, it.Value)
			continue
		}
		v := value(it.Key, it.Value)
		if it.Changed {
			v = value(it.Key, it.From) + " → " + v
		}
		label := it.Key
		if l, ok := detailKeys[it.Key]; ok {
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
	portail.ActivityAccountCreated, portail.ActivitySubscription, portail.ActivityAccountSettings,
	portail.ActivityMFAAdded, portail.ActivityMFARemoved, portail.ActivityMFAReset, portail.ActivityMFARecoveryUsed,
	portail.ActivityMFARecoveryRenewed, portail.ActivityMFAFailed, portail.ActivityAccountSecuritySet,
	portail.ActivitySessionEnded, portail.ActivitySignedOutEverywhere, portail.ActivitySSOSettings,
	portail.ActivityPasskeyUsed, portail.ActivityPasskeyFailed,
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
	n, _, err := s.names(p)
	if err != nil {
		s.pageError(p, err)
		return
	}
	// The user filter offers the users the caller may see.
	var users []*portail.User
	if canListUsers(p.actor) {
		if users, _, err = s.Users.ListUsers(p.ctx, portail.UserFilter{Status: "all", Limit: portail.MaxPageSize}); err != nil {
			s.pageError(p, err)
			return
		}
	}
	details := make(map[int64]string, len(entries))
	for _, e := range entries {
		details[e.ID] = detailText(p, e.Detail, n.Depts)
	}
	q.Del("cursor")
	v.Data = activityData{Entries: entries, Query: q.Encode(), NextQuery: nextQuery(q, next), Users: users,
		Types: activityTypes, Details: details}
	p.render(http.StatusOK, "activity", v)
}
