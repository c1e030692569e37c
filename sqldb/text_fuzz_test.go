package sqldb_test

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// FuzzOutsideText sends any text where outside input reaches the
// databases (a search, a cursor, an activity type filter, a login name, a
// logged detail and User-Agent) to SQLite and PostgreSQL alike. Neither
// answers anything but a result or EINVALID (PostgreSQL refuses NUL and
// invalid UTF-8 in text; SQLite takes them), both answer the same, and
// what the log keeps reads back the same, as valid UTF-8 without NUL.
func FuzzOutsideText(f *testing.F) {
	for _, s := range []string{"", "a", "admin", "\x00", "a\x00b", "\xff", "\xc3\x28", "%", "_", `\`, "é", "\u2028", "ß",
		"username|a", "login_failed", strings.Repeat("\xff", 300)} {
		f.Add(s)
	}
	type side struct {
		name     string
		f        *fixture
		activity *sqldb.ActivityService
	}
	var sides []side
	for _, d := range testdb.Dialects {
		db := MustOpen(f, d)
		fx := MustAccount(f, db, "f", portail.PlanEnterprise)
		dept := fx.MustDepartment(f, "D1")
		fx.MustUser(f, "alice", portail.RoleOperator, dept.ID, portail.AllModules)
		fx.MustUser(f, "bob_b", portail.RoleViewer, dept.ID, portail.AllModules)
		sides = append(sides, side{d, fx, sqldb.NewActivityService(db)})
	}
	f.Fuzz(func(t *testing.T, text string) {
		var users [][]string
		var logged []*portail.Activity
		for _, s := range sides {
			ok := func(what string, err error) bool {
				t.Helper()
				if err != nil && portail.ErrorCode(err) != portail.EINVALID {
					t.Fatalf("%s on %s with %q: %v", what, s.name, text, err)
				}
				return err == nil
			}
			as := s.f.as(s.f.admin)
			list, _, err := s.f.users.ListUsers(as, portail.UserFilter{Query: text, Status: "all"})
			if ok("ListUsers q", err) {
				var names []string
				for _, u := range list {
					names = append(names, u.Username)
				}
				users = append(users, names)
			}
			cursor := base64.RawURLEncoding.EncodeToString([]byte("1:username|" + text))
			_, _, err = s.f.users.ListUsers(as, portail.UserFilter{Cursor: cursor})
			ok("ListUsers cursor", err)
			_, _, err = s.activity.ListActivity(as, portail.ActivityFilter{Type: portail.ActivityType(text)})
			ok("ListActivity type", err)

			anon := portail.WithCaller(context.Background(), portail.Caller{IP: "192.0.2.9", UserAgent: text})
			if _, _, err := tokenOf(s.f.auth.Login(anon, portail.Login{Login: text, Password: "not the password", Device: text})); err == nil {
				t.Fatalf("Login on %s with %q signed in", s.name, text)
			} else if c := portail.ErrorCode(err); c != portail.EUNAUTHENTICATED && c != portail.ETOOMANYATTEMPTS && c != portail.EINVALID {
				t.Fatalf("Login on %s with %q: %v", s.name, text, err)
			}

			if err := s.activity.RecordActivity(as, portail.Activity{AccountID: s.f.acct.ID, UserID: s.f.admin.ID, ActorID: s.f.admin.ID,
				Type: portail.ActivityFetch, Detail: text, IP: "192.0.2.9", UserAgent: text}); err != nil {
				t.Fatalf("RecordActivity on %s with %q: %v", s.name, text, err)
			}
			got, _, err := s.activity.ListActivity(as, portail.ActivityFilter{Type: portail.ActivityFetch, Limit: 1})
			if err != nil || len(got) != 1 {
				t.Fatalf("ListActivity on %s: %v, %d entries", s.name, err, len(got))
			}
			for _, v := range []string{got[0].Detail, got[0].UserAgent} {
				if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
					t.Fatalf("%s logged %q as %q", s.name, text, v)
				}
			}
			logged = append(logged, got[0])
		}
		if len(users) == 2 && !slices.Equal(users[0], users[1]) {
			t.Fatalf("q=%q finds %v on %s, %v on %s", text, users[0], sides[0].name, users[1], sides[1].name)
		}
		if a, b := logged[0], logged[1]; a.Detail != b.Detail || a.UserAgent != b.UserAgent {
			t.Fatalf("%q logged as (%q, %q) on %s, (%q, %q) on %s", text, a.Detail, a.UserAgent, sides[0].name, b.Detail, b.UserAgent, sides[1].name)
		}
	})
}
