package web

import (
	"bufio"
	"cmp"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"runtime"
	"runtime/debug"
	runtimemetrics "runtime/metrics"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the Prometheus series of one serve process, written in the
// text exposition format. Each process has its own: Prometheus scrapes
// every process and sums. A handful of counters and one histogram need no
// client library: the usual one (client_golang, with protobuf and expvar)
// made up 1.7 MiB of a process's memory at start (BENCHMARKS.md, "RSS at
// start").
type metrics struct {
	requests sync.Map // requestSeries → *atomic.Uint64
	duration sync.Map // durationSeries → *histogram
	// outbox counts the outbox's e-mails by status at each scrape (nil:
	// no such series). Set before the server serves.
	outbox func(ctx context.Context) (map[string]int, error)
}

type requestSeries struct {
	route, method string
	status        int
}

type durationSeries struct{ route, method string }

// durationBuckets are the upper bounds, in seconds, of the request
// duration histogram.
var durationBuckets = [...]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// histogram counts observations per bucket (the last one past every
// bound) and sums them; Prometheus wants the buckets cumulative, which
// writing does.
type histogram struct {
	counts [len(durationBuckets) + 1]atomic.Uint64
	sum    atomic.Uint64 // float64 bits
}

func (h *histogram) observe(v float64) {
	h.counts[sort.SearchFloat64s(durationBuckets[:], v)].Add(1) // the first bound ≥ v
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func newMetrics() *metrics { return &metrics{} }

// CountOutbox adds the series portail_outbox_emails{status}, the e-mails
// waiting (pending) and given up on (failed), counted in the database at
// each scrape: every process reports the same installation-wide figures.
// Call it before the server serves.
func (s *Server) CountOutbox(count func(ctx context.Context) (map[string]int, error)) {
	s.metrics.outbox = count
}

// observe records a finished request under its route pattern, never its
// path: paths carry ids and would make a series per user. Every label is
// drawn from a fixed set, since each new value is a series kept for the
// life of the process: the route is a registered pattern or "unmatched",
// the method a standard one or "other" (a method is any token a client
// cares to send), the status a code the handlers wrote.
func (m *metrics) observe(r *http.Request, status int, d time.Duration) {
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	method := r.Method
	if !knownMethod(method) {
		method = "other"
	}
	c, ok := m.requests.Load(requestSeries{route, method, status})
	if !ok {
		c, _ = m.requests.LoadOrStore(requestSeries{route, method, status}, new(atomic.Uint64))
	}
	c.(*atomic.Uint64).Add(1)
	h, ok := m.duration.Load(durationSeries{route, method})
	if !ok {
		h, _ = m.duration.LoadOrStore(durationSeries{route, method}, new(histogram))
	}
	h.(*histogram).observe(d.Seconds())
}

// knownMethod reports whether m is one of the methods of RFC 9110 (and
// PATCH); the server answers only these.
func knownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return true
	}
	return false
}

