package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
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
	if runtime.GOOS == "linux" {
		rss := fams["process_resident_memory_bytes"].GetMetric()
		start := fams["process_start_time_seconds"].GetMetric()
		if len(rss) != 1 || rss[0].GetGauge().GetValue() < 1<<20 || len(start) != 1 ||
			math.Abs(start[0].GetGauge().GetValue()-float64(time.Now().Unix())) > 3600 {
			t.Errorf("process figures: rss %v, start %v", rss, start)
		}
		if f := fams["process_open_fds"].GetMetric(); len(f) != 1 || f[0].GetGauge().GetValue() < 3 {
			t.Errorf("process_open_fds: %v", f)
		}
	}

	// A database that cannot count leaves the outbox's series out and
	// every other series in.
	outbox, outboxErr = nil, errors.New("database down")
	fams = scrape(t, s)
	if n := len(fams["portail_outbox_emails"].GetMetric()); n != 0 {
		t.Errorf("outbox series with the database down: %d", n)
	}
	if fams["portail_http_requests_total"] == nil || fams["go_goroutines"] == nil {
		t.Error("the other series went with the outbox's")
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
