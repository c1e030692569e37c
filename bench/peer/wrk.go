package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// result is what one wrk run measured.
type result struct {
	rps      float64
	p50, p99 time.Duration
	requests int
	bad      int     // non-2xx answers plus socket errors
	serverMs float64 // portail's own time per request of the route (from /metrics), 0 if unknown
}

func (r result) String() string {
	if r.rps == 0 {
		return "–"
	}
	s := fmt.Sprintf("%.0f/s (p50 %s, p99 %s)", r.rps, ms(r.p50), ms(r.p99))
	if r.bad > 0 {
		s += fmt.Sprintf(" [%d bad]", r.bad)
	}
	return s
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}

// wrkShape is the one shape of every run: 2 threads, 10 connections.
var wrkDuration = 10 * time.Second

// runWrk runs wrk against url with the headers and an optional Lua script
// (its text), bounded in time, and parses its --latency output.
func runWrk(url string, headers []string, lua string) result {
	args := []string{"-t2", "-c10", "-d" + strconv.Itoa(int(wrkDuration.Seconds())) + "s", "--latency", "--timeout", "5s"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	if lua != "" {
		p := filepath.Join(workDir, fmt.Sprintf("script%d.lua", time.Now().UnixNano()))
		if err := os.WriteFile(p, []byte(lua), 0o644); err != nil {
			fatalf("%v", err)
		}
		args = append(args, "-s", p)
	}
	args = append(args, url)
	out, err := run(wrkDuration+30*time.Second, "wrk", args...)
	if err != nil {
		fatalf("wrk %s: %v\n%s", url, err, out)
	}
	logf("wrk %s\n%s", url, out)
	return parseWrk(out)
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReqs    = regexp.MustCompile(`(\d+) requests in`)
	reNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reSockErr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	rePct     = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s)\s*$`)
)

func parseWrk(out string) result {
	var r result
	if m := reRPS.FindStringSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reReqs.FindStringSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		r.bad, _ = strconv.Atoi(m[1])
	}
	if m := reSockErr.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.bad += n
		}
	}
	for _, m := range rePct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]float64{"us": 1e3, "ms": 1e6, "s": 1e9}[m[3]]
		d := time.Duration(v * unit)
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	return r
}

// luaRotate is a wrk script sending method path with body, where each
// request takes the next of bodies: the two threads take alternate ones,
// and every request names its own client address (X-Forwarded-For; portail
// runs with --trusted-proxies 127.0.0.1/32 as behind a reverse proxy), so
// that the per-address limit of anonymous routes does not answer 429 to
// one loopback address.
func luaRotate(method, path string, headers map[string]string, bodies []string) string {
	var b strings.Builder
	b.WriteString("local bodies = {\n")
	for _, body := range bodies {
		fmt.Fprintf(&b, "  %q,\n", body)
	}
	b.WriteString("}\nlocal threads = 0\nfunction setup(thread) thread:set(\"tid\", threads); threads = threads + 1 end\n")
	b.WriteString("local i = 0\nfunction init(args) i = tid end\n")
	b.WriteString("request = function()\n  i = i + 2\n  local h = {\n")
	for k, v := range headers {
		fmt.Fprintf(&b, "    [%q] = %q,\n", k, v)
	}
	b.WriteString("    [\"X-Forwarded-For\"] = \"10.9.\" .. tid .. \".\" .. (i % 250 + 1),\n  }\n")
	fmt.Fprintf(&b, "  return wrk.format(%q, %q, h, bodies[(i %% #bodies) + 1])\nend\n", method, path)
	return b.String()
}

// luaCounter is a wrk script sending method path with a body made by
// format from a number unique across threads (%s is replaced by it).
func luaCounter(method, path string, headers map[string]string, format string) string {
	var b strings.Builder
	b.WriteString("local threads = 0\nfunction setup(thread) thread:set(\"tid\", threads); threads = threads + 1 end\n")
	b.WriteString("local i = 0\nrequest = function()\n  i = i + 1\n  local h = {\n")
	for k, v := range headers {
		fmt.Fprintf(&b, "    [%q] = %q,\n", k, v)
	}
	b.WriteString("  }\n  local n = tid .. \"x\" .. i\n")
	fmt.Fprintf(&b, "  local body = string.gsub(%q, \"%%%%s\", n)\n", format)
	fmt.Fprintf(&b, "  return wrk.format(%q, %q, h, body)\nend\n", method, path)
	return b.String()
}
