package portail

import (
	"testing"
	"time"
)

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
		if got := ResetWait(now, c.sent, c.selfService); got != c.want {
			t.Errorf("%s: ResetWait = %s, want %s", c.name, got, c.want)
		}
	}
}
