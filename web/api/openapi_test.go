package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portail/blob"
	"portail/internal/testdb"
	"portail/sqldb"
	"portail/web"
	"portail/web/api"
	"portail/web/internal/webtest"
	"portail/web/request"
)

// The OpenAPI document (openapi.json) must describe exactly the API the
// server registers: these tests read the routes from Server.Routes(), so a
// route added without documentation (or documentation left behind by a
// removed route) fails here, with the list of what is missing.
//
// Paths in the document are relative to its server url /api/v1: the route
// "GET /api/v1/users/{id}" is documented as paths["/users/{id}"].get.

const openAPIPrefix = "/api/v1"

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPITestServer builds the server as cmd/portail/serve.go does, over a
// fresh SQLite database.
func openAPITestServer(t *testing.T) (*web.Server, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, testdb.DSN(t, "sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := httptest.NewUnstartedServer(nil)
	base, _ := url.Parse("http://" + ts.Listener.Addr().String())
	srv := web.NewServer(webtest.Services(db, blob.Dir{Root: t.TempDir()}), base, slog.New(slog.DiscardHandler))
	srv.Ready = db.Ping
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(func() { ts.Close(); srv.Wait() })
	return srv, ts
}

// openAPIRoute is one operation: "GET /users/{id}", path relative to /api/v1.
type openAPIRoute struct{ method, path string }

func (r openAPIRoute) String() string { return strings.ToUpper(r.method) + " " + r.path }

var muxWildcard = regexp.MustCompile(`\{([^{}]*)\}`)

// normalizeMuxPath turns a ServeMux path into an OpenAPI path template:
// {name...} becomes {name} and the end anchor {$} disappears.
func normalizeMuxPath(p string) string {
	return muxWildcard.ReplaceAllStringFunc(p, func(w string) string {
		name := strings.TrimSuffix(w[1:len(w)-1], "...")
		if name == "$" {
			return ""
		}
		return "{" + name + "}"
	})
}

// servedAPIRoutes returns the /api/v1 routes of Routes(). Subtree patterns
// ("/api/v1/", "GET /api/v1/x/"), the fallbacks that answer unknown paths,
// are no operations and come back in fallbacks; other patterns without a
// method, which OpenAPI cannot describe as operations, come back in
// methodless.
func servedAPIRoutes(srv *web.Server) (routes []openAPIRoute, fallbacks, methodless []string) {
	for _, pattern := range srv.Routes() {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "", pattern
		}
		path = strings.TrimSpace(path)
		if path != openAPIPrefix && !strings.HasPrefix(path, openAPIPrefix+"/") {
			continue // /healthz, /static/, the pages…
		}
		if strings.HasSuffix(path, "/") {
			fallbacks = append(fallbacks, pattern)
			continue
		}
		if method == "" {
			methodless = append(methodless, pattern)
			continue
		}
		routes = append(routes, openAPIRoute{strings.ToLower(method), normalizeMuxPath(strings.TrimPrefix(path, openAPIPrefix))})
	}
	return routes, fallbacks, methodless
}

// openAPIDoc is the parsed document.
type openAPIDoc map[string]any

