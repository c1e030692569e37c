package main

// Floods of the anonymous routes against a serve process in process, on
// loopback: each is bounded in requests and in time, and asserts what the
// process keeps (goroutines, memory) and how it answered, never how fast.
// The latency of sign-in under a flood is BenchmarkSignInUnderFlood.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portail/internal/testdb"
	"portail/password"
)

const (
	floodRequests = 3000             // per route
	floodClients  = 32               // goroutines sending, each on its own connection
	floodMax      = 60 * time.Second // the flood stops here whatever is left
)

// floodRoute is one anonymous route and a request body for it: JSON for
// the API, a form for the pages.
type floodRoute struct {
	name, method, path, body string
	// limited routes must answer mostly 429; static files are not limited
	// and must answer 200.
	limited bool
}

var floodRoutes = []floodRoute{
	{"APILogin", "POST", "/api/v1/auth/login", `{"login":"flood","password":"wrong password here"}`, true},
	{"PageLogin", "POST", "/login", "login=flood&password=wrong+password+here", true},
	{"APIForgot", "POST", "/api/v1/auth/forgot", `{"login":"nobody-at-all"}`, true},
	{"PageForgot", "POST", "/forgot", "login=nobody-at-all", true},
	{"APIReset", "POST", "/api/v1/auth/reset", `{"token":"bogus","code":"0000-0000","new_password":"a brand new passphrase"}`, true},
	{"PageResetLink", "GET", "/reset-password?token=bogus", "", true},
	{"PageReset", "POST", "/reset-password", "token=bogus&code=0000-0000&new_password=a+brand+new+passphrase", true},
	{"APIInvitation", "POST", "/api/v1/auth/invitation", `{"token":"bogus","new_password":"a brand new passphrase"}`, true},
	{"PageInvitationLink", "GET", "/invitation?token=bogus", "", true},
	{"PageInvitation", "POST", "/invitation", "token=bogus&new_password=a+brand+new+passphrase", true},
	{"PageSetupLink", "GET", "/setup?token=bogus", "", true},
	{"PageSetup", "POST", "/setup", "token=bogus&account=X&plan=gold&admin_username=x&admin_email=x%40x.test&admin_password=a+brand+new+passphrase", true},
	{"Static", "GET", "/static/portail.css", "", false},
}

// floodResult is what a flood saw.
type floodResult struct {
	statuses map[int]int
	sent     int
	// peakGoroutines and peakBytes (heap objects and goroutine stacks) are
	// the highest samples taken while the flood ran, above those before it.
	peakGoroutines int
	peakBytes      uint64
	// retained is the heap in use after the flood and a collection, above
	// the heap in use before it.
	retained int64
}

// floodClient sends from local address ip (any 127.0.0.0/8 address on
// loopback): a flood and a legitimate user are different addresses.
func floodClient(ip string, conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns, conns
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tr.DialContext = d.DialContext
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// floodSend sends one request of the route and answers its status.
func floodSend(hc *http.Client, base string, r floodRoute) (int, error) {
	req, _ := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
	switch {
	case strings.HasPrefix(r.path, "/api/"):
		req.Header.Set("Content-Type", "application/json")
	case r.method == "POST":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base) // a browser's form post
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// sample reads the goroutine count and the bytes of heap objects and
// stacks, without stopping the world.
func sample() (int, uint64) {
	s := []metrics.Sample{{Name: "/sched/goroutines:goroutines"}, {Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64()), s[1].Value.Uint64() + s[2].Value.Uint64()
}

// nonDriverGoroutines counts the goroutines but those that the database
// driver and database/sql start for each statement, result set and
// transaction run
// with a cancellable context, to watch it; each ends with its statement.
// They grow with the statements a second and with how long a busy CPU
// takes to run them to their end, not with the requests, so the bound
// leaves them out. It stops the world: the sampler calls it only when the
// count is high enough to matter.
func nonDriverGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, "created by modernc.org/sqlite.interruptOnDone") &&
			!strings.Contains(g, "created by database/sql.(*DB).beginDC") &&
			!strings.Contains(g, "created by database/sql.(*Rows).initContextClose") {
			count++
		}
	}
	return count
}