// serve answers /metrics to clients on this machine (loopbackClient: not
// relayed by a proxy), or to anyone presenting the metrics token when one
// is set: the series tell about traffic and must not be public.
func (m *metrics) serve(token string, w http.ResponseWriter, r *http.Request) {
	if token != "" {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, []byte("Bearer "+token)) != 1 {
			http.Error(w, "metrics need Authorization: Bearer <metrics token>", http.StatusUnauthorized)
			return
		}
	} else if !loopbackClient(r) {
		http.Error(w, "metrics are served to loopback only unless a metrics token is set", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.write(r.Context(), w)
}

// write writes every series in the text exposition format, each family
// sorted by its labels so that two scrapes list them alike.
func (m *metrics) write(ctx context.Context, out io.Writer) {
	e := exposition{bufio.NewWriter(out)}
	defer e.w.Flush()

	e.family("portail_http_requests_total", "counter", "HTTP requests by route pattern, method and status.")
	type counted struct {
		requestSeries
		n *atomic.Uint64
	}
	var reqs []counted
	m.requests.Range(func(k, v any) bool { reqs = append(reqs, counted{k.(requestSeries), v.(*atomic.Uint64)}); return true })
	slices.SortFunc(reqs, func(a, b counted) int {
		return cmp.Or(cmp.Compare(a.method, b.method), cmp.Compare(a.route, b.route), cmp.Compare(a.status, b.status))
	})
	for _, k := range reqs {
		e.sample("portail_http_requests_total", labels("method", k.method, "route", k.route, "status", strconv.Itoa(k.status)),
			float64(k.n.Load()))
	}

	e.family("portail_http_request_duration_seconds", "histogram", "HTTP request durations by route pattern.")
	type observed struct {
		durationSeries
		h *histogram
	}
	var durs []observed
	m.duration.Range(func(k, v any) bool { durs = append(durs, observed{k.(durationSeries), v.(*histogram)}); return true })
	slices.SortFunc(durs, func(a, b observed) int {
		return cmp.Or(cmp.Compare(a.method, b.method), cmp.Compare(a.route, b.route))
	})
	for _, k := range durs {
		h := k.h
		var total uint64
		for i := range h.counts {
			total += h.counts[i].Load()
			le := "+Inf"
			if i < len(durationBuckets) {
				le = strconv.FormatFloat(durationBuckets[i], 'g', -1, 64)
			}
			e.sample("portail_http_request_duration_seconds_bucket", labels("method", k.method, "route", k.route, "le", le), float64(total))
		}
		l := labels("method", k.method, "route", k.route)
		e.sample("portail_http_request_duration_seconds_sum", l, math.Float64frombits(h.sum.Load()))
		e.sample("portail_http_request_duration_seconds_count", l, float64(total))
	}

	if m.outbox != nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		counts, err := m.outbox(ctx)
		cancel()
		e.family("portail_outbox_emails", "gauge", "E-mails in the outbox by status: pending (waiting for delivery) and failed (given up).")
		if err != nil {
			// No figure rather than a wrong one (the count may come back
			// with zeros filled in); the other series still tell, and
			// /readyz says what is down.
			counts = nil
			fmt.Fprintf(e.w, "# portail_outbox_emails: the outbox could not be counted\n")
		}
		for _, st := range slices.Sorted(maps.Keys(counts)) {
			e.sample("portail_outbox_emails", labels("status", st), float64(counts[st]))
		}
	}

	writeRuntime(e)
	writeProcess(e)
}

