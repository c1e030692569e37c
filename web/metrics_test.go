package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	runtimemetrics "runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// labelsOf is a sample's labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// find is the sample of family f whose labels include want, or nil.
func find(f *dto.MetricFamily, want map[string]string) *dto.Metric {
	for _, m := range f.GetMetric() {
		l, ok := labelsOf(m), true
		for k, v := range want {
			ok = ok && l[k] == v
		}
		if ok {
			return m
		}
	}
	return nil
}

// TestMetricsExposition: what /metrics writes is what Prometheus's own
// parser reads back — counters, a histogram with cumulative buckets whose
// bounds include their edge, label values that need escaping, the outbox's
// gauges and the runtime's figures.
func TestMetricsExposition(t *testing.T) {
	s := newBareServer(t, "http://portail.test")
	m := s.metrics
	odd := "GET /odd/\"quoted\"\\back\nslash"
	for _, d := range []time.Duration{500 * time.Microsecond, time.Millisecond, 3 * time.Millisecond, 6 * time.Second} {
		r := httptest.NewRequest("GET", "/odd", nil)
		r.Pattern = odd
		m.observe(r, 200, d)
	}
	r := httptest.NewRequest("DELETE", "/odd", nil)
	r.Pattern = odd
	m.observe(r, 404, time.Millisecond)
	outbox := map[string]int{"pending": 2, "failed": 0}
	var outboxErr error
	s.CountOutbox(func(ctx context.Context) (map[string]int, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the outbox is counted without a deadline")
		}
		return outbox, outboxErr
	})

	fams := scrape(t, s)
	req := fams["portail_http_requests_total"]
	if req.GetType() != dto.MetricType_COUNTER || req.GetHelp() == "" {
		t.Errorf("requests family: type %v, help %q", req.GetType(), req.GetHelp())
	}
	if c := find(req, map[string]string{"route": odd, "method": "GET", "status": "200"}); c.GetCounter().GetValue() != 4 {
		t.Errorf("GET 200 of the odd route: %v, want 4 (labels escaped and read back)", c)
	}
	if c := find(req, map[string]string{"route": odd, "method": "DELETE", "status": "404"}); c.GetCounter().GetValue() != 1 {
		t.Errorf("DELETE 404 of the odd route: %v, want 1", c)
	}

	dur := fams["portail_http_request_duration_seconds"]
	if dur.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("duration family: type %v", dur.GetType())
	}
	h := find(dur, map[string]string{"route": odd, "method": "GET"}).GetHistogram()
	if h.GetSampleCount() != 4 {
		t.Errorf("count %d, want 4", h.GetSampleCount())
	}
	if want := 6.0045; math.Abs(h.GetSampleSum()-want) > 1e-9 {
		t.Errorf("sum %v, want %v", h.GetSampleSum(), want)
	}
	cum := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		cum[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	// 0.5 ms and exactly 1 ms are ≤ 0.001; 3 ms is ≤ 0.005; 6 s is past
	// every bound.
	for le, want := range map[float64]uint64{0.001: 2, 0.0025: 2, 0.005: 3, 5: 3, math.Inf(1): 4} {
		if cum[le] != want {
			t.Errorf("bucket le=%v: %d, want %d", le, cum[le], want)
		}
	}
	if len(cum) != len(durationBuckets)+1 {
		t.Errorf("%d bounds, want %d and +Inf", len(cum), len(durationBuckets))
	}

	ob := fams["portail_outbox_emails"]
	if ob.GetType() != dto.MetricType_GAUGE || find(ob, map[string]string{"status": "pending"}).GetGauge().GetValue() != 2 ||
		find(ob, map[string]string{"status": "failed"}) == nil {
		t.Errorf("outbox family: %v", ob)
	}
	if g := fams["go_goroutines"].GetMetric(); len(g) != 1 || g[0].GetGauge().GetValue() < 1 {
		t.Errorf("go_goroutines: %v", g)
	}
	if g := fams["go_gc_gogc_percent"].GetMetric(); len(g) != 1 {
		t.Errorf("go_gc_gogc_percent: %v", g)
	}
	value := func(name string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil || len(f.GetMetric()) != 1 {
			t.Fatalf("%s: %v", name, f)
		}
		m := f.GetMetric()[0]
		return m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
	}
	if inuse, alloc := value("go_memstats_heap_inuse_bytes"), value("go_memstats_heap_alloc_bytes"); alloc <= 0 || inuse < alloc {
		t.Errorf("heap in use %v, allocated %v", inuse, alloc)
	}
	if idle, sys := value("go_memstats_heap_idle_bytes"), value("go_memstats_heap_sys_bytes"); sys < idle+value("go_memstats_heap_inuse_bytes") {
		t.Errorf("heap obtained %v < idle %v + in use", sys, idle)
	}
	if value("go_memstats_mallocs_total") < value("go_memstats_frees_total") || value("go_memstats_alloc_bytes_total") < value("go_memstats_alloc_bytes") {
		t.Error("the allocation counters are below what they count")
	}
	if f := fams["go_gc_duration_seconds"]; f.GetType() != dto.MetricType_SUMMARY || len(f.GetMetric()[0].GetSummary().GetQuantile()) != 5 {
		t.Errorf("go_gc_duration_seconds: %v", f)
	}
	if runtime.GOOS == "linux" {
		// Against the kernel's own figures, read just after.
		status, err := os.ReadFile("/proc/self/status")
		if err != nil {
			t.Fatal(err)
		}
		var vmRSS float64
		for line := range strings.Lines(string(status)) {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				vmRSS = kb * 1024
			}
		}
		rss := value("process_resident_memory_bytes")
		if vmRSS == 0 || math.Abs(rss-vmRSS) > 16<<20 || value("process_virtual_memory_bytes") < rss {
			t.Errorf("process figures: rss %v (VmRSS %v), virtual %v", rss, vmRSS, value("process_virtual_memory_bytes"))
		}
		if cpu := value("process_cpu_seconds_total"); cpu <= 0 || cpu > (time.Since(testStarted).Seconds()+1)*float64(runtime.NumCPU()) {
			t.Errorf("process_cpu_seconds_total %v", cpu)
		}
		// The kernel counts in ticks since boot: the start is a little
		// before this file's variables were set, never after.
		if start, at := value("process_start_time_seconds"), float64(testStarted.UnixNano())/1e9; start > at+1 || start < at-30 {
			t.Errorf("process_start_time_seconds %v, this process began about %v", start, at)
		}
		if f := value("process_open_fds"); f < 3 {
			t.Errorf("process_open_fds: %v", f)
		}
	}

	// A database that cannot count leaves the outbox's series out and
	// every other series in.
	outbox, outboxErr = map[string]int{"pending": 0, "failed": 0}, errors.New("database down") // as CountUnsent answers
	fams = scrape(t, s)
	if n := len(fams["portail_outbox_emails"].GetMetric()); n != 0 {
		t.Errorf("outbox series with the database down: %d", n)
	}
	if fams["portail_http_requests_total"] == nil || fams["go_goroutines"] == nil {
		t.Error("the other series went with the outbox's")
	}
}

