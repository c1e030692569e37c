package api

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"portail"
)

func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

// TestWebhookDataMirrorsAPI: events carry items "as the API shows them";
// the root builds that data (storage writes it and cannot use the API's
// types), so the API's JSON and the root's must keep the same keys.
func TestWebhookDataMirrorsAPI(t *testing.T) {
	now := time.Now()
	d := &portail.Document{ID: 1, Name: "a.pdf", Status: portail.DocumentReceived, Module: portail.ModuleMail, CreatedAt: now, UpdatedAt: now,
		Pages: 2, Sheets: 1, Priced: true, PriceCents: 123, Currency: "EUR", CancelUntil: &now,
		Problems: []portail.Problem{{Code: portail.ProblemPageSize, Page: 2}, {Code: portail.ProblemAddressNotFound}}}
	l := &portail.Label{ID: 2, TrackingNumber: "CD1", CreatedAt: now, UpdatedAt: now}
	u := &portail.User{ID: 3, Username: "u", Role: portail.RoleOperator, DepartmentID: 4, Modules: portail.AllModules, CreatedAt: now, LastLoginAt: &now}
	for _, c := range []struct {
		name      string
		api, hook any
	}{
		{"document", toDocumentJSON(d, "en"), portail.DocumentData(d)},
		{"label", toLabelJSON(l), portail.LabelData(l)},
		{"user", toUserJSON(u), portail.UserData(u)},
	} {
		if a, h := jsonKeys(t, c.api), jsonKeys(t, c.hook); !slices.Equal(a, h) {
			t.Errorf("%s: the API shows %v, events carry %v: change portail.%sData with the API's JSON", c.name, a, h, c.name)
		}
	}
	// And the values agree, not only the keys.
	a, _ := json.Marshal(toUserJSON(u))
	h, _ := json.Marshal(portail.UserData(u))
	var am, hm map[string]any
	json.Unmarshal(a, &am)
	json.Unmarshal(h, &hm)
	if !maps.EqualFunc(am, hm, func(x, y any) bool {
		xb, _ := json.Marshal(x)
		yb, _ := json.Marshal(y)
		return string(xb) == string(yb)
	}) {
		t.Errorf("user: API %s, event %s", a, h)
	}
}
