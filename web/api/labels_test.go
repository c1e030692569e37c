package api_test

import (
	"strings"
	"testing"

	"portail/internal/testdb"
)

const brussels = `{"name":"Acme Shipping","company":"Acme SA","street":"Rue de la Loi","house_number":"16","postal_code":"1000","city":"Bruxelles","country":"BE"}`

// wantSender checks the department answer's default sender by its name;
// "" wants none (null).
func wantSender(name string) func(t *testing.T, e *env, body map[string]any) {
	return func(t *testing.T, e *env, body map[string]any) {
		s, present := body["default_sender"]
		if !present {
			t.Fatalf("no default_sender member in %v", body)
		}
		got, _ := s.(map[string]any)
		switch {
		case name == "" && s != nil:
			t.Errorf("default_sender %v, want null", s)
		case name != "" && (got == nil || got["name"] != name):
			t.Errorf("default_sender %v, want %q", s, name)
		}
	}
}

// TestDepartmentDefaultSender: PATCH /departments/{id} takes default_sender
// (SPEC §9 Wave-2 details 6), set by the admins and that department's
// admin, checked as a label's address with its field errors named under
// default_sender, shown by the department answer, removed by null.
func TestDepartmentDefaultSender(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, d)
			e.run(t, []apiScenario{
				{name: "none at first", actor: "da1", method: "GET", path: "/departments/{D1}", wantStatus: 200, check: wantSender("")},
				{name: "department admin sets their own", actor: "da1", method: "PATCH", path: "/departments/{D1}",
					body: `{"default_sender":` + brussels + `}`, wantStatus: 200, check: wantSender("Acme Shipping")},
				{name: "shown to the department", actor: "viewer1", method: "GET", path: "/departments/{D1}", wantStatus: 200,
					check: wantSender("Acme Shipping")},
				{name: "in the list", actor: "admin", method: "GET", path: "/departments", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						for _, it := range items(t, body) {
							if it["name"] == "D1" {
								wantSender("Acme Shipping")(t, e, it)
							}
						}
					}},
				{name: "not another department's", actor: "da1", method: "PATCH", path: "/departments/{D2}",
					body: `{"default_sender":` + brussels + `}`, wantStatus: 404, wantCode: "not_found"},
				{name: "not an operator", actor: "op1", method: "PATCH", path: "/departments/{D1}",
					body: `{"default_sender":` + brussels + `}`, wantStatus: 403, wantCode: "forbidden"},
				{name: "the name stays the admins'", actor: "da1", method: "PATCH", path: "/departments/{D1}",
					body: `{"name":"Mine","default_sender":null}`, wantStatus: 403, wantCode: "forbidden"},
				{name: "postal code of its country", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body: `{"default_sender":` + strings.Replace(brussels, `"1000"`, `"100"`, 1) + `}`, wantStatus: 400, wantCode: "invalid",
					check: fieldErrors("default_sender.postal_code")},
				{name: "every problem at once, with the name's", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body:       `{"name":" ","default_sender":{"name":"","street":"S","house_number":"1","postal_code":"75001","city":"Paris","country":"XX"}}`,
					wantStatus: 400, wantCode: "invalid", check: fieldErrors("name", "default_sender.name", "default_sender.country")},
				{name: "not an object", actor: "admin", method: "PATCH", path: "/departments/{D1}", body: `{"default_sender":"x"}`,
					wantStatus: 400, wantCode: "invalid", check: fieldErrors("default_sender")},
				{name: "wrong type inside", actor: "admin", method: "PATCH", path: "/departments/{D1}", body: `{"default_sender":{"city":5}}`,
					wantStatus: 400, wantCode: "invalid", check: fieldErrors("default_sender.city")},
				{name: "unchanged after refusals", actor: "admin", method: "GET", path: "/departments/{D1}", wantStatus: 200,
					check: wantSender("Acme Shipping")},
				{name: "a label without a sender starts from the default, a country from the account's", actor: "da1", method: "POST", path: "/labels",
					body:       `{"department_id":{D1},"recipient":{"name":"Marie","street":"Meir","house_number":"50","postal_code":"2000","city":"Antwerpen"},"weight_grams":850}`,
					wantStatus: 201, check: func(t *testing.T, e *env, body map[string]any) {
						sender, _ := body["sender"].(map[string]any)
						recipient, _ := body["recipient"].(map[string]any)
						if sender["name"] != "Acme Shipping" || sender["postal_code"] != "1000" || recipient["country"] != "BE" {
							t.Errorf("sender %v, recipient %v", sender, recipient)
						}
					}},
				{name: "without a default, a sender is needed", actor: "da2", method: "POST", path: "/labels",
					body:       `{"department_id":{D2},"recipient":{"name":"Marie","street":"Meir","house_number":"50","postal_code":"200","city":"Antwerpen"},"weight_grams":850}`,
					wantStatus: 400, wantCode: "invalid",
					check: fieldErrors("sender.name", "sender.street", "sender.house_number", "sender.postal_code", "sender.city", "recipient.postal_code")},
				{name: "rename and keep the sender", actor: "admin", method: "PATCH", path: "/departments/{D1}", body: `{"name":"D1 bis"}`,
					wantStatus: 200, check: all(wantSender("Acme Shipping"), func(t *testing.T, e *env, body map[string]any) {
						if body["name"] != "D1 bis" {
							t.Errorf("name %v", body["name"])
						}
					})},
				{name: "null removes it", actor: "admin", method: "PATCH", path: "/departments/{D1}", body: `{"default_sender":null}`,
					wantStatus: 200, check: wantSender("")},
				{name: "the account's country", actor: "admin", method: "GET", path: "/account", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						if body["country"] != "BE" {
							t.Errorf("country %v, want BE", body["country"])
						}
					}},
			})
		})
	}
}

