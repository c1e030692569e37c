package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"portail/web/internal/webtest"
	"strconv"
	"strings"
	"testing"

	"portail"
)

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// FuzzLoginJSON sends any body to POST /api/v1/auth/login. Every answer
// is a sign-in, a refusal of the body (400 invalid), a wrong login (401)
// or the throttle (429), never a server error; and only the fixtures'
// password ever signs anyone in.
func FuzzLoginJSON(f *testing.F) {
	for _, s := range []string{
		`{"login":"admin","password":"wrong"}`,
		`{"login":"nobody","password":"x"}`,
		`{"login":"ADMIN@A.TEST","password":""}`,
		`{"login":"admin\u0000","password":"x"}`,
		`{"login":"\ud800","password":"\u0000"}`,
		`{"login":"` + "\xff\xfe" + `","password":"x"}`,
		`{"login":1,"password":true}`,
		`{"login":"admin","password":"x","extra":1}`,
		`{"login":"admin"}{"login":"admin"}`,
		`[]`, `null`, ``, `{`, `"x"`,
		`{"login":"` + strings.Repeat("a", 5000) + `","password":"x"}`,
	} {
		f.Add([]byte(s), "Mozilla/5.0")
	}
	f.Add([]byte(`{"login":"admin","password":"x"}`), "Mozilla/5.0 \xff\xfe")
	f.Add([]byte(`{"login":"nobody","password":"x"}`), "")
	servers := webtest.NewServers(f)
	f.Fuzz(func(t *testing.T, body []byte, userAgent string) {
		if !validHeaderValue(userAgent) {
			return // net/http refuses such a request before any handler
		}
		h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {userAgent}}
		for _, s := range servers {
			w := s.Do("POST", "/api/v1/auth/login", "", bytes.NewReader(body), h)
			p := s.CheckAnswer(t, "login", w, 400, 401, 429)
			if p != nil && p.Status == 400 && p.Code != portail.EINVALID {
				t.Fatalf("login on %s: 400 with code %q", s.Dialect, p.Code)
			}
			if w.Code == 200 {
				var req struct{ Password string }
				json.Unmarshal(body, &req)
				if req.Password != webtest.Password {
					t.Fatalf("login on %s signed in with password %q", s.Dialect, req.Password)
				}
			}
		}
	})
}

// userFields are the members of the user bodies a field error may name.
var userFields = []string{"username", "full_name", "email", "role", "department_id", "modules", "language", "onboarding"}

