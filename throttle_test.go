package portail

import (
	"testing"
	"time"
)

func TestThrottleWait(t *testing.T) {
	for _, c := range []struct {
		kind     ThrottleKind
		failures int
		want     time.Duration
	}{
		{ThrottlePerson, -1, 0},
		{ThrottlePerson, 0, 0},
		{ThrottlePerson, 4, 0},
		{ThrottlePerson, 5, 30 * time.Second}, // the first failure past the free ones
		{ThrottlePerson, 6, time.Minute},      // doubles
		{ThrottlePerson, 7, 2 * time.Minute},
		{ThrottlePerson, 9, 8 * time.Minute},
		{ThrottlePerson, 10, 15 * time.Minute}, // 16 minutes, capped
		{ThrottlePerson, 15, 15 * time.Minute},
		{ThrottlePerson, 16, 15 * time.Minute},
		{ThrottlePerson, 1 << 40, 15 * time.Minute}, // no overflow
		{ThrottleAddress, 5, 0},
		{ThrottleAddress, 49, 0},
		{ThrottleAddress, 50, 30 * time.Second},
		{ThrottleAddress, 51, time.Minute},
		{ThrottleAddress, 55, 15 * time.Minute},
		{ThrottleAddress, 1 << 62, 15 * time.Minute},
	} {
		if got := ThrottleWait(c.kind, c.failures); got != c.want {
			t.Errorf("ThrottleWait(%d, %d) = %v, want %v", c.kind, c.failures, got, c.want)
		}
	}
}
