package testdb

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Cluster is a PostgreSQL cluster of one test's own (initdb in a
// temporary directory, on a free port of loopback), for the tests that
// stop the database and start it again; the shared server is never
// touched. Stop and Start keep its data.
type Cluster struct {
	DSN  string // of its database "test"
	t    testing.TB
	bin  string
	dir  string
	port int
	as   []string // runuser -u postgres -- when root (PostgreSQL refuses root)
}

// NewCluster makes and starts a cluster, stopped at the test's end. The
// test is skipped without PostgreSQL's programs, except in CI.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("no initdb in /usr/lib/postgresql/*/bin: a private cluster is required in CI")
		}
		t.Skip("no initdb in /usr/lib/postgresql/*/bin: skipping the test of a private PostgreSQL cluster")
	}
	c := &Cluster{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	parent, err := os.MkdirTemp("", "portail-pg-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	c.dir = filepath.Join(parent, "data")
	if err := os.Mkdir(c.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chmod(parent, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.as = []string{"runuser", "-u", "postgres", "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	c.run("initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	c.Start()
	t.Cleanup(c.Stop)
	c.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", "test")
	c.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/test?sslmode=disable", c.port)
	return c
}

func (c *Cluster) run(prog string, args ...string) {
	c.t.Helper()
	argv := append(append(append([]string{}, c.as...), filepath.Join(c.bin, prog)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", prog, err, out)
	}
}

// Start starts the cluster and waits until it takes connections (pg_ctl
// -w, a minute at most).
func (c *Cluster) Start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.dir, "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log"), "start",
		"-o", fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off", c.port))
}

// Stop stops it at once (fast shutdown: open connections are cut).
func (c *Cluster) Stop() {
	c.t.Helper()
	if _, err := os.Stat(filepath.Join(c.dir, "postmaster.pid")); err != nil {
		return // not running
	}
	c.run("pg_ctl", "-D", c.dir, "-w", "-t", "60", "-m", "fast", "stop")
}
