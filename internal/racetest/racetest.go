// Package racetest helps tests make check-then-act races happen: a burst
// of HTTP requests whose last bytes leave together, and a TCP proxy that
// slows a database connection so that the window between a check and its
// act is wide enough to be hit.
package racetest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Response is one answer of a burst, its body read.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Burst sends every request on a connection of its own, all at once:
// each request is written but for its last byte, and once every one is
// waiting the last bytes are released together, so that the server
// starts them within a few microseconds of each other whatever the cost
// of connecting. The answers come in the order of reqs. A request that
// cannot be sent or answered fails the test.
func Burst(tb testing.TB, reqs []*http.Request) []Response {
	tb.Helper()
	return BurstFrom(tb, reqs, nil)
}

// BurstFrom is Burst with request i sent from the local address
// sources[i] (nil: any): on Linux every 127.x.y.z is the loopback, so
// that a server sees as many clients as there are addresses.
func BurstFrom(tb testing.TB, reqs []*http.Request, sources []net.IP) []Response {
	tb.Helper()
	out := make([]Response, len(reqs))
	errs := make([]error, len(reqs))
	conns := make([]net.Conn, len(reqs))
	lasts := make([][]byte, len(reqs))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	// Connect and write all but the last byte, one request after another:
	// the server sees each request incomplete and waits for its end.
	for i, r := range reqs {
		var buf bytes.Buffer
		if err := r.Write(&buf); err != nil {
			tb.Fatalf("request %d: %v", i, err)
		}
		var d net.Dialer
		if i < len(sources) && sources[i] != nil {
			d.LocalAddr = &net.TCPAddr{IP: sources[i]}
		}
		c, err := d.Dial("tcp", r.URL.Host)
		if err != nil {
			tb.Fatalf("request %d: %v", i, err)
		}
		conns[i] = c
		b := buf.Bytes()
		if _, err := c.Write(b[:len(b)-1]); err != nil {
			tb.Fatalf("request %d: %v", i, err)
		}
		lasts[i] = b[len(b)-1:]
	}
	release := make(chan struct{})
	var ready, done sync.WaitGroup
	for i := range reqs {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-release
			if _, err := conns[i].Write(lasts[i]); err != nil {
				errs[i] = err
				return
			}
			res, err := http.ReadResponse(bufio.NewReader(conns[i]), reqs[i])
			if err != nil {
				errs[i] = err
				return
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			out[i] = Response{StatusCode: res.StatusCode, Header: res.Header, Body: body}
			errs[i] = err
		}()
	}
	ready.Wait() // every writer is parked on the channel
	close(release)
	done.Wait()
	for i, err := range errs {
		if err != nil {
			tb.Fatalf("request %d of the burst: %v", i, err)
		}
	}
	return out
}

// Statuses counts the answers of a burst by status code.
func Statuses(rs []Response) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.StatusCode]++
	}
	return m
}

// DelayProxy forwards TCP connections from a loopback address to a target,
// delivering every chunk Delay after it arrived, in each direction. A
// round trip through it costs at least 2×Delay, as to a database on
// another machine, while throughput stays that of loopback.
type DelayProxy struct {
	Delay  time.Duration
	target string
	ln     net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// NewDelayProxy listens on a loopback port and forwards to target until
// the test ends.
func NewDelayProxy(tb testing.TB, target string, delay time.Duration) *DelayProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &DelayProxy{Delay: delay, target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.Close)
	return p
}

// Addr is the host:port to connect to instead of the target.
func (p *DelayProxy) Addr() string { return p.ln.Addr().String() }

// Close stops listening and cuts every forwarded connection.
func (p *DelayProxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *DelayProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
}

func (p *DelayProxy) forget(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
}

func (p *DelayProxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.track(in, out)
		p.wg.Add(2)
		go p.pipe(out, in)
		go p.pipe(in, out)
	}
}

// chunk is data read at a time, due for delivery Delay later.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst, each chunk held until it is due; a reader and a
// writer with a queue between them, so that delays overlap instead of
// adding up.
func (p *DelayProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				q <- chunk{b[:n], time.Now().Add(p.Delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	// One side ended: end both, so the other pipe stops too.
	dst.Close()
	src.Close()
	p.forget(dst, src)
	for range q {
	}
}
