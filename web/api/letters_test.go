package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"
	"time"

	"portail/internal/lettertest"
	"portail/internal/testdb"
)

// send sends a multipart letter to path (POST /documents, the quote, PUT
// the file) as actor.
func (e *env) send(t *testing.T, actor, method, path string, fields map[string]string, content []byte) (*http.Response, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		mw.WriteField(k, e.expand(fields[k]))
	}
	if content != nil {
		fw, _ := mw.CreateFormFile("file", "letter.pdf")
		fw.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest(method, e.url+e.expand(path), &body)
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

const recipientJSON = `{"name":"Jan Peeters","lines":["Jan Peeters","Kerkstraat 5","2000 Antwerpen"],"postal_code":"2000","city":"Antwerpen"}`

// sendOK is send that must answer status.
func (e *env) sendOK(t *testing.T, status int, actor, method, path string, fields map[string]string, content []byte) map[string]any {
	t.Helper()
	resp, body := e.send(t, actor, method, path, fields, content)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %v", method, path, resp.StatusCode, status, body)
	}
	return body
}

func problemCodes(body map[string]any) []string {
	var out []string
	ps, _ := body["problems"].([]any)
	for _, p := range ps {
		m, _ := p.(map[string]any)
		s, _ := m["code"].(string)
		out = append(out, s)
	}
	return out
}

