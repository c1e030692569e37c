// Command peer is the peer benchmark: in one run on loopback it measures
// portail (SQLite, and PostgreSQL when -postgres is given) and stock
// PocketBase side by side with the same wrk shape, 10,000 users in each,
// a bare net/http hello server as the ceiling, and prints one table of
// ratios. bench/peer.sh builds everything and runs it; see BENCHMARKS.md.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	departments  = 20
	loginUsers   = 40 // the users who sign in, rotated through
	timeoutSetup = time.Minute
)

var (
	workDir string
	logOut  io.Writer = io.Discard
	names             = []string{"Dubois", "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "Lambert", "Martin"}
)

func logf(format string, args ...any) { fmt.Fprintf(logOut, format+"\n", args...) }

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "peer: "+format+"\n", args...)
	stopAll()
	os.Exit(1)
}

// target is one server measured: portail or PocketBase.
type target interface {
	name() string
	server() *server
	seedFirst(n int)
	seedRest(total int)
	// scenario answers the request of a measure: its path, headers, wrk
	// script, and (portail) the route whose server time is read.
	scenario(name string) (path string, headers []string, lua, route string)
	signIn(hc *http.Client, client, i int) bool
}

type row struct {
	key, label string
}

var rows = []row{
	{"signin", "sign-in (POST, 40 users in turn)"},
	{"get_cookie", "GET one user, session cookie"},
	{"get_key", "GET one user, API key"},
	{"list20", "list 20 users"},
	{"list50", "list 50 users of a department"},
	{"me", "GET /me alone (PocketBase: getOne of oneself)"},
	{"me_storm", "GET /me while 20 clients sign in"},
	{"create", "user creation, one by one"},
}

