package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
)

// pocketBase is stock PocketBase (examples/base) with the same users: a
// text field department (indexed, as its user would), list and view open
// to any signed-in user, users created through its batch API.
type pocketBase struct {
	s      *server
	admin  string // a superuser's token
	logins []login
	tokens []string // each login user's token
	seeded string   // a seeded record's id
	seeds  int
}

const pbPassword = "bench-user-password-42"

func newPocketBase(bin string) *pocketBase {
	dir := filepath.Join(workDir, "pocketbase")
	os.MkdirAll(dir, 0o755)
	if out, err := run(timeoutSetup, bin, "superuser", "upsert", "root@bench.test", adminPassword, "--dir", dir); err != nil {
		fatalf("pocketbase superuser: %v\n%s", err, out)
	}
	port := freePort()
	pb := &pocketBase{}
	pb.s = start("pocketbase", bin, []string{"serve", "--http", fmt.Sprintf("127.0.0.1:%d", port), "--dir", dir}, nil,
		port, "/api/health", filepath.Join(workDir, "pocketbase.log"))
	return pb
}

func (pb *pocketBase) name() string    { return "PocketBase" }
func (pb *pocketBase) server() *server { return pb.s }

func (pb *pocketBase) auth() map[string]string { return map[string]string{"Authorization": pb.admin} }

// cost sets the bcrypt cost of the users' password field (0: its
// default, 10): 4 while seeding only, so that the seed takes seconds.
func (pb *pocketBase) cost(c int) {
	var col map[string]any
	must(http.StatusOK, &col, "GET", pb.s.base+"/api/collections/users", nil, pb.auth())
	fields := col["fields"].([]any)
	for _, f := range fields {
		if m := f.(map[string]any); m["name"] == "password" {
			m["cost"] = c
		}
	}
	must(http.StatusOK, nil, "PATCH", pb.s.base+"/api/collections/users", map[string]any{"fields": fields}, pb.auth())
}

func (pb *pocketBase) seedFirst(first int) {
	var tok struct{ Token string }
	must(http.StatusOK, &tok, "POST", pb.s.base+"/api/collections/_superusers/auth-with-password",
		map[string]string{"identity": "root@bench.test", "password": adminPassword}, nil)
	pb.admin = tok.Token
	var col map[string]any
	must(http.StatusOK, &col, "GET", pb.s.base+"/api/collections/users", nil, pb.auth())
	fields := append(col["fields"].([]any), map[string]any{"name": "department", "type": "text"})
	indexes, _ := col["indexes"].([]any)
	indexes = append(indexes, "CREATE INDEX idx_users_department ON users (department)")
	rule := `@request.auth.id != ""`
	must(http.StatusOK, nil, "PATCH", pb.s.base+"/api/collections/users",
		map[string]any{"fields": fields, "indexes": indexes, "listRule": rule, "viewRule": rule}, pb.auth())
	must(http.StatusOK, nil, "PATCH", pb.s.base+"/api/settings",
		map[string]any{"batch": map[string]any{"enabled": true, "maxRequests": 1000, "timeout": 120, "maxBodySize": 0}}, pb.auth())
	// The users who sign in, at the default cost.
	for i := range loginUsers {
		email := fmt.Sprintf("login%02d@bench.test", i)
		var rec struct{ ID string }
		must(http.StatusOK, &rec, "POST", pb.s.base+"/api/collections/users/records", map[string]any{"email": email,
			"password": pbPassword, "passwordConfirm": pbPassword, "name": "Login", "department": dept(i)}, pb.auth())
		pb.logins = append(pb.logins, login{name: email, email: email, password: pbPassword, id: rec.ID})
		var a struct{ Token string }
		must(http.StatusOK, &a, "POST", pb.s.base+"/api/collections/users/auth-with-password",
			map[string]string{"identity": email, "password": pbPassword}, nil)
		pb.tokens = append(pb.tokens, a.Token)
	}
	pb.cost(4)
	pb.batch("seed", first-1-loginUsers)
	pb.cost(0)
}

func dept(i int) string { return fmt.Sprintf("d%02d", i%departments+1) }

// batch creates n users through the batch API, 500 a request.
func (pb *pocketBase) batch(prefix string, n int) {
	for done := 0; done < n; {
		rows := min(500, n-done)
		reqs := make([]map[string]any, rows)
		for i := range rows {
			k := pb.seeds + i
			reqs[i] = map[string]any{"method": "POST", "url": "/api/collections/users/records", "body": map[string]any{
				"email": fmt.Sprintf("%s%05d@bench.test", prefix, k), "password": pbPassword, "passwordConfirm": pbPassword,
				"name": fmt.Sprintf("%s %s%05d", names[k%len(names)], prefix, k), "department": dept(k)}}
		}
		var out []struct {
			Status int
			Body   json.RawMessage
		}
		must(http.StatusOK, &out, "POST", pb.s.base+"/api/batch", map[string]any{"requests": reqs}, pb.auth())
		if pb.seeded == "" {
			var rec struct{ ID string }
			json.Unmarshal(out[len(out)/2].Body, &rec)
			pb.seeded = rec.ID
		}
		pb.seeds += rows
		done += rows
	}
}

func (pb *pocketBase) count() int {
	var l struct{ TotalItems int }
	must(http.StatusOK, &l, "GET", pb.s.base+"/api/collections/users/records?perPage=1", nil, pb.auth())
	return l.TotalItems
}

// seedRest tops up to total users (one counts as the admin, as in
// portail: PocketBase's superuser is in another collection).
func (pb *pocketBase) seedRest(total int) {
	if n := total - 1 - pb.count(); n > 0 {
		pb.cost(4)
		pb.batch("top", n)
		pb.cost(0)
	}
	logf("PocketBase: %d users (+ the superuser)", pb.count())
}

func (pb *pocketBase) scenario(name string) (path string, headers []string, lua, route string) {
	user := "Authorization: " + pb.tokens[0]
	switch name {
	case "signin":
		bodies := make([]string, len(pb.logins))
		for i, u := range pb.logins {
			bodies[i] = fmt.Sprintf(`{"identity":%q,"password":%q}`, u.email, u.password)
		}
		p := "/api/collections/users/auth-with-password"
		return p, nil, luaRotate("POST", p, map[string]string{"Content-Type": "application/json"}, bodies), ""
	case "get_cookie":
		return "/api/collections/users/records/" + pb.seeded, []string{user}, "", ""
	case "list20":
		return "/api/collections/users/records?perPage=20", []string{user}, "", ""
	case "list50":
		return "/api/collections/users/records?perPage=50&filter=" + url.QueryEscape("(department='d07')"), []string{user}, "", ""
	case "me", "me_storm":
		return "/api/collections/users/records/" + pb.logins[0].id, []string{user}, "", ""
	case "create":
		return "/api/collections/users/records", nil, luaCounter("POST", "/api/collections/users/records", map[string]string{"Content-Type": "application/json"},
			`{"email":"new%s@bench.test","password":"`+pbPassword+`","passwordConfirm":"`+pbPassword+`","name":"New %s","department":"d01"}`), ""
	}
	return "", nil, "", ""
}

func (pb *pocketBase) signIn(hc *http.Client, c, i int) bool {
	u := pb.logins[c%len(pb.logins)]
	return post(hc, pb.s.base+"/api/collections/users/auth-with-password", map[string]string{"identity": u.email, "password": u.password},
		map[string]string{"X-Forwarded-For": xff(c, i)}) == http.StatusOK
}
