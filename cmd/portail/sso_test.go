package main

// Single sign-on (C13) end to end, on both databases, against a real
// OpenID provider on loopback (internal/oidctest: zitadel's OP): the
// settings, discovery by e-mail and by username, the redirect flow over
// HTTP as a browser follows it, the refusals (unverified, foreign domain,
// wrong state, nonce, audience, issuer, signature), just-in-time creation
// within and past the seats, "SSO required", domain_taken, break-glass,
// and C6 still holding.

import (
	"bytes"
	"context"
	"crypto/rsa"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portail/internal/oidctest"
	"portail/internal/testdb"
)

// ssoBrowser is a client that follows a sign-in through the provider as a
// browser would, stopping where it comes back to portail.
type ssoBrowser struct {
	*client
	t  *testing.T
	op *oidctest.Provider
}

func (s *site) ssoBrowser(t *testing.T, op *oidctest.Provider) *ssoBrowser {
	return &ssoBrowser{client: s.client(), t: t, op: op}
}

func (b *ssoBrowser) get(u string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept-Language", "en")
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *ssoBrowser) location(res *http.Response) string {
	b.t.Helper()
	loc, err := res.Location()
	if err != nil {
		b.t.Fatalf("%s %s answered %d without a Location", res.Request.Method, res.Request.URL, res.StatusCode)
	}
	return loc.String()
}

// atProvider starts at portail with login (the API's start route unless
// page) and signs in at the provider as username; it returns the callback
// URL the provider sends the browser back to.
func (b *ssoBrowser) atProvider(login, username, password string, page bool) string {
	b.t.Helper()
	start := b.base + "/api/v1/auth/sso/start?login=" + url.QueryEscape(login)
	if page {
		start = b.base + "/auth/sso/start?login=" + url.QueryEscape(login)
	}
	res, body := b.get(start)
	var auth string
	switch {
	case page && res.StatusCode == http.StatusOK:
		// The page moves on by itself (a refresh), with a link.
		m := continueRe.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `http-equiv="refresh"`) {
			b.t.Fatalf("the start page of %s has no way on:\n%s", login, body)
		}
		auth = html.UnescapeString(m[1])
	case !page && res.StatusCode == http.StatusFound:
		auth = b.location(res)
	default:
		b.t.Fatalf("start %s: %d", login, res.StatusCode)
	}
	if !strings.HasPrefix(auth, b.op.Issuer) {
		b.t.Fatalf("start %s went to %s, not the provider %s", login, auth, b.op.Issuer)
	}
	q, _ := url.Parse(auth)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Query().Get(k) == "" {
			b.t.Fatalf("the authorization request has no %s: %s", k, auth)
		}
	}
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("scope") != "openid email profile" {
		b.t.Fatalf("authorization request: %s", auth)
	}
	res, _ = b.get(auth)
	form := b.location(res) // the provider's login page
	if strings.HasPrefix(form, "/") {
		form = b.op.Issuer + form
	}
	if res, page := b.get(form); res.StatusCode != http.StatusOK || !strings.Contains(page, `id="op-username"`) {
		b.t.Fatalf("the provider's login page answered %d", res.StatusCode)
	}
	fu, _ := url.Parse(form)
	id := fu.Query().Get("authRequestID")
	post, err := b.http.PostForm(b.op.Issuer+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {password}})
	if err != nil {
		b.t.Fatal(err)
	}
	post.Body.Close()
	next := b.location(post)
	for range 5 {
		if strings.HasPrefix(next, b.base) {
			return next
		}
		res, _ = b.get(next)
		next = b.location(res)
	}
	b.t.Fatalf("the provider never sent the browser back to portail (last %s)", next)
	return ""
}

var continueRe = regexp.MustCompile(`id="sso-continue" href="([^"]+)"`)

// callback opens the callback URL and returns the status and page.
func (b *ssoBrowser) callback(u string) (int, string) {
	b.t.Helper()
	res, body := b.get(u)
	if res.StatusCode == http.StatusSeeOther {
		if loc := b.location(res); loc != b.base+"/" {
			b.t.Fatalf("signed in, the callback sent the browser to %s", loc)
		}
	}
	return res.StatusCode, body
}