// TestLabelPostalCodesAndPDF: a label's postal codes are checked by their
// country (field errors sender.postal_code, recipient.postal_code), and its
// PDF downloads as an attachment or, with inline=true, opens in the
// browser.
func TestLabelPostalCodesAndPDF(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, d)
			e.run(t, []apiScenario{
				{name: "postal codes by country", actor: "da1", method: "POST", path: "/labels",
					body: `{"department_id":{D1},"sender":` + strings.Replace(brussels, `"1000"`, `"10000"`, 1) + `,` +
						`"recipient":{"name":"Jan","street":"Keizersgracht","house_number":"1","postal_code":"1016","city":"Amsterdam","country":"NL"},"weight_grams":500}`,
					wantStatus: 400, wantCode: "invalid", check: fieldErrors("sender.postal_code", "recipient.postal_code")},
				{name: "a Dutch code written as the post office does", actor: "da1", method: "POST", path: "/labels",
					body: `{"department_id":{D1},"sender":` + brussels + `,` +
						`"recipient":{"name":"Jan","street":"Keizersgracht","house_number":"1","postal_code":"1016dv","city":"Amsterdam","country":"NL"},"weight_grams":500}`,
					wantStatus: 201, check: func(t *testing.T, e *env, body map[string]any) {
						if r, _ := body["recipient"].(map[string]any); r["postal_code"] != "1016 DV" {
							t.Errorf("postal code %v, want 1016 DV", r["postal_code"])
						}
						e.ids["label"] = idOf(body["id"])
					}},
			})
			for _, c := range []struct{ query, want string }{{"", "attachment;"}, {"?inline=false", "attachment;"}, {"?inline=true", "inline;"}} {
				resp, body := e.raw(t, "da1", "/labels/{label}/pdf"+c.query)
				if cd := resp.Header.Get("Content-Disposition"); resp.StatusCode != 200 || !strings.HasPrefix(cd, c.want) ||
					!strings.Contains(cd, "filename=label-") || !strings.HasPrefix(string(body), "%PDF-") {
					t.Errorf("pdf%s: %d, Content-Disposition %q, want %s", c.query, resp.StatusCode, cd, c.want)
				}
			}
			e.run(t, []apiScenario{{name: "inline neither true nor false", actor: "da1", method: "GET", path: "/labels/{label}/pdf?inline=yes",
				wantStatus: 400, wantCode: "invalid", check: fieldErrors("inline")}})
		})
	}
}