func main() {
	portailBin := flag.String("portail", "", "portail binary")
	pbBin := flag.String("pocketbase", "", "PocketBase binary (examples/base)")
	helloBin := flag.String("hello", "", "the hello server binary")
	before := flag.String("before", "", "another portail binary (an earlier commit) measured on SQLite in the same run, for before/after ratios")
	variants := flag.String("variants", "", "more portail SQLite targets of the same binary with their environment, NAME:VAR=VALUE,VAR=VALUE;NAME:… (e.g. nolimit:GOMEMLIMIT=off)")
	postgres := flag.String("postgres", "", "PostgreSQL server URL without a database (postgres://user@host:port); empty: SQLite only")
	users := flag.Int("users", 10000, "users in each installation")
	first := flag.Int("first", 7000, "users seeded before the creation run; the rest after it (portail's seats leave room for 3,000 creations)")
	dur := flag.Duration("duration", 10*time.Second, "length of each wrk run")
	idle := flag.Duration("idle", 30*time.Second, "idle time before the last RSS reading")
	storms := flag.Int("storms", 1, "runs of GET /me while 20 clients sign in, on each target in turn; with more than one the table shows the run of median p99 and the log every run (a tail moves much between runs)")
	flag.StringVar(&workDir, "work", "", "scratch directory (databases, logs, wrk scripts)")
	logPath := flag.String("log", "", "file of every wrk output and step (default WORK/peer.log)")
	flag.Parse()
	if *portailBin == "" || *pbBin == "" || *helloBin == "" || workDir == "" {
		fatalf("-portail, -pocketbase, -hello and -work are required")
	}
	// Every server runs from a copy written here, so that the pages of
	// each executable come to the page cache the same way: a freshly
	// linked portail (the linker writes through a memory mapping) started
	// with up to 3.5 MiB more file-backed RSS than a copy of it, while
	// PocketBase comes from a cache built long before.
	for _, bin := range []*string{portailBin, pbBin, helloBin, before} {
		if *bin != "" {
			*bin = copyExecutable(*bin)
		}
	}
	wrkDuration = *dur
	if *logPath == "" {
		*logPath = workDir + "/peer.log"
	}
	lf, err := os.Create(*logPath)
	if err != nil {
		fatalf("%v", err)
	}
	defer lf.Close()
	logOut = lf
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; fatalf("interrupted") }()
	defer stopAll()
	began := time.Now()

	helloPort := freePort()
	hello := start("hello", *helloBin, []string{"-addr", fmt.Sprintf("127.0.0.1:%d", helloPort)}, nil, helloPort, "/", workDir+"/hello.log")
	var targets []target
	pb := newPocketBase(*pbBin)
	targets = append(targets, pb, newPortail("portail-sqlite", *portailBin, ""))
	if *before != "" {
		targets = append(targets, newPortail("portail-before", *before, ""))
	}
	for _, v := range strings.Split(*variants, ";") {
		if name, env, ok := strings.Cut(v, ":"); ok {
			targets = append(targets, newPortail("portail-"+name, *portailBin, "", strings.Split(env, ",")...))
		}
	}
	var pgName string
	if *postgres != "" {
		pgName = fmt.Sprintf("portail_peer_%d", os.Getpid())
		if out, err := run(timeoutSetup, "psql", *postgres+"/postgres", "-qc", "CREATE DATABASE "+pgName); err != nil {
			fatalf("create database: %v %s", err, out)
		}
		defer run(timeoutSetup, "psql", *postgres+"/postgres", "-qc", "DROP DATABASE IF EXISTS "+pgName+" WITH (FORCE)")
		targets = append(targets, newPortail("portail-postgres", *portailBin, *postgres+"/"+pgName+"?sslmode=disable"))
	}
	// RSS at start: once up, before any request but its readiness probe.
	time.Sleep(2 * time.Second)
	// VmRSS counts the pages of the executable the process has mapped
	// (file-backed, shared, given back under pressure); how many depends
	// on the binary's size and on the page cache (large folios map much
	// more than was touched), so the private part is shown beside it.
	start, startAnon := map[string]float64{}, map[string]float64{}
	for _, t := range targets {
		start[t.name()], startAnon[t.name()] = t.server().rss(), t.server().status("RssAnon")
	}

	res := map[string]map[string]result{} // target → row → result
	for _, t := range targets {
		res[t.name()] = map[string]result{}
		t0 := time.Now()
		t.seedFirst(*first)
		logf("%s: first %d users in %s", t.name(), *first, time.Since(t0))
	}
	measure := func(t target, key string) {
		path, headers, lua, route := t.scenario(key)
		if path == "" {
			return
		}
		var sum0, n0 float64
		p, isPortail := t.(*portail)
		if isPortail && route != "" {
			sum0, n0 = p.routeTime(route)
		}
		var stop chan struct{}
		var stormDone chan [2]int
		if key == "me_storm" {
			stop, stormDone = make(chan struct{}), make(chan [2]int, 1)
			go func() { ok, failed := storm(20, stop, t.signIn); stormDone <- [2]int{ok, failed} }()
			time.Sleep(500 * time.Millisecond) // the storm is on before the measure starts
		}
		r := runWrk(t.server().base+path, headers, lua)
		if stop != nil {
			close(stop)
			k := <-stormDone
			logf("%s storm: %d sign-ins, %d failed", t.name(), k[0], k[1])
			if k[1] > 0 {
				r.bad += k[1]
			}
		}
		if isPortail && route != "" {
			sum1, n1 := p.routeTime(route)
			if n1 > n0 {
				r.serverMs = (sum1 - sum0) / (n1 - n0) * 1000
			}
		}
		res[t.name()][key] = r
		fmt.Fprintf(os.Stderr, "%-18s %-10s %s\n", t.name(), key, r)
	}
	for _, t := range targets {
		measure(t, "create")
	}
	for _, t := range targets {
		t0 := time.Now()
		t.seedRest(*users)
		logf("%s: topped up in %s", t.name(), time.Since(t0))
		t.server().resetPeak()
	}
	helloRes := runWrk(hello.base+"/", nil, "")
	fmt.Fprintf(os.Stderr, "%-18s %-10s %s\n", "hello", "GET /", helloRes)
	// Each measure runs on every target back to back, the order turned by
	// one each time, so that no server always follows the same one (a
	// server still finishing the requests of the run before it slows the
	// next), with a pause between runs.
	for i, r := range rows[:7] {
		for k := range targets {
			time.Sleep(2 * time.Second)
			measure(targets[(i+k)%len(targets)], r.key)
		}
	}
	stormRuns := map[string][]result{}
	for _, t := range targets {
		stormRuns[t.name()] = []result{res[t.name()]["me_storm"]}
	}
	for i := 1; i < *storms; i++ {
		for k := range targets {
			t := targets[(i+k)%len(targets)]
			time.Sleep(2 * time.Second)
			measure(t, "me_storm")
			stormRuns[t.name()] = append(stormRuns[t.name()], res[t.name()]["me_storm"])
		}
	}
	var stormNote strings.Builder
	if *storms > 1 {
		for _, t := range targets {
			runs := slices.Clone(stormRuns[t.name()])
			slices.SortFunc(runs, func(a, b result) int { return cmp.Compare(a.p99, b.p99) })
			res[t.name()]["me_storm"] = runs[len(runs)/2]
			var p99s []string
			for _, r := range stormRuns[t.name()] {
				p99s = append(p99s, ms(r.p99))
			}
			fmt.Fprintf(&stormNote, "%s: GET /me while 20 clients sign in, p99 of %d runs: %s ms (the table shows the median run)\n",
				t.name(), len(runs), strings.Join(p99s, ", "))
		}
	}
	after, peak := map[string]float64{}, map[string]float64{}
	for _, t := range targets {
		after[t.name()], peak[t.name()] = t.server().rss(), t.server().peak()
		if p, ok := t.(*portail); ok {
			logf("%s after load: %s", p.label, p.memstats())
		}
	}
	time.Sleep(*idle)
	idleRSS := map[string]float64{}
	for _, t := range targets {
		idleRSS[t.name()] = t.server().rss()
		if p, ok := t.(*portail); ok {
			logf("%s idle: %s", p.label, p.memstats())
		}
	}
	var revoked []string
	for _, t := range targets {
		if p, ok := t.(*portail); ok {
			revoked = append(revoked, p.label+": "+p.revocation())
		}
	}
	stopAll()

	// The table: PocketBase, then each portail with its ratio to it.
	var b strings.Builder
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(&b, "Peer benchmark, %s, %s/%s, %d cores, host %s, load average %s", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), host, load)
	pbv, _ := exec.Command(*pbBin, "--version").Output()
	fmt.Fprintf(&b, "wrk -t2 -c10 -d%s --latency; %d users each; %s; run took %s\n\n", *dur, *users, strings.TrimSpace(string(pbv)), time.Since(began).Round(time.Second))
	fmt.Fprintf(&b, "hello (net/http ceiling): %s\n\n", helloRes)
	fmt.Fprintf(&b, "| measure | PocketBase |")
	for _, t := range targets[1:] {
		fmt.Fprintf(&b, " %s | × PB |", t.name())
	}
	b.WriteString("\n|---|---:|")
	for range targets[1:] {
		b.WriteString("---:|---:|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		pbKey := r.key
		if pbKey == "get_key" {
			pbKey = "get_cookie" // PocketBase has one kind of token
		}
		base := res[pb.name()][pbKey]
		fmt.Fprintf(&b, "| %s | %s |", r.label, base)
		for _, t := range targets[1:] {
			v := res[t.name()][r.key]
			cell := v.String()
			if v.serverMs > 0 {
				cell += fmt.Sprintf(", server %.2f ms", v.serverMs)
			}
			ratio := "–"
			if base.rps > 0 && v.rps > 0 {
				ratio = fmt.Sprintf("%.2f", v.rps/base.rps)
			}
			if r.key == "me_storm" && v.p99 > 0 && base.p99 > 0 {
				ratio += fmt.Sprintf(" (p99 %.2f)", float64(v.p99)/float64(base.p99))
			}
			fmt.Fprintf(&b, " %s | %s |", cell, ratio)
		}
		b.WriteString("\n")
	}
	mem := func(label string, m map[string]float64) {
		fmt.Fprintf(&b, "| RSS %s (MiB) | %.1f |", label, m[pb.name()])
		for _, t := range targets[1:] {
			fmt.Fprintf(&b, " %.1f | %.2f |", m[t.name()], m[t.name()]/m[pb.name()])
		}
		b.WriteString("\n")
	}
	mem("at start", start)
	mem("at start, private (RssAnon)", startAnon)
	mem("after load", after)
	mem(fmt.Sprintf("%s idle after", *idle), idleRSS)
	mem("peak under load", peak)
	b.WriteString("\n")
	b.WriteString(stormNote.String())
	for _, t := range targets[1:] {
		get := res[t.name()]["get_cookie"]
		fmt.Fprintf(&b, "%s: GET one user at %.0f%% of hello's req/s; list 50 filtered %.2f × PocketBase's list 20\n", t.name(),
			100*get.rps/helloRes.rps, res[t.name()]["list50"].rps/res[pb.name()]["list20"].rps)
	}
	for _, r := range revoked {
		fmt.Fprintf(&b, "revocation, %s\n", r)
	}
	fmt.Print(b.String())
	logf("%s", b.String())
}