// FuzzUserJSON sends any body to POST /api/v1/users and to PATCH
// /api/v1/users/{op1}, as the admin. Every answer is a success or a
// problem naming fields of the body; a created or changed user is one
// that validates; the username of op1 never changes.
func FuzzUserJSON(f *testing.F) {
	for _, s := range []string{
		`{"username":"new1","full_name":"Nouvel Utilisateur","email":"new1@a.test","role":"viewer","department_id":{D1},"modules":["mail"]}`,
		`{"username":"new2","full_name":"N","email":"new2@a.test","role":"admin","language":"nl","onboarding":"temporary_password"}`,
		`{"username":"x\u0000y","full_name":"\u0000","email":"a\u0000@a.test","role":"viewer","department_id":{D1}}`,
		`{"username":"` + "\xff" + `","full_name":"` + "\xc3\x28" + `","email":"\ud800@a.test","role":"viewer","department_id":{D1}}`,
		`{"username":"new3","full_name":"N","email":"new3@a.test","role":"viewer","department_id":999999999999}`,
		`{"username":"new4","full_name":"N","email":"new4@a.test","role":"viewer","department_id":-1,"modules":["mail","nope",1]}`,
		`{"full_name":"Renamed"}`, `{"email":"op1-new@a.test"}`, `{"role":"admin","department_id":null}`,
		`{"department_id":"1"}`, `{"department_id":1e400}`, `{"modules":null}`, `{"username":"op2"}`,
		`{"language":"de"}`, `{"full_name":"` + strings.Repeat("é", 300) + `"}`,
		`{}`, `[]`, `null`, `{"a":1}`, `{"role":"viewer"}{}`,
	} {
		f.Add([]byte(s))
	}
	servers := webtest.NewServers(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, s := range servers {
			b := bytes.ReplaceAll(body, []byte("{D1}"), []byte(strconv.FormatInt(s.IDs["D1"], 10)))

			w := s.Do("POST", "/api/v1/users", "", bytes.NewReader(b), jsonHeader, s.Admin)
			if p := s.CheckAnswer(t, "create user", w, 400, 403, 404, 409); p != nil {
				checkFields(t, "create user", p, userFields)
			} else {
				u := checkUserJSON(t, s, "create user", w.Body.Bytes())
				// Give the seat back, so that the fuzzing keeps reaching
				// the success path.
				if w := s.Do("POST", "/api/v1/users/"+strconv.FormatInt(u.ID, 10)+"/deactivate", "", nil, nil, s.Admin); w.Code != 200 {
					t.Fatalf("deactivate on %s: %d %s", s.Dialect, w.Code, w.Body)
				}
			}

			w = s.Do("PATCH", "/api/v1/users/"+strconv.FormatInt(s.IDs["op1"], 10), "", bytes.NewReader(b), jsonHeader, s.Admin)
			if p := s.CheckAnswer(t, "patch user", w, 400, 403, 404, 409); p != nil {
				if p.Status == 400 && p.Code != portail.EINVALID && p.Code != portail.EUSERNAMEIMMUTABLE {
					t.Fatalf("patch user on %s: 400 with code %q", s.Dialect, p.Code)
				}
				checkFields(t, "patch user", p, userFields)
			} else if u := checkUserJSON(t, s, "patch user", w.Body.Bytes()); u.Username != "op1" {
				t.Fatalf("patch user on %s: the username became %q", s.Dialect, u.Username)
			}
		}
	})
}

type fuzzUser struct {
	ID           int64    `json:"id"`
	Username     string   `json:"username"`
	FullName     string   `json:"full_name"`
	Email        string   `json:"email"`
	Role         string   `json:"role"`
	DepartmentID *int64   `json:"department_id"`
	Modules      []string `json:"modules"`
	Language     string   `json:"language"`
}

// checkUserJSON fails unless the answer is a user the domain's own
// validation accepts.
func checkUserJSON(t *testing.T, s *webtest.Server, what string, body []byte) fuzzUser {
	t.Helper()
	var u fuzzUser
	if err := json.Unmarshal(body, &u); err != nil {
		t.Fatalf("%s on %s: %v: %s", what, s.Dialect, err, body)
	}
	role, _ := portail.ParseRole(u.Role)
	c := portail.UserCreate{Username: u.Username, FullName: u.FullName, Email: u.Email, Role: role, Language: u.Language}
	if u.DepartmentID != nil {
		c.DepartmentID = *u.DepartmentID
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("%s on %s stored a user that does not validate (%v): %s", what, s.Dialect, err, body)
	}
	return u
}

