package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portail"
	"portail/blob"
	"portail/internal/lettertest"
	"portail/internal/testdb"
	"portail/sqldb"
	"portail/web"
	"portail/web/internal/webtest"
)

// testMaxUpload keeps the oversize test small.
const testMaxUpload = 64 << 10

// newDocEnv is a server with every service over a fresh database and the
// fixtures of the document role matrix. Account A (enterprise, every
// module) has departments D1 and D2 and, besides its admin:
//
//	da1, op1, op1b, viewer1   D1, every module
//	op1m                      D1 operator, mail only
//	da1n, op1n, viewer1n      D1, no module at all
//	da2, op2                  D2, every module
//
// Account B has its admin badmin.
func newDocEnv(t *testing.T, dialect string) *env {
	t.Helper()
	ctx := context.Background()
	dsn := testdb.DSN(t, dialect)
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs := blob.Dir{Root: t.TempDir()}
	ts := httptest.NewUnstartedServer(nil)
	base, _ := url.Parse("http://" + ts.Listener.Addr().String())
	auth := sqldb.NewAuthService(db)
	srv := web.NewServer(webtest.Services(db, blobs), base, slog.New(slog.DiscardHandler))
	srv.MaxUpload = testMaxUpload
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	e := &env{url: ts.URL + "/api/v1", client: ts.Client(), ids: map[string]int64{}, cookies: map[string]*http.Cookie{}}

	acctA, adminA, err := auth.Setup(ctx, portail.Setup{AccountName: "Account A", Plan: portail.PlanEnterprise,
		Modules: portail.AllModules, AdminUsername: "admin", AdminEmail: "admin@a.test", AdminPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	_, adminB, err := auth.Setup(ctx, portail.Setup{AccountName: "Account B", Plan: portail.PlanGold,
		Modules: portail.AllModules, AdminUsername: "badmin", AdminEmail: "admin@b.test", AdminPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	e.ids["admin"], e.ids["badmin"] = adminA.ID, adminB.ID
	asA := portail.WithCaller(ctx, portail.Caller{Actor: adminA.Actor(acctA.Modules)})
	extra := 5
	if _, err := sqldb.NewAccountService(db).UpdateSubscription(asA, portail.SubscriptionUpdate{ExtraSeats: &extra}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"D1", "D2"} {
		d, err := sqldb.NewDepartmentService(db).CreateDepartment(asA, name)
		if err != nil {
			t.Fatal(err)
		}
		e.ids[name] = d.ID
	}
	var created []int64
	for _, f := range []struct {
		username string
		role     portail.Role
		dept     string
		modules  portail.ModuleSet
	}{
		{"da1", portail.RoleDepartmentAdmin, "D1", portail.AllModules},
		{"op1", portail.RoleOperator, "D1", portail.AllModules},
		{"op1b", portail.RoleOperator, "D1", portail.AllModules},
		{"viewer1", portail.RoleViewer, "D1", portail.AllModules},
		{"op1m", portail.RoleOperator, "D1", portail.NewModuleSet(portail.ModuleMail)},
		{"da1n", portail.RoleDepartmentAdmin, "D1", 0},
		{"op1n", portail.RoleOperator, "D1", 0},
		{"viewer1n", portail.RoleViewer, "D1", 0},
		{"da2", portail.RoleDepartmentAdmin, "D2", portail.AllModules},
		{"op2", portail.RoleOperator, "D2", portail.AllModules},
	} {
		u, err := sqldb.NewUserService(db).CreateUser(asA, portail.UserCreate{Username: f.username, FullName: "Full " + f.username,
			Email: f.username + "@a.test", Role: f.role, DepartmentID: e.ids[f.dept], Modules: f.modules})
		if err != nil {
			t.Fatal(err)
		}
		e.ids[f.username] = u.ID
		created = append(created, u.ID)
	}
	activate(t, dialect, dsn, created)
	for _, who := range docActors {
		e.login(t, who)
	}
	return e
}

var docActors = []string{"admin", "da1", "op1", "op1b", "viewer1", "op1m", "da1n", "op1n", "viewer1n", "da2", "op2", "badmin"}

// pdfFile is a clean one-page letter; its name, written in it, tells
// which document it is.
func pdfFile(name string) []byte { return lettertest.Named(name) }

// upload sends a multipart request as actor.
func (e *env) upload(t *testing.T, actor string, fields map[string]string, filename string, content []byte) (*http.Response, map[string]any) {
	t.Helper()
	return e.uploadBody(t, actor, fields, filename, content, false)
}

// uploadBody sends a multipart request as actor; chunked hides the body's
// length, as a streaming client would.
func (e *env) uploadBody(t *testing.T, actor string, fields map[string]string, filename string, content []byte, chunked bool) (*http.Response, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		mw.WriteField(k, e.expand(fields[k]))
	}
	if content != nil {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(content)
	}
	mw.Close()
	var rd io.Reader = &body
	if chunked {
		rd = io.MultiReader(&body)
	}
	req, _ := http.NewRequest("POST", e.url+"/documents", rd)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(e.cookies[actor])
	e.asBrowser(req)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp, m
}

// raw sends a GET as actor and returns the answer unparsed.
func (e *env) raw(t *testing.T, actor, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.url+e.expand(path), nil)
	req.AddCookie(e.cookies[actor])
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func address(city string) string {
	return `{"name":"Jan de Vries","company":"","street":"Keizersgracht","house_number":"221","postal_code":"1016 DV","city":"` + city + `","country":"nl"}`
}

func labelBody(dept string) string {
	return `{"department_id":{` + dept + `},"sender":` + address("Utrecht") + `,"recipient":` + address("Amsterdam") + `,"weight_grams":1200}`
}

// seedDocuments are sent through the API by their senders: name, sender,
// department, module.
var seedDocuments = [][4]string{
	{"op1-mail", "op1", "D1", "mail"},
	{"op1b-mail", "op1b", "D1", "mail"},
	{"op1-classic", "op1", "D1", "classic"},
	{"da1-classic", "da1", "D1", "classic"},
	{"op1m-mail", "op1m", "D1", "mail"},
	{"op2-mail", "op2", "D2", "mail"},
	{"admin-d2-classic", "admin", "D2", "classic"},
}

// seedLabels are created through the API: name, creator, department.
var seedLabels = [][3]string{
	{"da1-label", "da1", "D1"},
	{"da2-label", "da2", "D2"},
	{"admin-d2-label", "admin", "D2"},
}

// visibleDocuments and visibleLabels are what each actor must see, written
// out by hand from SPEC R2–R6 rather than computed by the policy:
// an admin everything of the account; a department admin their
// department, but in classic only their own; an operator their own; a
// viewer their department; without the module, nothing; another account,
// nothing.
var visibleDocuments = map[string][]string{
	"admin":    {"op1-mail", "op1b-mail", "op1-classic", "da1-classic", "op1m-mail", "op2-mail", "admin-d2-classic"},
	"da1":      {"op1-mail", "op1b-mail", "da1-classic", "op1m-mail"},
	"op1":      {"op1-mail", "op1-classic"},
	"op1b":     {"op1b-mail"},
	"viewer1":  {"op1-mail", "op1b-mail", "op1-classic", "da1-classic", "op1m-mail"},
	"op1m":     {"op1m-mail"},
	"da1n":     {},
	"op1n":     {},
	"viewer1n": {},
	"da2":      {"op2-mail"},
	"op2":      {"op2-mail"},
	"badmin":   {},
}

var visibleLabels = map[string][]string{
	"admin":    {"da1-label", "da2-label", "admin-d2-label"},
	"da1":      {"da1-label"},
	"op1":      {},
	"op1b":     {},
	"viewer1":  {"da1-label"},
	"op1m":     {},
	"da1n":     {},
	"op1n":     {},
	"viewer1n": {},
	"da2":      {"da2-label", "admin-d2-label"},
	"op2":      {},
	"badmin":   {},
}

// TestDocumentsAPI runs the role matrix of documents, labels and reports
// through the API on every dialect.
func TestDocumentsAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newDocEnv(t, d)
			names := map[int64]string{}
			for _, s := range seedDocuments {
				resp, body := e.upload(t, s[1], map[string]string{"department_id": "{" + s[2] + "}", "module": s[3]}, s[0]+".pdf", pdfFile(s[0]))
				if resp.StatusCode != 201 {
					t.Fatalf("seed %s: %d %v", s[0], resp.StatusCode, body)
				}
				e.ids[s[0]] = idOf(body["id"])
				names[idOf(body["id"])] = s[0]
				if body["status"] != "received" || body["name"] != s[0]+".pdf" || idOf(body["sender_id"]) != e.ids[s[1]] ||
					body["module"] != s[3] || idOf(body["department_id"]) != e.ids[s[2]] || body["size"] != float64(len(pdfFile(s[0]))) {
					t.Errorf("seed %s: %v", s[0], body)
				}
			}
			labelNames := map[int64]string{}
			for _, s := range seedLabels {
				resp, body := e.request(t, s[1], "POST", "/labels", labelBody(s[2]))
				if resp.StatusCode != 201 {
					t.Fatalf("seed %s: %d %v", s[0], resp.StatusCode, body)
				}
				e.ids[s[0]] = idOf(body["id"])
				labelNames[idOf(body["id"])] = s[0]
				tn, _ := body["tracking_number"].(string)
				if !portail.ValidS10(tn) || body["status"] != "created" || idOf(body["creator_id"]) != e.ids[s[1]] {
					t.Errorf("seed %s: %v", s[0], body)
				}
				if r, _ := body["recipient"].(map[string]any); r["country"] != "NL" || r["postal_code"] != "1016 DV" {
					t.Errorf("seed %s: recipient %v", s[0], body["recipient"])
				}
			}

			t.Run("documents", func(t *testing.T) {
				checkVisibility(t, e, "/documents", visibleDocuments, seedNames(seedDocuments[:]), names)
			})
			t.Run("labels", func(t *testing.T) { checkVisibility(t, e, "/labels", visibleLabels, seedLabelNames(), labelNames) })
			t.Run("downloads", func(t *testing.T) { checkDownloads(t, e) })
			t.Run("reports", func(t *testing.T) { checkReports(t, e) })
			t.Run("send", func(t *testing.T) { checkSend(t, e) })
			t.Run("create labels", func(t *testing.T) { e.run(t, labelScenarios) })
			t.Run("activity", func(t *testing.T) { checkActivity(t, e) })
		})
	}
}

