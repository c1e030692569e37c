package scim

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"portail"
)

// FuzzPatch sends outside bodies through what a PATCH and a filter do
// before any service: reading the document, the operations and their
// paths, applying them to a user and reading the result back. None may
// panic; what they refuse is a SCIM error, never another kind.
func FuzzPatch(f *testing.F) {
	f.Add(`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b.test"}]}`, `userName eq "x"`)
	f.Add(`{"Operations":[{"op":"add","value":{"name.givenName":"A","active":"False"}}]}`, `emails[type eq "work" and value co "@"]`)
	f.Add(`{"Operations":[{"op":"remove","path":"members[value eq \"2\"]"}]}`, `not (x pr)`)
	f.Add(`{"Operations":[{"op":"replace","path":"urn:portail:params:scim:schemas:extension:2.0:User:department_id","value":3}]}`, `meta.lastModified gt "2011-05-13T04:42:34Z"`)
	u := &portail.SCIMUser{User: portail.User{ID: 7, Username: "ann", FullName: "Ann", Email: "ann@acme.test", Role: portail.RoleOperator,
		DepartmentID: 2, Modules: portail.AllModules, Status: portail.StatusActive, Language: "fr", CreatedAt: time.Unix(0, 0)}}
	f.Fuzz(func(t *testing.T, body, rawFilter string) {
		if _, _, err := equality(rawFilter); err != nil {
			scimOnly(t, err)
		}
		r := httptest.NewRequest("PATCH", "/scim/v2/Users/7", bytes.NewReader([]byte(body)))
		d, err := readDoc(r)
		if err != nil {
			scimOnly(t, err)
			return
		}
		ops, err := readOperations(d)
		if err != nil {
			scimOnly(t, err)
			return
		}
		var c portail.SCIMGroupChange
		if err := eachOperation(ops, func(op, path string, value any) error { return groupOperation(&c, op, path, value) }); err != nil {
			scimOnly(t, err)
		}
		before := userDoc(u, "http://x")
		doc := fold(userDoc(u, "http://x")).(doc)
		if err := applyOperations(doc, ops); err != nil {
			scimOnly(t, err)
			return
		}
		if _, err := userInput(doc, before); err != nil {
			scimOnly(t, err)
		}
		if _, err := json.Marshal(shown(doc)); err != nil {
			t.Fatalf("the changed user does not encode: %v", err)
		}
	})
}

func scimOnly(t *testing.T, err error) {
	t.Helper()
	if _, ok := err.(*scimError); !ok {
		t.Fatalf("a refusal of another kind: %T %v", err, err)
	}
}