// checkFields fails when a field error names something the body does not
// have.
func checkFields(t *testing.T, what string, p *webtest.Problem, allowed []string) {
	t.Helper()
	for _, fe := range p.Errors {
		if fe.Message == "Unknown field." {
			continue // names the member the body sent
		}
		if !containsString(allowed, fieldBase(fe.Field)) {
			t.Fatalf("%s: a field error on %q, not a field of the request", what, fe.Field)
		}
	}
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// FuzzLabelJSON sends any body to POST /api/v1/labels as the admin. A
// created label has a valid S10 number and addresses that validate as
// stored; a refusal names fields of the body.
func FuzzLabelJSON(f *testing.F) {
	addr := `{"name":"Jeanne Dupont","street":"Rue de la Loi","house_number":"16","postal_code":"1000","city":"Bruxelles","country":"BE"}`
	for _, s := range []string{
		`{"department_id":{D1},"sender":` + addr + `,"recipient":` + addr + `,"weight_grams":500}`,
		`{"department_id":{D1},"sender":` + addr + `,"recipient":{"name":" a ","street":"b","house_number":"1","postal_code":"75001","city":"Paris","country":" fr "},"weight_grams":31500}`,
		`{"department_id":{D1},"sender":` + addr + `,"recipient":{"name":"a\u0000","street":"b\u202e","house_number":"1","postal_code":"１２３","city":"` + "\xff" + `","country":"ZZ"},"weight_grams":0}`,
		`{"department_id":{D1},"sender":` + addr + `,"recipient":` + addr + `,"weight_grams":-1}`,
		`{"department_id":999999,"sender":{},"recipient":{},"weight_grams":1}`,
		`{"department_id":"1","sender":[],"recipient":null,"weight_grams":1.5}`,
		`{"department_id":{D1},"sender":{"name":1},"recipient":{"zip":"1000"}}`,
		`{}`, `null`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	servers := webtest.NewServers(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, s := range servers {
			b := bytes.ReplaceAll(body, []byte("{D1}"), []byte(strconv.FormatInt(s.IDs["D1"], 10)))
			w := s.Do("POST", "/api/v1/labels", "", bytes.NewReader(b), jsonHeader, s.Admin)
			if p := s.CheckAnswer(t, "create label", w, 400, 403, 404); p != nil {
				checkFields(t, "create label", p, []string{"department_id", "sender", "recipient", "weight_grams"})
				continue
			}
			var l struct {
				TrackingNumber string          `json:"tracking_number"`
				Sender         portail.Address `json:"sender"`
				Recipient      portail.Address `json:"recipient"`
				WeightGrams    int             `json:"weight_grams"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			if !portail.ValidS10(l.TrackingNumber) {
				t.Fatalf("label on %s: tracking number %q", s.Dialect, l.TrackingNumber)
			}
			c := portail.LabelCreate{DepartmentID: s.IDs["D1"], Sender: l.Sender, Recipient: l.Recipient, WeightGrams: l.WeightGrams}
			before := c
			c.Normalize()
			if c != before || c.Validate() != nil {
				t.Fatalf("label on %s stored addresses that are not normalised or do not validate: %s", s.Dialect, w.Body)
			}
		}
	})
}

// FuzzUpload sends any multipart body to POST /api/v1/documents, either
// built from fuzzed parts (mode even) or raw with a fuzzed boundary (mode
// odd). Every answer is a document, a refusal (400), a department the
// admin does not see (404) or the size limit (413); no temporary file of
// the form is left behind; a stored document downloads byte for byte.
func FuzzUpload(f *testing.F) {
	pdfFile := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	f.Add(uint8(0), "lettre.pdf", pdfFile, "{D1}", "mail", "")
	f.Add(uint8(2), "../../etc/passwd", pdfFile, "{D1}", "classic", "")
	f.Add(uint8(4), "a\x00b\r\n.pdf", []byte("<html>"), "{D1}", "parcels", "")
	f.Add(uint8(6), "big.pdf", append(append([]byte("%PDF-"), bytes.Repeat([]byte("x"), webtest.MaxUpload)...), "%%EOF"...), "{D1}", "mail", "")
	f.Add(uint8(0), "x.pdf", pdfFile, "-1", "", "")
	f.Add(uint8(2), "", pdfFile, "99999999999999999999", "mail", "")
	f.Add(uint8(1), "", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1\n%%EOF\r\n--b\r\nContent-Disposition: form-data; name=\"department_id\"\r\n\r\n{D1}\r\n--b\r\nContent-Disposition: form-data; name=\"module\"\r\n\r\nmail\r\n--b--\r\n"), "", "", "b")
	f.Add(uint8(3), "", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b"), "", "", "b")
	f.Add(uint8(5), "", []byte("garbage"), "", "", "")
	f.Add(uint8(7), "", []byte("--\"\r\n\r\n"), "", "", "\"")
	servers := webtest.NewServers(f)
	tmp := f.TempDir()
	// The form's spooled files go to the temporary directory: a fresh one,
	// so that anything left in it is a leak.
	f.Setenv("TMPDIR", tmp)
	f.Fuzz(func(t *testing.T, mode uint8, filename string, content []byte, dept, module, boundary string) {
		for _, s := range servers {
			d := strings.ReplaceAll(dept, "{D1}", strconv.FormatInt(s.IDs["D1"], 10))
			var body bytes.Buffer
			var ct string
			if mode%2 == 0 {
				mw := multipart.NewWriter(&body)
				fields := func() {
					mw.WriteField("department_id", d)
					mw.WriteField("module", module)
				}
				if mode&2 != 0 {
					fields()
				}
				if mode&4 == 0 {
					h := textproto.MIMEHeader{}
					h.Set("Content-Disposition", `form-data; name="file"; filename="`+escapeQuotes(filename)+`"`)
					h.Set("Content-Type", "application/pdf")
					part, _ := mw.CreatePart(h)
					part.Write(content)
				}
				if mode&2 == 0 {
					fields()
				}
				mw.Close()
				ct = mw.FormDataContentType()
			} else {
				body.Write(bytes.ReplaceAll(content, []byte("{D1}"), []byte(strconv.FormatInt(s.IDs["D1"], 10))))
				ct = "multipart/form-data; boundary=" + boundary
			}
			w := s.Do("POST", "/api/v1/documents", "", &body, http.Header{"Content-Type": {ct}}, s.Admin)
			p := s.CheckAnswer(t, "upload", w, 400, 404, 413)
			if p != nil {
				checkFields(t, "upload", p, []string{"file", "department_id", "module"})
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Fatalf("upload on %s (%d) left %d temporary files, %s first", s.Dialect, w.Code, len(left), left[0].Name())
			}
			if p != nil || mode%2 != 0 {
				continue
			}
			var doc struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
				Size int64  `json:"size"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			got := s.Do("GET", "/api/v1/documents/"+strconv.FormatInt(doc.ID, 10)+"/file", "", nil, nil, s.Admin)
			if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), content) || doc.Size != int64(len(content)) {
				t.Fatalf("upload on %s: document %d downloads as %d, %d bytes (size %d), sent %d", s.Dialect, doc.ID, got.Code, got.Body.Len(), doc.Size, len(content))
			}
		}
	})
}

