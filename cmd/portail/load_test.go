//go:build unix

package main

// Sign-in under load: benchmarks of the real HTTP server (serve, in
// process, on loopback) against the raw cost of argon2id on this machine.
// They report figures; they assert nothing about time. See BENCHMARKS.md.
//
//	go test ./cmd/portail -run XXX -bench 'Login|Me' -benchtime 1x -count 3 -timeout 20m -v

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"runtime/metrics"

	"portail/internal/testdb"
	"portail/password"
	"portail/web"
)

// The helpers here never call Fatal off the benchmark's goroutine.

// liftLoginLimit is the Opened hook of the sign-in benchmarks, which
// measure sign-in itself, many logins a second from one loopback address:
// the per-process limit of anonymous routes would answer most of them 429.
func liftLoginLimit(m *Main) { m.Server.Limits.Login = web.Limit{} }

// meTimer keeps the time the server spent in each GET /api/v1/me handler,
// measured around the whole handler chain.
type meTimer struct {
	mu sync.Mutex // guards d
	d  []time.Duration
}

// take returns and clears the server-side /me durations, sorted.
func (mt *meTimer) take() []time.Duration {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	d := mt.d
	mt.d = nil
	slices.Sort(d)
	return d
}

// ldUser is a user that can sign in.
type ldUser struct {
	name, password string
}

// wrap wraps the server's handler to time each GET /api/v1/me.
func (mt *meTimer) wrap(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/me" {
			inner.ServeHTTP(w, r)
			return
		}
		t0 := time.Now()
		inner.ServeHTTP(w, r)
		d := time.Since(t0)
		mt.mu.Lock()
		mt.d = append(mt.d, d)
		mt.mu.Unlock()
	})
}

// ldClient returns an HTTP client of its own transport, keeping up to n
// idle connections, so that a load does not reconnect on every request.
func ldClient(n int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = n, n
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// ldDo sends a JSON request, with the session cookie when there is one. It
// answers the status, the body and the session cookie set by the answer.
func ldDo(hc *http.Client, method, url, cookie string, body any) (int, []byte, string, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "portail_session", Value: cookie})
		if method != "GET" {
			req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host) // as a browser does
		}
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	set := ""
	for _, c := range res.Cookies() {
		if c.Name == "portail_session" {
			set = c.Value
		}
	}
	return res.StatusCode, raw, set, err
}

// ldLogin signs in and returns the session cookie; any answer but 200 is
// an error.
func ldLogin(hc *http.Client, base string, u ldUser) (string, error) {
	status, raw, cookie, err := ldDo(hc, "POST", base+"/api/v1/auth/login", "", map[string]string{"login": u.name, "password": u.password})
	if err != nil {
		return "", err
	}
	if status != http.StatusOK || cookie == "" {
		return "", fmt.Errorf("login %s: %d %s", u.name, status, raw)
	}
	return cookie, nil
}

