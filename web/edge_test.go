package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"portail/web/request"
)

// newBareServer is a server without services: enough for what the edge
// answers before any handler reaches the database.
func newBareServer(t *testing.T, base string) *Server {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return NewServer(Services{}, u, slog.New(slog.DiscardHandler))
}

// seriesCount is the number of series of each metric family, read from
// /metrics by the Prometheus text parser.
func seriesCount(t *testing.T, s *Server) map[string]int {
	t.Helper()
	n := map[string]int{}
	for name, f := range scrape(t, s) {
		n[name] = len(f.GetMetric())
	}
	return n
}

// scrape parses what /metrics answers a loopback client as Prometheus
// would; a line it does not accept fails the test.
func scrape(t *testing.T, s *Server) map[string]*dto.MetricFamily {
	t.Helper()
	r := httptest.NewRequest("GET", "/metrics", nil)
	r.RemoteAddr = "127.0.0.1:4000"
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("/metrics is not the text exposition format: %v", err)
	}
	return families
}

// TestMetricsMethodFlood: a method is any token a client sends; a flood of
// made-up methods must neither reach the routes nor add a series per
// method to the request metrics.
func TestMetricsMethodFlood(t *testing.T) {
	s := newBareServer(t, "http://portail.test")
	h := s.Handler()
	send := func(method, path string) int {
		r := httptest.NewRequest("GET", path, nil)
		r.Method = method
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		send(m, "/healthz")
	}
	before := seriesCount(t, s)
	for i := range 2000 {
		path := "/healthz"
		if i%2 == 1 {
			path = "/api/v1/users"
		}
		if got := send(fmt.Sprintf("M%dX", i), path); got != http.StatusNotImplemented {
			t.Fatalf("made-up method: got %d, want 501", got)
		}
	}
	after := seriesCount(t, s)
	for _, name := range []string{"portail_http_requests_total", "portail_http_request_duration_seconds"} {
		// The flood may add its own few series (method "other"), never one
		// per method.
		if grew := after[name] - before[name]; grew > 4 {
			t.Errorf("%s: %d new series after 2000 made-up methods, want at most 4", name, grew)
		}
	}
}

// TestHSTS: browsers are told to keep to https when the public address is
// https, and never otherwise (an http-only installation would lock its
// users out).
func TestHSTS(t *testing.T) {
	for base, want := range map[string]string{
		"https://portail.test":      "max-age=63072000; includeSubDomains",
		"http://portail.test":       "",
		"http://127.0.0.1:8080":     "",
		"https://portail.test:8443": "max-age=63072000; includeSubDomains",
	} {
		h := newBareServer(t, base).Handler()
		for _, path := range []string{"/healthz", "/login", "/no-such-page"} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if got := w.Header().Get("Strict-Transport-Security"); got != want {
				t.Errorf("%s %s: Strict-Transport-Security %q, want %q", base, path, got, want)
			}
		}
	}
}

// TestClientAddress: X-Forwarded-For names the client only when a trusted
// proxy sent it, and only as far as trusted proxies wrote it.
func TestClientAddress(t *testing.T) {
	trusted, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1 ,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies trusted: the header is ignored", nil, "127.0.0.1:5000", []string{"203.0.113.9"}, "127.0.0.1"},
		{"untrusted peer: the header is ignored", trusted, "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer, no header", trusted, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"trusted peer: the client it names", trusted, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a client's own header is skipped", trusted, "127.0.0.1:5000", []string{"127.0.0.1, 192.0.2.66, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops are walked through", trusted, "127.0.0.1:5000", []string{"192.0.2.66, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"several header lines read as one list", trusted, "127.0.0.1:5000", []string{"192.0.2.66", "203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"every hop trusted: the farthest", trusted, "127.0.0.1:5000", []string{"10.4.4.4, 10.9.9.9"}, "10.4.4.4"},
		{"garbage stops the walk at the last hop known", trusted, "127.0.0.1:5000", []string{"203.0.113.9, unknown, 10.9.9.9"}, "10.9.9.9"},
		{"ports and brackets", trusted, "[fd00::1]:5000", []string{"[2001:db8::5]:443, 10.9.9.9:80"}, "2001:db8::5"},
		{"IPv4-mapped peer is the IPv4 peer", trusted, "[::ffff:10.1.2.3]:5000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newBareServer(t, "http://portail.test")
			s.TrustedProxies = c.trusted
			var got string
			h := s.withClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = request.ClientIP(r) }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0.1/8/2", "fe80::1%eth0"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
}

// TestMetricsLoopbackOnly: without a token, /metrics answers this machine
// only; a request relayed by a proxy on this machine is not this
// machine's, whether or not the proxy is trusted.
func TestMetricsLoopbackOnly(t *testing.T) {
	for _, proxies := range []string{"", "127.0.0.1/32"} {
		s := newBareServer(t, "http://portail.test")
		s.TrustedProxies, _ = ParseTrustedProxies(proxies)
		h := s.Handler()
		for _, c := range []struct {
			peer   string
			header string
			value  string
			want   int
		}{
			{"127.0.0.1:5000", "", "", 200},
			{"[::1]:5000", "", "", 200},
			{"192.0.2.10:5000", "", "", 403},
			{"127.0.0.1:5000", "X-Forwarded-For", "203.0.113.9", 403},
			{"127.0.0.1:5000", "X-Forwarded-For", "127.0.0.1", 403},
			{"127.0.0.1:5000", "X-Real-IP", "203.0.113.9", 403},
			{"127.0.0.1:5000", "Forwarded", "for=203.0.113.9", 403},
		} {
			r := httptest.NewRequest("GET", "/metrics", nil)
			r.RemoteAddr = c.peer
			if c.header != "" {
				r.Header.Set(c.header, c.value)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Errorf("trusted %q, peer %s, %s: %q: got %d, want %d", proxies, c.peer, c.header, c.value, w.Code, c.want)
			}
		}
	}
}
