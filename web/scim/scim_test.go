package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"portail"
	"portail/blob"
	"portail/internal/testdb"
	"portail/sqldb"
	"portail/web"
	"portail/web/internal/webtest"
)

// site is one real HTTP server over a fresh database: an account on a
// plan, its admin (signed in), department D1 and a SCIM token whose
// defaults put users in D1 as operators with mail.
type site struct {
	t       *testing.T
	dialect string
	db      *sqldb.DB
	srv     *httptest.Server
	acct    *portail.Account
	admin   *portail.User
	cookie  *http.Cookie
	d1      int64
	token   string
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eachSite runs fn on a site of each dialect.
func eachSite(t *testing.T, plan portail.Plan, fn func(t *testing.T, s *site)) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			fn(t, newSite(t, dialect, plan))
		})
	}
}

func newSite(t *testing.T, dialect string, plan portail.Plan) *site {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, testdb.DSN(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &site{t: t, dialect: dialect, db: db, logs: &syncBuffer{}}
	base, _ := url.Parse("http://portail.test")
	server := web.NewServer(webtest.Services(db, blob.Dir{Root: t.TempDir()}), base,
		slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelError})))
	s.srv = httptest.NewServer(server.Handler())
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() {
		if l := s.logs.String(); l != "" {
			t.Errorf("the server logged errors: %s", l)
		}
	})
	auth := sqldb.NewAuthService(db)
	s.acct, s.admin, err = auth.Setup(ctx, portail.Setup{AccountName: "Acme", Plan: plan, Modules: portail.AllModules,
		AdminUsername: "admin", AdminEmail: "admin@acme.test", AdminPassword: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	asAdmin := portail.WithCaller(ctx, portail.Caller{Actor: s.admin.Actor(s.acct.Modules)})
	d, err := sqldb.NewDepartmentService(db).CreateDepartment(asAdmin, "D1")
	if err != nil {
		t.Fatal(err)
	}
	s.d1 = d.ID
	in, err := auth.Login(portail.WithCaller(ctx, portail.Caller{IP: "192.0.2.1"}), portail.Login{Login: "admin", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	s.cookie = &http.Cookie{Name: "portail_session", Value: in.Token}
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	s.api("POST", "/api/v1/account/scim-tokens", fmt.Sprintf(`{"name":"Entra ID","defaults":{"role":"operator","department_id":%d,"modules":["mail"]}}`, s.d1), http.StatusCreated, &tok)
	if !strings.HasPrefix(tok.Token, portail.SCIMTokenPrefix) {
		t.Fatalf("token %q", tok.Token)
	}
	s.token = tok.Token
	return s
}

// api calls the REST API as the signed-in admin.
func (s *site) api(method, path, body string, want int, into any) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	req.AddCookie(s.cookie)
	req.Header.Set("Origin", s.srv.URL)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s on %s: %d, want %d: %s", method, path, s.dialect, res.StatusCode, want, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// answer is a SCIM answer: its status and its body as a generic object.
type answer struct {
	status int
	body   map[string]any
	raw    string
	header http.Header
}

// scim sends a SCIM request with token (s.token when "").
func (s *site) scimAs(token, method, path, body string) answer {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	if token != "-" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, raw: string(b), header: res.Header}
	if len(b) > 0 {
		if ct := res.Header.Get("Content-Type"); ct != "application/scim+json" {
			s.t.Fatalf("%s %s: Content-Type %q: %s", method, path, ct, b)
		}
		if err := json.Unmarshal(b, &a.body); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	if a.status >= 400 {
		// RFC 7644 §3.12: an error body, its status a string.
		schemas, _ := a.body["schemas"].([]any)
		if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || a.body["status"] != fmt.Sprint(a.status) {
			s.t.Fatalf("%s %s: not a SCIM error: %d %s", method, path, a.status, b)
		}
	}
	return a
}

func (s *site) scim(method, path, body string) answer {
	s.t.Helper()
	return s.scimAs(s.token, method, path, body)
}

// want fails unless the answer has the status (and the scimType, when
// given).
func (a answer) want(t *testing.T, status int, scimType ...string) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	if len(scimType) > 0 && a.body["scimType"] != scimType[0] {
		t.Fatalf("scimType %v, want %s: %s", a.body["scimType"], scimType[0], a.raw)
	}
	return a
}

func (a answer) str(path ...string) string {
	var v any = a.body
	for _, p := range path {
		switch t := v.(type) {
		case map[string]any:
			v = t[p]
		case []any:
			var i int
			fmt.Sscan(p, &i)
			if i >= len(t) {
				return ""
			}
			v = t[i]
		default:
			return ""
		}
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

const ext = "urn:portail:params:scim:schemas:extension:2.0:User"

func userBody(name string, more string) string {
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + name + `","active":true,
		"name":{"givenName":"Given","familyName":"` + name + `"},"emails":[{"primary":true,"type":"work","value":"` + name + `@acme.test"}]` + more + `}`
}

func TestSCIMAuth(t *testing.T) {
	eachSite(t, portail.PlanGold, func(t *testing.T, s *site) {
		s.scimAs("-", "GET", "/scim/v2/Users", "").want(t, http.StatusUnauthorized)
		s.scimAs("scim_wrong", "GET", "/scim/v2/Users", "").want(t, http.StatusUnauthorized)
		if a := s.scimAs("-", "GET", "/scim/v2/Users", ""); a.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		// An API key is not a SCIM token, nor a SCIM token an API key.
		s.scimAs(s.cookie.Value, "GET", "/scim/v2/Users", "").want(t, http.StatusUnauthorized)
		s.scim("GET", "/scim/v2/Nothing", "").want(t, http.StatusNotFound)

		// The tokens on the API: listed with their last use, revoked.
		var list struct {
			Items []struct {
				ID         int64   `json:"id"`
				Name       string  `json:"name"`
				Token      string  `json:"token"`
				LastUsedAt *string `json:"last_used_at"`
				Defaults   struct {
					Role string `json:"role"`
				} `json:"defaults"`
			} `json:"items"`
		}
		s.api("GET", "/api/v1/account/scim-tokens", "", http.StatusOK, &list)
		if len(list.Items) != 1 || list.Items[0].Name != "Entra ID" || list.Items[0].Token != "" || list.Items[0].LastUsedAt == nil ||
			list.Items[0].Defaults.Role != "operator" {
			t.Fatalf("tokens: %+v", list)
		}
		s.api("POST", "/api/v1/account/scim-tokens", `{"name":"x","defaults":{"role":"admin","department_id":1}}`, http.StatusBadRequest, nil)
		s.api("DELETE", fmt.Sprintf("/api/v1/account/scim-tokens/%d", list.Items[0].ID), "", http.StatusNoContent, nil)
		s.scim("GET", "/scim/v2/Users", "").want(t, http.StatusUnauthorized)
	})
}

func TestSCIMDiscovery(t *testing.T) {
	eachSite(t, portail.PlanGold, func(t *testing.T, s *site) {
		c := s.scim("GET", "/scim/v2/ServiceProviderConfig", "").want(t, http.StatusOK)
		if c.str("patch", "supported") != "true" || c.str("bulk", "supported") != "false" || c.str("filter", "supported") != "true" {
			t.Errorf("config: %s", c.raw)
		}
		schemas := s.scim("GET", "/scim/v2/Schemas", "").want(t, http.StatusOK)
		if schemas.str("totalResults") != "3" || !strings.Contains(schemas.raw, ext) {
			t.Errorf("schemas: %s", schemas.raw)
		}
		s.scim("GET", "/scim/v2/Schemas/"+ext, "").want(t, http.StatusOK)
		s.scim("GET", "/scim/v2/Schemas/urn:nothing", "").want(t, http.StatusNotFound)
		types := s.scim("GET", "/scim/v2/ResourceTypes", "").want(t, http.StatusOK)
		if types.str("totalResults") != "2" || types.str("Resources", "0", "schemaExtensions", "0", "schema") != ext {
			t.Errorf("resource types: %s", types.raw)
		}
		s.scim("GET", "/scim/v2/ResourceTypes/Group", "").want(t, http.StatusOK)
	})
}

func TestSCIMUsers(t *testing.T) {
	eachSite(t, portail.PlanEnterprise, func(t *testing.T, s *site) {
		// Created with the token's defaults.
		a := s.scim("POST", "/scim/v2/Users", userBody("ann", "")).want(t, http.StatusCreated)
		id := a.str("id")
		if a.str(ext, "role") != "operator" || a.str(ext, "department_id") != fmt.Sprint(s.d1) || a.str(ext, "modules", "0") != "mail" ||
			a.str("displayName") != "Given ann" || a.str("active") != "true" || a.header.Get("Location") != "http://portail.test/scim/v2/Users/"+id {
			t.Fatalf("created: %s", a.raw)
		}
		// Unique userName and e-mail, case-insensitive: 409 uniqueness.
		s.scim("POST", "/scim/v2/Users", userBody("ANN", "")).want(t, http.StatusConflict, "uniqueness")
		s.scim("POST", "/scim/v2/Users", strings.Replace(userBody("ann2", ""), "ann2@acme.test", "Ann@ACME.test", 1)).want(t, http.StatusConflict, "uniqueness")
		s.scim("POST", "/scim/v2/Users", `{"userName":"x"}`).want(t, http.StatusBadRequest, "invalidValue")
		s.scim("POST", "/scim/v2/Users", `{"userName":`).want(t, http.StatusBadRequest, "invalidSyntax")

		// The extension: an admin (department null), a department as a
		// JSON number that wins over the groups; two groups are refused.
		boss := s.scim("POST", "/scim/v2/Users", userBody("boss", `,"`+ext+`":{"role":"admin"}`)).want(t, http.StatusCreated)
		if boss.str(ext, "role") != "admin" || boss.str(ext, "department_id") != "" {
			t.Fatalf("admin: %s", boss.raw)
		}
		d2 := s.scim("POST", "/scim/v2/Groups", `{"displayName":"D2"}`).want(t, http.StatusCreated).str("id")
		wins := s.scim("POST", "/scim/v2/Users", userBody("wins", fmt.Sprintf(`,"groups":[{"value":"%s"}],"%s":{"department_id":%d}`, d2, ext, s.d1))).want(t, http.StatusCreated)
		if wins.str(ext, "department_id") != fmt.Sprint(s.d1) {
			t.Fatalf("the extension's department did not win: %s", wins.raw)
		}
		grouped := s.scim("POST", "/scim/v2/Users", userBody("grouped", `,"groups":[{"value":"`+d2+`"}]`)).want(t, http.StatusCreated)
		if grouped.str(ext, "department_id") != d2 {
			t.Fatalf("the group did not set the department: %s", grouped.raw)
		}
		s.scim("POST", "/scim/v2/Users", userBody("twice", fmt.Sprintf(`,"groups":[{"value":"%s"},{"value":"%d"}]`, d2, s.d1))).want(t, http.StatusBadRequest, "invalidValue")
		s.scim("POST", "/scim/v2/Users", userBody("strdept", `,"`+ext+`":{"department_id":"1"}`)).want(t, http.StatusBadRequest, "invalidValue")

		// Get, filters, pages.
		s.scim("GET", "/scim/v2/Users/"+id, "").want(t, http.StatusOK)
		s.scim("GET", "/scim/v2/Users/999999", "").want(t, http.StatusNotFound)
		byName := s.scim("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ANN"`), "").want(t, http.StatusOK)
		if byName.str("totalResults") != "1" || byName.str("Resources", "0", "id") != id {
			t.Fatalf("userName filter: %s", byName.raw)
		}
		byMail := s.scim("GET", "/scim/v2/Users?filter="+url.QueryEscape(`emails.value eq "ann@acme.test"`), "").want(t, http.StatusOK)
		if byMail.str("totalResults") != "1" || byMail.str("Resources", "0", "id") != id {
			t.Fatalf("emails.value filter: %s", byMail.raw)
		}
		byMail = s.scim("GET", "/scim/v2/Users?filter="+url.QueryEscape(`emails[value eq "ann@acme.test"]`), "").want(t, http.StatusOK)
		if byMail.str("totalResults") != "1" {
			t.Fatalf("emails[value eq] filter: %s", byMail.raw)
		}
		none := s.scim("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "nobody"`), "").want(t, http.StatusOK)
		if none.str("totalResults") != "0" || !strings.Contains(none.raw, `"Resources":[]`) {
			t.Fatalf("no match: %s", none.raw)
		}
		s.scim("GET", "/scim/v2/Users?filter="+url.QueryEscape(`title co "x"`), "").want(t, http.StatusBadRequest, "invalidFilter")
		s.scim("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq`), "").want(t, http.StatusBadRequest, "invalidFilter")
		// admin, ann, boss, wins, grouped: five users, by id.
		p1 := s.scim("GET", "/scim/v2/Users?startIndex=2&count=2", "").want(t, http.StatusOK)
		p2 := s.scim("GET", "/scim/v2/Users?startIndex=4&count=2", "").want(t, http.StatusOK)
		if p1.str("totalResults") != "5" || p1.str("itemsPerPage") != "2" || p1.str("startIndex") != "2" ||
			p1.str("Resources", "0", "userName") != "ann" || p2.str("Resources", "1", "userName") != "grouped" {
			t.Fatalf("pages: %s\n%s", p1.raw, p2.raw)
		}
		if c := s.scim("GET", "/scim/v2/Users?count=0", ""); c.str("totalResults") != "5" || c.str("itemsPerPage") != "0" {
			t.Fatalf("count=0: %s", c.raw)
		}

		// PUT: a whole user; userName never changes.
		put := s.scim("PUT", "/scim/v2/Users/"+id, `{"userName":"ann","displayName":"Ann Other","emails":[{"value":"ann.other@acme.test","primary":true}],"active":true,"preferredLanguage":"nl-BE"}`).want(t, http.StatusOK)
		if put.str("displayName") != "Ann Other" || put.str("emails", "0", "value") != "ann.other@acme.test" || put.str("preferredLanguage") != "nl" ||
			put.str(ext, "role") != "operator" {
			t.Fatalf("put: %s", put.raw)
		}
		formatted := s.scim("PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"replace","path":"name.formatted","value":"Ann Formatted"}]}`).want(t, http.StatusOK)
		if formatted.str("displayName") != "Ann Formatted" {
			t.Fatalf("a PATCH of name.formatted: %s", formatted.raw)
		}
		display := s.scim("PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"replace","value":{"displayName":"Ann Display","name.givenName":"Annie"}}]}`).want(t, http.StatusOK)
		if display.str("displayName") != "Ann Display" || display.str("name", "givenName") != "Annie" {
			t.Fatalf("a PATCH of displayName and name.givenName: %s", display.raw)
		}
		s.scim("PUT", "/scim/v2/Users/"+id, `{"userName":"ann.renamed","displayName":"Ann","emails":[{"value":"ann.other@acme.test"}]}`).want(t, http.StatusBadRequest, "mutability")
		s.scim("PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"replace","path":"userName","value":"ann2"}]}`).want(t, http.StatusBadRequest, "mutability")
		s.scim("PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"move","path":"userName"}]}`).want(t, http.StatusBadRequest, "invalidSyntax")

		// DELETE deactivates; active true brings the user back.
		s.scim("DELETE", "/scim/v2/Users/"+id, "").want(t, http.StatusNoContent)
		if g := s.scim("GET", "/scim/v2/Users/"+id, "").want(t, http.StatusOK); g.str("active") != "false" {
			t.Fatalf("after DELETE: %s", g.raw)
		}
		back := s.scim("PATCH", "/scim/v2/Users/"+id, `{"Operations":[{"op":"replace","value":{"active":true}}]}`).want(t, http.StatusOK)
		if back.str("active") != "true" {
			t.Fatalf("reactivated: %s", back.raw)
		}
	})
}

func TestSCIMGroups(t *testing.T) {
	eachSite(t, portail.PlanEnterprise, func(t *testing.T, s *site) {
		u := s.scim("POST", "/scim/v2/Users", userBody("gus", "")).want(t, http.StatusCreated).str("id")
		g := s.scim("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0","displayName":"Sales","members":[]}`).want(t, http.StatusCreated)
		gid := g.str("id")
		if g.str("displayName") != "Sales" || g.str("externalId") != "8aa1a0c0" {
			t.Fatalf("group: %s", g.raw)
		}
		s.scim("POST", "/scim/v2/Groups", `{"displayName":"sales"}`).want(t, http.StatusConflict, "uniqueness")
		// Entra ID's group operations: add a member, with "$ref": null.
		s.scim("PATCH", "/scim/v2/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"name":"addMember","op":"Add","path":"members","value":[{"$ref":null,"value":"`+u+`"}]}]}`).want(t, http.StatusOK)
		if d := s.scim("GET", "/scim/v2/Users/"+u, "").str(ext, "department_id"); d != gid {
			t.Fatalf("a member of Sales is in department %s", d)
		}
		got := s.scim("GET", "/scim/v2/Groups/"+gid, "").want(t, http.StatusOK)
		if got.str("members", "0", "value") != u || got.str("members", "0", "display") != "gus" {
			t.Fatalf("members: %s", got.raw)
		}
		found := s.scim("GET", "/scim/v2/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "Sales"`), "").want(t, http.StatusOK)
		if found.str("totalResults") != "1" || found.str("Resources", "0", "members") != "" {
			t.Fatalf("by displayName without members: %s", found.raw)
		}
		// Rename, then remove the member: back to the token's department.
		s.scim("PATCH", "/scim/v2/Groups/"+gid, `{"Operations":[{"op":"Replace","path":"displayName","value":"Sales EMEA"}]}`).want(t, http.StatusOK)
		s.scim("PATCH", "/scim/v2/Groups/"+gid, `{"Operations":[{"op":"Remove","path":"members[value eq \"`+u+`\"]"}]}`).want(t, http.StatusOK)
		// A member filter other than one equality is refused, not a crash.
		s.scim("PATCH", "/scim/v2/Groups/"+gid, `{"Operations":[{"op":"Remove","path":"members[value eq \"1\" or value eq \"2\"]"}]}`).want(t, http.StatusBadRequest, "invalidFilter")
		s.scim("PATCH", "/scim/v2/Groups/"+gid, `{"Operations":[{"op":"Remove","path":"members[not (value eq \"1\")]"}]}`).want(t, http.StatusBadRequest, "invalidFilter")
		if d := s.scim("GET", "/scim/v2/Users/"+u, "").str(ext, "department_id"); d != fmt.Sprint(s.d1) {
			t.Fatalf("a removed member is in department %s", d)
		}
		// PUT replaces the members.
		put := s.scim("PUT", "/scim/v2/Groups/"+gid, `{"displayName":"Sales EMEA","members":[{"value":"`+u+`"}]}`).want(t, http.StatusOK)
		if put.str("members", "0", "value") != u {
			t.Fatalf("put: %s", put.raw)
		}
		// A user's department by the extension moves them out.
		s.scim("PATCH", "/scim/v2/Users/"+u, fmt.Sprintf(`{"Operations":[{"op":"replace","path":"%s:department_id","value":%d}]}`, ext, s.d1)).want(t, http.StatusOK)
		if m := s.scim("GET", "/scim/v2/Groups/"+gid, "").str("members", "0"); m != "" {
			t.Fatalf("still a member: %s", m)
		}
		s.scim("PATCH", "/scim/v2/Groups/"+gid, `{"Operations":[{"op":"add","path":"members","value":[{"value":"999999"}]}]}`).want(t, http.StatusBadRequest, "invalidValue")
		s.scim("DELETE", "/scim/v2/Groups/"+gid, "").want(t, http.StatusBadRequest, "mutability")
		s.scim("DELETE", "/scim/v2/Groups/999999", "").want(t, http.StatusNotFound)
		if all := s.scim("GET", "/scim/v2/Groups", "").want(t, http.StatusOK); all.str("totalResults") != "2" {
			t.Fatalf("groups: %s", all.raw)
		}
	})
}

// TestSCIMSeatsUnderConcurrency: 20 directory creates at once on an
// account with 3 free seats: exactly 3 are created, the others answer 409
// naming the plan and its limit (S4).
func TestSCIMSeatsUnderConcurrency(t *testing.T) {
	eachSite(t, portail.PlanPlatinum, func(t *testing.T, s *site) { // 5 seats
		s.scim("POST", "/scim/v2/Users", userBody("first", "")).want(t, http.StatusCreated) // with the admin, 2 used
		var wg sync.WaitGroup
		answers := make([]answer, 20)
		for i := range answers {
			wg.Go(func() { answers[i] = s.scim("POST", "/scim/v2/Users", userBody(fmt.Sprintf("rush%02d", i), "")) })
		}
		wg.Wait()
		created := 0
		for _, a := range answers {
			switch a.status {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				detail := a.str("detail")
				if !strings.Contains(detail, "platinum") || !strings.Contains(detail, "5 in all") || a.str("scimType") != "" {
					t.Errorf("409 without the plan and its limit: %s", a.raw)
				}
			default:
				t.Errorf("answer %d: %s", a.status, a.raw)
			}
		}
		if created != 3 {
			t.Fatalf("%d created, want exactly 3", created)
		}
		list := s.scim("GET", "/scim/v2/Users?count=0", "")
		if list.str("totalResults") != "5" {
			t.Fatalf("%s users, want 5", list.str("totalResults"))
		}
		// Reactivation counts the seats again.
		first := s.scim("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "first"`), "").str("Resources", "0", "id")
		s.scim("DELETE", "/scim/v2/Users/"+first, "").want(t, http.StatusNoContent)
		s.scim("POST", "/scim/v2/Users", userBody("late", "")).want(t, http.StatusCreated)
		again := s.scim("PATCH", "/scim/v2/Users/"+first, `{"Operations":[{"op":"Replace","path":"active","value":"True"}]}`).want(t, http.StatusConflict)
		if !strings.Contains(again.str("detail"), "platinum") {
			t.Fatalf("reactivation past the seats: %s", again.raw)
		}
	})
}
