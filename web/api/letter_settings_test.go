package api_test

import (
	"reflect"
	"testing"

	"portail/internal/testdb"
)

// wantLetterDefaults checks a department answer's letter_defaults; nil
// wants null.
func wantLetterDefaults(want map[string]any) func(t *testing.T, e *env, body map[string]any) {
	return func(t *testing.T, e *env, body map[string]any) {
		got, present := body["letter_defaults"]
		if !present {
			t.Fatalf("no letter_defaults member in %v", body)
		}
		if want == nil && got != nil || want != nil && !reflect.DeepEqual(got, want) {
			t.Errorf("letter_defaults %v, want %v", got, want)
		}
	}
}

// TestAccountSettingsAPI: GET, PUT /account/settings for admins, partial,
// every bad field named; nobody else reads or changes them.
func TestAccountSettingsAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d)
			settings := func(minutes float64, country string) func(t *testing.T, e *env, body map[string]any) {
				return func(t *testing.T, e *env, body map[string]any) {
					if len(body) != 2 || body["letter_cancellation_minutes"] != minutes || body["country"] != country {
						t.Errorf("settings %v, want %v min, %s", body, minutes, country)
					}
				}
			}
			e.run(t, []apiScenario{
				{name: "defaults", actor: "admin", method: "GET", path: "/account/settings", wantStatus: 200, check: settings(15, "BE")},
				{name: "the window alone", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"letter_cancellation_minutes":30}`, wantStatus: 200, check: settings(30, "BE")},
				{name: "the country alone, any case", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"country":"lu"}`, wantStatus: 200, check: settings(30, "LU")},
				{name: "the account shows the country", actor: "admin", method: "GET", path: "/account", wantStatus: 200, check: fieldIs("country", "LU")},
				{name: "nothing", actor: "admin", method: "PUT", path: "/account/settings", body: `{}`, wantStatus: 200, check: settings(30, "LU")},
				{name: "bad values", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"letter_cancellation_minutes":1441,"country":"Belgium"}`, wantStatus: 400, wantCode: "invalid",
					check: fieldErrors("letter_cancellation_minutes", "country")},
				{name: "negative", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"letter_cancellation_minutes":-1}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("letter_cancellation_minutes")},
				{name: "not a number", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"letter_cancellation_minutes":"30"}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("letter_cancellation_minutes")},
				{name: "unknown field", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"cancellation":30}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("cancellation")},
				{name: "zero and a day are the bounds", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"letter_cancellation_minutes":0}`, wantStatus: 200, check: settings(0, "LU")},
				{name: "a day", actor: "admin", method: "PUT", path: "/account/settings",
					body: `{"letter_cancellation_minutes":1440,"country":"BE"}`, wantStatus: 200, check: settings(1440, "BE")},
				{name: "unchanged after refusals", actor: "admin", method: "GET", path: "/account/settings", wantStatus: 200, check: settings(1440, "BE")},
				{name: "the change is in the activity log", actor: "admin", method: "GET", path: "/activity?type=account_settings_changed", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						if n := len(items(t, body)); n != 4 {
							t.Errorf("%d entries, want 4 (the empty change writes none)", n)
						}
					}},
				{name: "not a department admin", actor: "da1", method: "GET", path: "/account/settings", wantStatus: 403, wantCode: "forbidden"},
				{name: "not an operator", actor: "op1", method: "PUT", path: "/account/settings", body: `{"letter_cancellation_minutes":5}`, wantStatus: 403, wantCode: "forbidden"},
				{name: "not a viewer", actor: "viewer1", method: "GET", path: "/account/settings", wantStatus: 403, wantCode: "forbidden"},
				{name: "anonymous", method: "GET", path: "/account/settings", wantStatus: 401, wantCode: "unauthenticated"},
				{name: "another account keeps its own", actor: "badmin", method: "GET", path: "/account/settings", wantStatus: 200, check: settings(15, "BE")},
			})
		})
	}
}

