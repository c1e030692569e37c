package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"portail/internal/testdb"
)

// want fails unless the answer has the status and, for a problem, the code.
func want(t *testing.T, what string, resp *http.Response, body map[string]any, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %v", what, resp.StatusCode, status, body)
	}
	if code != "" && body["code"] != code {
		t.Fatalf("%s: code %v, want %s: %v", what, body["code"], code, body)
	}
}

// sessionSet is the session cookie an answer set, or nil.
func sessionSet(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "portail_session" && c.Value != "" && c.MaxAge >= 0 {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	return nil
}

// enrolTOTP gives who an authenticator app through the API and returns
// its secret, the code that confirmed it and the recovery codes.
func (e *env) enrolTOTP(t *testing.T, who string) (secret, confirmed string, codes []string) {
	t.Helper()
	resp, body := e.request(t, who, "POST", "/me/mfa/totp", "")
	want(t, "POST /me/mfa/totp", resp, body, 201, "")
	secret, _ = body["secret"].(string)
	if u, _ := body["otpauth_url"].(string); secret == "" || !strings.HasPrefix(u, "otpauth://totp/") {
		t.Fatalf("enrolment answer %v", body)
	}
	resp, body = e.request(t, who, "POST", "/me/mfa/totp/confirm", `{"code":"000000"}`)
	want(t, "a wrong confirming code", resp, body, 400, "invalid")
	if errs, _ := body["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "code" {
		t.Fatalf("a wrong confirming code: %v", body)
	}
	confirmed, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, body = e.request(t, who, "POST", "/me/mfa/totp/confirm", `{"code":"`+confirmed+`"}`)
	want(t, "confirm", resp, body, 200, "")
	for _, c := range body["recovery_codes"].([]any) {
		codes = append(codes, c.(string))
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	return secret, confirmed, codes
}

// password signs who in with the password and expects the second step.
func (e *env) password(t *testing.T, who string) string {
	t.Helper()
	resp, body := e.request(t, "", "POST", "/auth/login", `{"login":"`+who+`","password":"{pw}"}`)
	want(t, "login of "+who, resp, body, 200, "")
	tok, _ := body["mfa_token"].(string)
	if body["mfa_required"] != true || tok == "" || body["mfa_enrolment_required"] != false || sessionSet(resp) != nil || body["user"] != nil {
		t.Fatalf("login with a factor: %v (cookie %v)", body, sessionSet(resp))
	}
	return tok
}

// second posts the second step; on success it keeps the cookie as who.
func (e *env) second(t *testing.T, who, token, code string, status int, wantCode string) map[string]any {
	t.Helper()
	resp, body := e.request(t, "", "POST", "/auth/mfa", `{"mfa_token":"`+token+`","code":"`+code+`"}`)
	want(t, "POST /auth/mfa", resp, body, status, wantCode)
	if status == 200 {
		c := sessionSet(resp)
		if c == nil || body["mfa_required"] != false || body["user"] == nil {
			t.Fatalf("second step: %v, cookie %v", body, c)
		}
		e.cookies[who] = c
	}
	return body
}

// temporaryPassword reads the temporary password of the e-mail to addr
// in the outbox, as its admin would.
func temporaryPassword(t *testing.T, e *env, addr string) string {
	t.Helper()
	_, body := e.request(t, "admin", "GET", "/outbox", "")
	for _, m := range items(t, body) {
		if m["to"] != addr {
			continue
		}
		_, full := e.request(t, "admin", "GET", "/outbox/"+strconv.FormatInt(idOf(m["id"]), 10), "")
		text, _ := full["text"].(string)
		if _, after, ok := strings.Cut(text, "Mot de passe :\n"); ok { // the default language, French
			pw, _, _ := strings.Cut(after, "\n")
			return strings.TrimSpace(pw)
		}
		t.Fatalf("no password in the e-mail to %s: %q", addr, text)
	}
	t.Fatalf("no e-mail to %s", addr)
	return ""
}

// TestMFAAPI drives C11 through the API on both databases: enrolment,
// the two-step sign-in, replay, recovery codes, removal, the 5th wrong
// code, the throttle, enforcement (sessions and API keys) and resets.
func TestMFAAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d)

			resp, body := e.request(t, "", "POST", "/auth/mfa", `{"mfa_token":"nope","code":"123456"}`)
			want(t, "an unknown token", resp, body, 400, "token_invalid")
			resp, body = e.request(t, "", "POST", "/auth/mfa", `{"mfa_token":"nope"}`)
			want(t, "no code", resp, body, 400, "invalid")
			resp, body = e.request(t, "", "GET", "/me/mfa", "")
			want(t, "GET /me/mfa signed out", resp, body, 401, "unauthenticated")

			resp, body = e.request(t, "op1", "GET", "/me/mfa", "")
			want(t, "GET /me/mfa", resp, body, 200, "")
			if items, _ := body["items"].([]any); items == nil || len(items) != 0 {
				t.Fatalf("no factor yet: %v", body)
			}
			resp, body = e.request(t, "op1", "POST", "/me/mfa/recovery-codes", "")
			want(t, "recovery codes without a factor", resp, body, 403, "forbidden")
			secret, confirmed, codes := e.enrolTOTP(t, "op1")
			_, body = e.request(t, "op1", "GET", "/me/mfa", "")
			factors := items(t, body)
			if len(factors) != 1 || factors[0]["kind"] != "totp" || factors[0]["name"] == "" || factors[0]["created_at"] == nil {
				t.Fatalf("factors: %v", body)
			}
			if _, ok := factors[0]["last_used_at"]; !ok {
				t.Fatalf("last_used_at missing: %v", factors[0])
			}
			factorID := strconv.FormatInt(idOf(factors[0]["id"]), 10)

			// The password alone: no cookie, no end of the earlier session.
			tok := e.password(t, "op1")
			before := e.cookies["op1"]
			resp, body = e.request(t, "op1", "GET", "/me", "")
			want(t, "the earlier session after the password step", resp, body, 200, "")
			e.second(t, "op1", tok, confirmed, 401, "unauthenticated") // replay of the confirming code
			next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
			e.second(t, "op1", tok, next, 200, "")
			e.second(t, "op1", tok, next, 400, "token_invalid") // the token is used
			e.cookies["op1-before"] = before
			resp, body = e.request(t, "op1-before", "GET", "/me", "")
			want(t, "the session before the second step (C6)", resp, body, 401, "session_replaced")

			// A recovery code, in any case and without its dash, once.
			tok = e.password(t, "op1")
			typed := strings.ToLower(strings.ReplaceAll(codes[0], "-", ""))
			e.second(t, "op1", tok, typed, 200, "")
			tok = e.password(t, "op1")
			e.second(t, "op1", tok, codes[0], 401, "unauthenticated")
			e.second(t, "op1", tok, codes[1], 200, "")
			resp, body = e.request(t, "op1", "POST", "/me/mfa/recovery-codes", "")
			want(t, "new recovery codes", resp, body, 200, "")
			if fresh, _ := body["recovery_codes"].([]any); len(fresh) != 10 {
				t.Fatalf("new codes: %v", body)
			}
			tok = e.password(t, "op1")
			e.second(t, "op1", tok, codes[2], 401, "unauthenticated") // the old ones died
			e.second(t, "op1", tok, "not a code", 401, "unauthenticated")

			// Removal: one factor (just signed in), then all with the password.
			resp, body = e.request(t, "op1", "DELETE", "/me/mfa/"+factorID+"9", "")
			want(t, "DELETE another factor", resp, body, 404, "not_found")
			resp, body = e.request(t, "op1", "DELETE", "/me/mfa/"+factorID, "")
			want(t, "DELETE /me/mfa/{id}", resp, body, 204, "")
			_, body = e.request(t, "op1", "GET", "/me/mfa", "")
			if len(items(t, body)) != 0 {
				t.Fatalf("after removal: %v", body)
			}
			e.enrolTOTP(t, "op1")
			resp, body = e.request(t, "op1", "DELETE", "/me/mfa", `{"password":"wrong"}`)
			want(t, "DELETE /me/mfa with a wrong password", resp, body, 400, "invalid")
			resp, body = e.request(t, "op1", "DELETE", "/me/mfa", `{"password":"{pw}"}`)
			want(t, "DELETE /me/mfa", resp, body, 204, "")
			e.login(t, "op1") // no factor: one step again

			// The 5th wrong code kills the token; the wrong codes count
			// in the sign-in throttle like wrong passwords.
			e.enrolTOTP(t, "viewer1")
			tok = e.password(t, "viewer1")
			for range 4 {
				e.second(t, "viewer1", tok, "111111", 401, "unauthenticated")
			}
			e.second(t, "viewer1", tok, "222222", 400, "token_invalid")
			resp, body = e.request(t, "", "POST", "/auth/login", `{"login":"viewer1","password":"{pw}"}`)
			want(t, "the password after 5 wrong codes", resp, body, 429, "too_many_attempts")
			// Reset by their department admin (the user told by e-mail).
			resp, body = e.request(t, "op1", "POST", "/users/{viewer1}/mfa-reset", "")
			want(t, "an operator resets a user", resp, body, 404, "not_found")
			resp, body = e.request(t, "da1", "POST", "/users/{admin}/mfa-reset", "")
			want(t, "a department admin resets an admin", resp, body, 404, "not_found")
			resp, body = e.request(t, "da1", "POST", "/users/{da1}/mfa-reset", "")
			want(t, "a reset of one's own", resp, body, 403, "forbidden")
			resp, body = e.request(t, "badmin", "POST", "/users/{viewer1}/mfa-reset", "")
			want(t, "another account's admin", resp, body, 404, "not_found")
			resp, body = e.request(t, "da1", "POST", "/users/{viewer1}/mfa-reset", "")
			want(t, "POST /users/{id}/mfa-reset", resp, body, 204, "")
			_, body = e.request(t, "admin", "GET", "/outbox", "")
			found := false
			for _, m := range items(t, body) {
				found = found || m["template"] == "mfa_reset" && m["to"] == "viewer1@a.test"
			}
			if !found {
				t.Fatalf("no mfa_reset e-mail to viewer1: %v", body)
			}
			_, body = e.request(t, "admin", "GET", "/activity?type=mfa_reset", "")
			if len(items(t, body)) != 1 {
				t.Fatalf("mfa_reset entries: %v", body)
			}

			// Enforcement: admins, then everyone.
			resp, body = e.request(t, "admin", "POST", "/me/api-keys", `{"name":"script"}`)
			want(t, "an API key", resp, body, 201, "")
			key, _ := body["key"].(string)
			resp, body = e.request(t, "da1", "PUT", "/account/security", `{"mfa_required":"admins"}`)
			want(t, "a department admin sets the requirement", resp, body, 403, "forbidden")
			resp, body = e.request(t, "admin", "PUT", "/account/security", `{"mfa_required":"sometimes"}`)
			want(t, "a bad requirement", resp, body, 400, "invalid")
			resp, body = e.request(t, "admin", "PUT", "/account/security", `{"mfa_required":"admins"}`)
			want(t, "PUT /account/security", resp, body, 200, "")
			if body["mfa_required"] != "admins" {
				t.Fatalf("PUT answer %v", body)
			}
			resp, body = e.request(t, "admin", "GET", "/users", "")
			want(t, "an admin without a factor", resp, body, 403, "mfa_enrolment_required")
			resp, body = e.request(t, "admin", "GET", "/account/security", "")
			want(t, "GET /account/security before enrolling", resp, body, 403, "mfa_enrolment_required")
			if r, _ := e.bearer(t, key, "GET", "/users"); r.StatusCode != 403 {
				t.Fatalf("an API key of an admin without a factor: %d", r.StatusCode)
			}
			if r, _ := e.bearer(t, key, "GET", "/me"); r.StatusCode != 200 {
				t.Fatalf("GET /me with the API key: %d", r.StatusCode)
			}
			resp, body = e.request(t, "", "POST", "/auth/login", `{"login":"admin","password":"{pw}"}`)
			want(t, "login of an admin who must enrol", resp, body, 200, "")
			if body["mfa_enrolment_required"] != true || body["mfa_required"] != false || sessionSet(resp) == nil {
				t.Fatalf("login of an admin who must enrol: %v", body)
			}
			e.cookies["admin"] = sessionSet(resp)
			for _, path := range []string{"/me", "/me/mfa"} {
				resp, body = e.request(t, "admin", "GET", path, "")
				want(t, "GET "+path+" while enrolment is due", resp, body, 200, "")
			}
			resp, body = e.request(t, "op1", "GET", "/users/{op1}", "")
			want(t, "an operator under admins", resp, body, 200, "")
			e.enrolTOTP(t, "admin")
			resp, body = e.request(t, "admin", "GET", "/account/security", "")
			want(t, "GET /account/security", resp, body, 200, "")
			if r, _ := e.bearer(t, key, "GET", "/users"); r.StatusCode != 200 {
				t.Fatalf("the API key once the admin enrolled: %d", r.StatusCode)
			}
			resp, body = e.request(t, "admin", "DELETE", "/me/mfa", `{"password":"{pw}"}`)
			want(t, "removing the last factor while required", resp, body, 403, "forbidden")
			resp, body = e.request(t, "admin", "PUT", "/account/security", `{"mfa_required":"everyone"}`)
			want(t, "everyone", resp, body, 200, "")
			resp, body = e.request(t, "user2", "GET", "/documents", "")
			want(t, "an operator under everyone", resp, body, 403, "mfa_enrolment_required")
			resp, body = e.request(t, "user2", "PATCH", "/me", `{"full_name":"Still Me"}`)
			want(t, "PATCH /me while enrolment is due", resp, body, 200, "")
			resp, body = e.request(t, "user2", "POST", "/auth/logout", "")
			want(t, "logout while enrolment is due", resp, body, 204, "")

			// A temporary password is replaced first, then the factor enrolled.
			resp, body = e.request(t, "admin", "POST", "/users", `{"username":"temp","full_name":"Temp","email":"temp@a.test",
				"role":"viewer","department_id":{D1},"modules":["mail"],"onboarding":"temporary_password"}`)
			want(t, "a user with a temporary password", resp, body, 201, "")
			temp := temporaryPassword(t, e, "temp@a.test")
			resp, body = e.request(t, "", "POST", "/auth/login", `{"login":"temp","password":"`+temp+`"}`)
			want(t, "login with a temporary password", resp, body, 200, "")
			if body["password_change_required"] != true || body["mfa_enrolment_required"] != true {
				t.Fatalf("login with a temporary password under everyone: %v", body)
			}
			e.cookies["temp"] = sessionSet(resp)
			resp, body = e.request(t, "temp", "POST", "/me/mfa/totp", "")
			want(t, "enrolling before the temporary password is replaced", resp, body, 403, "password_change_required")
			resp, body = e.request(t, "temp", "GET", "/me", "")
			want(t, "GET /me with both duties", resp, body, 200, "")
			resp, body = e.request(t, "temp", "POST", "/auth/password", `{"new_password":"a brand new passphrase 42"}`)
			want(t, "replacing the temporary password", resp, body, 204, "")
			resp, body = e.request(t, "temp", "GET", "/documents", "")
			want(t, "after the password, before the factor", resp, body, 403, "mfa_enrolment_required")
			resp, body = e.request(t, "temp", "POST", "/auth/password", `{"current_password":"a brand new passphrase 42","new_password":"another new passphrase 43"}`)
			want(t, "a password change while enrolment is due", resp, body, 403, "mfa_enrolment_required")
			e.enrolTOTP(t, "temp")
			resp, body = e.request(t, "temp", "GET", "/documents", "")
			want(t, "after enrolling", resp, body, 200, "")
		})
	}
}
