package web

import (
	"net/http"

	"portail"
)

func (s *Server) registerActivityPages() {
	s.handle("GET /activity", s.signedIn(s.uiActivity))
}

type activityData struct {
	Entries []*portail.Activity
	Next    string
	Query   string // the filters, for the CSV link and the next page
	Users   []*portail.User
	Names   map[int64]string // usernames by id, for the actor column
	Types   []portail.ActivityType
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

func (s *Server) uiActivity(p *page) {
	q := p.r.URL.Query()
	v := p.view("Activity log")
	v.Nav.Current = "activity"
	for _, k := range []string{"user_id", "type", "from", "to"} {
		v.Form[k] = q.Get(k)
	}
	f, err := activityFilter(q)
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
	users, _, err := s.Users.ListUsers(p.ctx, portail.UserFilter{Status: "all", Limit: portail.MaxPageSize})
	if err != nil {
		s.pageError(p, err)
		return
	}
	filters := q
	filters.Del("cursor")
	names := map[int64]string{p.me.ID: p.me.Username}
	for _, u := range users {
		names[u.ID] = u.Username
	}
	v.Data = activityData{Entries: entries, Next: next, Query: filters.Encode(), Users: users, Names: names, Types: activityTypes}
	p.render(http.StatusOK, "activity", v)
}
