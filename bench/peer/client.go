package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// client is a plain HTTP client with its own kept-alive connections.
var client = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a request and answers the status, the body and the answer's
// cookies; headers are "Name: value" pairs.
func call(method, url string, body any, headers map[string]string) (int, []byte, []*http.Cookie) {
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "text/csv"
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		fatalf("%v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw, res.Cookies()
}

// must calls and fails unless the answer has status want; it decodes the
// JSON answer into out when out is not nil.
func must(want int, out any, method, url string, body any, headers map[string]string) {
	status, raw, _ := call(method, url, body, headers)
	if status != want {
		fatalf("%s %s: %d %s (want %d)", method, url, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			fatalf("%s %s: %v: %s", method, url, err, raw)
		}
	}
}

// storm signs in back to back from n clients until stop is closed, each
// client on its own connection with its own address; login makes one
// sign-in request and reports whether it succeeded. It answers the number
// of sign-ins and of failures.
func storm(n int, stop <-chan struct{}, login func(hc *http.Client, client, i int) bool) (ok, failed int) {
	type count struct{ ok, failed int }
	done := make(chan count, n)
	for c := range n {
		go func() {
			hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
				DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: 1}}
			var k count
			for i := 0; ; i++ {
				select {
				case <-stop:
					done <- k
					return
				default:
				}
				if login(hc, c, i) {
					k.ok++
				} else {
					k.failed++
				}
			}
		}()
	}
	for range n {
		k := <-done
		ok, failed = ok+k.ok, failed+k.failed
	}
	return ok, failed
}

// post is a JSON POST for the storm's clients.
func post(hc *http.Client, url string, body any, headers map[string]string) int {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func xff(client, i int) string { return fmt.Sprintf("10.8.%d.%d", client, i%250+1) }