func seedNames(docs [][4]string) []string {
	var out []string
	for _, s := range docs {
		out = append(out, s[0])
	}
	return out
}

func seedLabelNames() []string {
	var out []string
	for _, s := range seedLabels {
		out = append(out, s[0])
	}
	return out
}

// checkVisibility wants every actor to list exactly the items visible to
// them and to open those, and only those: the others answer 404.
func checkVisibility(t *testing.T, e *env, base string, visible map[string][]string, all []string, names map[int64]string) {
	for _, actor := range docActors {
		t.Run(actor, func(t *testing.T) {
			want := visible[actor]
			resp, body := e.request(t, actor, "GET", base, "")
			if resp.StatusCode != 200 {
				t.Fatalf("list: %d %v", resp.StatusCode, body)
			}
			var got []string
			for _, it := range items(t, body) {
				got = append(got, names[idOf(it["id"])])
			}
			slices.Sort(got)
			wantSorted := slices.Sorted(slices.Values(want))
			if !slices.Equal(got, wantSorted) {
				t.Errorf("list %v, want %v", got, wantSorted)
			}
			sub := "/file"
			if base == "/labels" {
				sub = "/pdf"
			}
			for _, name := range all {
				status := 404
				if slices.Contains(want, name) {
					status = 200
				}
				for _, path := range []string{base + "/{" + name + "}", base + "/{" + name + "}" + sub, base + "/{" + name + "}/history"} {
					resp, raw := e.raw(t, actor, path)
					if resp.StatusCode != status {
						t.Errorf("GET %s (%s): %d, want %d: %s", path, name, resp.StatusCode, status, raw)
					}
					if status == 404 && !strings.Contains(string(raw), `"code":"not_found"`) {
						t.Errorf("GET %s: %s, want a not_found problem", path, raw)
					}
				}
			}
		})
	}
}

