package sqldb_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/sqldb"
)

// people is an account whose users sign in with signInPassword: boss
// (admin), admin2 (admin), da (department admin of D1), v1 (viewer of
// D1), v2 (viewer of D2); and boss2, the admin of another account.
type people struct {
	*signIn
	sessions *sqldb.SessionService
	who      map[string]*portail.User
	advance  func(time.Duration)
}

func newPeople(t *testing.T, db *sqldb.DB) *people {
	t.Helper()
	var mu sync.Mutex
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := &people{signIn: newSignIn(t, db), who: map[string]*portail.User{},
		advance: func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }}
	p.sessions = sqldb.NewSessionService(p.auth)
	p.who["boss"] = p.admin
	ctx, _ := p.signedIn(t, "boss", "192.0.2.1", "test")
	depts := sqldb.NewDepartmentService(db)
	d1, err := depts.CreateDepartment(ctx, "D1")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := depts.CreateDepartment(ctx, "D2")
	if err != nil {
		t.Fatal(err)
	}
	outbox := sqldb.NewOutboxService(db)
	for _, u := range []struct {
		name string
		role portail.Role
		dept int64
	}{{"admin2", portail.RoleAdmin, 0}, {"da", portail.RoleDepartmentAdmin, d1.ID}, {"v1", portail.RoleViewer, d1.ID}, {"v2", portail.RoleViewer, d2.ID}} {
		created, err := p.signIn.users.CreateUser(ctx, portail.UserCreate{Username: u.name, FullName: "Full " + u.name, Email: u.name + "@example.com",
			Role: u.role, DepartmentID: u.dept, Modules: portail.AllModules})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.creds.AcceptInvitation(from("192.0.2.1"), linkToken(t, outbox, created.ID), signInPassword); err != nil {
			t.Fatal(err)
		}
		p.who[u.name] = created
	}
	_, boss2, err := p.auth.Setup(context.Background(), portail.Setup{AccountName: "Other company", Plan: portail.PlanGold,
		Modules: portail.AllModules, AdminUsername: "boss2", AdminEmail: "boss2@example.com", AdminPassword: signInPassword})
	if err != nil {
		t.Fatal(err)
	}
	p.who["boss2"] = boss2
	return p
}

// signedIn signs name in from ip with the user agent ua and returns the
// context of its requests and the session's token.
func (p *people) signedIn(t *testing.T, name, ip, ua string) (context.Context, string) {
	t.Helper()
	_, token, err := tokenOf(p.auth.Login(portail.WithCaller(context.Background(), portail.Caller{IP: ip, UserAgent: ua}),
		portail.Login{Login: name, Password: signInPassword}))
	if err != nil {
		t.Fatal(err)
	}
	return p.byToken(t, token), token
}

// byToken is the context of a request with the session token.
func (p *people) byToken(t *testing.T, token string) context.Context {
	t.Helper()
	_, sess, actor, err := p.auth.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return portail.WithCaller(context.Background(), portail.Caller{Actor: actor, SessionID: sess.ID, IP: "192.0.2.9", UserAgent: "test"})
}

// byKey is the context of a request with the API key from ip, as
// web/request builds it.
func (p *people) byKey(key, ip, ua string) (context.Context, error) {
	_, k, actor, err := p.creds.AuthenticateAPIKey(portail.WithCaller(context.Background(), portail.Caller{IP: ip, UserAgent: ua}), key)
	if err != nil {
		return nil, err
	}
	return portail.WithCaller(context.Background(), portail.Caller{Actor: actor, APIKeyID: k.ID, IP: ip, UserAgent: ua}), nil
}

func (p *people) mustKey(t *testing.T, ctx context.Context, name string) (*portail.APIKey, string) {
	t.Helper()
	k, key, err := p.creds.CreateAPIKey(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return k, key
}

// allItems reads every page of a list, limit items at a time.
func allItems(t *testing.T, limit int, list func(limit int, cursor string) ([]*portail.SessionItem, string, error)) []*portail.SessionItem {
	t.Helper()
	var out []*portail.SessionItem
	cursor := ""
	for pages := 0; ; pages++ {
		items, next, err := list(limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > limit || pages > 20 {
			t.Fatalf("page %d has %d items, limit %d", pages, len(items), limit)
		}
		out = append(out, items...)
		if next == "" {
			return out
		}
		cursor = next
	}
}

func itemIDs(items []*portail.SessionItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ItemID())
	}
	return out
}