func loadOpenAPIDoc(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	dec := json.NewDecoder(bytes.NewReader(api.OpenAPI()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("web/api/openapi.json is not valid JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("web/api/openapi.json has data after its JSON object")
	}
	return doc
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// operations returns every operation of the document by route.
func (d openAPIDoc) operations() map[openAPIRoute]map[string]any {
	ops := map[openAPIRoute]map[string]any{}
	for path, item := range asMap(d["paths"]) {
		for _, m := range openAPIMethods {
			if op := asMap(asMap(item)[m]); op != nil {
				ops[openAPIRoute{m, path}] = op
			}
		}
	}
	return ops
}

// resolve follows a local reference ("#/components/schemas/User").
func (d openAPIDoc) resolve(ref string) (any, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = map[string]any(d)
	if frag == "" {
		return cur, true
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, false
	}
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref follows v's $ref, if any, to the object it names.
func (d openAPIDoc) deref(v any) map[string]any {
	for range 10 {
		m := asMap(v)
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		v, _ = d.resolve(ref)
	}
	return nil
}

func sortedRoutes(rs []openAPIRoute) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	slices.Sort(out)
	return out
}

func TestOpenAPI(t *testing.T) {
	srv, ts := openAPITestServer(t)
	doc := loadOpenAPIDoc(t)
	served, fallbacks, methodless := servedAPIRoutes(srv)
	if len(served) == 0 {
		t.Fatal("Routes() lists no /api/v1 route")
	}
	for _, p := range fallbacks {
		t.Logf("not an operation, left undocumented: the subtree pattern %q", p)
	}
	ops := doc.operations()

	t.Run("Version", func(t *testing.T) {
		v, _ := doc["openapi"].(string)
		if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
			t.Errorf(`openapi = %q, want "3.1.x"`, v)
		}
		if info := asMap(doc["info"]); info["title"] == nil || info["version"] == nil {
			t.Error("info needs a title and a version")
		}
		servers, _ := doc["servers"].([]any)
		if len(servers) == 0 || asMap(servers[0])["url"] != openAPIPrefix {
			t.Errorf("servers[0].url must be %q: the paths are relative to it", openAPIPrefix)
		}
		for path := range asMap(doc["paths"]) {
			if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, openAPIPrefix+"/") {
				t.Errorf("path %q: write paths relative to %s, starting with /", path, openAPIPrefix)
			}
		}
	})

	t.Run("RoutesDocumented", func(t *testing.T) {
		for _, p := range methodless {
			t.Errorf("route %q has no method: register API routes as \"METHOD /api/v1/…\"", p)
		}
		var missing []openAPIRoute
		for _, r := range served {
			if ops[r] == nil {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%d served route(s) missing from web/api/openapi.json (paths relative to %s):\n\t%s",
				len(missing), openAPIPrefix, strings.Join(sortedRoutes(missing), "\n\t"))
		}
	})

	t.Run("DocumentedRoutesServed", func(t *testing.T) {
		isServed := map[openAPIRoute]bool{}
		for _, r := range served {
			isServed[r] = true
			if r.method == "get" {
				isServed[openAPIRoute{"head", r.path}] = true // ServeMux answers HEAD with GET
			}
		}
		var extra []openAPIRoute
		for r := range ops {
			if !isServed[r] {
				extra = append(extra, r)
			}
		}
		if len(extra) > 0 {
			t.Errorf("%d operation(s) in web/api/openapi.json that the server does not serve (Server.Routes()):\n\t%s",
				len(extra), strings.Join(sortedRoutes(extra), "\n\t"))
		}
	})

	t.Run("ServedAsIs", func(t *testing.T) {
		res, err := ts.Client().Get(ts.URL + openAPIPrefix + "/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/openapi.json: status %d, want 200", res.StatusCode)
		}
		if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
		}
		if !bytes.Equal(body, api.OpenAPI()) {
			t.Errorf("GET /api/v1/openapi.json answers %d bytes that differ from the embedded document (%d bytes)", len(body), len(api.OpenAPI()))
		}
		if file, err := os.ReadFile("openapi.json"); err == nil && !bytes.Equal(file, body) {
			t.Error("the served document differs from web/api/openapi.json")
		}
	})

	t.Run("RefsResolve", func(t *testing.T) {
		var broken []string
		var walk func(v any, at string)
		walk = func(v any, at string) {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["$ref"].(string); ok {
					if !strings.HasPrefix(ref, "#/components/") {
						broken = append(broken, fmt.Sprintf("%s: %q is not a local #/components/… reference", at, ref))
					} else if _, ok := doc.resolve(ref); !ok {
						broken = append(broken, fmt.Sprintf("%s: %q names no component", at, ref))
					}
				}
				for _, k := range slices.Sorted(maps.Keys(v)) {
					walk(v[k], at+"/"+k)
				}
			case []any:
				for i, e := range v {
					walk(e, fmt.Sprintf("%s/%d", at, i))
				}
			}
		}
		walk(map[string]any(doc), "#")
		if len(broken) > 0 {
			t.Errorf("%d unresolved $ref(s):\n\t%s", len(broken), strings.Join(broken, "\n\t"))
		}
	})

	t.Run("Operations", func(t *testing.T) {
		ids := map[string]openAPIRoute{}
		for _, r := range slices.SortedFunc(maps.Keys(ops), func(a, b openAPIRoute) int { return strings.Compare(a.String(), b.String()) }) {
			op := ops[r]
			id, _ := op["operationId"].(string)
			switch prev, dup := ids[id]; {
			case id == "":
				t.Errorf("%s: no operationId", r)
			case dup:
				t.Errorf("%s: operationId %q is also %s's", r, id, prev)
			}
			ids[id] = r
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s: no summary", r)
			}
			if tags, _ := op["tags"].([]any); len(tags) == 0 {
				t.Errorf("%s: no tags", r)
			}
			// Every {name} of the path is a declared path parameter.
			declared := map[string]bool{}
			params, _ := asMap(asMap(doc["paths"])[r.path])["parameters"].([]any)
			opParams, _ := op["parameters"].([]any)
			for _, p := range append(slices.Clone(params), opParams...) {
				if p := doc.deref(p); p["in"] == "path" {
					name, _ := p["name"].(string)
					declared[name] = true
					if p["required"] != true {
						t.Errorf("%s: path parameter %q must be required", r, name)
					}
				}
			}
			for _, m := range muxWildcard.FindAllStringSubmatch(r.path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter {%s} is not declared", r, m[1])
				}
				delete(declared, m[1])
			}
			for name := range declared {
				t.Errorf("%s: path parameter %q is not in the path", r, name)
			}
			// A success answer, and errors as problem+json.
			responses := asMap(op["responses"])
			success := false
			for code, resp := range responses {
				// A redirect is the answer of a start (GET /auth/sso/start).
				if strings.HasPrefix(code, "2") || strings.HasPrefix(code, "3") {
					success = true
				}
				if !strings.HasPrefix(code, "4") && !strings.HasPrefix(code, "5") && code != "default" {
					continue
				}
				content := asMap(doc.deref(resp)["content"])
				schema := asMap(asMap(content["application/problem+json"])["schema"])
				if schema["$ref"] != "#/components/schemas/Problem" {
					t.Errorf("%s: response %s must be application/problem+json with schema #/components/schemas/Problem", r, code)
				}
			}
			if !success {
				t.Errorf("%s: no 2xx response", r)
			}
		}
	})

	// The auth rules: an operation that needs credentials answers 401
	// unauthenticated without them, and one documented as public does not.
	t.Run("Security", func(t *testing.T) {
		global, _ := doc["security"].([]any)
		schemes := asMap(asMap(doc["components"])["securitySchemes"])
		cookie := asMap(schemes["cookieAuth"])
		if cookie["type"] != "apiKey" || cookie["in"] != "cookie" || cookie["name"] != request.SessionCookie {
			t.Errorf("securitySchemes.cookieAuth must be the %s cookie", request.SessionCookie)
		}
		if bearer := asMap(schemes["bearerAuth"]); bearer["type"] != "http" || bearer["scheme"] != "bearer" {
			t.Error("securitySchemes.bearerAuth must be http bearer")
		}
		for _, r := range served {
			op := ops[r]
			if op == nil {
				continue // reported by RoutesDocumented
			}
			sec := global
			if s, ok := op["security"].([]any); ok {
				sec = s
			}
			required := len(sec) > 0 && !slices.ContainsFunc(sec, func(req any) bool { return len(asMap(req)) == 0 })
			path := muxWildcard.ReplaceAllString(r.path, "1")
			req, _ := http.NewRequest(strings.ToUpper(r.method), ts.URL+openAPIPrefix+path, nil)
			res, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var p struct{ Code string }
			json.NewDecoder(res.Body).Decode(&p)
			res.Body.Close()
			switch {
			case required && (res.StatusCode != http.StatusUnauthorized || p.Code != "unauthenticated"):
				t.Errorf("%s without credentials: %d %q; documented as needing credentials (security), so want 401 unauthenticated",
					r, res.StatusCode, p.Code)
			case !required && res.StatusCode == http.StatusUnauthorized:
				t.Errorf("%s without credentials: 401; it needs credentials, so do not document it with security: []", r)
			}
		}
	})

	t.Run("ProblemCodes", func(t *testing.T) {
		problemSchema := asMap(asMap(asMap(doc["components"])["schemas"])["Problem"])
		enum, _ := asMap(asMap(problemSchema["properties"])["code"])["enum"].([]any)
		documented := map[string]bool{}
		for _, c := range enum {
			s, _ := c.(string)
			documented[s] = true
		}
		var missing, extra []string
		for _, code := range request.Codes() {
			if !documented[code] {
				missing = append(missing, code)
			}
		}
		for code := range documented {
			if !slices.Contains(request.Codes(), code) {
				extra = append(extra, code)
			}
		}
		slices.Sort(missing)
		slices.Sort(extra)
		if len(missing) > 0 {
			t.Errorf("Problem.code enum misses the codes of web/request/status.go: %s", strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			t.Errorf("Problem.code enum has codes web/request/status.go does not know: %s", strings.Join(extra, ", "))
		}
	})

	// The schemas name exactly the members the handlers write.
	t.Run("Schemas", func(t *testing.T) {
		schemas := asMap(asMap(doc["components"])["schemas"])
		for name, v := range api.Schemas {
			schema := asMap(schemas[name])
			if schema == nil {
				t.Errorf("components.schemas.%s is missing", name)
				continue
			}
			var want []string
			typ := reflect.TypeOf(v)
			for i := range typ.NumField() {
				if tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); tag != "" && tag != "-" {
					want = append(want, tag)
				}
			}
			got := slices.Collect(maps.Keys(asMap(schema["properties"])))
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("components.schemas.%s has properties %v; the handlers write %v", name, got, want)
			}
		}
	})
}
