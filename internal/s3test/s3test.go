// Package s3test runs a real S3 server for the tests: SeaweedFS (`weed
// mini`, Apache-2.0) on loopback, one per test binary, each test with a
// fresh bucket. scripts/test builds the binary once (scripts/weed) and
// names it in PORTAIL_TEST_WEED. Without it a test is skipped, except in
// CI (CI=true), where it fails: the object-store tests are required there.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The credentials of every test server; set in the environment of the
// test process too, where blob.OpenS3 reads them like any serve process.
const (
	AccessKey = "portail-test"
	SecretKey = "portail-test-secret"
	Region    = "us-east-1"
)

// Server is one weed mini: its directory and ports stay the same across
// Stop and Start, so a test can take the store away and give it back.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT, the S3 API
	dir      string
	bin      string
	ports    []int
	log      *os.File

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// binary returns the weed binary, or skips (fails in CI) without one.
func binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("PORTAIL_TEST_WEED")
	if bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	msg := "no SeaweedFS binary (PORTAIL_TEST_WEED, made by scripts/weed)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + ": the object-store tests are required in CI")
	}
	t.Skip(msg + ": skipping the object-store tests")
	return ""
}

// Shared returns the test binary's server, started on first use; it is
// stopped when the test binary exits (the child dies with its parent).
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	sharedOnce.Do(func() {
		removeDead()
		dir, err := os.MkdirTemp("", "portail-s3test-*")
		if err != nil {
			sharedErr = err
			return
		}
		// The directory outlives the test binary (no code runs at its
		// exit): the next one removes it (removeDead).
		os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o600)
		shared, sharedErr = newServer(bin, dir)
		if sharedErr == nil {
			sharedErr = shared.Start()
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// removeDead removes the shared servers' directories of test binaries
// that have exited.
func removeDead() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "portail-s3test-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner"))
		if err != nil {
			continue // being made, or not ours
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil || syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

// Private starts a server of the test's own, stopped at its end: for the
// tests that stop and start it.
func Private(t testing.TB) *Server {
	t.Helper()
	s, err := newServer(binary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// URL returns the --blob-store URL of a fresh bucket of the shared
// server.
func URL(t testing.TB) string {
	t.Helper()
	return Shared(t).Bucket(t)
}

func newServer(bin, dir string) (*Server, error) {
	os.Setenv("AWS_ACCESS_KEY_ID", AccessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", SecretKey)
	ports, err := freePorts(11)
	if err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		return nil, err
	}
	return &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(ports[0]), dir: dir, bin: bin, ports: ports, log: log}, nil
}

// Start starts the server and waits until it answers S3 requests (a
// minute at most).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	p := func(i int) string { return strconv.Itoa(s.ports[i]) }
	args := []string{"mini", "-dir=" + filepath.Join(s.dir, "data"), "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-s3.port=" + p(0), "-s3.port.grpc=" + p(1), "-master.port=" + p(2), "-master.port.grpc=" + p(3),
		"-volume.port=" + p(4), "-volume.port.grpc=" + p(5), "-filer.port=" + p(6), "-filer.port.grpc=" + p(7),
		"-admin.port=" + p(8), "-admin.port.grpc=" + p(9), "-webdav.port=" + p(10),
		"-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
		"-s3.localSocket=" + filepath.Join(s.dir, "s3.sock"), "-filer.localSocket=" + filepath.Join(s.dir, "filer.sock")}
	if err := os.MkdirAll(filepath.Join(s.dir, "data"), 0o750); err != nil {
		return err
	}
	started := make(chan error, 1)
	exited := make(chan struct{})
	// The child is killed when the thread that started it ends
	// (Pdeathsig): that thread stays locked, alive until the test binary
	// exits, so no server outlives its tests.
	go func() {
		runtime.LockOSThread()
		cmd := exec.Command(s.bin, args...)
		cmd.Dir = s.dir
		cmd.Stdout, cmd.Stderr = s.log, s.log
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+AccessKey, "AWS_SECRET_ACCESS_KEY="+SecretKey)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		s.cmd = cmd
		started <- nil
		cmd.Wait()
		close(exited)
		select {} // keep the thread
	}()
	if err := <-started; err != nil {
		return err
	}
	s.exited = exited
	client := s.client()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			s.cmd = nil
			return fmt.Errorf("weed mini exited at start; see %s", s.log.Name())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("weed mini did not answer within a minute (%v); see %s", err, s.log.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and waits for
// it to exit.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
}

func (s *Server) client() *minio.Client {
	u, _ := url.Parse(s.Endpoint)
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""),
		Region: Region, BucketLookup: minio.BucketLookupPath, Transport: http.DefaultTransport, MaxRetries: 1})
	if err != nil {
		panic(err)
	}
	return c
}

// Bucket makes a fresh bucket and returns its --blob-store URL.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "t-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.client().MakeBucket(ctx, name, minio.MakeBucketOptions{Region: Region}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
	return s.BucketURL(name)
}

// BucketURL is the --blob-store URL of a bucket of s.
func (s *Server) BucketURL(name string) string {
	return "s3://" + name + "?endpoint=" + url.QueryEscape(s.Endpoint) + "&region=" + Region
}

// freePorts returns n ports free on loopback a moment ago (kept until all
// are chosen, so that they differ).
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