// runtimeSeries are the Go runtime's figures under the names and with the
// meaning of the official client's Go collector (its memStatsFromRM), so
// that the usual dashboards read them: each is a sum of runtime/metrics
// samples.
var runtimeSeries = []struct {
	name, typ, help string
	sum             []string // runtime/metrics names added up
}{
	{"go_goroutines", "gauge", "Number of goroutines that currently exist.", []string{"/sched/goroutines:goroutines"}},
	{"go_memstats_alloc_bytes", "gauge", "Number of bytes allocated in heap and currently in use.", []string{"/memory/classes/heap/objects:bytes"}},
	{"go_memstats_alloc_bytes_total", "counter", "Total number of bytes allocated in heap until now, even if released already.", []string{"/gc/heap/allocs:bytes"}},
	{"go_memstats_sys_bytes", "gauge", "Number of bytes obtained from system.", []string{"/memory/classes/total:bytes"}},
	{"go_memstats_mallocs_total", "counter", "Total number of heap objects allocated, both live and gc-ed.", []string{"/gc/heap/allocs:objects", "/gc/heap/tiny/allocs:objects"}},
	{"go_memstats_frees_total", "counter", "Total number of heap objects frees.", []string{"/gc/heap/frees:objects", "/gc/heap/tiny/allocs:objects"}},
	{"go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes.", []string{"/memory/classes/heap/objects:bytes"}},
	{"go_memstats_heap_sys_bytes", "gauge", "Number of heap bytes obtained from system.", []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes", "/memory/classes/heap/released:bytes", "/memory/classes/heap/free:bytes"}},
	{"go_memstats_heap_idle_bytes", "gauge", "Number of heap bytes waiting to be used.", []string{"/memory/classes/heap/released:bytes", "/memory/classes/heap/free:bytes"}},
	{"go_memstats_heap_inuse_bytes", "gauge", "Number of heap bytes that are in use.", []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes"}},
	{"go_memstats_heap_released_bytes", "gauge", "Number of heap bytes released to OS.", []string{"/memory/classes/heap/released:bytes"}},
	{"go_memstats_heap_objects", "gauge", "Number of currently allocated objects.", []string{"/gc/heap/objects:objects"}},
	{"go_memstats_stack_inuse_bytes", "gauge", "Number of bytes obtained from system for stack allocator in non-CGO environments.", []string{"/memory/classes/heap/stacks:bytes"}},
	{"go_memstats_stack_sys_bytes", "gauge", "Number of bytes obtained from system for stack allocator.", []string{"/memory/classes/heap/stacks:bytes", "/memory/classes/os-stacks:bytes"}},
	{"go_memstats_mspan_inuse_bytes", "gauge", "Number of bytes in use by mspan structures.", []string{"/memory/classes/metadata/mspan/inuse:bytes"}},
	{"go_memstats_mspan_sys_bytes", "gauge", "Number of bytes used for mspan structures obtained from system.", []string{"/memory/classes/metadata/mspan/inuse:bytes", "/memory/classes/metadata/mspan/free:bytes"}},
	{"go_memstats_mcache_inuse_bytes", "gauge", "Number of bytes in use by mcache structures.", []string{"/memory/classes/metadata/mcache/inuse:bytes"}},
	{"go_memstats_mcache_sys_bytes", "gauge", "Number of bytes used for mcache structures obtained from system.", []string{"/memory/classes/metadata/mcache/inuse:bytes", "/memory/classes/metadata/mcache/free:bytes"}},
	{"go_memstats_buck_hash_sys_bytes", "gauge", "Number of bytes used by the profiling bucket hash table.", []string{"/memory/classes/profiling/buckets:bytes"}},
	{"go_memstats_gc_sys_bytes", "gauge", "Number of bytes used for garbage collection system metadata.", []string{"/memory/classes/metadata/other:bytes"}},
	{"go_memstats_other_sys_bytes", "gauge", "Number of bytes used for other system allocations.", []string{"/memory/classes/other:bytes"}},
	{"go_memstats_next_gc_bytes", "gauge", "Number of heap bytes when next garbage collection will take place.", []string{"/gc/heap/goal:bytes"}},
	{"go_gc_gogc_percent", "gauge", "Heap size target percentage configured by the user, otherwise 100 (GOGC).", []string{"/gc/gogc:percent"}},
	{"go_gc_gomemlimit_bytes", "gauge", "Go runtime memory limit configured by the user, otherwise math.MaxInt64 (GOMEMLIMIT).", []string{"/gc/gomemlimit:bytes"}},
	{"go_sched_gomaxprocs_threads", "gauge", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously.", []string{"/sched/gomaxprocs:threads"}},
}

func writeRuntime(e exposition) {
	index := map[string]int{}
	var samples []runtimemetrics.Sample
	for _, s := range runtimeSeries {
		for _, name := range s.sum {
			if _, ok := index[name]; !ok {
				index[name] = len(samples)
				samples = append(samples, runtimemetrics.Sample{Name: name})
			}
		}
	}
	runtimemetrics.Read(samples)
	for _, s := range runtimeSeries {
		var v float64
		for _, name := range s.sum {
			switch x := samples[index[name]].Value; x.Kind() {
			case runtimemetrics.KindUint64:
				v += float64(x.Uint64())
			case runtimemetrics.KindFloat64:
				v += x.Float64()
			}
		}
		e.family(s.name, s.typ, s.help)
		e.sample(s.name, "", v)
	}

	// The pauses' summary, as the official client computes it.
	var gc debug.GCStats
	gc.PauseQuantiles = make([]time.Duration, 5)
	debug.ReadGCStats(&gc)
	e.family("go_gc_duration_seconds", "summary", "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.")
	for i, q := range []string{"0", "0.25", "0.5", "0.75", "1"} {
		e.sample("go_gc_duration_seconds", labels("quantile", q), gc.PauseQuantiles[i].Seconds())
	}
	e.sample("go_gc_duration_seconds_sum", "", gc.PauseTotal.Seconds())
	e.sample("go_gc_duration_seconds_count", "", float64(gc.NumGC))
	e.family("go_memstats_last_gc_time_seconds", "gauge", "Number of seconds since 1970 of last garbage collection.")
	e.sample("go_memstats_last_gc_time_seconds", "", float64(gc.LastGC.UnixNano())/1e9)

	threads, _ := runtime.ThreadCreateProfile(nil)
	e.family("go_threads", "gauge", "Number of OS threads created.")
	e.sample("go_threads", "", float64(threads))
	e.family("go_info", "gauge", "Information about the Go environment.")
	e.sample("go_info", labels("version", runtime.Version()), 1)
}

// exposition writes the text format
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
type exposition struct{ w *bufio.Writer }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func (e exposition) family(name, typ, help string) {
	fmt.Fprintf(e.w, "# HELP %s %s\n# TYPE %s %s\n", name, helpEscaper.Replace(help), name, typ)
}

// sample writes one line; labels is "" or labels' {…}.
func (e exposition) sample(name, labels string, v float64) {
	e.w.WriteString(name)
	e.w.WriteString(labels)
	e.w.WriteByte(' ')
	switch {
	case math.IsInf(v, 1):
		e.w.WriteString("+Inf")
	case math.IsInf(v, -1):
		e.w.WriteString("-Inf")
	default:
		e.w.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	}
	e.w.WriteByte('\n')
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// labels writes name-value pairs as {name="value",…}, values escaped.
func labels(pairs ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(pairs[i])
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(pairs[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
