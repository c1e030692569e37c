package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// BenchmarkLoginWrongPassword measures a wrong password at an existing
// name against one at an unknown name, alternately, in the same run: the
// ratio existing/unknown must stay near 1, or the time of the answer says
// which names exist (C7; issue 10, item 8). PostgreSQL is reached through
// the delay proxy, one millisecond away per round trip, where a write
// transaction more shows most.
func BenchmarkLoginWrongPassword(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			db, err := sqldb.Open(context.Background(), testdb.SlowDSN(b, d, 500*time.Microsecond))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			// Each round moves the clock a day on, so that the throttle has
			// forgotten the round before and never answers 429 instead.
			var days atomic.Int64
			start := time.Now()
			db.Now = func() time.Time { return start.Add(time.Duration(days.Load()) * 25 * time.Hour) }
			s := newSignIn(b, db)
			var existing, unknown []time.Duration
			try := func(name string) time.Duration {
				t0 := time.Now()
				_, _, err := tokenOf(s.auth.Login(from("192.0.2.1"), portail.Login{Login: name, Password: "not the password"}))
				took := time.Since(t0)
				if code(err) != portail.EUNAUTHENTICATED {
					b.Fatalf("%s: %v", name, err)
				}
				return took
			}
			n := 0
			for b.Loop() {
				days.Add(1)
				nobody := fmt.Sprintf("nobody%d", n)
				if n%2 == 0 { // alternate, so that neither runs always after the other
					existing = append(existing, try("boss"))
					unknown = append(unknown, try(nobody))
				} else {
					unknown = append(unknown, try(nobody))
					existing = append(existing, try("boss"))
				}
				n++
			}
			// Medians: the password hash, tens of milliseconds of CPU on
			// shared cores, makes the means noisy.
			slices.Sort(existing)
			slices.Sort(unknown)
			e, u := percentile(existing, 0.5), percentile(unknown, 0.5)
			b.ReportMetric(ms(e), "ms-existing-median")
			b.ReportMetric(ms(u), "ms-unknown-median")
			b.ReportMetric(float64(e)/float64(u), "existing/unknown")
		})
	}
}
