package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

const adminPassword = "bench-admin-password-42"

// portail is one portail installation under test: a fresh database made by
// `portail setup`, then the same users as the peer's, through the API.
type portail struct {
	label  string
	bin    string
	db     string // SQLite path or postgres:// URL
	s      *server
	cookie string // the admin's session
	key    string // the admin's API key
	depts  []int64
	logins []login
	seeded int64 // a seeded user's id, for GET one user
	seeds  int   // users imported so far
}

type login struct{ name, email, password, id string }

func newPortail(label, bin, db string, env ...string) *portail {
	dir := filepath.Join(workDir, label)
	os.MkdirAll(dir, 0o755)
	p := &portail{label: label, bin: bin, db: db}
	if db == "" {
		p.db = filepath.Join(dir, "portail.db")
	}
	cmd := exec.Command(bin, "setup", "--db", p.db, "--account", "Bench", "--plan", "enterprise",
		"--admin-username", "boss", "--admin-email", "boss@bench.test", "--admin-language", "en", "--admin-password-stdin")
	cmd.Stdin = strings.NewReader(adminPassword + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		fatalf("portail setup: %v\n%s", err, out)
	}
	port := freePort()
	args := []string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--db", p.db, "--data-dir", dir,
		"--trusted-proxies", "127.0.0.1/32"}
	if strings.HasPrefix(db, "postgres") {
		key := filepath.Join(dir, "secret.key")
		os.WriteFile(key, []byte(strings.Repeat("ab", 32)), 0o600)
		args = append(args, "--secret-key-file", key)
	}
	p.s = start(label, bin, args, env, port, "/healthz", filepath.Join(workDir, label+".log"))
	return p
}

func (p *portail) name() string    { return p.label }
func (p *portail) server() *server { return p.s }

func (p *portail) bearer() map[string]string {
	return map[string]string{"Authorization": "Bearer " + p.key}
}

// seedFirst makes the departments, the users who sign in (a temporary
// password each, read from its e-mail in the outbox) and imports users up
// to first.
func (p *portail) seedFirst(first int) {
	_, _, cookies := call("POST", p.s.base+"/api/v1/auth/login", map[string]string{"login": "boss", "password": adminPassword}, nil)
	for _, c := range cookies {
		if c.Name == "portail_session" {
			p.cookie = c.Value
		}
	}
	if p.cookie == "" {
		fatalf("%s: the admin could not sign in", p.label)
	}
	var key struct{ Key string }
	must(http.StatusCreated, &key, "POST", p.s.base+"/api/v1/me/api-keys", map[string]string{"name": "bench"},
		map[string]string{"Cookie": "portail_session=" + p.cookie, "Origin": p.s.base})
	p.key = key.Key
	// The most extra seats a subscription takes: 10,010 users in all,
	// room for 3,000 creations after the first 7,000 (-first).
	must(http.StatusOK, nil, "PUT", p.s.base+"/api/v1/account/subscription", map[string]any{"extra_seats": 10000}, p.bearer())
	for i := range departments {
		var d struct{ ID int64 }
		must(http.StatusCreated, &d, "POST", p.s.base+"/api/v1/departments", map[string]string{"name": fmt.Sprintf("Dept %02d", i+1)}, p.bearer())
		p.depts = append(p.depts, d.ID)
	}
	for i := range loginUsers {
		name := fmt.Sprintf("login%02d", i)
		var u struct{ ID int64 }
		must(http.StatusCreated, &u, "POST", p.s.base+"/api/v1/users", map[string]any{"username": name, "full_name": "Login " + name,
			"email": name + "@bench.test", "role": "viewer", "department_id": p.depts[i%len(p.depts)],
			"onboarding": "temporary_password", "language": "en"}, p.bearer())
		p.logins = append(p.logins, login{name: name, email: name + "@bench.test", id: strconv.FormatInt(u.ID, 10)})
	}
	var outbox struct {
		Items []struct {
			ID int64
			To string
		}
	}
	must(http.StatusOK, &outbox, "GET", p.s.base+"/api/v1/outbox?limit=100", nil, p.bearer())
	for i := range p.logins {
		for _, e := range outbox.Items {
			if e.To != p.logins[i].email {
				continue
			}
			var m struct{ Text string }
			must(http.StatusOK, &m, "GET", fmt.Sprintf("%s/api/v1/outbox/%d", p.s.base, e.ID), nil, p.bearer())
			_, after, _ := strings.Cut(m.Text, "Password:")
			// "Password:" then the password on the next line.
			p.logins[i].password = strings.TrimSpace(strings.SplitN(strings.TrimSpace(after), "\n", 2)[0])
		}
		if len(p.logins[i].password) < 12 {
			fatalf("%s: no temporary password for %s", p.label, p.logins[i].name)
		}
	}
	p.importUsers("seed", first-1-loginUsers)
}

// importUsers imports n invited users through the CSV import, 1,000 a file.
func (p *portail) importUsers(prefix string, n int) {
	for done := 0; done < n; {
		var b strings.Builder
		b.WriteString("username,full_name,email,role,department\n")
		rows := min(1000, n-done)
		for i := range rows {
			k := p.seeds + i
			fmt.Fprintf(&b, "%s%05d,%s %s%05d,%s%05d@bench.test,viewer,Dept %02d\n", prefix, k, names[k%len(names)], prefix, k, prefix, k, k%departments+1)
		}
		var rep struct {
			Created int
			Rows    []struct {
				UserID int64 `json:"user_id"`
			}
		}
		must(http.StatusOK, &rep, "POST", p.s.base+"/api/v1/users/import?dry_run=false", []byte(b.String()), p.bearer())
		if rep.Created != rows {
			fatalf("%s: import created %d of %d", p.label, rep.Created, rows)
		}
		if p.seeded == 0 && len(rep.Rows) > 0 {
			p.seeded = rep.Rows[len(rep.Rows)/2].UserID
		}
		p.seeds += rows
		done += rows
	}
}