// ldUsers signs boss in and creates n active users of the site through
// the API, each with a temporary password read from its e-mail
// (onboarding temporary_password: the user is active and may sign in;
// only its other requests than /me and the password change are refused
// until it picks its own password, which no benchmark here needs). It
// answers boss's session cookie and the users.
func ldUsers(tb testing.TB, s *site, n int) (string, []ldUser) {
	tb.Helper()
	admin, err := ldLogin(http.DefaultClient, s.url, ldUser{"boss", adminPassword})
	if err != nil {
		tb.Fatal(err)
	}
	// must runs a request as the admin on the benchmark's goroutine.
	must := func(method, path string, body any, want int) map[string]any {
		tb.Helper()
		status, raw, _, err := ldDo(http.DefaultClient, method, s.url+path, admin, body)
		if err != nil || status != want {
			tb.Fatalf("%s %s: %v %d %s, want %d", method, path, err, status, raw, want)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		return m
	}
	must("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": n}, http.StatusOK)
	dept := must("POST", "/api/v1/departments", map[string]string{"name": "Load"}, http.StatusCreated)["id"]
	// Creating a user hashes its temporary password: create in parallel.
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				name := fmt.Sprintf("load%03d", i)
				status, raw, _, err := ldDo(http.DefaultClient, "POST", s.url+"/api/v1/users", admin, map[string]any{
					"username": name, "full_name": "Load " + name, "email": name + "@acme.test", "role": "viewer",
					"department_id": dept, "onboarding": "temporary_password", "language": "en"})
				if err == nil && status != http.StatusCreated {
					err = fmt.Errorf("create %s: %d %s", name, status, raw)
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	users := make([]ldUser, n)
	for i := range n {
		if errs[i] != nil {
			tb.Fatal(errs[i])
		}
		name := fmt.Sprintf("load%03d", i)
		msg := s.smtp.WaitFor(tb, name+"@acme.test", "temporary password", 30*time.Second)
		users[i] = ldUser{name, msg.After("Password:")}
		if len(users[i].password) < 12 {
			tb.Fatalf("temporary password e-mail:\n%s", msg.Text)
		}
	}
	return admin, users
}

// ldArgon2Rate runs count verifies of a real hash (the cost parameters of
// production) on GOMAXPROCS goroutines, password.Concurrency() of them
// hashing at once (every core), and answers verifies per second, the most
// logins per second this machine could do if a login were only its
// password check, and the CPU time of one verify.
func ldArgon2Rate(tb testing.TB, count int) (float64, time.Duration) {
	tb.Helper()
	const pw = "correct horse battery staple"
	h := password.Hash(pw)
	procs := runtime.GOMAXPROCS(0)
	per := max(1, count/procs)
	var bad atomic.Int64
	var wg sync.WaitGroup
	cpu0, start := ldCPU(tb), time.Now()
	for range procs {
		wg.Go(func() {
			for range per {
				if !password.Verify(h, pw) {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), ldCPU(tb)-cpu0
	if bad.Load() != 0 {
		tb.Fatal("password.Verify failed on its own hash")
	}
	return float64(per*procs) / elapsed.Seconds(), cpu / time.Duration(per*procs)
}

// ldCPU answers the CPU time (user and system) the process used so far:
// unlike wall time, it does not grow when other processes share the cores.
func ldCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ldPercentile answers the q quantile (nearest rank) of sorted durations, in
// milliseconds.
func ldPercentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := min(len(sorted)-1, max(0, int(math.Ceil(q*float64(len(sorted))))-1))
	return float64(sorted[i]) / float64(time.Millisecond)
}

// ldRuntime is a snapshot of the Go runtime's scheduler latencies (time
// from runnable to running of every goroutine) and GC cycles, to tell
// where a slow request waited.
type ldRuntime struct {
	sched  *metrics.Float64Histogram
	cycles uint64
	gcCPU  float64
	total  float64
}

func ldSnapshot() ldRuntime {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}, {Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	return ldRuntime{sched: s[0].Value.Float64Histogram(), cycles: s[1].Value.Uint64(),
		gcCPU: s[2].Value.Float64(), total: s[3].Value.Float64()}
}

// schedQuantile answers the q quantile, in ms, of the scheduler latencies
// between two snapshots (the upper bound of the bucket).
func (r ldRuntime) schedQuantile(since ldRuntime, q float64) float64 {
	var n uint64
	counts := make([]uint64, len(r.sched.Counts))
	for i := range counts {
		counts[i] = r.sched.Counts[i] - since.sched.Counts[i]
		n += counts[i]
	}
	want := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= want && c > 0 {
			return r.sched.Buckets[i+1] * 1000
		}
	}
	return math.NaN()
}

// ldErrs keeps the first error of concurrent clients.
type ldErrs struct {
	mu  sync.Mutex
	err error
	n   atomic.Int64
}

func (f *ldErrs) set(err error) {
	f.n.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *ldErrs) check(tb testing.TB) {
	tb.Helper()
	if f.err != nil {
		tb.Fatalf("%d failed requests, first: %v", f.n.Load(), f.err)
	}
}

// BenchmarkLoginThroughput: logins per second through the real server,
// with loginClients clients each signing in repeatedly as its own users,
// against the raw argon2id verify rate measured in the same run (before
// and after the logins; their mean). Target: logins/argon2 ≥ 0.85.
// One op is one round of loginRound logins.
func BenchmarkLoginThroughput(b *testing.B) {
	const (
		loginClients  = 8
		usersPer      = 4   // distinct users per client: 32 in all
		loginRound    = 160 // logins per op, 20 per client
		argon2Verifys = 40  // per measurement of the raw rate
	)
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := startSite(b, siteOptions{Dialect: dialect, Plan: "enterprise", Opened: liftLoginLimit})
			_, users := ldUsers(b, s, loginClients*usersPer)
			hc := ldClient(2 * loginClients)
			// Warm up: one login per client opens its connection.
			for c := range loginClients {
				if _, err := ldLogin(hc, s.url, users[c*usersPer]); err != nil {
					b.Fatal(err)
				}
			}
			before, cpuBefore := ldArgon2Rate(b, argon2Verifys)
			var errs ldErrs
			var lat []time.Duration
			var latMu sync.Mutex
			var elapsed, cpu time.Duration
			b.ResetTimer()
			for range b.N {
				cpu0, start := ldCPU(b), time.Now()
				var wg sync.WaitGroup
				for c := range loginClients {
					wg.Go(func() {
						mine := make([]time.Duration, 0, loginRound/loginClients)
						for i := range loginRound / loginClients {
							t0 := time.Now()
							if _, err := ldLogin(hc, s.url, users[c*usersPer+i%usersPer]); err != nil {
								errs.set(err)
								return
							}
							mine = append(mine, time.Since(t0))
						}
						latMu.Lock()
						lat = append(lat, mine...)
						latMu.Unlock()
					})
				}
				wg.Wait()
				elapsed += time.Since(start)
				cpu += ldCPU(b) - cpu0
			}
			b.StopTimer()
			errs.check(b)
			after, cpuAfter := ldArgon2Rate(b, argon2Verifys)
			argon := (before + after) / 2
			logins := float64(b.N*loginRound) / elapsed.Seconds()
			cpuVerify := (cpuBefore + cpuAfter) / 2
			cpuLogin := cpu / time.Duration(b.N*loginRound)
			slices.Sort(lat)
			b.ReportMetric(logins, "logins/s")
			b.ReportMetric(argon, "verifies/s")
			b.ReportMetric(logins/argon, "logins/argon2")
			// The same ratio in CPU time, which other processes on the
			// machine do not skew: CPU of a verify / CPU of a whole login
			// (server, database driver and the in-process clients).
			b.ReportMetric(float64(cpuVerify)/float64(cpuLogin), "cpu-verify/login")
			b.ReportMetric(float64(cpuLogin)/float64(time.Millisecond), "cpu-ms/login")
			b.ReportMetric(float64(cpuVerify)/float64(time.Millisecond), "cpu-ms/verify")
			b.ReportMetric(ldPercentile(lat, 0.5), "login-p50-ms")
			b.ReportMetric(ldPercentile(lat, 0.99), "login-p99-ms")
			b.Logf("%s: %d logins in %s by %d clients as %d users; argon2 %.1f verifies/s before, %.1f after (GOMAXPROCS %d, %d hashes at once)",
				dialect, b.N*loginRound, elapsed.Round(time.Millisecond), loginClients, len(users), before, after, runtime.GOMAXPROCS(0), password.Concurrency())
		})
	}
}

