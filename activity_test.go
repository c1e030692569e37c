package portail

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestActivityFilterValidate(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	next := day.Add(24 * time.Hour)
	for _, c := range []struct {
		name string
		f    ActivityFilter
		want []string // the fields refused, in order
	}{
		{"empty", ActivityFilter{}, nil},
		{"all set", ActivityFilter{UserID: 3, Type: ActivityLogout, From: &day, To: &next, Limit: MaxPageSize, Cursor: "abc"}, nil},
		{"only a start", ActivityFilter{From: &day}, nil},
		{"unknown type, matched as given", ActivityFilter{Type: "no_such_type"}, nil},
		{"negative limit", ActivityFilter{Limit: -1}, []string{"limit"}},
		{"limit too large", ActivityFilter{Limit: MaxPageSize + 1}, []string{"limit"}},
		{"empty range", ActivityFilter{From: &day, To: &day}, []string{"to"}},
		{"reversed range", ActivityFilter{From: &next, To: &day}, []string{"to"}},
		{"type too long", ActivityFilter{Type: ActivityType(strings.Repeat("x", MaxQueryLength+1))}, []string{"type"}},
		{"cursor too long", ActivityFilter{Cursor: strings.Repeat("x", MaxCursorLength+1)}, []string{"cursor"}},
		{"everything wrong, in order", ActivityFilter{Limit: -5, From: &next, To: &day,
			Type: ActivityType(strings.Repeat("é", MaxQueryLength+1)), Cursor: strings.Repeat("x", MaxCursorLength+1)},
			[]string{"limit", "to", "type", "cursor"}},
	} {
		err := c.f.Validate()
		var got []string
		var e *Error
		if errors.As(err, &e) {
			if e.Code != EINVALID {
				t.Errorf("%s: code %s", c.name, e.Code)
			}
			for _, fe := range e.Fields {
				got = append(got, fe.Field)
			}
		} else if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %q, want %q", c.name, got, c.want)
		}
	}
}
