package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"portail/internal/testdb"
)

// bearer sends one request with an API key instead of a cookie.
func (e *env) bearer(t *testing.T, key, method, path string) (*http.Response, map[string]any) {
	t.Helper()
	return e.request(t, "bearer "+key, method, path, "")
}

// sessionItems reads a sessions list answer, checking each item's members.
func sessionItems(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	list := items(t, body)
	for _, it := range list {
		for _, k := range []string{"id", "kind", "created_at", "last_seen_at", "ip", "user_agent", "current", "name"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item %v lacks %q", it, k)
			}
		}
		if id, _ := it["id"].(string); id == "" {
			t.Errorf("item id %v is not a string", it["id"])
		}
	}
	return list
}

func kinds(list []map[string]any) []string {
	var out []string
	for _, it := range list {
		out = append(out, it["kind"].(string))
	}
	return out
}

// TestSessionsAPI: GET and DELETE /me/sessions, GET /users/{id}/sessions
// and POST /users/{id}/sign-out, with their refusals, on both databases
// (C12, SPEC §9 Identity, Wave-2 details 10).
func TestSessionsAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d)
			var keys []string
			for _, name := range []string{"one", "two", "three"} {
				_, body := e.request(t, "viewer1", "POST", "/me/api-keys", `{"name":"`+name+`"}`)
				keys = append(keys, body["key"].(string))
			}
			if resp, _ := e.bearer(t, keys[0], "GET", "/me"); resp.StatusCode != 200 {
				t.Fatalf("a new key: %d", resp.StatusCode)
			}

			// The caller's own list: the browser first, current, then the keys.
			_, body := e.request(t, "viewer1", "GET", "/me/sessions", "")
			list := sessionItems(t, body)
			if got := kinds(list); !slices.Equal(got, []string{"browser", "api_key", "api_key", "api_key"}) {
				t.Fatalf("kinds %v", got)
			}
			if list[0]["current"] != true || list[0]["name"] != nil {
				t.Errorf("the browser item %v", list[0])
			}
			for _, it := range list[1:] {
				if it["current"] != false {
					t.Errorf("a key is current for the cookie: %v", it)
				}
			}
			if k := list[3]; k["name"] != "one" || k["user_agent"] != "curl/8.11.1" || k["ip"] == "" || k["last_seen_at"] == nil {
				t.Errorf("the used key %v", k)
			}
			if k := list[2]; k["name"] != "two" || k["last_seen_at"] != nil {
				t.Errorf("a key never used %v", k)
			}
			// With a key, that key is the current one.
			_, body = e.bearer(t, keys[0], "GET", "/me/sessions")
			for _, it := range sessionItems(t, body) {
				if want := it["name"] == "one"; it["current"] != want {
					t.Errorf("with key one: %v", it)
				}
			}

			// Pages of one.
			var ids, paged []string
			for _, it := range list {
				ids = append(ids, it["id"].(string))
			}
			for path, n := "/me/sessions?limit=1", 0; ; n++ {
				resp, page := e.request(t, "viewer1", "GET", path, "")
				if resp.StatusCode != 200 || n > 10 {
					t.Fatalf("page %d: %d %v", n, resp.StatusCode, page)
				}
				got := sessionItems(t, page)
				if len(got) != 1 {
					t.Fatalf("page %d has %d items", n, len(got))
				}
				paged = append(paged, got[0]["id"].(string))
				next, _ := page["next_cursor"].(string)
				if next == "" {
					break
				}
				path = "/me/sessions?limit=1&cursor=" + url.QueryEscape(next)
			}
			if !slices.Equal(paged, ids) {
				t.Errorf("pages %v, want %v", paged, ids)
			}
			e.run(t, []apiScenario{
				{name: "bad cursor", actor: "viewer1", method: "GET", path: "/me/sessions?cursor=zzz", wantStatus: 400, wantCode: "invalid", check: fieldErrors("cursor")},
				{name: "bad limit", actor: "viewer1", method: "GET", path: "/me/sessions?limit=201", wantStatus: 400, wantCode: "invalid", check: fieldErrors("limit")},
				{name: "anonymous list", method: "GET", path: "/me/sessions", wantStatus: 401, wantCode: "unauthenticated"},
				{name: "anonymous end", method: "DELETE", path: "/me/sessions/bs_1", wantStatus: 401, wantCode: "unauthenticated"},
				{name: "anonymous user list", method: "GET", path: "/users/{viewer1}/sessions", wantStatus: 401, wantCode: "unauthenticated"},
				{name: "anonymous sign-out", method: "POST", path: "/users/{viewer1}/sign-out", wantStatus: 401, wantCode: "unauthenticated"},
			})

			// Ending one's key: the key is refused at once, the others work.
			if resp, _ := e.request(t, "viewer1", "DELETE", "/me/sessions/"+ids[3], ""); resp.StatusCode != 204 {
				t.Fatalf("ending key one: %d", resp.StatusCode)
			}
			if resp, body := e.bearer(t, keys[0], "GET", "/me"); resp.StatusCode != 401 || body["code"] != "unauthenticated" {
				t.Errorf("the ended key: %d %v", resp.StatusCode, body)
			}
			if resp, _ := e.bearer(t, keys[1], "GET", "/me"); resp.StatusCode != 200 {
				t.Errorf("key two: %d", resp.StatusCode)
			}
			// Another user's item, an ended one, garbage: not found.
			_, body = e.request(t, "op1", "GET", "/me/sessions", "")
			opItem := sessionItems(t, body)[0]["id"].(string)
			for _, id := range []string{ids[3], opItem, "bs_99999", "42", "ak_x"} {
				if resp, body := e.request(t, "viewer1", "DELETE", "/me/sessions/"+id, ""); resp.StatusCode != 404 || body["code"] != "not_found" {
					t.Errorf("DELETE /me/sessions/%s: %d %v", id, resp.StatusCode, body)
				}
			}
			if resp, _ := e.request(t, "op1", "GET", "/me", ""); resp.StatusCode != 200 {
				t.Errorf("op1 after viewer1 tried their session: %d", resp.StatusCode)
			}

			// A manager's view: the same list, nothing current.
			for _, who := range []string{"admin", "da1"} {
				resp, body := e.request(t, who, "GET", "/users/{viewer1}/sessions", "")
				if resp.StatusCode != 200 {
					t.Fatalf("%s lists viewer1's sessions: %d %v", who, resp.StatusCode, body)
				}
				got := sessionItems(t, body)
				if !slices.Equal(kinds(got), []string{"browser", "api_key", "api_key"}) {
					t.Errorf("%s sees %v", who, kinds(got))
				}
				for _, it := range got {
					if it["current"] != false {
						t.Errorf("%s sees a current item %v", who, it)
					}
				}
			}
			e.run(t, []apiScenario{
				{name: "pages of another user's list", actor: "admin", method: "GET", path: "/users/{viewer1}/sessions?limit=2", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						if len(sessionItems(t, body)) != 2 || body["next_cursor"] == nil {
							t.Errorf("first page of 2: %v", body)
						}
					}},
				// What the caller may not see is not found, as on every users route.
				{name: "dept admin: an admin", actor: "da1", method: "GET", path: "/users/{admin}/sessions", wantStatus: 404, wantCode: "not_found"},
				{name: "dept admin: another department", actor: "da1", method: "GET", path: "/users/{user2}/sessions", wantStatus: 404, wantCode: "not_found"},
				{name: "dept admin: sign out an admin", actor: "da1", method: "POST", path: "/users/{admin}/sign-out", wantStatus: 404, wantCode: "not_found"},
				{name: "dept admin: sign out another department", actor: "da1", method: "POST", path: "/users/{user2}/sign-out", wantStatus: 404, wantCode: "not_found"},
				{name: "operator: someone else", actor: "op1", method: "GET", path: "/users/{viewer1}/sessions", wantStatus: 404, wantCode: "not_found"},
				{name: "viewer: sign out someone", actor: "viewer1", method: "POST", path: "/users/{op1}/sign-out", wantStatus: 404, wantCode: "not_found"},
				{name: "other account", actor: "badmin", method: "GET", path: "/users/{viewer1}/sessions", wantStatus: 404, wantCode: "not_found"},
				{name: "other account sign-out", actor: "badmin", method: "POST", path: "/users/{viewer1}/sign-out", wantStatus: 404, wantCode: "not_found"},
				{name: "malformed id", actor: "admin", method: "GET", path: "/users/x/sessions", wantStatus: 404, wantCode: "not_found"},
				{name: "the refusals signed nobody out", actor: "admin", method: "GET", path: "/me", wantStatus: 200},
				{name: "user2 still in", actor: "user2", method: "GET", path: "/me", wantStatus: 200},
				{name: "viewer1 still in", actor: "viewer1", method: "GET", path: "/me", wantStatus: 200},
				// An admin signs viewer1 out everywhere: the browser is told
				// why at its next request, the API keys stay.
				{name: "sign out everywhere", actor: "admin", method: "POST", path: "/users/{viewer1}/sign-out", wantStatus: 204},
				{name: "viewer1's browser", actor: "viewer1", method: "GET", path: "/me", wantStatus: 401, wantCode: "session_ended"},
				{name: "viewer1's browser stays out", actor: "viewer1", method: "GET", path: "/me/sessions", wantStatus: 401, wantCode: "session_ended"},
				{name: "the admin is still in", actor: "admin", method: "GET", path: "/me", wantStatus: 200},
				{name: "only keys are left", actor: "admin", method: "GET", path: "/users/{viewer1}/sessions", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						if got := kinds(sessionItems(t, body)); !slices.Equal(got, []string{"api_key", "api_key"}) {
							t.Errorf("after the sign-out: %v", got)
						}
					}},
				{name: "dept admin signs out their user", actor: "da1", method: "POST", path: "/users/{op1}/sign-out", wantStatus: 204},
				{name: "op1's browser", actor: "op1", method: "GET", path: "/me", wantStatus: 401, wantCode: "session_ended"},
				// C6 still holds.
				{name: "a sign-in", method: "POST", path: "/auth/login", body: `{"login":"op1","password":"{pw}"}`, wantStatus: 200, saveCookie: "op1a"},
				{name: "another sign-in", method: "POST", path: "/auth/login", body: `{"login":"op1","password":"{pw}"}`, wantStatus: 200, saveCookie: "op1b"},
				{name: "the first is replaced", actor: "op1a", method: "GET", path: "/me", wantStatus: 401, wantCode: "session_replaced"},
				{name: "one browser session", actor: "op1b", method: "GET", path: "/me/sessions", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						got := sessionItems(t, body)
						if len(got) != 1 || got[0]["current"] != true {
							t.Errorf("op1's sessions: %v", got)
						}
					}},
				// Ending one's own browser session from itself works too.
				{name: "end the current session", actor: "op1b", method: "GET", path: "/me/sessions", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						id := sessionItems(t, body)[0]["id"].(string)
						if resp, _ := e.request(t, "op1b", "DELETE", "/me/sessions/"+id, ""); resp.StatusCode != 204 {
							t.Errorf("DELETE its own session: %d", resp.StatusCode)
						}
					}},
				{name: "the ended session", actor: "op1b", method: "GET", path: "/me", wantStatus: 401, wantCode: "session_ended"},
				{name: "the activity says who", actor: "admin", method: "GET", path: "/activity?user_id={viewer1}&type=signed_out_everywhere", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						got := items(t, body)
						if len(got) != 1 || idOf(got[0]["actor_id"]) != e.ids["admin"] {
							t.Errorf("signed_out_everywhere entries %v", got)
						}
					}},
			})
			// The keys left still work after the sign-out.
			if resp, _ := e.bearer(t, keys[2], "GET", "/me"); resp.StatusCode != 200 {
				t.Errorf("key three after the sign-out: %d", resp.StatusCode)
			}
		})
	}
}
