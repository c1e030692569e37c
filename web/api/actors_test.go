package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portail/internal/testdb"
)

// TestActorNames: whoever may see an item sees who acted on it by name
// (SPEC §9 Wave-2 details 1): a document's sender_name, a label's
// creator_name, `actor {kind, id, name, username}` on history lines and
// activity entries (actor_id kept), and actor_kind, actor_name as the
// activity CSV's last columns. A viewer sees the operator's name, a
// department admin the admin's, though neither may open those users.
func TestActorNames(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newDocEnv(t, d)
			resp, doc := e.upload(t, "op1", map[string]string{"department_id": fmt.Sprint(e.ids["D1"]), "module": "mail"}, "letter.pdf", pdfFile("letter"))
			if resp.StatusCode != 201 {
				t.Fatalf("upload: %d %v", resp.StatusCode, doc)
			}
			if doc["sender_name"] != "Full op1" {
				t.Errorf("upload answer: sender_name %v", doc["sender_name"])
			}
			id := idOf(doc["id"])
			_, got := e.request(t, "viewer1", "GET", fmt.Sprintf("/documents/%d", id), "")
			if got["sender_name"] != "Full op1" {
				t.Errorf("viewer's document: sender_name %v", got["sender_name"])
			}
			_, list := e.request(t, "viewer1", "GET", "/documents", "")
			if it := items(t, list); len(it) != 1 || it[0]["sender_name"] != "Full op1" {
				t.Errorf("viewer's documents list: %v", list)
			}
			wantUser := func(what string, item map[string]any, who string) {
				t.Helper()
				a, _ := item["actor"].(map[string]any)
				if a == nil || a["kind"] != "user" || idOf(a["id"]) != e.ids[who] || idOf(item["actor_id"]) != e.ids[who] ||
					a["username"] != who {
					t.Errorf("%s: actor %v, actor_id %v; want the user %s", what, item["actor"], item["actor_id"], who)
				}
			}
			_, hist := e.request(t, "viewer1", "GET", fmt.Sprintf("/documents/%d/history", id), "")
			if it := items(t, hist); len(it) != 1 {
				t.Fatalf("history: %v", hist)
			} else {
				wantUser("document history", it[0], "op1")
				if a, _ := it[0]["actor"].(map[string]any); a["name"] != "Full op1" {
					t.Errorf("document history: actor name %v", a["name"])
				}
			}

			resp, label := e.request(t, "da1", "POST", "/labels", labelBody("D1"))
			if resp.StatusCode != 201 || label["creator_name"] != "Full da1" {
				t.Fatalf("label: %d creator_name %v", resp.StatusCode, label["creator_name"])
			}
			lid := idOf(label["id"])
			if _, got := e.request(t, "viewer1", "GET", fmt.Sprintf("/labels/%d", lid), ""); got["creator_name"] != "Full da1" {
				t.Errorf("viewer's label: creator_name %v", got["creator_name"])
			}
			_, hist = e.request(t, "viewer1", "GET", fmt.Sprintf("/labels/%d/history", lid), "")
			if it := items(t, hist); len(it) != 1 {
				t.Fatalf("label history: %v", hist)
			} else {
				wantUser("label history", it[0], "da1")
			}

			// da1 sees the entries about op1, written by the admin, whom
			// they may not open: the admin's name comes with them.
			_, act := e.request(t, "da1", "GET", fmt.Sprintf("/activity?user_id=%d&type=user_created", e.ids["op1"]), "")
			if it := items(t, act); len(it) != 1 {
				t.Fatalf("activity: %v", act)
			} else {
				wantUser("activity", it[0], "admin")
				if a, _ := it[0]["actor"].(map[string]any); a["name"] != "admin" {
					t.Errorf("activity: actor name %v, want the username of an admin without a full name", a["name"])
				}
			}
			// A failed sign-in names no user: the system.
			if resp, _ := e.request(t, "", "POST", "/auth/login", `{"login":"op1","password":"wrong wrong wrong"}`); resp.StatusCode != 401 {
				t.Fatalf("wrong password: %d", resp.StatusCode)
			}
			_, act = e.request(t, "admin", "GET", "/activity?type=login_failed", "")
			if it := items(t, act); len(it) == 0 {
				t.Fatalf("no login_failed entry: %v", act)
			} else if a, _ := it[0]["actor"].(map[string]any); a == nil || a["kind"] != "system" || a["id"] != nil || a["name"] != nil || it[0]["actor_id"] != nil {
				t.Errorf("login_failed: actor %v, actor_id %v", it[0]["actor"], it[0]["actor_id"])
			}

			resp, raw := e.raw(t, "da1", fmt.Sprintf("/activity.csv?user_id=%d&type=user_created", e.ids["op1"]))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("csv: %d", resp.StatusCode)
			}
			rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
			if err != nil || len(rows) != 2 {
				t.Fatalf("csv: %v %q", err, raw)
			}
			if h := rows[0]; strings.Join(h[len(h)-2:], ",") != "actor_kind,actor_name" {
				t.Errorf("csv header %v", h)
			}
			if r := rows[1]; strings.Join(r[len(r)-2:], ",") != "user,admin" {
				t.Errorf("csv row %v", r)
			}
		})
	}
}
