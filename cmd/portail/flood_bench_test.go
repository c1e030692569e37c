//go:build unix

package main

// The latency of a legitimate sign-in while an anonymous route is flooded,
// against the same sign-ins with no flood, in the same run. It reports
// figures and asserts nothing about time. See BENCHMARKS.md.
//
//	go test ./cmd/portail -run XXX -bench SignInUnderFlood -benchtime 1x -count 3 -v

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portail/internal/testdb"
)

// BenchmarkSignInUnderFlood: boss signs in signIns times from 127.0.0.2,
// first alone, then while floodClients clients flood a route from
// 127.0.0.1 as fast as the server answers. One op is both phases, per
// flooded route. The flooding clients run in this process, on the same
// cores: compare the ratios with the healthz flood's, the floor. Metrics: p50 and p99 of each phase in ms and their ratio
// (flood / alone), and the flood's requests per second and share of 429.
func BenchmarkSignInUnderFlood(b *testing.B) {
	const signIns = 40
	floods := []floodRoute{
		// The reference: the cheapest route there is (no log line, no
		// database), so what the flood costs here is HTTP itself and the
		// flooding clients, which share this process's cores.
		{name: "healthz", method: "GET", path: "/healthz"},
		{name: "forgot", method: "POST", path: "/api/v1/auth/forgot", body: `{"login":"nobody-at-all"}`},
		{name: "reset", method: "POST", path: "/api/v1/auth/reset", body: `{"token":"bogus","code":"0000-0000","new_password":"a brand new passphrase"}`},
	}
	for _, dialect := range testdb.Dialects {
		for _, fr := range floods {
			b.Run(dialect+"/"+fr.name, func(b *testing.B) {
				// The limits are those of production (the throughput
				// benchmarks of sign-in lift its limit; this one does not).
				a := startSite(b, siteOptions{Dialect: dialect, Plan: "enterprise"})
				user := floodClient("127.0.0.2", 1)
				signIn := func() time.Duration {
					t0 := time.Now()
					if _, err := ldLogin(user, a.url, ldUser{"boss", adminPassword}); err != nil {
						b.Fatal(err)
					}
					return time.Since(t0)
				}
				for range 3 { // warm up the connection and the database
					signIn()
				}
				hc := floodClient("127.0.0.1", floodClients)
				var alone, under []time.Duration
				var sent, limited, failed atomic.Int64
				var firstErr atomic.Pointer[error]
				var floodTime time.Duration
				b.ResetTimer()
				for range b.N {
					for range signIns {
						alone = append(alone, signIn())
					}
					ctx, cancel := context.WithCancel(context.Background())
					var wg sync.WaitGroup
					var running sync.WaitGroup
					running.Add(floodClients)
					for range floodClients {
						wg.Go(func() {
							first := true
							for ctx.Err() == nil {
								req, _ := http.NewRequestWithContext(ctx, fr.method, a.url+fr.path, strings.NewReader(fr.body))
								req.Header.Set("Content-Type", "application/json")
								res, err := hc.Do(req)
								if err != nil && ctx.Err() == nil {
									failed.Add(1)
									firstErr.CompareAndSwap(nil, &err)
								}
								if err == nil {
									io.Copy(io.Discard, res.Body)
									res.Body.Close()
									sent.Add(1)
									if res.StatusCode == http.StatusTooManyRequests {
										limited.Add(1)
									}
								}
								if first {
									first = false
									running.Done()
								}
							}
						})
					}
					running.Wait() // every flooding client has had an answer
					start := time.Now()
					for range signIns {
						under = append(under, signIn())
					}
					floodTime += time.Since(start)
					cancel()
					wg.Wait()
				}
				b.StopTimer()
				if e := firstErr.Load(); e != nil {
					b.Logf("%d flood requests failed, the first: %v", failed.Load(), *e)
				}
				slices.Sort(alone)
				slices.Sort(under)
				p50, p99 := ldPercentile(alone, 0.5), ldPercentile(alone, 0.99)
				f50, f99 := ldPercentile(under, 0.5), ldPercentile(under, 0.99)
				b.ReportMetric(p50, "alone-p50-ms")
				b.ReportMetric(p99, "alone-p99-ms")
				b.ReportMetric(f50, "flood-p50-ms")
				b.ReportMetric(f99, "flood-p99-ms")
				b.ReportMetric(f50/p50, "p50-ratio")
				b.ReportMetric(f99/p99, "p99-ratio")
				b.ReportMetric(float64(sent.Load())/floodTime.Seconds(), "flood-req/s")
				b.ReportMetric(float64(limited.Load())/float64(max(1, sent.Load())), "flood-429-share")
				b.Logf("%s, %s flood: %d sign-ins alone, %d under a flood of %d requests from %d clients; %d background jobs dropped",
					dialect, fr.name, len(alone), len(under), sent.Load(), floodClients, a.main.Server.DroppedWork())
			})
		}
	}
}