// BenchmarkMeLatencyUnderLoginLoad: the latency of an authenticated
// GET /api/v1/me, first with no other load (baseline), then while
// stormClients clients sign in back to back as their own users (at most
// stormLogins each and stormMax in all). Target: p99 under load < 20 ms.
// One op is one storm.
func BenchmarkMeLatencyUnderLoginLoad(b *testing.B) {
	const (
		stormClients = 20
		stormLogins  = 8 // per client and storm: 160 logins
		stormMax     = 15 * time.Second
		baseCount    = 1000 // baseline /me requests
		baseMax      = 3 * time.Second
	)
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			var me meTimer
			s := startSite(b, siteOptions{Dialect: dialect, Plan: "enterprise", Opened: func(m *Main) {
				liftLoginLimit(m)
				m.http.Handler = me.wrap(m.http.Handler)
			}})
			admin, users := ldUsers(b, s, stormClients)
			meClient := ldClient(2) // boss's /me: a warm connection of its own
			getMe := func() (time.Duration, error) {
				t0 := time.Now()
				status, raw, _, err := ldDo(meClient, "GET", s.url+"/api/v1/me", admin, nil)
				d := time.Since(t0)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("GET /me: %d %s", status, raw)
				}
				return d, err
			}
			for range 50 { // warm up
				if _, err := getMe(); err != nil {
					b.Fatal(err)
				}
			}
			me.take()
			var base []time.Duration
			for start := time.Now(); len(base) < baseCount && time.Since(start) < baseMax; {
				d, err := getMe()
				if err != nil {
					b.Fatal(err)
				}
				base = append(base, d)
			}
			slices.Sort(base)
			baseServer := me.take()

			storm := ldClient(2 * stormClients)
			var errs ldErrs
			var under []time.Duration
			var logins atomic.Int64
			var stormTime time.Duration
			b.ResetTimer()
			for range b.N {
				rt0 := ldSnapshot()
				ctx, cancel := context.WithTimeout(context.Background(), stormMax)
				var wg sync.WaitGroup
				start := time.Now()
				for c := range stormClients {
					wg.Go(func() {
						for range stormLogins {
							if ctx.Err() != nil {
								return
							}
							if _, err := ldLogin(storm, s.url, users[c]); err != nil {
								errs.set(err)
								return
							}
							logins.Add(1)
						}
					})
				}
				stopped := make(chan struct{})
				go func() { wg.Wait(); close(stopped) }()
				// Let every client have its login in flight first.
				time.Sleep(50 * time.Millisecond)
			loop:
				for {
					select {
					case <-stopped:
						break loop
					default:
					}
					d, err := getMe()
					if err != nil {
						errs.set(err)
						break
					}
					under = append(under, d)
				}
				<-stopped
				stormTime += time.Since(start)
				cancel()
				rt1 := ldSnapshot()
				b.Logf("runtime during the storm: scheduler latency p50 %.3f ms, p99 %.2f ms, p99.9 %.2f ms; %d GC cycles; GC %.0f%% of CPU",
					rt1.schedQuantile(rt0, 0.5), rt1.schedQuantile(rt0, 0.99), rt1.schedQuantile(rt0, 0.999),
					rt1.cycles-rt0.cycles, 100*(rt1.gcCPU-rt0.gcCPU)/(rt1.total-rt0.total))
			}
			b.StopTimer()
			errs.check(b)
			slices.Sort(under)
			underServer := me.take()
			b.Logf("/me in the server's handler: idle p50 %.3f p99 %.3f ms; under load p50 %.3f p99 %.3f ms",
				ldPercentile(baseServer, 0.5), ldPercentile(baseServer, 0.99), ldPercentile(underServer, 0.5), ldPercentile(underServer, 0.99))
			p99, base99 := ldPercentile(under, 0.99), ldPercentile(base, 0.99)
			b.ReportMetric(ldPercentile(under, 0.5), "me-p50-ms")
			b.ReportMetric(p99, "me-p99-ms")
			b.ReportMetric(float64(under[len(under)-1])/float64(time.Millisecond), "me-max-ms")
			b.ReportMetric(ldPercentile(base, 0.5), "idle-me-p50-ms")
			b.ReportMetric(base99, "idle-me-p99-ms")
			b.ReportMetric(p99/base99, "p99-load/idle")
			b.ReportMetric(float64(logins.Load())/stormTime.Seconds(), "logins/s")
			b.Logf("%s: %d /me under load (%d logins by %d clients in %s), %d /me idle; GOMAXPROCS %d",
				dialect, len(under), logins.Load(), stormClients, stormTime.Round(time.Millisecond), len(base), runtime.GOMAXPROCS(0))
		})
	}
}