// TestDepartmentLetterDefaultsAPI: PATCH /departments/{id} takes
// letter_defaults (SPEC §9 Wave-2 details 6): an object replaces them
// whole (a member left out is the installation's default), null removes
// them; bad members are named under letter_defaults; admins and the
// department's admin only.
func TestDepartmentLetterDefaultsAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d)
			colourLeft := map[string]any{"color": true, "duplex": true, "postage": "non_prior", "registered": false, "window": "left"}
			all5 := map[string]any{"color": true, "duplex": false, "postage": "prior", "registered": true, "window": "left"}
			e.run(t, []apiScenario{
				{name: "none at first", actor: "da1", method: "GET", path: "/departments/{D1}", wantStatus: 200, check: wantLetterDefaults(nil)},
				{name: "department admin sets their own, the rest defaults", actor: "da1", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":{"color":true,"window":"left"}}`, wantStatus: 200, check: wantLetterDefaults(colourLeft)},
				{name: "shown to the department", actor: "viewer1", method: "GET", path: "/departments/{D1}", wantStatus: 200, check: wantLetterDefaults(colourLeft)},
				{name: "in the list", actor: "admin", method: "GET", path: "/departments", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						for _, it := range items(t, body) {
							switch it["name"] {
							case "D1":
								wantLetterDefaults(colourLeft)(t, e, it)
							case "D2":
								wantLetterDefaults(nil)(t, e, it)
							}
						}
					}},
				{name: "every option", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":{"color":true,"duplex":false,"postage":"prior","registered":true,"window":"left"}}`, wantStatus: 200, check: wantLetterDefaults(all5)},
				{name: "with the sender", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body:       `{"default_sender":` + brussels + `,"letter_defaults":{"color":true,"duplex":false,"postage":"prior","registered":true,"window":"left"}}`,
					wantStatus: 200, check: all(wantLetterDefaults(all5), wantSender("Acme Shipping"))},
				{name: "not another department's", actor: "da1", method: "PATCH", path: "/departments/{D2}",
					body: `{"letter_defaults":{"color":true}}`, wantStatus: 404, wantCode: "not_found"},
				{name: "not an operator", actor: "op1", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":null}`, wantStatus: 403, wantCode: "forbidden"},
				{name: "not another account", actor: "badmin", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":null}`, wantStatus: 404, wantCode: "not_found"},
				{name: "bad values", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":{"postage":"express","window":"middle"}}`, wantStatus: 400, wantCode: "invalid",
					check: fieldErrors("letter_defaults.postage", "letter_defaults.window")},
				{name: "wrong type", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":{"color":"yes"}}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("letter_defaults.color")},
				{name: "unknown option", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":{"colour":true}}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("letter_defaults.colour")},
				{name: "not an object", actor: "admin", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":"colour"}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("letter_defaults")},
				{name: "unchanged after refusals", actor: "admin", method: "GET", path: "/departments/{D1}", wantStatus: 200, check: wantLetterDefaults(all5)},
				{name: "null removes them, the sender stays", actor: "da1", method: "PATCH", path: "/departments/{D1}",
					body: `{"letter_defaults":null}`, wantStatus: 200, check: all(wantLetterDefaults(nil), wantSender("Acme Shipping"))},
			})
		})
	}
}

// TestTariffAPI: GET /tariff shows the installation's tariff to every
// signed-in user, prices VAT excluded; nobody else.
func TestTariffAPI(t *testing.T) {
	e := newEnv(t, "sqlite")
	check := func(t *testing.T, e *env, body map[string]any) {
		postage, _ := body["postage"].(map[string]any)
		np, _ := postage["non_prior"].([]any)
		first, _ := func() (map[string]any, bool) {
			if len(np) == 0 {
				return nil, false
			}
			m, ok := np[0].(map[string]any)
			return m, ok
		}()
		if body["currency"] != "EUR" || body["prices_exclude_vat"] != true || body["max_pages"] != float64(60) ||
			body["black_white_side_cents"] != float64(9) || body["registered_cents"] != float64(690) ||
			first["up_to_grams"] != float64(50) || first["cents"] != float64(145) {
			t.Errorf("tariff %v", body)
		}
	}
	e.run(t, []apiScenario{
		{name: "admin", actor: "admin", method: "GET", path: "/tariff", wantStatus: 200, check: check},
		{name: "viewer", actor: "viewer1", method: "GET", path: "/tariff", wantStatus: 200, check: check},
		{name: "other account", actor: "badmin", method: "GET", path: "/tariff", wantStatus: 200, check: check},
		{name: "anonymous", method: "GET", path: "/tariff", wantStatus: 401, wantCode: "unauthenticated"},
	})
}
