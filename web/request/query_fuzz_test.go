package request

import (
	"strconv"
	"testing"
	"time"

	"portail"
)

// FuzzQueryInt: a whole-number parameter is accepted only as a
// non-negative int64 that strconv reads the same, and refused on its own
// field.
func FuzzQueryInt(f *testing.F) {
	for _, s := range []string{"", "0", "1", "-1", "+1", "007", "9223372036854775807", "9223372036854775808", "1e3", " 1", "0x10", "١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v portail.Validation
		n := Int(s, "limit", &v)
		if err := v.Err(); err != nil {
			if fe := err.(*portail.Error).Fields; len(fe) != 1 || fe[0].Field != "limit" {
				t.Fatalf("Int(%q): %v", s, err)
			}
			if want, perr := strconv.ParseInt(s, 10, 64); perr == nil && want >= 0 {
				t.Fatalf("Int(%q) refused a non-negative number", s)
			}
			return
		}
		if s == "" {
			if n != 0 {
				t.Fatalf("Int(\"\") = %d", n)
			}
			return
		}
		if want, err := strconv.ParseInt(s, 10, 64); err != nil || n != want || n < 0 {
			t.Fatalf("Int(%q) = %d accepted; strconv says %d, %v", s, n, want, err)
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
		from := Time(s, "from", false, &v)
		to := Time(s, "to", true, &v)
		if err := v.Err(); err != nil {
			fe := err.(*portail.Error).Fields
			if from != nil || to != nil || len(fe) != 2 || fe[0].Field != "from" || fe[1].Field != "to" {
				t.Fatalf("Time(%q): %v with %v, %v", s, err, from, to)
			}
			return
		}
		if s == "" {
			if from != nil || to != nil {
				t.Fatalf("Time(\"\") = %v, %v", from, to)
			}
			return
		}
		if from == nil || to == nil {
			t.Fatalf("Time(%q) accepted without a time", s)
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