// signIn goes the whole way and checks the browser is signed in as want.
func (b *ssoBrowser) signIn(login, username, want string) {
	b.t.Helper()
	if st, body := b.callback(b.atProvider(login, username, "op-password", false)); st != http.StatusSeeOther {
		b.t.Fatalf("sign-in of %s as %s: %d\n%s", login, username, st, pageError(body))
	}
	me := b.do("GET", "/api/v1/me", nil).must(b.t, 200)
	if me.body["username"] != want {
		b.t.Fatalf("signed in as %v, want %s", me.body["username"], want)
	}
}

// refused goes the whole way and checks the callback's refusal.
func (b *ssoBrowser) refused(login, username string, status int, says string) {
	b.t.Helper()
	st, body := b.callback(b.atProvider(login, username, "op-password", false))
	if st != status || !strings.Contains(body, says) {
		b.t.Fatalf("%s as %s: %d, want %d with %q\n%s", login, username, st, status, says, pageError(body))
	}
	b.do("GET", "/api/v1/me", nil).must(b.t, 401)
}

// pageError is the error paragraph of a page, for failure messages.
func pageError(body string) string {
	if i := strings.Index(body, `class="error"`); i >= 0 {
		return body[i:min(len(body), i+400)]
	}
	return body[:min(len(body), 600)]
}

func TestSSO(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			testSSO(t, dialect)
		})
	}
}