// TestLettersAPI is the contract of the letter routes (SPEC §9 Letters,
// Wave-2 details 2–5, 7) on every dialect.
func TestLettersAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newDocEnv(t, d)
			mail := map[string]string{"department_id": "{D1}", "module": "mail"}
			with := func(extra map[string]string) map[string]string {
				m := maps.Clone(mail)
				maps.Copy(m, extra)
				return m
			}

			// A clean letter: received, priced, its wait shown.
			before := time.Now()
			clean := e.sendOK(t, 201, "op1", "POST", "/documents", mail, lettertest.Letter(1))
			t.Run("answer", func(t *testing.T) {
				for _, k := range []string{"pages", "sheets", "options", "recipient", "address_page", "price_cents", "currency", "problems",
					"cancel_until", "send_at", "tracking_number", "return_reason", "failure_reason", "sender_name"} {
					if _, ok := clean[k]; !ok {
						t.Errorf("no %q in %v", k, clean)
					}
				}
				opts, _ := clean["options"].(map[string]any)
				if clean["status"] != "received" || clean["pages"] != 1.0 || clean["sheets"] != 1.0 || clean["address_page"] != false ||
					clean["currency"] != "EUR" || clean["send_at"] != nil || len(problemCodes(clean)) != 0 ||
					opts["color"] != false || opts["duplex"] != true || opts["postage"] != "non_prior" || opts["registered"] != false || opts["window"] != "right" {
					t.Errorf("clean letter %v", clean)
				}
				if p, _ := clean["price_cents"].(float64); p <= 0 {
					t.Errorf("price %v", clean["price_cents"])
				}
				until, err := time.Parse(time.RFC3339, fmt.Sprint(clean["cancel_until"]))
				if err != nil || until.Before(before.Add(14*time.Minute)) || until.After(time.Now().Add(16*time.Minute)) {
					t.Errorf("cancel_until %v", clean["cancel_until"])
				}
				r, _ := clean["recipient"].(map[string]any)
				if r["postal_code"] != "4000" || r["country"] != "BE" {
					t.Errorf("recipient %v", r)
				}
			})
			e.ids["clean"] = idOf(clean["id"])
			price := clean["price_cents"].(float64)

			t.Run("upload fields", func(t *testing.T) {
				body := e.sendOK(t, 201, "op1", "POST", "/documents", with(map[string]string{"color": "true", "postage": "prior",
					"recipient": recipientJSON, "options": `{"duplex":false,"registered":true}`}), lettertest.NoAddress())
				opts, _ := body["options"].(map[string]any)
				if body["status"] != "received" || body["address_page"] != true || body["sheets"] != 2.0 || opts["color"] != true ||
					opts["postage"] != "prior" || opts["duplex"] != false || opts["registered"] != true {
					t.Errorf("letter with fields %v", body)
				}
				e.ids["typed"] = idOf(body["id"])
				resp, body := e.send(t, "op1", "POST", "/documents", with(map[string]string{"color": "yes", "window": "top",
					"send_at": "tomorrow", "recipient": `{"name":1}`, "options": `{"stapled":true}`}), lettertest.Letter(1))
				if resp.StatusCode != 400 || body["code"] != "invalid" {
					t.Fatalf("bad fields: %d %v", resp.StatusCode, body)
				}
				fieldErrors("color", "window", "send_at", "recipient.name", "options.stapled")(t, e, body)
				resp, body = e.send(t, "op1", "POST", "/documents", with(map[string]string{"send_at": "2020-01-01T00:00:00Z"}), lettertest.Letter(1))
				if resp.StatusCode != 400 {
					t.Errorf("send_at in the past: %d %v", resp.StatusCode, body)
				}
				fieldErrors("send_at")(t, e, body)
				resp, body = e.send(t, "op1", "POST", "/documents", with(map[string]string{"recipient": recipientJSON}), lettertest.Letter(1))
				if resp.StatusCode != 400 {
					t.Errorf("typed over an address: %d %v", resp.StatusCode, body)
				}
				fieldErrors("recipient")(t, e, body)
				resp, body = e.send(t, "op1", "POST", "/documents", mail, []byte("%PDF-1.4\nnot a real one\n%%EOF\n"))
				if resp.StatusCode != 400 {
					t.Errorf("unreadable PDF: %d %v", resp.StatusCode, body)
				}
				fieldErrors("file")(t, e, body)
			})

			t.Run("action required", func(t *testing.T) {
				body := e.sendOK(t, 201, "op1", "POST", "/documents", mail, lettertest.MarginInk())
				ps, _ := body["problems"].([]any)
				if body["status"] != "action_required" || body["cancel_until"] != nil || !slices.Contains(problemCodes(body), "outside_printable_area") {
					t.Fatalf("margin ink %v", body)
				}
				p := ps[0].(map[string]any)
				if p["page"] != 1.0 || p["message"] == "" {
					t.Errorf("problem %v", p)
				}
				e.ids["ink"] = idOf(body["id"])
				_, list := e.request(t, "op1", "GET", "/documents?status=action_required", "")
				if got := items(t, list); len(got) != 1 || idOf(got[0]["id"]) != e.ids["ink"] {
					t.Errorf("status filter: %v", list)
				}
				// A clean file in its place: same id, received.
				body = e.sendOK(t, 200, "op1", "PUT", "/documents/{ink}/file", nil, lettertest.Letter(2))
				if idOf(body["id"]) != e.ids["ink"] || body["status"] != "received" || body["pages"] != 2.0 || body["cancel_until"] == nil {
					t.Errorf("replaced %v", body)
				}
				resp, body := e.send(t, "op1", "PUT", "/documents/{ink}/file", nil, nil)
				if resp.StatusCode != 400 {
					t.Errorf("no file: %d", resp.StatusCode)
				}
				fieldErrors("file")(t, e, body)
			})

			t.Run("quote", func(t *testing.T) {
				_, list := e.request(t, "admin", "GET", "/documents", "")
				n := len(items(t, list))
				body := e.sendOK(t, 200, "op1", "POST", "/documents/quote", with(map[string]string{"registered": "true"}), lettertest.Letter(3))
				if got := slices.Sorted(maps.Keys(body)); !slices.Equal(got, []string{"address_page", "currency", "options", "pages", "price_cents",
					"problems", "recipient", "sheets"}) {
					t.Errorf("quote members %v", got)
				}
				if body["pages"] != 3.0 || body["price_cents"].(float64) <= price {
					t.Errorf("quote %v", body)
				}
				_, list = e.request(t, "admin", "GET", "/documents", "")
				if len(items(t, list)) != n {
					t.Error("a quote stored a document")
				}
				if resp, _ := e.send(t, "viewer1", "POST", "/documents/quote", mail, lettertest.Letter(1)); resp.StatusCode != 403 {
					t.Errorf("viewer quotes: %d", resp.StatusCode)
				}
				// The quote of a change saves nothing.
				resp, q := e.request(t, "op1", "POST", "/documents/{clean}/quote", `{"options":{"registered":true}}`)
				if resp.StatusCode != 200 || q["price_cents"].(float64) <= price {
					t.Errorf("quote of a change: %d %v", resp.StatusCode, q)
				}
				_, got := e.request(t, "op1", "GET", "/documents/{clean}", "")
				if got["price_cents"] != price {
					t.Errorf("a quote of a change saved it: %v", got)
				}
				if resp, body := e.request(t, "op1", "POST", "/documents/{clean}/quote", `{"send_at":null}`); resp.StatusCode != 400 {
					t.Errorf("send_at in a quote: %d %v", resp.StatusCode, body)
				}
			})

			t.Run("patch", func(t *testing.T) {
				resp, body := e.request(t, "op1", "PATCH", "/documents/{clean}", `{"options":{"color":true}}`)
				if resp.StatusCode != 200 || body["price_cents"].(float64) <= price || body["options"].(map[string]any)["color"] != true {
					t.Errorf("patch: %d %v", resp.StatusCode, body)
				}
				later := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
				resp, body = e.request(t, "op1", "PATCH", "/documents/{clean}", `{"send_at":"`+later+`"}`)
				if resp.StatusCode != 200 || body["send_at"] != later || body["cancel_until"] != later {
					t.Errorf("send_at: %d %v", resp.StatusCode, body)
				}
				resp, body = e.request(t, "op1", "PATCH", "/documents/{clean}", `{"send_at":null}`)
				if resp.StatusCode != 200 || body["send_at"] != nil {
					t.Errorf("send_at cleared: %d %v", resp.StatusCode, body)
				}
				for b, field := range map[string]string{`{"send_at":"2020-01-01T00:00:00Z"}`: "send_at", `{"options":{"postage":"slow"}}`: "options.postage",
					`{"colour":true}`: "colour", `{"send_at":5}`: "send_at", `{"recipient":` + recipientJSON + `}`: "recipient"} {
					resp, body := e.request(t, "op1", "PATCH", "/documents/{clean}", b)
					if resp.StatusCode != 400 {
						t.Errorf("%s: %d %v", b, resp.StatusCode, body)
						continue
					}
					fieldErrors(field)(t, e, body)
				}
				// A typed recipient removed brings its problem back, which an
				// accepted letter may not get.
				resp, body = e.request(t, "op1", "PATCH", "/documents/{typed}", `{"recipient":null}`)
				if resp.StatusCode != 400 {
					t.Errorf("recipient removed from an accepted letter: %d %v", resp.StatusCode, body)
				}
			})

			t.Run("proof", func(t *testing.T) {
				resp, png := e.raw(t, "op1", "/documents/{clean}/proof?page=1")
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) ||
					resp.Header.Get("Cache-Control") != "private, no-cache" {
					t.Errorf("proof: %d %q %q % x", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), png[:min(8, len(png))])
				}
				if resp, again := e.raw(t, "op1", "/documents/{clean}/proof"); resp.StatusCode != 200 || !bytes.Equal(again, png) {
					t.Errorf("default page: %d", resp.StatusCode)
				}
				if resp, png := e.raw(t, "op1", "/documents/{typed}/proof?page=0"); resp.StatusCode != 200 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
					t.Errorf("address page proof: %d", resp.StatusCode)
				}
				for q, status := range map[string]int{"page=abc": 400, "page=": 400, "page=2": 404, "page=0": 404, "page=-1": 400} {
					resp, body := e.request(t, "op1", "GET", "/documents/{clean}/proof?"+q, "")
					if resp.StatusCode != status {
						t.Errorf("%s: %d, want %d: %v", q, resp.StatusCode, status, body)
					}
				}
				if resp, _ := e.request(t, "badmin", "GET", "/documents/{clean}/proof", ""); resp.StatusCode != 404 {
					t.Errorf("another account's proof: %d", resp.StatusCode)
				}
			})

			t.Run("policy", func(t *testing.T) {
				for _, c := range []struct {
					actor, method, path string
					status              int
				}{
					{"viewer1", "PATCH", "/documents/{clean}", 403},
					{"viewer1", "POST", "/documents/{clean}/cancel", 403},
					{"viewer1", "POST", "/documents/{clean}/quote", 403},
					{"op1b", "PATCH", "/documents/{clean}", 404},
					{"op1b", "POST", "/documents/{clean}/cancel", 404},
					{"badmin", "PATCH", "/documents/{clean}", 404},
					{"op2", "POST", "/documents/{clean}/cancel", 404},
					{"da1", "PATCH", "/documents/{clean}", 200},
				} {
					resp, body := e.request(t, c.actor, c.method, c.path, `{"options":{"duplex":true}}`)
					if c.method == "POST" {
						resp, body = e.request(t, c.actor, c.method, c.path, `{}`)
					}
					if resp.StatusCode != c.status {
						t.Errorf("%s %s as %s: %d, want %d: %v", c.method, c.path, c.actor, resp.StatusCode, c.status, body)
					}
				}
				// In classic a department admin acts on their own letters only.
				classic := e.sendOK(t, 201, "op1", "POST", "/documents", map[string]string{"department_id": "{D1}", "module": "classic"}, lettertest.Letter(1))
				e.ids["classic"] = idOf(classic["id"])
				if resp, _ := e.request(t, "da1", "POST", "/documents/{classic}/cancel", ""); resp.StatusCode != 404 {
					t.Errorf("department admin on another's classic letter: %d", resp.StatusCode)
				}
			})

			t.Run("cancel", func(t *testing.T) {
				resp, body := e.request(t, "op1", "POST", "/documents/{clean}/cancel", "")
				if resp.StatusCode != 200 || body["status"] != "cancelled" {
					t.Fatalf("cancel: %d %v", resp.StatusCode, body)
				}
				for _, c := range [][2]string{{"POST", "/documents/{clean}/cancel"}, {"PATCH", "/documents/{clean}"}, {"POST", "/documents/{clean}/quote"}} {
					resp, body := e.request(t, "op1", c[0], c[1], `{"options":{"color":false}}`)
					if c[1] == "/documents/{clean}/cancel" {
						resp, body = e.request(t, "op1", c[0], c[1], "")
					}
					if resp.StatusCode != 409 || body["code"] != "too_late" || body["title"] != "Too late" {
						t.Errorf("%s %s when cancelled: %d %v", c[0], c[1], resp.StatusCode, body)
					}
				}
				if resp, _ := e.send(t, "op1", "PUT", "/documents/{clean}/file", nil, lettertest.Letter(1)); resp.StatusCode != 409 {
					t.Errorf("replace when cancelled: %d", resp.StatusCode)
				}
			})

			t.Run("no wait", func(t *testing.T) {
				// With no cancellation window a letter goes at once: too late
				// as soon as it is accepted.
				if resp, body := e.request(t, "admin", "PUT", "/account/settings", `{"letter_cancellation_minutes":0}`); resp.StatusCode != 200 {
					t.Fatalf("settings: %d %v", resp.StatusCode, body)
				}
				body := e.sendOK(t, 201, "op1", "POST", "/documents", mail, lettertest.Letter(1))
				e.ids["gone"] = idOf(body["id"])
				if resp, body := e.request(t, "op1", "PATCH", "/documents/{gone}", `{"options":{"color":true}}`); resp.StatusCode != 409 || body["code"] != "too_late" {
					t.Errorf("patch without a wait: %d %v", resp.StatusCode, body)
				}
			})
		})
	}
}
