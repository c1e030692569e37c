package racetest

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBurstArrivesTogether: every request of a burst is in its handler at
// the same time; the handlers answer only once all have arrived, which a
// burst sent one request after another would never let happen.
func TestBurstArrivesTogether(t *testing.T) {
	const n = 50
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		arrived++
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-r.Context().Done():
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i], _ = http.NewRequest("POST", srv.URL, strings.NewReader(strings.Repeat("x", i+1)))
	}
	rs := Burst(t, reqs)
	if st := Statuses(rs); st[200] != n {
		t.Fatalf("statuses %v", st)
	}
	for i, r := range rs {
		if len(r.Body) != i+1 {
			t.Fatalf("answer %d has %d bytes, want %d: answers out of order", i, len(r.Body), i+1)
		}
	}
}

// TestDelayProxy: data crosses intact, and a round trip costs at least
// twice the delay.
func TestDelayProxy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	const delay = 20 * time.Millisecond
	p := NewDelayProxy(t, ln.Addr().String(), delay)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo %q, %v", buf, err)
	}
	if rtt := time.Since(start); rtt < 2*delay {
		t.Fatalf("round trip %v, less than twice the delay %v", rtt, delay)
	}
	big := make([]byte, 1<<20)
	rand.Read(big)
	go c.Write(big)
	got := make([]byte, len(big))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("1 MiB through the proxy: equal %v, %v", bytes.Equal(got, big), err)
	}
}
