package web

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

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

// FuzzQueryInt: a whole-number parameter is accepted only as a
// non-negative int64 that strconv reads the same, and refused on its own
// field.
func FuzzQueryInt(f *testing.F) {
	for _, s := range []string{"", "0", "1", "-1", "+1", "007", "9223372036854775807", "9223372036854775808", "1e3", " 1", "0x10", "١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v portail.Validation
		n := queryInt(s, "limit", &v)
		if err := v.Err(); err != nil {
			if fe := err.(*portail.Error).Fields; len(fe) != 1 || fe[0].Field != "limit" {
				t.Fatalf("queryInt(%q): %v", s, err)
			}
			if want, perr := strconv.ParseInt(s, 10, 64); perr == nil && want >= 0 {
				t.Fatalf("queryInt(%q) refused a non-negative number", s)
			}
			return
		}
		if s == "" {
			if n != 0 {
				t.Fatalf("queryInt(\"\") = %d", n)
			}
			return
		}
		if want, err := strconv.ParseInt(s, 10, 64); err != nil || n != want || n < 0 {
			t.Fatalf("queryInt(%q) = %d accepted; strconv says %d, %v", s, n, want, err)
		}
	})
}

// FuzzParseTime: from and to are RFC 3339 times or dates; a date as the
// end of a range is the end of that day; what is accepted survives the
// trip through the databases' microseconds; a refusal is on the field.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"", "2026-01-31", "2026-02-30", "2026-01-31T08:00:00Z", "2026-01-31T08:00:00+01:00",
		"2026-01-31T08:00:00.123456789-23:59", "0000-01-01T00:00:00Z", "9999-12-31", "9999-12-31T23:59:59.999999999Z",
		"2026-1-31", "31/01/2026", "2026-01-31 08:00:00", "2026-01-31T24:00:00Z", "now"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v portail.Validation
		from := parseTime(s, "from", false, &v)
		to := parseTime(s, "to", true, &v)
		if err := v.Err(); err != nil {
			fe := err.(*portail.Error).Fields
			if from != nil || to != nil || len(fe) != 2 || fe[0].Field != "from" || fe[1].Field != "to" {
				t.Fatalf("parseTime(%q): %v with %v, %v", s, err, from, to)
			}
			return
		}
		if s == "" {
			if from != nil || to != nil {
				t.Fatalf("parseTime(\"\") = %v, %v", from, to)
			}
			return
		}
		if from == nil || to == nil {
			t.Fatalf("parseTime(%q) accepted without a time", s)
		}
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			if !to.Equal(from.AddDate(0, 0, 1)) {
				t.Fatalf("the date %q ends at %v, starts at %v", s, to, from)
			}
		} else if !to.Equal(*from) {
			t.Fatalf("the time %q is %v as a start and %v as an end", s, from, to)
		}
		for _, tm := range []*time.Time{from, to} {
			if back := time.UnixMicro(tm.UnixMicro()); !back.Equal(tm.Truncate(time.Microsecond)) {
				t.Fatalf("%v does not survive the trip through microseconds: %v", tm, back)
			}
		}
	})
}