func checkDownloads(t *testing.T, e *env) {
	resp, raw := e.raw(t, "viewer1", "/documents/{op1-mail}/file")
	if resp.StatusCode != 200 || !bytes.Equal(raw, pdfFile("op1-mail")) {
		t.Fatalf("download: %d %q", resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename=op1-mail.pdf" {
		t.Errorf("Content-Disposition %q", cd)
	}
	resp, raw = e.raw(t, "da1", "/labels/{da1-label}/pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(raw, []byte("%PDF-")) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename=label-CP") {
		t.Errorf("label pdf: %d %v", resp.StatusCode, resp.Header)
	}
	_, body := e.request(t, "viewer1", "GET", "/documents/{op1-mail}/history", "")
	h := items(t, body)
	if len(h) != 1 || h[0]["change"] != "created" || h[0]["from"] != "" || h[0]["to"] != "received" || idOf(h[0]["actor_id"]) != e.ids["op1"] {
		t.Errorf("history %v", h)
	}
	_, body = e.request(t, "admin", "GET", "/labels/{da2-label}/history", "")
	if h := items(t, body); len(h) != 1 || h[0]["to"] != "created" || idOf(h[0]["actor_id"]) != e.ids["da2"] {
		t.Errorf("label history %v", h)
	}
	_, body = e.request(t, "admin", "GET", "/documents?status=posted", "")
	if it := items(t, body); len(it) != 0 {
		t.Errorf("status filter: %v", it)
	}
	_, body = e.request(t, "admin", "GET", "/documents?department_id={D2}&module=classic", "")
	if it := items(t, body); len(it) != 1 || idOf(it[0]["id"]) != e.ids["admin-d2-classic"] {
		t.Errorf("department and module filters: %v", it)
	}
	_, body = e.request(t, "admin", "GET", "/documents?limit=3", "")
	if len(items(t, body)) != 3 || body["next_cursor"] == nil {
		t.Fatalf("first page %v", body)
	}
	_, body = e.request(t, "admin", "GET", "/documents?limit=3&cursor="+url.QueryEscape(body["next_cursor"].(string)), "")
	if len(items(t, body)) != 3 {
		t.Errorf("second page %v", body)
	}
	resp, body = e.request(t, "admin", "GET", "/documents?status=lost&from=yesterday", "")
	if resp.StatusCode != 400 {
		t.Errorf("bad filters: %d", resp.StatusCode)
	}
	fieldErrors("status", "from")(t, e, body)
}

// checkReports wants each actor's summary to count exactly the items the
// actor may see, and callers without any module refused.
func checkReports(t *testing.T, e *env) {
	for _, actor := range docActors {
		t.Run(actor, func(t *testing.T) {
			resp, body := e.request(t, actor, "GET", "/reports/summary", "")
			if slices.Contains([]string{"da1n", "op1n", "viewer1n"}, actor) {
				if resp.StatusCode != 403 || body["code"] != "forbidden" {
					t.Errorf("no module: %d %v", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != 200 {
				t.Fatalf("%d %v", resp.StatusCode, body)
			}
			counts := map[string]float64{}
			rows, _ := body["rows"].([]any)
			for _, r := range rows {
				row := r.(map[string]any)
				counts[row["kind"].(string)] += row["count"].(float64)
				if row["status"] != "received" && row["status"] != "created" {
					t.Errorf("row %v", row)
				}
			}
			if counts["document"] != float64(len(visibleDocuments[actor])) || counts["label"] != float64(len(visibleLabels[actor])) {
				t.Errorf("counts %v, want %d documents and %d labels", counts, len(visibleDocuments[actor]), len(visibleLabels[actor]))
			}
		})
	}
	resp, raw := e.raw(t, "admin", "/reports/summary.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, raw)
	}
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(records) < 2 || strings.Join(records[0], ",") != "kind,day,department_id,department,module,status,count" {
		t.Errorf("csv %q %v", raw, err)
	}
	total := 0
	for _, r := range records[1:] {
		n, _ := strconv.Atoi(r[6])
		total += n
	}
	if total != len(seedDocuments)+len(seedLabels) {
		t.Errorf("csv counts %d items", total)
	}
	resp, body := e.request(t, "admin", "GET", "/reports/summary?from=2026-03-01&to=2026-01-01", "")
	if resp.StatusCode != 400 || body["code"] != "invalid" {
		t.Errorf("reversed range: %d %v", resp.StatusCode, body)
	}
}

// sendCases are uploads of a valid PDF: who sends in which department
// and module, and the answer.
var sendCases = []struct {
	name, actor, dept, module string
	status                    int
	code                      string
	fields                    []string
}{
	{"admin in D1", "admin", "{D1}", "mail", 201, "", nil},
	{"department admin in own department", "da1", "{D1}", "mail", 201, "", nil},
	{"department admin in classic", "da1", "{D1}", "classic", 201, "", nil},
	{"department admin in other department", "da1", "{D2}", "mail", 403, "forbidden", nil},
	{"operator in own department", "op1", "{D1}", "classic", 201, "", nil},
	{"operator in other department", "op1", "{D2}", "mail", 403, "forbidden", nil},
	{"operator without the module", "op1m", "{D1}", "classic", 403, "forbidden", nil},
	{"operator without any module", "op1n", "{D1}", "mail", 403, "forbidden", nil},
	{"department admin without any module", "da1n", "{D1}", "mail", 403, "forbidden", nil},
	{"viewer", "viewer1", "{D1}", "mail", 403, "forbidden", nil},
	{"other account's department", "badmin", "{D1}", "mail", 400, "invalid", []string{"department_id"}},
	{"unknown department", "op1", "999999", "mail", 400, "invalid", []string{"department_id"}},
	{"documents are not parcels", "op1", "{D1}", "parcels", 400, "invalid", []string{"module"}},
	{"no department nor module", "op1", "", "", 400, "invalid", []string{"department_id", "module"}},
}

func checkSend(t *testing.T, e *env) {
	for _, c := range sendCases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.upload(t, c.actor, map[string]string{"department_id": c.dept, "module": c.module}, "sent.pdf", pdfFile(c.name))
			if resp.StatusCode != c.status || (c.code != "" && body["code"] != c.code) {
				t.Fatalf("%d %v, want %d %s", resp.StatusCode, body, c.status, c.code)
			}
			if c.fields != nil {
				fieldErrors(c.fields...)(t, e, body)
			}
		})
	}
	t.Run("not a PDF", func(t *testing.T) {
		for _, content := range [][]byte{[]byte("GIF89a…"), []byte("%PDF-1.4 but truncated"), {}} {
			resp, body := e.upload(t, "op1", map[string]string{"department_id": "{D1}", "module": "mail"}, "x.pdf", content)
			if resp.StatusCode != 400 || body["code"] != "invalid" {
				t.Errorf("%q: %d %v", content, resp.StatusCode, body)
			}
			fieldErrors("file")(t, e, body)
		}
		resp, body := e.upload(t, "op1", map[string]string{"department_id": "{D1}", "module": "mail"}, "", nil)
		if resp.StatusCode != 400 {
			t.Errorf("no file: %d %v", resp.StatusCode, body)
		}
		fieldErrors("file")(t, e, body)
	})
	t.Run("too large", func(t *testing.T) {
		big := append(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), testMaxUpload)...), "\n%%EOF\n"...)
		resp, body := e.upload(t, "op1", map[string]string{"department_id": "{D1}", "module": "mail"}, "big.pdf", big)
		if resp.StatusCode != 413 || body["code"] != "too_large" || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%d %v", resp.StatusCode, body)
		}
		fieldErrors("file")(t, e, body)
		// Without a Content-Length, the limit stops the reading.
		huge := append(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 3*testMaxUpload)...), "\n%%EOF\n"...)
		resp, body = e.uploadBody(t, "op1", map[string]string{"department_id": "{D1}", "module": "mail"}, "huge.pdf", huge, true)
		if resp.StatusCode != 413 || body["code"] != "too_large" {
			t.Errorf("chunked: %d %v", resp.StatusCode, body)
		}
		// A real letter, padded after its end with a comment up to just
		// under the limit.
		letter := pdfFile("fits")
		fits := append(append(append(slices.Clip(letter), '%'), bytes.Repeat([]byte("x"), testMaxUpload-len(letter)-20)...), "\n%%EOF\n"...)
		if resp, body := e.upload(t, "op1", map[string]string{"department_id": "{D1}", "module": "mail"}, "fits.pdf", fits); resp.StatusCode != 201 {
			t.Errorf("just under the limit: %d %v", resp.StatusCode, body)
		}
	})
}