// TestSessionsInSight: a user's list holds their browser session (the
// current one marked) and their API keys, with where each was used from;
// it pages with a cursor; ending an item ends exactly it, and an API key
// ended is refused at once (C12).
func TestSessionsInSight(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		p := newPeople(t, db)
		const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
		v1, token := p.signedIn(t, "v1", "198.51.100.7", firefox)
		var keys []string
		for _, name := range []string{"first", "second", "third"} {
			_, key := p.mustKey(t, v1, name)
			keys = append(keys, key)
		}
		other, otherToken := p.signedIn(t, "v2", "198.51.100.8", "test")
		_, otherKey := p.mustKey(t, other, "v2's")

		// A key's use is recorded with its address, once a minute at most.
		if _, err := p.byKey(keys[0], "203.0.113.5", "curl/8.11.1"); err != nil {
			t.Fatal(err)
		}
		p.advance(30 * time.Second)
		if _, err := p.byKey(keys[0], "203.0.113.99", "curl/9"); err != nil {
			t.Fatal(err)
		}
		items, next, err := p.sessions.ListMySessions(v1, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if next != "" || len(items) != 4 {
			t.Fatalf("%d items (next %q), want the browser and 3 keys", len(items), next)
		}
		if b := items[0]; b.Kind != portail.SessionBrowser || !b.Current || b.IP != "198.51.100.7" || b.UserAgent != firefox || b.LastSeenAt == nil {
			t.Errorf("browser item %+v", b)
		}
		for _, it := range items[1:] {
			if it.Kind != portail.SessionAPIKey || it.Current {
				t.Errorf("key item %+v", it)
			}
		}
		if k := items[3]; k.Name != "first" || k.IP != "203.0.113.5" || k.UserAgent != "curl/8.11.1" || k.LastSeenAt == nil {
			t.Errorf("the first key's use: %+v (the second use, within a minute, writes nothing)", k)
		}
		if k := items[1]; k.Name != "third" || k.LastSeenAt != nil || k.IP != "" {
			t.Errorf("a key never used: %+v", k)
		}
		p.advance(31 * time.Second)
		byKey, err := p.byKey(keys[0], "203.0.113.99", "curl/9")
		if err != nil {
			t.Fatal(err)
		}
		items, _, err = p.sessions.ListMySessions(byKey, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Current != (it.Kind == portail.SessionAPIKey && it.Name == "first") {
				t.Errorf("called with the first key: %s current=%v", it.ItemID(), it.Current)
			}
			if it.Name == "first" && (it.IP != "203.0.113.99" || it.UserAgent != "curl/9") {
				t.Errorf("a use a minute later is recorded: %+v", it)
			}
		}

		// Pages of 1, 2, 3 hold the same items in the same order.
		whole := itemIDs(items)
		for _, limit := range []int{1, 2, 3} {
			got := itemIDs(allItems(t, limit, func(l int, c string) ([]*portail.SessionItem, string, error) {
				return p.sessions.ListMySessions(v1, l, c)
			}))
			if !slices.Equal(got, whole) {
				t.Errorf("pages of %d: %v, want %v", limit, got, whole)
			}
		}
		for _, bad := range []struct {
			limit  int
			cursor string
		}{{-1, ""}, {portail.MaxPageSize + 1, ""}, {0, "not a cursor!"}, {0, "YQ"}} {
			if _, _, err := p.sessions.ListMySessions(v1, bad.limit, bad.cursor); code(err) != portail.EINVALID {
				t.Errorf("limit %d cursor %q: %v, want invalid", bad.limit, bad.cursor, err)
			}
		}

		// Ending a key revokes it; a second end, a foreign id, garbage: not found.
		keyItem := items[3].ItemID()
		if err := p.sessions.EndMySession(v1, keyItem); err != nil {
			t.Fatal(err)
		}
		if _, err := p.byKey(keys[0], "203.0.113.5", "curl"); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("the ended key: %v, want unauthenticated", err)
		}
		if _, err := p.byKey(keys[1], "203.0.113.5", "curl"); err != nil {
			t.Errorf("another key of the user: %v", err)
		}
		otherItems, _, err := p.sessions.ListMySessions(other, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range append(itemIDs(otherItems), keyItem, "bs_999999", "garbage", "") {
			if err := p.sessions.EndMySession(v1, id); code(err) != portail.ENOTFOUND {
				t.Errorf("ending %q as v1: %v, want not_found", id, err)
			}
		}
		if _, err := p.byKey(otherKey, "203.0.113.5", "curl"); err != nil {
			t.Errorf("v2's key after v1 tried it: %v", err)
		}
		if _, _, _, err := p.auth.Authenticate(context.Background(), otherToken); err != nil {
			t.Errorf("v2's session after v1 tried it: %v", err)
		}

		// C6 still holds: a new sign-in replaces the session, and the
		// last sign-in shown is the one before.
		p.advance(time.Minute)
		v1b, tokenB := p.signedIn(t, "v1", "198.51.100.50", "curl/8")
		if _, _, _, err := p.auth.Authenticate(context.Background(), token); code(err) != portail.ESESSIONREPLACED {
			t.Errorf("the first session after a second sign-in: %v, want session_replaced", err)
		}
		last, err := p.sessions.LastSignIn(v1b)
		if err != nil {
			t.Fatal(err)
		}
		if last == nil || last.IP != "198.51.100.7" || last.UserAgent != firefox {
			t.Errorf("last sign-in %+v, want the first session's", last)
		}
		items, _, err = p.sessions.ListMySessions(v1b, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if browsers := slices.DeleteFunc(slices.Clone(items), func(it *portail.SessionItem) bool { return it.Kind != portail.SessionBrowser }); len(browsers) != 1 || !browsers[0].Current || browsers[0].IP != "198.51.100.50" {
			t.Errorf("browser items after a second sign-in: %v", itemIDs(browsers))
		}

		// Ending a browser session: its next request is told why.
		// From another place: a program with the user's other key.
		withKey, err := p.byKey(keys[1], "203.0.113.5", "curl")
		if err != nil {
			t.Fatal(err)
		}
		if items[0].Kind != portail.SessionBrowser {
			t.Fatalf("first item %+v", items[0])
		}
		if err := p.sessions.EndMySession(withKey, items[0].ItemID()); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := p.auth.Authenticate(context.Background(), tokenB); code(err) != portail.ESESSIONENDED {
			t.Errorf("an ended session: %v, want session_ended", err)
		}
		entries, _, err := sqldb.NewActivityService(db).ListActivity(p.session(t), portail.ActivityFilter{UserID: p.who["v1"].ID})
		if err != nil {
			t.Fatal(err)
		}
		var types []portail.ActivityType
		for _, e := range entries {
			types = append(types, e.Type)
			if e.Type == portail.ActivitySessionEnded && (e.ActorID != p.who["v1"].ID || e.Detail == "") {
				t.Errorf("session_ended entry %+v", e)
			}
			if e.Type == portail.ActivityAPIKeyRevoked && e.Detail != "name=first prefix="+keys[0][:12] {
				t.Errorf("api_key_revoked entry %+v", e)
			}
		}
		for _, want := range []portail.ActivityType{portail.ActivitySessionEnded, portail.ActivityAPIKeyRevoked} {
			if !slices.Contains(types, want) {
				t.Errorf("v1's activity %v lacks %s", types, want)
			}
		}
	})
}

