package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"portail"
	"portail/blob"
	"portail/internal/testdb"
	"portail/internal/webauthntest"
	"portail/passkey"
	"portail/sqldb"
	"portail/web"
	"portail/web/internal/webtest"
)

// passkeyEnv is a real server whose base URL is on localhost (the
// relying party id), with two accounts' admins, and a software
// authenticator in a browser at that origin.
type passkeyEnv struct {
	url string
	key *webauthntest.Authenticator
}

func newPasskeyEnv(t *testing.T, dialect, host string) *passkeyEnv {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, testdb.DSN(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := httptest.NewUnstartedServer(nil)
	_, port, _ := strings.Cut(ts.Listener.Addr().String(), ":")
	base, _ := url.Parse("http://" + host + ":" + port)
	svc := webtest.Services(db, blob.Dir{Root: t.TempDir()})
	rp, err := passkey.New(base.String(), "portail")
	if err != nil && err != passkey.ErrOff {
		t.Fatal(err)
	}
	svc.Passkeys = sqldb.NewPasskeyService(db, rp, sqldb.NewMFAService(db, svc.Auth.(*sqldb.AuthService), webtest.TestKeys))
	srv := web.NewServer(svc, base, slog.New(slog.DiscardHandler))
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	for _, name := range []string{"ana", "bob"} {
		if _, _, err := svc.Auth.Setup(ctx, portail.Setup{AccountName: name + " company", Plan: portail.PlanEnterprise,
			Modules: portail.AllModules, AdminUsername: name, AdminEmail: name + "@example.com", AdminPassword: testPassword}); err != nil {
			t.Fatal(err)
		}
	}
	return &passkeyEnv{url: ts.URL + "/api/v1", key: &webauthntest.Authenticator{Origin: base.String()}}
}

// call posts body (raw JSON) with the session cookie, and returns the
// status, the body and the session cookie the answer set, if any.
func (e *passkeyEnv) call(t *testing.T, session *http.Cookie, method, path string, body []byte) (int, []byte, *http.Cookie) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != nil {
		req.AddCookie(session)
		req.Header.Set("Sec-Fetch-Site", "same-origin") // a browser's page, as the CSRF check asks
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "portail_session" && c.Value != "" {
			return resp.StatusCode, raw, c
		}
	}
	return resp.StatusCode, raw, nil
}

func (e *passkeyEnv) login(t *testing.T, name string) *http.Cookie {
	t.Helper()
	status, body, c := e.call(t, nil, "POST", "/auth/login", []byte(`{"login":"`+name+`","password":"`+testPassword+`"}`))
	if status != 200 || c == nil {
		t.Fatalf("login %s: %d %s", name, status, body)
	}
	return c
}

func wrap(member string, v []byte) []byte {
	b, _ := json.Marshal(map[string]json.RawMessage{member: v})
	return b
}

func problemCode(body []byte) string {
	var p struct{ Code string }
	json.Unmarshal(body, &p)
	return p.Code
}

func TestPasskeyAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newPasskeyEnv(t, d, "localhost")
			ana := e.login(t, "ana")

			status, opts, _ := e.call(t, ana, "POST", "/me/mfa/webauthn", []byte(`{"name":"Laptop"}`))
			if status != 200 || !bytes.Contains(opts, []byte(`"rp":{"name":"portail","id":"localhost"}`)) {
				t.Fatalf("creation options: %d %s", status, opts)
			}
			att, err := e.key.Create(opts)
			if err != nil {
				t.Fatal(err)
			}
			confirm := wrap("credential", att)
			status, body, _ := e.call(t, ana, "POST", "/me/mfa/webauthn/confirm", confirm)
			var factor struct {
				ID            int64
				Kind, Name    string
				RecoveryCodes []string `json:"recovery_codes"`
			}
			if json.Unmarshal(body, &factor); status != 201 || factor.Kind != "webauthn" || factor.Name != "Laptop" || factor.ID == 0 ||
				len(factor.RecoveryCodes) != portail.RecoveryCodeCount {
				t.Fatalf("confirm: %d %s", status, body)
			}
			t.Run("ErrConfirmReplayed", func(t *testing.T) {
				if status, body, _ := e.call(t, ana, "POST", "/me/mfa/webauthn/confirm", confirm); status != 400 || problemCode(body) != "invalid" ||
					!bytes.Contains(body, []byte(`"field":"credential"`)) {
					t.Errorf("replayed attestation: %d %s", status, body)
				}
			})
			t.Run("ErrAnotherUsersCeremony", func(t *testing.T) {
				bob := e.login(t, "bob")
				_, opts, _ := e.call(t, ana, "POST", "/me/mfa/webauthn", nil)
				att, err := (&webauthntest.Authenticator{Origin: e.key.Origin}).Create(opts)
				if err != nil {
					t.Fatal(err)
				}
				if status, body, _ := e.call(t, bob, "POST", "/me/mfa/webauthn/confirm", wrap("credential", att)); status != 400 {
					t.Errorf("bob answering ana's ceremony: %d %s", status, body)
				}
			})

			signIn := func(t *testing.T) (int, []byte, *http.Cookie, []byte) {
				t.Helper()
				status, opts, _ := e.call(t, nil, "POST", "/auth/passkey/options", nil)
				if status != 200 || bytes.Contains(opts, []byte("allowCredentials")) {
					t.Fatalf("request options: %d %s", status, opts)
				}
				resp, err := e.key.Get(opts)
				if err != nil {
					t.Fatal(err)
				}
				s, b, c := e.call(t, nil, "POST", "/auth/passkey", wrap("assertion", resp))
				return s, b, c, resp
			}
			status, body, session, assertion := signIn(t)
			if status != 200 || session == nil || !bytes.Contains(body, []byte(`"username":"ana"`)) ||
				!bytes.Contains(body, []byte(`"mfa_required":false`)) {
				t.Fatalf("passkey sign-in: %d %s", status, body)
			}
			if status, body, _ := e.call(t, session, "GET", "/me", nil); status != 200 {
				t.Errorf("GET /me with the passkey's session: %d %s", status, body)
			}
			// C6: the password's session was ended by the passkey's.
			if status, body, _ := e.call(t, ana, "GET", "/me", nil); status != 401 || problemCode(body) != "session_replaced" {
				t.Errorf("the earlier session: %d %s", status, body)
			}
			t.Run("ErrAssertionReplayed", func(t *testing.T) {
				if status, body, _ := e.call(t, nil, "POST", "/auth/passkey", wrap("assertion", assertion)); status != 401 || problemCode(body) != "unauthenticated" {
					t.Errorf("replayed assertion: %d %s", status, body)
				}
			})
			t.Run("ErrSignCountRegressed", func(t *testing.T) {
				e.key.Credentials[0].Count = 0
				if status, body, _, _ := signIn(t); status != 401 {
					t.Errorf("regressed sign count: %d %s", status, body)
				}
			})
			t.Run("SecondStep", func(t *testing.T) {
				// The passkey is a factor: the password asks for it.
				status, body, c := e.call(t, nil, "POST", "/auth/login", []byte(`{"login":"ana","password":"`+testPassword+`"}`))
				var step struct {
					MFARequired bool     `json:"mfa_required"`
					MFAToken    string   `json:"mfa_token"`
					Methods     []string `json:"methods"`
				}
				if json.Unmarshal(body, &step); status != 200 || c != nil || !step.MFARequired || !slices.Contains(step.Methods, "webauthn") {
					t.Fatalf("password step: %d %s", status, body)
				}
				token, _ := json.Marshal(map[string]string{"mfa_token": step.MFAToken})
				status, opts, _ := e.call(t, nil, "POST", "/auth/passkey/options", token)
				if status != 200 || !bytes.Contains(opts, []byte("allowCredentials")) {
					t.Fatalf("second-step options: %d %s", status, opts)
				}
				resp, err := e.key.Get(opts)
				if err != nil {
					t.Fatal(err)
				}
				answer, _ := json.Marshal(map[string]any{"mfa_token": step.MFAToken, "webauthn": json.RawMessage(resp)})
				status, body, c = e.call(t, nil, "POST", "/auth/mfa", answer)
				if status != 200 || c == nil || !bytes.Contains(body, []byte(`"mfa_required":false`)) {
					t.Fatalf("second step: %d %s", status, body)
				}
				if status, body, _ := e.call(t, c, "GET", "/me/mfa", nil); status != 200 || !bytes.Contains(body, []byte(`"kind":"webauthn"`)) ||
					!bytes.Contains(body, []byte(`"name":"Laptop"`)) {
					t.Errorf("GET /me/mfa: %d %s", status, body)
				}
				// The same answer again, for the same token: its ceremony is gone.
				if status, body, _ := e.call(t, nil, "POST", "/auth/mfa", answer); status == 200 {
					t.Errorf("replayed second step: %d %s", status, body)
				}
			})
			t.Run("ErrNotAPasskey", func(t *testing.T) {
				if status, body, _ := e.call(t, nil, "POST", "/auth/passkey", []byte(`{"assertion":{"id":"x"}}`)); status != 401 {
					t.Errorf("garbage: %d %s", status, body)
				}
			})
		})
	}
}

// TestPasskeysOffOnIPAddress: a base URL on an IP address has no relying
// party id; every passkey route says so.
func TestPasskeysOffOnIPAddress(t *testing.T) {
	e := newPasskeyEnv(t, "sqlite", "127.0.0.1")
	ana := e.login(t, "ana")
	for _, c := range []struct {
		session *http.Cookie
		path    string
	}{{ana, "/me/mfa/webauthn"}, {ana, "/me/mfa/webauthn/confirm"}, {nil, "/auth/passkey/options"}, {nil, "/auth/passkey"}} {
		if status, body, _ := e.call(t, c.session, "POST", c.path, []byte(`{}`)); status != 404 || problemCode(body) != "not_found" {
			t.Errorf("%s: %d %s", c.path, status, body)
		}
	}
}
