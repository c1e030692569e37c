package main

import "testing"

// TestCollections: the memory policy's decisions at each look.
func TestCollections(t *testing.T) {
	const live = 10 << 20
	for _, c := range []struct {
		name          string
		idle, wasBusy bool
		held          uint64
		want          int
	}{
		{"just started", true, false, live, 0},
		{"busy", false, true, 4 * live, 0},
		{"a busy spell just ended", true, true, live, 2},
		{"idle, holding much more than live", true, false, live + idleRelease + 1, 1},
		{"idle, holding little more than live", true, false, live + idleRelease, 0},
		{"busy, holding much more than live", false, false, 4 * live, 0},
	} {
		if got := collections(c.idle, c.wasBusy, c.held, live); got != c.want {
			t.Errorf("%s: %d collections, want %d", c.name, got, c.want)
		}
	}
}
