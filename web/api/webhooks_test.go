package api_test

import (
	"strings"
	"testing"

	"portail/internal/testdb"
)

func TestWebhooksAPI(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, d)
			e.run(t, []apiScenario{
				{name: "operator may not list", actor: "op1", method: "GET", path: "/webhooks", wantStatus: 403, wantCode: "forbidden"},
				{name: "department admin may not subscribe", actor: "da1", method: "POST", path: "/webhooks",
					body: `{"url":"https://hooks.example.com/","events":["user.created"]}`, wantStatus: 403, wantCode: "forbidden"},
				{name: "http refused, unknown event refused", actor: "admin", method: "POST", path: "/webhooks",
					body: `{"url":"http://hooks.example.com/","events":["user.deleted"]}`, wantStatus: 400, wantCode: "invalid",
					check: fieldErrors("url", "events")},
				{name: "no events", actor: "admin", method: "POST", path: "/webhooks",
					body: `{"url":"https://hooks.example.com/","events":[]}`, wantStatus: 400, wantCode: "invalid", check: fieldErrors("events")},
				{name: "subscribe", actor: "admin", method: "POST", path: "/webhooks",
					body: `{"url":"https://hooks.example.com/in","events":["user.created","document.status_changed"]}`, wantStatus: 201,
					check: all(capture("hook"), fieldIs("url", "https://hooks.example.com/in"), fieldIs("enabled", true), fieldIs("disabled_reason", ""),
						func(t *testing.T, e *env, body map[string]any) {
							if s, _ := body["secret"].(string); !strings.HasPrefix(s, "whsec_") {
								t.Errorf("secret %v", body["secret"])
							}
							if ev, _ := body["events"].([]any); len(ev) != 2 || ev[0] != "document.status_changed" {
								t.Errorf("events %v", body["events"])
							}
						})},
				{name: "list never shows the secret", actor: "admin", method: "GET", path: "/webhooks", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						it := items(t, body)
						if len(it) != 1 || it[0]["secret"] != nil {
							t.Errorf("items %v", it)
						}
					}},
				{name: "get shows no secret", actor: "admin", method: "GET", path: "/webhooks/{hook}", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						if _, ok := body["secret"]; ok {
							t.Errorf("secret shown: %v", body)
						}
					}},
				{name: "another account sees nothing", actor: "badmin", method: "GET", path: "/webhooks/{hook}", wantStatus: 404, wantCode: "not_found"},
				{name: "another account's list is empty", actor: "badmin", method: "GET", path: "/webhooks", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						if len(items(t, body)) != 0 {
							t.Errorf("items %v", body)
						}
					}},
				{name: "disable", actor: "admin", method: "PATCH", path: "/webhooks/{hook}", body: `{"enabled":false}`, wantStatus: 200,
					check: fieldIs("enabled", false)},
				{name: "change events", actor: "admin", method: "PATCH", path: "/webhooks/{hook}", body: `{"events":["user.updated"],"enabled":true}`,
					wantStatus: 200, check: all(fieldIs("enabled", true), func(t *testing.T, e *env, body map[string]any) {
						if ev, _ := body["events"].([]any); len(ev) != 1 || ev[0] != "user.updated" {
							t.Errorf("events %v", body["events"])
						}
					})},
				{name: "bad url on patch", actor: "admin", method: "PATCH", path: "/webhooks/{hook}", body: `{"url":"ftp://x"}`, wantStatus: 400,
					wantCode: "invalid", check: fieldErrors("url")},
				{name: "empty log", actor: "admin", method: "GET", path: "/webhooks/{hook}/deliveries", wantStatus: 200,
					check: func(t *testing.T, e *env, body map[string]any) {
						if len(items(t, body)) != 0 || body["next_cursor"] != nil {
							t.Errorf("log %v", body)
						}
					}},
				{name: "bad cursor", actor: "admin", method: "GET", path: "/webhooks/{hook}/deliveries?cursor=@@", wantStatus: 400, wantCode: "invalid"},
				{name: "another account's log", actor: "badmin", method: "GET", path: "/webhooks/{hook}/deliveries", wantStatus: 404, wantCode: "not_found"},
				{name: "resend an unknown delivery", actor: "admin", method: "POST", path: "/webhooks/{hook}/deliveries/999999/resend", wantStatus: 404, wantCode: "not_found"},
				{name: "another account deletes", actor: "badmin", method: "DELETE", path: "/webhooks/{hook}", wantStatus: 404, wantCode: "not_found"},
				{name: "delete", actor: "admin", method: "DELETE", path: "/webhooks/{hook}", wantStatus: 204},
				{name: "gone", actor: "admin", method: "GET", path: "/webhooks/{hook}", wantStatus: 404, wantCode: "not_found"},
			})
		})
	}
}