// testStarted is a moment just after this test process started.
var testStarted = time.Now()

// TestRuntimeSeriesKnown: every runtime/metrics name the Go series add up
// is one this runtime has (an unknown name would read as zero).
func TestRuntimeSeriesKnown(t *testing.T) {
	known := map[string]bool{}
	for _, d := range runtimemetrics.All() {
		known[d.Name] = true
	}
	for _, s := range runtimeSeries {
		for _, name := range s.sum {
			if !known[name] {
				t.Errorf("%s: unknown runtime metric %s", s.name, name)
			}
		}
	}
}

// TestMetricsConcurrentObserve: requests finishing at once are each
// counted, in the counter and in the histogram, sum included.
func TestMetricsConcurrentObserve(t *testing.T) {
	s := newBareServer(t, "http://portail.test")
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				r := httptest.NewRequest("GET", "/x", nil)
				r.Pattern = "GET /x"
				s.metrics.observe(r, http.StatusOK, 2*time.Millisecond)
			}
		})
	}
	wg.Wait()
	fams := scrape(t, s)
	if c := find(fams["portail_http_requests_total"], map[string]string{"route": "GET /x"}); c.GetCounter().GetValue() != workers*each {
		t.Errorf("counter %v, want %d", c, workers*each)
	}
	h := find(fams["portail_http_request_duration_seconds"], map[string]string{"route": "GET /x"}).GetHistogram()
	if h.GetSampleCount() != workers*each || math.Abs(h.GetSampleSum()-workers*each*0.002) > 1e-6 {
		t.Errorf("histogram count %d sum %v, want %d and %v", h.GetSampleCount(), h.GetSampleSum(), workers*each, workers*each*0.002)
	}
}