var labelScenarios = []apiScenario{
	{name: "department admin in other department", actor: "da1", method: "POST", path: "/labels", body: labelBody("D2"), wantStatus: 403, wantCode: "forbidden"},
	{name: "operator", actor: "op1", method: "POST", path: "/labels", body: labelBody("D1"), wantStatus: 403, wantCode: "forbidden"},
	{name: "viewer", actor: "viewer1", method: "POST", path: "/labels", body: labelBody("D1"), wantStatus: 403, wantCode: "forbidden"},
	{name: "department admin without parcels", actor: "da1n", method: "POST", path: "/labels", body: labelBody("D1"), wantStatus: 403, wantCode: "forbidden"},
	{name: "other account's department", actor: "badmin", method: "POST", path: "/labels", body: labelBody("D1"), wantStatus: 400, wantCode: "invalid",
		check: fieldErrors("department_id")},
	{name: "invalid addresses and weight", actor: "da1", method: "POST", path: "/labels",
		body: `{"department_id":{D1},"sender":{"name":"S","street":"R","house_number":"1","postal_code":"75001","city":"Paris","country":"FR"},` +
			`"recipient":{"name":"","street":"R","house_number":"1","postal_code":"75<01","city":"Paris","country":"XX"},"weight_grams":0}`,
		wantStatus: 400, wantCode: "invalid", check: fieldErrors("recipient.name", "recipient.postal_code", "recipient.country", "weight_grams")},
	{name: "unknown nested field", actor: "da1", method: "POST", path: "/labels",
		body:       `{"department_id":{D1},"sender":{"name":"S","street":"R","house_number":"1","postal_code":"75001","city":"Paris","country":"FR","floor":3}}`,
		wantStatus: 400, wantCode: "invalid"},
	{name: "wrong type in nested field", actor: "da1", method: "POST", path: "/labels",
		body: `{"department_id":{D1},"recipient":{"postal_code":75001}}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("recipient.postal_code")},
	{name: "admin in D1", actor: "admin", method: "POST", path: "/labels", body: labelBody("D1"), wantStatus: 201,
		check: func(t *testing.T, e *env, body map[string]any) {
			if tn, _ := body["tracking_number"].(string); !portail.ValidS10(tn) || !strings.HasSuffix(tn, "NL") {
				t.Errorf("tracking number %q", tn)
			}
		}},
}

// checkActivity wants the label calls, the sends and the downloads in the
// activity log (L1).
func checkActivity(t *testing.T, e *env) {
	_, body := e.request(t, "admin", "GET", "/activity?type=label_request&user_id={da1}", "")
	entries := items(t, body)
	if len(entries) == 0 {
		t.Fatal("no label_request entry for da1")
	}
	for _, en := range entries {
		if en["started_at"] == nil || en["ended_at"] == nil || !strings.Contains(en["detail"].(string), "/api/v1/labels") {
			t.Errorf("entry %v", en)
		}
	}
	_, body = e.request(t, "admin", "GET", "/activity?type=manual_order&user_id={op1}", "")
	if n := len(items(t, body)); n < 2 {
		t.Errorf("%d manual_order entries for op1", n)
	}
	_, body = e.request(t, "admin", "GET", "/activity?type=fetch&user_id={viewer1}", "")
	if n := len(items(t, body)); n == 0 {
		t.Error("no fetch entry for viewer1's downloads")
	}
}
