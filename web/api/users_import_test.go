package api_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"portail/internal/testdb"
)

// postCSV sends an import file as actor; contentType "" sends text/csv.
func (e *env) postCSV(t *testing.T, actor, query, contentType, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.url+"/users/import?"+query, strings.NewReader(body))
	if contentType == "" {
		contentType = "text/csv; charset=utf-8"
	}
	req.Header.Set("Content-Type", contentType)
	req.AddCookie(e.cookies[actor])
	e.asBrowser(req)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("import answered %d, not JSON: %s", resp.StatusCode, raw)
	}
	return resp, m
}

// problemField is the field of a problem's first error.
func problemField(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	f, _ := errs[0].(map[string]any)["field"].(string)
	return f
}

// userCount counts the users GET /users?status=all shows the admin.
func (e *env) userCount(t *testing.T) int {
	t.Helper()
	_, m := e.request(t, "admin", "GET", "/users?status=all&limit=200", "")
	items, _ := m["items"].([]any)
	return len(items)
}

// TestUsersImportAPI: POST /users/import checks a file on a dry run and
// writes nothing, then creates its valid rows; it needs dry_run and
// text/csv, is bounded, and refuses those who may add nobody.
func TestUsersImportAPI(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newDocEnv(t, dialect)
			file := "username,full_name,email,role,department,modules,language\r\n" +
				"new1,New One,new1@a.test,operator,D1,mail|parcels,nl\r\n" +
				"new2,New Two,new2@a.test,viewer,Nowhere,mail,\r\n" +
				"op1,Dup,op1@a.test,viewer,D1,,\r\n"
			before := e.userCount(t)
			resp, m := e.postCSV(t, "admin", "dry_run=true", "", file)
			if resp.StatusCode != 200 || m["dry_run"] != true || m["created"] != 1.0 || m["refused"] != 2.0 {
				t.Fatalf("dry run: %d %v", resp.StatusCode, m)
			}
			rows := m["rows"].([]any)
			r0, r1, r2 := rows[0].(map[string]any), rows[1].(map[string]any), rows[2].(map[string]any)
			if r0["status"] != "would_create" || r0["line"] != 2.0 || r0["user_id"] != nil || len(r0["errors"].([]any)) != 0 {
				t.Errorf("row 1: %v", r0)
			}
			if r1["status"] != "refused" || problemField(r1) != "department" || r2["status"] != "refused" || problemField(r2) != "username" {
				t.Errorf("rows 2, 3: %v, %v", r1, r2)
			}
			if n := e.userCount(t); n != before {
				t.Fatalf("the dry run wrote: %d users, %d before", n, before)
			}
			resp, m = e.postCSV(t, "admin", "dry_run=false", "", file)
			if resp.StatusCode != 200 || m["dry_run"] != false || m["created"] != 1.0 {
				t.Fatalf("real run: %d %v", resp.StatusCode, m)
			}
			if r := m["rows"].([]any)[0].(map[string]any); r["status"] != "created" || r["user_id"] == nil {
				t.Errorf("created row: %v", r)
			}
			if n := e.userCount(t); n != before+1 {
				t.Fatalf("the real run made %d users of %d", n-before, 1)
			}

			for _, c := range []struct {
				name, actor, query, ct, body string
				status                       int
				field                        string
			}{
				{"no dry_run", "admin", "", "", file, 400, "dry_run"},
				{"not CSV", "admin", "dry_run=true", "application/json", `{}`, 400, "Content-Type"},
				{"no header", "admin", "dry_run=true", "", "", 400, "file"},
				{"too large", "admin", "dry_run=true", "", "username,full_name,email,role\n" + strings.Repeat("x", 600<<10), 413, "file"},
				{"an operator", "op1", "dry_run=true", "", file, 403, ""},
			} {
				resp, m := e.postCSV(t, c.actor, c.query, c.ct, c.body)
				if resp.StatusCode != c.status || problemField(m) != c.field || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s: %d %v, want %d on %q", c.name, resp.StatusCode, m, c.status, c.field)
				}
			}
		})
	}
}

// TestUsersCSVAPI: GET /users.csv is the list as filtered, every page,
// with the department's name.
func TestUsersCSVAPI(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newDocEnv(t, dialect)
			resp, body := e.raw(t, "admin", "/users.csv?department_id={D2}&sort=-username")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), "users.csv") {
				t.Fatalf("users.csv: %d %v\n%s", resp.StatusCode, resp.Header, body)
			}
			recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(recs[0], ",") != "id,username,full_name,email,role,department_id,department,modules,status,language,created_at,last_login_at" {
				t.Errorf("header %v", recs[0])
			}
			if len(recs) != 3 || recs[1][1] != "op2" || recs[2][1] != "da2" || recs[1][6] != "D2" || recs[1][7] != "mail parcels classic" || recs[1][11] == "" {
				t.Errorf("rows %v", recs[1:])
			}
			// A department admin's export is their department.
			_, body = e.raw(t, "da1", "/users.csv")
			if strings.Contains(string(body), "op2") || !strings.Contains(string(body), "op1b") {
				t.Errorf("da1's export:\n%s", body)
			}
			if resp, _ := e.raw(t, "admin", "/users.csv?role=boss"); resp.StatusCode != 400 {
				t.Errorf("a bad filter: %d", resp.StatusCode)
			}
		})
	}
}
