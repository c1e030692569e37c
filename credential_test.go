package portail_test

import (
	"errors"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"portail"
)

// TestValidateAPIKeyName: 1 to 100 characters, counted as characters
// (not bytes) once trimmed.
func TestValidateAPIKeyName(t *testing.T) {
	for name, ok := range map[string]bool{
		"ci":                                  true,
		"x":                                   true,
		strings.Repeat("é", 100):              true,
		"  " + strings.Repeat("k", 100) + " ": true,
		"":                                    false,
		"   \t ":                              false,
		strings.Repeat("é", 101):              false,
		strings.Repeat("k", 101):              false,
	} {
		err := portail.ValidateAPIKeyName(name)
		if ok {
			if err != nil {
				t.Errorf("%q: %v", name, err)
			}
			continue
		}
		var e *portail.Error
		if !errors.As(err, &e) || e.Code != portail.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "name" ||
			e.Fields[0].Message != "Give the key a name of 1 to 100 characters." {
			t.Errorf("%q: %#v, want EINVALID on name", name, err)
		}
	}
}

// TestTemporaryPassword: 4 groups of 4 characters from an alphabet
// without look-alikes (no i, l, o, 0, 1), each character equally likely:
// a bias makes the 80 bits fewer. The chi-square statistic of 640,000
// characters over 31 letters (30 degrees of freedom) stays far below 80
// (p < 10⁻⁶) for a uniform draw; taking a random byte modulo 31 gives the
// first 8 letters 9/256 instead of 8/256, a statistic near 1,800. The
// seed makes the draw, and so the test, repeatable.
func TestTemporaryPassword(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 1)
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	const n = 40000
	counts := map[rune]int{}
	for range n {
		p := portail.NewTemporaryPassword()
		groups := strings.Split(p, "-")
		if len(p) != 19 || len(groups) != 4 {
			t.Fatalf("%q: want 4 groups of 4 characters", p)
		}
		for _, g := range groups {
			if len(g) != 4 {
				t.Fatalf("%q: want 4 groups of 4 characters", p)
			}
			for _, c := range g {
				if !strings.ContainsRune(alphabet, c) {
					t.Fatalf("%q: %q is not in the alphabet %s", p, c, alphabet)
				}
				counts[c]++
			}
		}
	}
	if len(counts) != len(alphabet) {
		t.Errorf("%d of the %d characters used", len(counts), len(alphabet))
	}
	expected := float64(n*16) / float64(len(alphabet))
	chi2 := 0.0
	for _, c := range alphabet {
		d := float64(counts[c]) - expected
		chi2 += d * d / expected
	}
	if chi2 > 80 {
		t.Errorf("chi-square %.0f over 30 degrees of freedom: the characters are not equally likely (%v)", chi2, counts)
	}
}

func TestResetWait(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, c := range []struct {
		name        string
		sent        []time.Time
		selfService bool
		want        time.Duration
	}{
		{"none", nil, true, 0},
		{"one long ago", []time.Time{ago(2 * time.Hour)}, true, 0},
		{"spacing", []time.Time{ago(20 * time.Second)}, true, 40 * time.Second},
		{"admins are not spaced", []time.Time{ago(20 * time.Second)}, false, 0},
		{"two of three", []time.Time{ago(30 * time.Minute), ago(10 * time.Minute)}, true, 0},
		{"cap", []time.Time{ago(10 * time.Minute), ago(50 * time.Minute), ago(30 * time.Minute)}, false, 10 * time.Minute},
		{"cap and spacing", []time.Time{ago(59 * time.Minute), ago(30 * time.Minute), ago(30 * time.Second)}, true, time.Minute},
		{"older ones do not count", []time.Time{ago(61 * time.Minute), ago(30 * time.Minute), ago(20 * time.Minute)}, false, 0},
	} {
		if got := portail.ResetWait(now, c.sent, c.selfService); got != c.want {
			t.Errorf("%s: ResetWait = %s, want %s", c.name, got, c.want)
		}
	}
}