func testSSO(t *testing.T, dialect string) {
	op := oidctest.Start(t)
	s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Flags: []string{"--sso-allow-private"}}) // 3 seats
	admin := s.client()
	admin.login("boss", adminPassword).must(t, 200)
	dept := admin.do("POST", "/api/v1/departments", map[string]string{"name": "Sales"}).must(t, 201).id()

	// Settings: the first PUT gives the provider; the answer never shows
	// the secret.
	admin.do("GET", "/api/v1/account/sso", nil).must(t, 200)
	admin.do("PUT", "/api/v1/account/sso", map[string]any{"issuer": "ftp://x"}).must(t, 400, "invalid")
	r := admin.do("PUT", "/api/v1/account/sso", map[string]any{"issuer": op.Issuer, "client_id": "portail", "client_secret": "s3cret",
		"domains": []string{"acme.test"}}).must(t, 200)
	if _, shown := r.body["client_secret"]; shown || r.body["client_secret_set"] != true || r.body["jit"] != nil {
		t.Fatalf("PUT /account/sso answered %s", r.raw)
	}
	redirect := r.body["redirect_uri"].(string)
	if redirect != s.url+"/auth/sso/callback" {
		t.Fatalf("redirect_uri %q", redirect)
	}
	op.AddClient("portail", "s3cret", redirect, dialect == "sqlite") // the e-mail in the ID token, or only at user info
	admin.do("PUT", "/api/v1/account/sso", map[string]any{"jit": map[string]any{"department_id": dept, "role": "admin", "modules": []string{"mail"}}}).
		must(t, 400, "invalid")

	for _, u := range []oidctest.User{
		{Username: "ana", Email: "ana@acme.test", EmailVerified: true},
		{Username: "una", Email: "una@acme.test", EmailVerified: false},
		{Username: "eve", Email: "eve@evil.test", EmailVerified: true},
		{Username: "jo", Email: "jo@acme.test", EmailVerified: true, FirstName: "Jo", LastName: "Jones"},
	} {
		u.Password = "op-password"
		op.AddUser(u)
	}
	ana := admin.do("POST", "/api/v1/users", map[string]any{"username": "ana", "full_name": "Ana", "email": "ana@acme.test",
		"role": "viewer", "department_id": dept, "modules": []string{"mail"}}).must(t, 201)
	admin.do("POST", "/api/v1/users", map[string]any{"username": "una", "full_name": "Una", "email": "una@acme.test",
		"role": "viewer", "department_id": dept, "modules": []string{"mail"}}).must(t, 201)

	// Discovery: a login without SSO is 404.
	for _, l := range []string{"someone@example.org", "ghost", "boss@other.test"} {
		admin.do("GET", "/api/v1/auth/sso/start?login="+url.QueryEscape(l), nil).must(t, 404, "not_found")
	}

	// Sign-in by typed e-mail (the invited ana becomes active), then by
	// username from another browser: C6, the first session ends.
	first := s.ssoBrowser(t, op)
	first.signIn("ana@acme.test", "ana", "ana")
	second := s.ssoBrowser(t, op)
	second.signIn("ana", "ana", "ana")
	first.do("GET", "/api/v1/me", nil).must(t, 401, "session_replaced")
	if u := admin.do("GET", "/api/v1/users/"+strconv.FormatInt(ana.id(), 10), nil).must(t, 200); u.body["status"] != "active" {
		t.Fatalf("ana after her first SSO sign-in: %s", u.raw)
	}

	// Refusals.
	b := s.ssoBrowser(t, op)
	s.ssoBrowser(t, op).refused("una@acme.test", "una", 401, "has not verified your e-mail address")
	s.ssoBrowser(t, op).refused("ana@acme.test", "eve", 401, "not of a domain your account signs in with")
	s.ssoBrowser(t, op).refused("jo@acme.test", "jo", 401, "no user with your e-mail address") // no JIT yet

	// The state: changed, replayed, or taken to another browser.
	cb := b.atProvider("ana@acme.test", "ana", "op-password", true)
	u, _ := url.Parse(cb)
	q := u.Query()
	q.Set("state", "forged"+q.Get("state"))
	u.RawQuery = q.Encode()
	if st, _ := b.callback(u.String()); st != http.StatusBadRequest {
		t.Fatalf("a forged state answered %d", st)
	}
	cb = b.atProvider("ana@acme.test", "ana", "op-password", true)
	if st, body := s.ssoBrowser(t, op).callback(cb); st != http.StatusBadRequest || !strings.Contains(body, "did not start in this browser") {
		t.Fatalf("another browser's callback answered %d", st)
	}
	cb = b.atProvider("ana@acme.test", "ana", "op-password", true)
	if st, _ := b.callback(cb); st != http.StatusSeeOther {
		t.Fatalf("the callback answered %d", st)
	}
	if st, _ := b.callback(cb); st != http.StatusBadRequest {
		t.Fatalf("a replayed callback answered %d", st)
	}

	// The ID token re-signed by the provider's key with one claim wrong,
	// or by a key it never published.
	for _, c := range []struct {
		name string
		fn   func(map[string]any) *rsa.PrivateKey
		says string
	}{
		{"nonce", func(c map[string]any) *rsa.PrivateKey { c["nonce"] = "another"; return nil }, "does not belong to this sign-in"},
		{"audience", func(c map[string]any) *rsa.PrivateKey { c["aud"] = []string{"someone-else"}; return nil }, "could not be verified"},
		{"issuer", func(c map[string]any) *rsa.PrivateKey { c["iss"] = "http://127.0.0.1:1"; return nil }, "could not be verified"},
		{"expired", func(c map[string]any) *rsa.PrivateKey { c["exp"] = 1000000000; return nil }, "could not be verified"},
		{"signature", func(c map[string]any) *rsa.PrivateKey { return oidctest.ForeignKey() }, "could not be verified"},
	} {
		op.Tamper(c.fn)
		s.ssoBrowser(t, op).refused("ana@acme.test", "ana", 401, c.says)
	}

	if dialect == "sqlite" { // where the e-mail claims are in the ID token
		// Entra ID sends no email_verified but xms_edov; some providers send
		// the boolean as a string; without either the address is unverified.
		op.Tamper(func(c map[string]any) *rsa.PrivateKey { delete(c, "email_verified"); c["xms_edov"] = true; return nil })
		s.ssoBrowser(t, op).signIn("ana@acme.test", "ana", "ana")
		op.Tamper(func(c map[string]any) *rsa.PrivateKey { c["email_verified"] = "true"; return nil })
		s.ssoBrowser(t, op).signIn("ana@acme.test", "ana", "ana")
		op.Tamper(func(c map[string]any) *rsa.PrivateKey { delete(c, "email_verified"); return nil })
		s.ssoBrowser(t, op).refused("ana@acme.test", "ana", 401, "has not verified your e-mail address")
		// xms_edov stands in for a missing email_verified, never for a false one.
		op.Tamper(func(c map[string]any) *rsa.PrivateKey { c["email_verified"] = false; c["xms_edov"] = true; return nil })
		s.ssoBrowser(t, op).refused("ana@acme.test", "ana", 401, "has not verified your e-mail address")
	}

	// Just in time: past the seats (boss, ana, una hold the 3), the seat
	// message; within them, a new operator.
	admin.do("PUT", "/api/v1/account/sso", map[string]any{"jit": map[string]any{"department_id": dept, "role": "operator", "modules": []string{"mail"}}}).
		must(t, 200)
	s.ssoBrowser(t, op).refused("jo@acme.test", "jo", 409, "Gold")
	admin.do("POST", "/api/v1/users/"+strconv.FormatInt(userID(t, admin, "una"), 10)+"/deactivate", nil).must(t, 200)
	joBrowser := s.ssoBrowser(t, op)
	joBrowser.signIn("jo@acme.test", "jo", "jo")
	// The settings are the admins' (the policy's ActManageSSO).
	joBrowser.do("GET", "/api/v1/account/sso", nil).must(t, 403, "forbidden")
	joBrowser.do("PUT", "/api/v1/account/sso", map[string]any{"required": true}).must(t, 403, "forbidden")
	joBrowser.do("DELETE", "/api/v1/account/sso", nil).must(t, 403, "forbidden")
	jo := admin.do("GET", "/api/v1/users/"+strconv.FormatInt(userID(t, admin, "jo"), 10), nil).must(t, 200)
	if jo.body["role"] != "operator" || jo.body["full_name"] != "Jo Jones" || jo.body["status"] != "active" {
		t.Fatalf("jo made just in time: %s", jo.raw)
	}
	// jit: null turns it off, the rest unchanged.
	r = admin.do("PUT", "/api/v1/account/sso", map[string]any{"jit": nil}).must(t, 200)
	if r.body["jit"] != nil || r.body["issuer"] != op.Issuer {
		t.Fatalf("jit off: %s", r.raw)
	}

	// The log: sign-ins, the creation, refusals with their reasons.
	log := admin.do("GET", "/api/v1/activity?limit=200", nil).must(t, 200)
	reasons := map[string]bool{}
	for _, it := range log.body["items"].([]any) {
		e := it.(map[string]any)
		if d, _ := e["detail"].(string); strings.HasPrefix(d, "sso") {
			reasons[e["type"].(string)+" "+d] = true
		}
	}
	for _, want := range []string{"login_succeeded sso", "login_failed sso reason=unverified_email email=una@acme.test",
		"login_failed sso reason=foreign_domain email=eve@evil.test", "login_failed sso reason=nonce", "login_failed sso reason=id_token",
		"login_failed sso reason=seat_limit email=jo@acme.test"} {
		found := false
		for k := range reasons {
			found = found || strings.HasPrefix(k, want)
		}
		if !found {
			t.Errorf("no activity entry %q among %v", want, reasons)
		}
	}

	// SSO required: no password sign-in, forgot, reset or invitation for
	// the domain's users; a new one is active without a password.
	admin.do("PUT", "/api/v1/account/sso", map[string]any{"required": true}).must(t, 200)
	s.client().login("ana", "whatever it is").must(t, 401, "sso_required")
	s.client().do("POST", "/api/v1/auth/forgot", map[string]string{"login": "ana@acme.test"}).must(t, 202)
	admin.do("POST", "/api/v1/users/"+strconv.FormatInt(ana.id(), 10)+"/password-reset", nil).must(t, 409)
	admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": 1}).must(t, 200)
	nu := admin.do("POST", "/api/v1/users", map[string]any{"username": "nu", "full_name": "Nu", "email": "nu@acme.test",
		"role": "viewer", "department_id": dept, "modules": []string{"mail"}}).must(t, 201)
	if nu.body["status"] != "active" {
		t.Fatalf("a new user of a required domain: %s", nu.raw)
	}
	admin.do("POST", "/api/v1/users/"+strconv.FormatInt(nu.id(), 10)+"/invitation", nil).must(t, 409)
	// The password sign-in page sends such a user to the provider.
	page := s.client()
	res, err := page.http.PostForm(s.url+"/login", url.Values{"login": {"ana"}, "password": {"whatever it is"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc, _ := res.Location(); res.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/auth/sso/start" {
		t.Fatalf("the sign-in page answered %d → %v for an SSO-required user", res.StatusCode, loc)
	}
	// Still by SSO.
	s.ssoBrowser(t, op).signIn("ana", "ana", "ana")

	// Break-glass: a one-time reset link printed, then a password works.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"users", "sso-bypass", "--db", s.dsn, "--base-url", s.url, "ana"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	link := strings.Fields(out.String())[0]
	code := recoveryCodeRe.FindString(out.String())
	if !strings.HasPrefix(link, s.url+"/reset-password?token=") || code == "" {
		t.Fatalf("sso-bypass printed %q", out.String())
	}
	s.client().do("POST", "/api/v1/auth/reset", map[string]string{"token": tokenOf(t, link), "code": code, "new_password": "break the glass now"}).must(t, 204)
	s.client().login("ana", "break the glass now").must(t, 200)

	// domain_taken: another account may not claim acme.test, nor a
	// domain where this account has users.
	var setup bytes.Buffer
	if err := run(context.Background(), []string{"setup", "--db", s.dsn, "--account", "Beta", "--plan", "gold", "--admin-username", "beta",
		"--admin-email", "beta@beta.test", "--admin-password-stdin"}, strings.NewReader(adminPassword+"\n"), &setup, io.Discard); err != nil {
		t.Fatal(err)
	}
	beta := s.client()
	beta.login("beta", adminPassword).must(t, 200)
	for _, d := range []string{"acme.test", "ACME.test"} {
		beta.do("PUT", "/api/v1/account/sso", map[string]any{"issuer": op.Issuer, "client_id": "beta", "client_secret": "x", "domains": []string{"beta.test", d}}).
			must(t, 409, "domain_taken")
	}
	admin.do("PUT", "/api/v1/account/sso", map[string]any{"domains": []string{"acme.test", "beta.test"}}).must(t, 409, "domain_taken")
	// Beta sees none of Acme's settings.
	if r := beta.do("GET", "/api/v1/account/sso", nil).must(t, 200); r.body["issuer"] != "" {
		t.Fatalf("beta sees %s", r.raw)
	}
	// Disconnecting frees the domain.
	admin.do("DELETE", "/api/v1/account/sso", nil).must(t, 204)
	admin.do("GET", "/api/v1/auth/sso/start?login=ana", nil).must(t, 404)
	s.client().login("ana", "break the glass now").must(t, 200)
}

// userID finds a user's id by username.
func userID(t *testing.T, c *client, username string) int64 {
	t.Helper()
	r := c.do("GET", "/api/v1/users?status=all&q="+url.QueryEscape(username), nil).must(t, 200)
	for _, it := range r.body["items"].([]any) {
		u := it.(map[string]any)
		if u["username"] == username {
			return int64(u["id"].(float64))
		}
	}
	t.Fatalf("no user %s", username)
	return 0
}

// TestSSOProviderOnPrivateAddress: the issuer is an account admin's word
// and the endpoints the provider's; without --sso-allow-private the server
// calls neither on a loopback address (no request reaches the provider),
// and the sign-in is refused rather than sent there.
func TestSSOProviderOnPrivateAddress(t *testing.T) {
	op := oidctest.Start(t)
	s := startSite(t, siteOptions{Plan: "gold"})
	admin := s.client()
	admin.login("boss", adminPassword).must(t, 200)
	admin.do("PUT", "/api/v1/account/sso", map[string]any{"issuer": op.Issuer, "client_id": "portail", "client_secret": "s3cret",
		"domains": []string{"acme.test"}}).must(t, 200)
	res, err := s.client().http.Get(s.url + "/api/v1/auth/sso/start?login=" + url.QueryEscape("ana@acme.test"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode == http.StatusFound || strings.HasPrefix(loc, op.Issuer) {
		t.Fatalf("start answered %d to %q: the provider on loopback was reached", res.StatusCode, loc)
	}
}
