package ui

import (
	"time"

	"portail"
)

// Sessions in sight (C12): the profile's "where you are signed in" with
// the last sign-in, and the user edit page's list with "sign out
// everywhere". Both show the items of portail.SessionService.

func (s *Handler) registerSessionPages() {
	s.handle("POST /profile/sessions/{id}/end", s.signedIn(s.endMySession))
	s.handle("POST /users/{id}/sign-out", s.signedIn(s.userAction("signed_out", func(p *page, id int64) error {
		return s.Sessions.SignOut(p.ctx, id)
	})))
}

// sessionRow is one item as the pages say it.
type sessionRow struct {
	ID         string
	Browser    bool // a browser session, else an API key
	Name       string
	Prefix     string
	Software   string // "Firefox on Windows", in the reader's language
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt *time.Time
	Current    bool
}

// sessionsData is the partials' data (templates/_profile_sessions.html).
type sessionsData struct {
	Rows []sessionRow
	// More is set when the user has more items than one page shows.
	More bool
	// LastSignIn is the start of the session before the current one
	// (the profile only); nil when none is kept.
	LastSignIn *sessionRow
	// UserID is the user of an edit page, whose sessions an admin may end.
	UserID  int64
	Profile bool
}

// software says a user agent in words.
func software(p *page, ua string) string {
	sw := portail.ParseUserAgent(ua)
	switch {
	case sw.Browser != "" && sw.OS != "":
		return p.t("%s on %s", sw.Browser, sw.OS)
	case sw.Browser != "":
		return sw.Browser
	case sw.OS != "":
		return p.t("A program on %s", sw.OS)
	}
	return p.t("Unknown browser or program")
}

func sessionRows(p *page, items []*portail.SessionItem) []sessionRow {
	rows := make([]sessionRow, len(items))
	for i, it := range items {
		rows[i] = sessionRow{ID: it.ItemID(), Browser: it.Kind == portail.SessionBrowser, Name: it.Name, Prefix: it.Prefix,
			Software: software(p, it.UserAgent), UserAgent: it.UserAgent, IP: it.IP, CreatedAt: it.CreatedAt,
			LastSeenAt: it.LastSeenAt, Current: it.Current}
	}
	return rows
}

// mySessions is the profile's section: one page, the largest, of the
// caller's items, and their last sign-in.
func (s *Handler) mySessions(p *page) (*sessionsData, error) {
	items, next, err := s.Sessions.ListMySessions(p.ctx, portail.MaxPageSize, "")
	if err != nil {
		return nil, err
	}
	d := &sessionsData{Rows: sessionRows(p, items), More: next != "", Profile: true}
	last, err := s.Sessions.LastSignIn(p.ctx)
	if err != nil {
		return nil, err
	}
	if last != nil {
		d.LastSignIn = &sessionRow{CreatedAt: last.At, IP: last.IP, UserAgent: last.UserAgent, Software: software(p, last.UserAgent)}
	}
	return d, nil
}

// userSessions is the edit page's section, for whoever may manage the
// user's sessions; nil for anyone else.
func (s *Handler) userSessions(p *page, u *portail.User) (*sessionsData, error) {
	if !portail.Can(p.actor, portail.ActManageSessions, u.Resource()) {
		return nil, nil
	}
	items, next, err := s.Sessions.ListUserSessions(p.ctx, u.ID, portail.MaxPageSize, "")
	if err != nil {
		return nil, err
	}
	return &sessionsData{Rows: sessionRows(p, items), More: next != "", UserID: u.ID}, nil
}

// endMySession ends one of the caller's items from the profile. Ending
// the session of this very browser signs it out, as the sign-out button
// does.
func (s *Handler) endMySession(p *page) {
	id := p.r.PathValue("id")
	current := id == portail.SessionItemID(portail.SessionBrowser, portail.CallerFrom(p.ctx).SessionID)
	if err := s.Sessions.EndMySession(p.ctx, id); err != nil {
		s.pageError(p, err)
		return
	}
	if current {
		s.site.Cookies().ClearSession(p.w)
		p.redirect("/login?signed_out=1")
		return
	}
	if kind, _, _ := portail.ParseSessionItemID(id); kind == portail.SessionAPIKey {
		p.redirect("/profile?done=revoked#sessions-title")
		return
	}
	p.redirect("/profile?done=ended#sessions-title")
}
