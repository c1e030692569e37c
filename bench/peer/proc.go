package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is one process under test, started and stopped by its PID.
type server struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	log  *os.File
}

// freePort asks the kernel for a free loopback port.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs bin with args, its output in logPath, and waits (at most a
// minute) until GET base+ready answers below 500.
func start(name, bin string, args, env []string, port int, ready, logPath string) *server {
	f, err := os.Create(logPath)
	if err != nil {
		fatalf("%s: %v", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		fatalf("start %s: %v", name, err)
	}
	s := &server{name: name, cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), log: f}
	running = append(running, s)
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get(s.base + ready)
		if err == nil {
			res.Body.Close()
			if res.StatusCode < 500 {
				return s
			}
		}
		if time.Now().After(deadline) {
			fatalf("%s did not answer %s within a minute (see %s)", name, ready, logPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// running are the servers to stop on the way out, even after a failure.
var running []*server

// stop ends the process by its PID: SIGTERM, then SIGKILL after 10 s.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}

func stopAll() {
	for _, s := range running {
		s.stop()
	}
}

// status reads a field of /proc/PID/status in MiB (VmRSS, VmHWM).
func (s *server) status(field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func (s *server) rss() float64  { return s.status("VmRSS") }
func (s *server) peak() float64 { return s.status("VmHWM") }

// resetPeak sets the process's high-water mark back to its current RSS
// (Linux clear_refs 5), so that the peak read later is the load's.
func (s *server) resetPeak() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// run runs a command bounded by timeout and answers its output.
func run(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// copyExecutable copies the executable at path into the work directory
// (the same name under a new directory for each, as a name can repeat)
// and returns the copy's path.
func copyExecutable(path string) string {
	in, err := os.Open(path)
	if err != nil {
		fatalf("%v", err)
	}
	defer in.Close()
	dir, err := os.MkdirTemp(workDir, "bin")
	if err != nil {
		fatalf("%v", err)
	}
	dst := filepath.Join(dir, filepath.Base(path))
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		fatalf("%v", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		fatalf("copy %s: %v", path, err)
	}
	if err := out.Close(); err != nil {
		fatalf("copy %s: %v", path, err)
	}
	return dst
}