// TestSignOutEverywhere: admins see and end any user's sessions, a
// department admin their department's non-admins'; a user the caller may
// not see is not found; signing out ends the browser sessions and leaves
// the API keys (C12, SPEC §9 Wave-2 details 10).
func TestSignOutEverywhere(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		p := newPeople(t, db)
		boss, _ := p.signedIn(t, "boss", "192.0.2.1", "test")
		da, _ := p.signedIn(t, "da", "192.0.2.2", "test")
		boss2, _ := p.signedIn(t, "boss2", "192.0.2.3", "test")
		v1, token := p.signedIn(t, "v1", "198.51.100.7", "test")
		_, key := p.mustKey(t, v1, "robot")
		v2, _ := p.signedIn(t, "v2", "198.51.100.8", "test")
		p.signedIn(t, "admin2", "198.51.100.9", "test")

		// Another user's list: both kinds, none current.
		for _, ctx := range []context.Context{boss, da} {
			items, _, err := p.sessions.ListUserSessions(ctx, p.who["v1"].ID, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 2 || items[0].Kind != portail.SessionBrowser || items[1].Kind != portail.SessionAPIKey {
				t.Fatalf("v1's sessions seen by a manager: %v", itemIDs(items))
			}
			for _, it := range items {
				if it.Current {
					t.Errorf("%s is current in another user's list", it.ItemID())
				}
			}
		}
		// Refusals: a department admin neither sees an admin nor another
		// department's user, nobody another account's; as everywhere on
		// users, what one may not see is not found.
		for _, c := range []struct {
			who    string
			ctx    context.Context
			target string
		}{{"da", da, "admin2"}, {"da", da, "boss"}, {"da", da, "v2"}, {"v1", v1, "v2"}, {"v1", v1, "da"}, {"v2", v2, "v1"}, {"boss2", boss2, "v1"}, {"boss", boss, "boss2"}} {
			if _, _, err := p.sessions.ListUserSessions(c.ctx, p.who[c.target].ID, 0, ""); code(err) != portail.ENOTFOUND {
				t.Errorf("%s lists %s's sessions: %v, want not_found", c.who, c.target, err)
			}
			if err := p.sessions.SignOut(c.ctx, p.who[c.target].ID); code(err) != portail.ENOTFOUND {
				t.Errorf("%s signs %s out: %v, want not_found", c.who, c.target, err)
			}
		}
		if err := p.sessions.SignOut(boss, 999999); code(err) != portail.ENOTFOUND {
			t.Errorf("a user who does not exist: %v", err)
		}
		// The refusals ended nothing.
		for _, name := range []string{"admin2", "v2", "boss"} {
			items, _, err := p.sessions.ListUserSessions(boss, p.who[name].ID, 0, "")
			if err != nil || len(items) != 1 {
				t.Errorf("%s's sessions after the refusals: %d, %v", name, len(items), err)
			}
		}
		if _, _, _, err := p.auth.Authenticate(context.Background(), token); err != nil {
			t.Fatalf("v1 before the sign-out: %v", err)
		}

		if err := p.sessions.SignOut(da, p.who["v1"].ID); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := p.auth.Authenticate(context.Background(), token); code(err) != portail.ESESSIONENDED {
			t.Errorf("v1's session after the sign-out: %v, want session_ended", err)
		}
		if _, err := p.byKey(key, "203.0.113.5", "curl"); err != nil {
			t.Errorf("v1's API key after the sign-out: %v", err)
		}
		items, _, err := p.sessions.ListUserSessions(boss, p.who["v1"].ID, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || items[0].Kind != portail.SessionAPIKey {
			t.Errorf("v1's sessions after the sign-out: %v", itemIDs(items))
		}
		// Signing out again ends nothing more and is no error; other
		// users keep their sessions.
		if err := p.sessions.SignOut(boss, p.who["v1"].ID); err != nil {
			t.Fatal(err)
		}
		if items, _, err := p.sessions.ListMySessions(v2, 0, ""); err != nil || len(items) != 1 || !items[0].Current {
			t.Errorf("v2's own list after v1's sign-out: %v, %v", items, err)
		}
		entries, _, err := sqldb.NewActivityService(db).ListActivity(boss, portail.ActivityFilter{UserID: p.who["v1"].ID, Type: portail.ActivitySignedOutEverywhere})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[1].ActorID != p.who["da"].ID || entries[0].ActorID != p.who["boss"].ID ||
			entries[0].Detail != "signed out everywhere by an administrator" {
			t.Errorf("signed_out_everywhere entries: %+v", entries)
		}
	})
}

// TestEndSessionRace: two requests ending the same item at once end it
// once, with one activity entry; the other answers not found.
func TestEndSessionRace(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		p := newPeople(t, db)
		v1, _ := p.signedIn(t, "v1", "198.51.100.7", "test")
		_, key := p.mustKey(t, v1, "robot")
		items, _, err := p.sessions.ListMySessions(v1, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() { errs[i] = p.sessions.EndMySession(v1, it.ItemID()) })
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) || code(errs[0])+code(errs[1]) != portail.ENOTFOUND {
				t.Errorf("ending %s twice at once: %v, %v", it.ItemID(), errs[0], errs[1])
			}
		}
		if _, err := p.byKey(key, "203.0.113.5", "curl"); code(err) != portail.EUNAUTHENTICATED {
			t.Errorf("the key: %v", err)
		}
		entries, _, err := sqldb.NewActivityService(db).ListActivity(p.session(t), portail.ActivityFilter{UserID: p.who["v1"].ID})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Type == portail.ActivitySessionEnded || e.Type == portail.ActivityAPIKeyRevoked {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d end entries, want one per item", n)
		}
	})
}
