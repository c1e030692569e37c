package web

import (
	"bytes"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLimiter: a bucket per address and one for all; a refused request
// takes no token; the addresses remembered are bounded whatever the
// number of addresses.
func TestLimiter(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	l := newLimiter(Limit{PerAddress: Rate{Burst: 2, Every: time.Minute}, Global: Rate{Burst: 5, Every: time.Second}})
	for i, want := range []bool{true, true, false, false} {
		if ok, _ := l.allow("a", now); ok != want {
			t.Fatalf("request %d from a: %v, want %v", i+1, ok, want)
		}
	}
	if _, wait := l.allow("a", now.Add(30*time.Second)); wait != 30*time.Second {
		t.Errorf("wait %s, want 30s", wait)
	}
	// The global bucket has 3 tokens left: a's refusals took none.
	for i, want := range []bool{true, true, true, false} {
		if ok, _ := l.allow("addr"+strconv.Itoa(i), now); ok != want {
			t.Fatalf("request from address %d: %v, want %v", i, ok, want)
		}
	}
	if ok, _ := l.allow("a", now.Add(time.Minute)); !ok {
		t.Error("a minute later, a is refused")
	}

	// Many addresses: the map stops at maxAddresses, idle ones are swept.
	l = newLimiter(Limit{PerAddress: Rate{Burst: 1, Every: time.Hour}})
	for i := range maxAddresses + 500 {
		l.allow("x"+strconv.Itoa(i), now)
	}
	if n := len(l.addrs); n != maxAddresses {
		t.Fatalf("%d addresses remembered, want %d", n, maxAddresses)
	}
	if ok, _ := l.allow("newcomer", now); ok {
		t.Error("past the bound, new addresses share the overflow bucket, which is empty")
	}
	later := now.Add(2 * time.Hour) // every bucket is full again: idle
	if ok, _ := l.allow("newcomer", later); !ok {
		t.Error("after the sweep, a new address is refused")
	}
	if n := len(l.addrs); n != 1 {
		t.Errorf("%d addresses remembered after the sweep, want 1", n)
	}
}

// TestWorkQueue: a flood of jobs runs on the fixed workers and the
// backlog; the rest is dropped, goroutines do not grow with the jobs, and
// close runs what was queued before it returns.
func TestWorkQueue(t *testing.T) {
	q := newWorkQueue(2, 8)
	release := make(chan struct{})
	var ran atomic.Int64
	before := runtime.NumGoroutine()
	accepted := 0
	for range 10_000 {
		if q.submit(func() { <-release; ran.Add(1) }) {
			accepted++
		}
	}
	if g := runtime.NumGoroutine() - before; g > 2 {
		t.Errorf("%d more goroutines for 10,000 jobs, want the 2 workers", g)
	}
	if accepted > 2+8 || q.dropped.Load() != int64(10_000-accepted) {
		t.Errorf("accepted %d, dropped %d", accepted, q.dropped.Load())
	}
	close(release)
	q.close()
	if ran.Load() != int64(accepted) {
		t.Errorf("ran %d of %d accepted jobs before close returned", ran.Load(), accepted)
	}
	if q.submit(func() {}) {
		t.Error("a closed queue accepted a job")
	}
	// The drops make a log line a second at most, not one each.
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	for range 1000 {
		q.logDrop(logger, "test")
	}
	if n := strings.Count(log.String(), "\n"); n < 1 || n > 2 {
		t.Errorf("%d log lines for 1,000 drops, want 1 (2 across a second)", n)
	}
	var wg sync.WaitGroup // a queue never used closes at once
	wg.Go(newWorkQueue(2, 8).close)
	wg.Wait()
}