func escapeQuotes(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) }

// listRoutes are the lists and exports with filters in the query, and
// the parameters a field error of each may name.
var listRoutes = []struct {
	path   string
	params []string
}{
	{"/api/v1/users", []string{"status", "q", "sort", "cursor", "department_id", "limit", "role", "module"}},
	{"/api/v1/documents", []string{"status", "cursor", "department_id", "limit", "from", "to", "module"}},
	{"/api/v1/labels", []string{"status", "cursor", "department_id", "limit", "from", "to"}},
	{"/api/v1/activity", []string{"type", "cursor", "user_id", "limit", "from", "to"}},
	{"/api/v1/activity.csv", []string{"type", "cursor", "user_id", "limit", "from", "to"}},
	{"/api/v1/reports/summary", []string{"from", "to"}},
	{"/api/v1/reports/summary.csv", []string{"from", "to"}},
	{"/api/v1/outbox", []string{"limit", "cursor"}},
	{"/users", nil}, {"/documents", nil}, {"/labels", nil}, {"/activity", nil}, {"/reports", nil}, {"/outbox", nil},
}

// FuzzListQueries sends any query string to every list, export and list
// page, as the admin. An API list answers 200 or 400 invalid naming its
// own parameters, a page anything but a server error; and a next cursor
// an API list hands out fetches the next page.
func FuzzListQueries(f *testing.F) {
	for _, q := range []string{
		"", "limit=1", "limit=1&sort=-created_at", "limit=1&sort=full_name&q=a", "sort=email&limit=1&status=all",
		"q=%00", "q=%ff%fe", "q=%25_%5C", "q=" + strings.Repeat("a", 3000), "sort=nope", "sort=-", "status=gone",
		"limit=-1", "limit=201", "limit=99999999999999999999", "limit=1e3", "department_id=abc", "user_id=-5",
		"from=2026-01-31&to=2026-01-31", "from=2026-02-30", "from=2026-01-31T08:00:00%2B01:00&to=9999-12-31",
		"from=0000-01-01T00:00:00Z", "to=2026-13-01", "type=%00", "type=login_failed", "role=admin&module=parcels",
		"cursor=%00", "cursor=MToy", "cursor=" + "OTk5OTk5OTk5OTk5OTk5OTk5OTk6MQ", "cursor=MTp1c2VybmFtZXwA", "cursor=MTp1c2VybmFtZXz_",
		"module=%00", "status=%00&role=%00", ";;&&==", "%zz=1", "a=%", "lang=nl&q=x",
	} {
		for i := range listRoutes {
			f.Add(uint8(i), q)
		}
	}
	servers := webtest.NewServers(f)
	f.Fuzz(func(t *testing.T, route uint8, rawQuery string) {
		rt := listRoutes[int(route)%len(listRoutes)]
		for _, s := range servers {
			w := s.Do("GET", rt.path, rawQuery, nil, nil, s.Admin)
			what := "GET " + rt.path + "?" + rawQuery
			if rt.params == nil {
				s.CheckServed(t, what, w) // a page shows a refused filter next to the form
				continue
			}
			if p := s.CheckAnswer(t, what, w, 400); p != nil {
				if p.Code != portail.EINVALID {
					t.Fatalf("%s on %s: 400 with code %q", what, s.Dialect, p.Code)
				}
				checkFields(t, what, p, rt.params)
				continue
			}
			if strings.HasSuffix(rt.path, ".csv") || strings.HasSuffix(rt.path, "summary") {
				continue
			}
			var list struct {
				NextCursor *string `json:"next_cursor"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
				t.Fatalf("%s on %s: %v", what, s.Dialect, err)
			}
			if list.NextCursor == nil {
				continue
			}
			q, _ := url.ParseQuery(rawQuery)
			q.Set("cursor", *list.NextCursor)
			if w := s.Do("GET", rt.path, q.Encode(), nil, nil, s.Admin); w.Code != 200 {
				t.Fatalf("%s on %s: the next page answers %d: %s", what, s.Dialect, w.Code, w.Body)
			}
		}
	})
}

// FuzzAuthHeaders sends any Authorization and Cookie header to the API
// and to a page. Nothing guessed signs in: the API answers 401, the page
// sends to the sign-in page; never a server error.
func FuzzAuthHeaders(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""}, {"Bearer ", ""}, {"Bearer x", ""}, {"Basic YWRtaW46eA==", ""}, {"bearer abc", ""},
		{"Bearer pk_" + strings.Repeat("A", 40), ""}, {"Bearer \xff\xfe", ""}, {"Bearer a.b.c", ""},
		{"", "portail_session="}, {"", "portail_session=not-a-session"}, {"", "portail_session=\"quoted\""},
		{"", "portail_session=" + strings.Repeat("x", 4096)}, {"", "portail_session=%00; portail_device=" + strings.Repeat("d", 32)},
		{"", "a=b; portail_session=c; portail_session=d"}, {"", "portail_session=\xff"},
	} {
		f.Add(s[0], s[1])
	}
	servers := webtest.NewServers(f)
	f.Fuzz(func(t *testing.T, authorization, cookie string) {
		if !validHeaderValue(authorization) || !validHeaderValue(cookie) {
			return // net/http refuses such a request before any handler
		}
		h := http.Header{}
		if authorization != "" {
			h.Set("Authorization", authorization)
		}
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		for _, s := range servers {
			w := s.Do("GET", "/api/v1/me", "", nil, h)
			if p := s.CheckAnswer(t, "GET /api/v1/me", w, 401); p == nil {
				t.Fatalf("GET /api/v1/me on %s signed in with Authorization %q, Cookie %q", s.Dialect, authorization, cookie)
			}
			w = s.Do("GET", "/profile", "", nil, h)
			if w.Code >= 500 || (authorization == "" && w.Code != http.StatusSeeOther) {
				t.Fatalf("GET /profile on %s with Authorization %q, Cookie %q: %d", s.Dialect, authorization, cookie, w.Code)
			}
		}
	})
}

// validHeaderValue is what net/http accepts as a header field value: no
// control character but the tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// fieldBase is a field error's name without its list index or nested
// member: modules[2] → modules, recipient.city → recipient.
func fieldBase(field string) string {
	if i := strings.IndexAny(field, "[."); i >= 0 {
		return field[:i]
	}
	return field
}
