package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// TestPostsWithoutOrigin: browsers send Origin or Sec-Fetch-Site with
// every form post; a state-changing request that uses the session cookie
// (or posts a page's form) without either is refused, since nothing then
// tells it from a forged cross-site one. Requests with an API key carry
// no ambient credential and need neither.
func TestPostsWithoutOrigin(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	jar, _ := cookiejar.New(nil)
	bare := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path, contentType, body string, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, a.url+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := bare.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := res.Body.Read(buf)
		b.Write(buf[:n])
		return res.StatusCode, b.String()
	}
	const form, js = "application/x-www-form-urlencoded", "application/json"

	// A script signs in through the API without any browser header.
	if st, body := send("POST", "/api/v1/auth/login", js, `{"login":"boss","password":"`+adminPassword+`"}`); st != 200 {
		t.Fatalf("API login without Origin: %d %s", st, body)
	}
	dept := func(name string) string { return url.Values{"name": {name}}.Encode() }
	for _, c := range []struct {
		name, method, path, ct, body string
		header                       []string
		want                         int
	}{
		{"page form, neither header", "POST", "/departments", form, dept("Forged"), nil, 403},
		{"page form, Origin", "POST", "/departments", form, dept("Sales"), []string{"Origin", a.url}, 303},
		{"page form, Sec-Fetch-Site", "POST", "/departments", form, dept("Support"), []string{"Sec-Fetch-Site", "same-origin"}, 303},
		{"page form, another site", "POST", "/departments", form, dept("Forged"), []string{"Origin", "https://evil.example"}, 403},
		{"page form, signed out, neither header", "POST", "/login", form, url.Values{"login": {"boss"}, "password": {"x"}}.Encode(), nil, 403},
		{"API with the cookie, neither header", "POST", "/api/v1/departments", js, `{"name":"Forged"}`, nil, 403},
		{"API with the cookie, Origin", "POST", "/api/v1/departments", js, `{"name":"Legal"}`, []string{"Origin", a.url}, 201},
		{"API with the cookie, PATCH, neither header", "PATCH", "/api/v1/me", js, `{"full_name":"Forged"}`, nil, 403},
		{"API with the cookie, GET, neither header", "GET", "/api/v1/me", "", "", nil, 200},
	} {
		if st, body := send(c.method, c.path, c.ct, c.body, c.header...); st != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, st, body, c.want)
		} else if c.want == 403 && strings.HasPrefix(c.path, "/api/") && !strings.Contains(body, `"code":"forbidden"`) {
			t.Errorf("%s: %s, want a forbidden problem", c.name, body)
		}
	}

	// An API key works from any client, with the cookie beside it or not.
	boss := a.client()
	boss.login("boss", adminPassword).must(t, 200)
	key := boss.do("POST", "/api/v1/me/api-keys", map[string]string{"name": "script"}).must(t, 201).body["key"].(string)
	if st, body := send("POST", "/api/v1/departments", js, `{"name":"Ops"}`, "Authorization", "Bearer "+key); st != 201 {
		t.Errorf("API key without Origin: %d %s", st, body)
	}

	var names []string
	for _, it := range boss.do("GET", "/api/v1/departments", nil).must(t, 200).body["items"].([]any) {
		names = append(names, it.(map[string]any)["name"].(string))
	}
	if got := strings.Join(names, ","); strings.Contains(got, "Forged") || !strings.Contains(got, "Sales") || !strings.Contains(got, "Ops") {
		t.Errorf("departments: %s", got)
	}
}