// seedRest imports users until the account has total.
func (p *portail) seedRest(total int) {
	var a struct{ Seats struct{ Used int } }
	must(http.StatusOK, &a, "GET", p.s.base+"/api/v1/account", nil, p.bearer())
	if n := total - a.Seats.Used; n > 0 {
		p.importUsers("top", n)
	}
	must(http.StatusOK, &a, "GET", p.s.base+"/api/v1/account", nil, p.bearer())
	logf("%s: %d users", p.label, a.Seats.Used)
}

func (p *portail) cookieHeader() string { return "Cookie: portail_session=" + p.cookie }

func (p *portail) scenario(name string) (path string, headers []string, lua, route string) {
	switch name {
	case "signin":
		bodies := make([]string, len(p.logins))
		for i, u := range p.logins {
			bodies[i] = fmt.Sprintf(`{"login":%q,"password":%q}`, u.name, u.password)
		}
		return "/api/v1/auth/login", nil, luaRotate("POST", "/api/v1/auth/login", map[string]string{"Content-Type": "application/json"}, bodies), "POST /api/v1/auth/login"
	case "get_cookie":
		return fmt.Sprintf("/api/v1/users/%d", p.seeded), []string{p.cookieHeader()}, "", "GET /api/v1/users/{id}"
	case "get_key":
		return fmt.Sprintf("/api/v1/users/%d", p.seeded), []string{"Authorization: Bearer " + p.key}, "", "GET /api/v1/users/{id}"
	case "list20":
		return "/api/v1/users?limit=20", []string{p.cookieHeader()}, "", "GET /api/v1/users"
	case "list50":
		return fmt.Sprintf("/api/v1/users?limit=50&department_id=%d", p.depts[6]), []string{p.cookieHeader()}, "", "GET /api/v1/users"
	case "me", "me_storm":
		return "/api/v1/me", []string{p.cookieHeader()}, "", "GET /api/v1/me"
	case "create":
		return "/api/v1/users", nil, luaCounter("POST", "/api/v1/users", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + p.key},
			fmt.Sprintf(`{"username":"new%%s","full_name":"New %%s","email":"new%%s@bench.test","role":"viewer","department_id":%d}`, p.depts[0])), "POST /api/v1/users"
	}
	return "", nil, "", ""
}

// signIn is one sign-in of the storm: client c as its own user.
func (p *portail) signIn(hc *http.Client, c, i int) bool {
	u := p.logins[c%len(p.logins)]
	return post(hc, p.s.base+"/api/v1/auth/login", map[string]string{"login": u.name, "password": u.password},
		map[string]string{"X-Forwarded-For": xff(c, i)}) == http.StatusOK
}

// routeTime is portail's own time in route so far (sum of seconds and
// count), read from its /metrics (loopback answers without a token).
func (p *portail) routeTime(route string) (float64, float64) {
	_, raw, _ := call("GET", p.s.base+"/metrics", nil, nil)
	var sum, count float64
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `route="`+route+`"`) {
			continue
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		switch {
		case strings.HasPrefix(line, "portail_http_request_duration_seconds_sum"):
			sum += v
		case strings.HasPrefix(line, "portail_http_request_duration_seconds_count"):
			count += v
		}
	}
	return sum, count
}

// revocation signs a user in, deactivates them, and reports whether their
// very next request with the same session fails (no cache delays it).
func (p *portail) revocation() string {
	u := p.logins[len(p.logins)-1]
	_, _, cookies := call("POST", p.s.base+"/api/v1/auth/login", map[string]string{"login": u.name, "password": u.password}, nil)
	var c string
	for _, k := range cookies {
		if k.Name == "portail_session" {
			c = k.Value
		}
	}
	me := map[string]string{"Cookie": "portail_session=" + c}
	before, _, _ := call("GET", p.s.base+"/api/v1/me", nil, me)
	must(http.StatusOK, nil, "POST", p.s.base+"/api/v1/users/"+u.id+"/deactivate", nil, p.bearer())
	after, _, _ := call("GET", p.s.base+"/api/v1/me", nil, me)
	return fmt.Sprintf("GET /me %d before, %d right after deactivation", before, after)
}

// memstats are the Go runtime's memory figures from /metrics, in MiB:
// where the RSS is (in use, freed but still held, given back).
func (p *portail) memstats() string {
	_, raw, _ := call("GET", p.s.base+"/metrics", nil, nil)
	var b strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		for _, m := range []string{"go_memstats_heap_inuse_bytes", "go_memstats_heap_idle_bytes", "go_memstats_heap_released_bytes",
			"go_memstats_next_gc_bytes", "go_memstats_sys_bytes", "go_gc_duration_seconds_count", "go_goroutines"} {
			if v, ok := strings.CutPrefix(line, m+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				if strings.HasSuffix(m, "_bytes") {
					f /= 1 << 20
				}
				fmt.Fprintf(&b, "%s=%.1f ", strings.TrimPrefix(m, "go_memstats_"), f)
			}
		}
	}
	return b.String()
}
