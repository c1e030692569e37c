package main

import (
	"testing"
	"time"
)

// TestSiteClock: the clock a site is given is the one its database writes
// with, so that a test can place what it does in time.
func TestSiteClock(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	a := startSite(t, siteOptions{Plan: "gold", Now: func() time.Time { return at }})
	c := a.client()
	c.login("boss", adminPassword).must(t, 200)
	r := c.do("GET", "/api/v1/activity?type=login_succeeded", nil).must(t, 200)
	items, _ := r.body["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("login entries: %s", r.raw)
	}
	got, err := time.Parse(time.RFC3339Nano, items[0].(map[string]any)["at"].(string))
	if err != nil || !got.Equal(at) {
		t.Fatalf("the sign-in is logged at %v (%v), want the site's clock %s", got, err, at)
	}
}