// heapInuse is the heap in use after two collections: the memory of a
// password hash waits in a pool for the next one (password/internal/
// argon2) and is freed by the second collection that finds it unused.
func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// flood sends n requests of the route from floodClients goroutines and
// samples the process every millisecond while they run.
func flood(tb testing.TB, hc *http.Client, base string, r floodRoute, n int) floodResult {
	tb.Helper()
	before := heapInuse()
	g0, b0 := sample()
	res := floodResult{statuses: map[int]int{}}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			g, b := sample()
			if g-g0 > floodClients*5 {
				g = nonDriverGoroutines()
			}
			res.peakGoroutines = max(res.peakGoroutines, g-g0)
			if b > b0 {
				res.peakBytes = max(res.peakBytes, b-b0)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), floodMax)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range floodClients {
		wg.Go(func() {
			mine := map[int]int{}
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				st, err := floodSend(hc, base, r)
				if err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					return
				}
				mine[st]++
			}
			mu.Lock()
			for k, v := range mine {
				res.statuses[k] += v
				res.sent += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	if firstErr != nil {
		tb.Fatalf("%s: %v", r.name, firstErr)
	}
	res.retained = int64(heapInuse()) - int64(before)
	return res
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// floodGoroutines bounds the goroutines a flood may add, besides the
// database driver's (nonDriverGoroutines): for each client its sender,
// its connection's two client loops and the server's connection and
// background-read goroutines, and a margin for the runtime, connections
// dialled twice in a race, and the server's fixed workers. One goroutine
// per request left in the background, as forgot did, went past 1,000
// with 3,000 requests.
const floodGoroutines = floodClients*5 + 128

// floodBytes bounds what a flood may add to the heap and stacks at its
// peak: a margin for connections, buffers and garbage not yet collected,
// plus the argon2 memory of the hashes that run at once (19 MiB each,
// three times: on a loaded machine the collector may be two hashes
// behind). A goroutine or buffer kept per request, the failure this
// guards against, is hundreds of MiB past it.
var floodBytes = uint64(64<<20 + password.Concurrency()*3*19<<20)

// TestAnonymousFlood floods every unauthenticated route in turn, on both
// databases: each flood is answered, mostly 429 for the limited routes,
// the process's goroutines and memory stay bounded while it runs and the
// heap comes back once it ends, and a real user still signs in from
// another address afterwards.
func TestAnonymousFlood(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold"})
			a.waitEngine() // its pool is memory the flood did not cause
			hc := floodClient("127.0.0.1", floodClients)
			user := floodClient("127.0.0.2", 1)
			for _, r := range floodRoutes {
				t.Run(r.name, func(t *testing.T) {
					res := flood(t, hc, a.url, r, floodRequests)
					t.Logf("%s: %d requests: %v; peak +%d goroutines, +%.1f MiB; retained %+.1f MiB",
						r.name, res.sent, res.statuses, res.peakGoroutines, float64(res.peakBytes)/(1<<20), float64(res.retained)/(1<<20))
					if res.sent < floodRequests {
						t.Errorf("only %d of %d requests answered within %s", res.sent, floodRequests, floodMax)
					}
					if res.statuses[http.StatusInternalServerError] > 0 {
						t.Errorf("%d answers 500", res.statuses[http.StatusInternalServerError])
					}
					if r.limited && res.statuses[http.StatusTooManyRequests] < res.sent*9/10 {
						t.Errorf("%d of %d answered 429, want at least 90%%", res.statuses[http.StatusTooManyRequests], res.sent)
					}
					if !r.limited && res.statuses[http.StatusOK] != res.sent {
						t.Errorf("%d of %d answered 200", res.statuses[http.StatusOK], res.sent)
					}
					if res.peakGoroutines > floodGoroutines {
						t.Errorf("the flood added %d goroutines at its peak, want at most %d", res.peakGoroutines, floodGoroutines)
					}
					if res.peakBytes > floodBytes {
						t.Errorf("the flood added %.0f MiB of heap and stacks at its peak, want at most %.0f", float64(res.peakBytes)/(1<<20), float64(floodBytes)/(1<<20))
					}
					if res.retained > 16<<20 {
						t.Errorf("the heap kept %.1f MiB after the flood, want at most 16", float64(res.retained)/(1<<20))
					}
					st, err := floodSend(user, a.url, floodRoute{method: "POST", path: "/api/v1/auth/login",
						body: fmt.Sprintf(`{"login":"boss","password":%q}`, adminPassword)})
					if err != nil || st != http.StatusOK {
						t.Errorf("sign-in from another address after the flood: %d %v", st, err)
					}
				})
			}
		})
	}
}

// TestForgotFloodQueueOnly: with forgot's rate limit lifted, the queue
// alone bounds a flood: the goroutines stay those of the fixed workers
// however many requests arrive, every request still answers 202, and what
// arrives faster than the workers finish is dropped.
func TestForgotFloodQueueOnly(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Opened: func(m *Main) {
				m.Server.Limits.Forgot.PerAddress.Burst, m.Server.Limits.Forgot.Global.Burst = 0, 0
			}})
			// A real user's login: every job takes the write transaction.
			r := floodRoute{name: "forgot", method: "POST", path: "/api/v1/auth/forgot", body: `{"login":"boss"}`}
			res := flood(t, floodClient("127.0.0.1", floodClients), a.url, r, floodRequests)
			dropped := a.main.Server.DroppedWork()
			t.Logf("%d requests: %v; %d jobs dropped; peak +%d goroutines, +%.1f MiB", res.sent, res.statuses, dropped,
				res.peakGoroutines, float64(res.peakBytes)/(1<<20))
			if res.statuses[http.StatusAccepted] != floodRequests {
				t.Errorf("%v, want %d × 202", res.statuses, floodRequests)
			}
			if res.peakGoroutines > floodGoroutines {
				t.Errorf("the flood added %d goroutines at its peak, want at most %d", res.peakGoroutines, floodGoroutines)
			}
			if got := countSubject(a, "boss", "renouveler"); got > 1 {
				t.Errorf("%d reset e-mails to boss, want at most 1 (a minute apart)", got)
			}
		})
	}
}
