package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series of one serve process. Each process
// has its own: Prometheus scrapes every process and sums.
type metrics struct {
	registry *prometheus.Registry
	exposer  http.Handler // the registry in the exposition format
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portail_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portail_http_request_duration_seconds", Help: "HTTP request durations by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.exposer = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

// CountOutbox adds the series portail_outbox_emails{status}, the e-mails
// waiting (pending) and given up on (failed), counted in the database at
// each scrape: every process reports the same installation-wide figures.
func (s *Server) CountOutbox(count func(ctx context.Context) (map[string]int, error)) {
	s.metrics.registry.MustRegister(outboxCollector{count: count, desc: prometheus.NewDesc("portail_outbox_emails",
		"E-mails in the outbox by status: pending (waiting for delivery) and failed (given up).", []string{"status"}, nil)})
}

type outboxCollector struct {
	count func(ctx context.Context) (map[string]int, error)
	desc  *prometheus.Desc
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), st)
	}
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
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
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
	m.exposer.ServeHTTP(w, r)
}
