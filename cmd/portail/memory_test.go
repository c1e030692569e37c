package main

import "testing"

// TestCollections: the memory policy's decisions at each look.
func TestCollections(t *testing.T) {
	const live = 10 << 20
	for _, c := range []struct {
		name                 string
		first, idle, wasBusy bool
		held                 uint64
		want                 int
	}{
		{"start", true, false, false, live, 1},
		{"busy", false, false, true, 4 * live, 0},
		{"a busy spell just ended", false, true, true, live, 2},
		{"idle, holding much more than live", false, true, false, live + idleRelease + 1, 1},
		{"idle, holding little more than live", false, true, false, live + idleRelease, 0},
		{"busy, holding much more than live", false, false, false, 4 * live, 0},
	} {
		if got := collections(c.first, c.idle, c.wasBusy, c.held, live); got != c.want {
			t.Errorf("%s: %d collections, want %d", c.name, got, c.want)
		}
	}
}
