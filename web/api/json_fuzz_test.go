package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"portail"
)

// FuzzDecodeJSON: a request body is accepted only when it is one valid
// JSON object value with nothing after it, decodes as encoding/json would,
// and is otherwise refused with EINVALID, whose field errors name a member
// of the request or the unknown member sent.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"login":"admin","password":"x"}`, ` {"login":"a"} `, `{"login":"a"}}`, `{"login":"a"}]`, `{"login":"a"} x`,
		`{"login":"a"}{"login":"b"}`, `{"login":1}`, `{"password":null}`, `{"nope":1}`, `{"LOGIN":"a"}`,
		`{"login":"a","login":"b"}`, `{"login":"\u0000\ud800"}`, `[]`, `null`, `""`, ``, `{`, "{\"login\":\"\xff\"}",
		`{"modules":["mail"],"department_id":1}`, `{"department_id":1e400}`, `{"department_id":-1.5}`,
	} {
		f.Add([]byte(s))
	}
	type request struct {
		Login        string   `json:"login"`
		Password     string   `json:"password"`
		DepartmentID *int64   `json:"department_id"`
		Modules      []string `json:"modules"`
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got request
		err := decodeJSON(body, &got)
		if err == nil {
			if !json.Valid(body) {
				t.Fatalf("decodeJSON accepted %q, which is not one JSON value", body)
			}
			var want request
			if err := json.Unmarshal(body, &want); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("decodeJSON(%q) = %+v, encoding/json says %+v (%v)", body, got, want, err)
			}
			return
		}
		var pe *portail.Error
		if !errors.As(err, &pe) || pe.Code != portail.EINVALID || pe.Message == "" {
			t.Fatalf("decodeJSON(%q): %v, want an EINVALID error", body, err)
		}
		for _, fe := range pe.Fields {
			switch {
			case fe.Message == "Unknown field.":
			case fe.Field == "login", fe.Field == "password", fe.Field == "department_id", fe.Field == "modules":
			default:
				t.Fatalf("decodeJSON(%q): a field error on %q", body, fe.Field)
			}
		}
	})
}
