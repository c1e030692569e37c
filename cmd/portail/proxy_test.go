package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBehindNginx runs real nginx with the location block of
// docs/deploy.md in front of a serve process that trusts it, and sends
// each client from its own loopback address (127.0.0.2, .3, …), as if they
// were different machines: portail must see each client's address, not
// the proxy's (127.0.0.1).
func TestBehindNginx(t *testing.T) {
	bin := findNginx(t)
	// The proxy's address is the public one, as in production: the base
	// URL, and the Origin browsers send.
	proxy := "http://" + freeAddr(t)
	a := startAppWith(t, "sqlite", "gold", func(c *Config) {
		c.TrustedProxies, c.BaseURL = "127.0.0.1/32", proxy
	})
	startNginx(t, bin, deployLocation(t), strings.TrimPrefix(proxy, "http://"), a.main.URL())

	boss := a.clientVia(proxy, "127.0.0.2")
	boss.login("boss", "not the password").must(t, 401)
	boss.login("boss", adminPassword).must(t, 200)
	forger := a.clientVia(proxy, "127.0.0.3")
	req, _ := http.NewRequest("POST", proxy+"/api/v1/auth/login", strings.NewReader(`{"login":"boss","password":"forged"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	res, err := forger.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("forged login: %d", res.StatusCode)
	}

	t.Run("activity log", func(t *testing.T) {
		page := boss.do("GET", "/api/v1/activity?limit=200", nil).must(t, 200)
		var got []string
		for _, it := range page.body["items"].([]any) {
			e := it.(map[string]any)
			if e["type"] == "login_failed" || e["type"] == "login_succeeded" {
				got = append(got, fmt.Sprint(e["type"], " ", e["ip"]))
			}
		}
		want := "login_failed 127.0.0.3,login_succeeded 127.0.0.2,login_failed 127.0.0.2"
		if strings.Join(got, ",") != want {
			t.Errorf("sign-ins (newest first): %q, want %q", got, want)
		}
	})

	t.Run("throttle by the client's address", func(t *testing.T) {
		// Guesses from one client (fresh names each time, so that only
		// the address counts them up) until the address is locked.
		guesser := a.clientVia(proxy, "127.0.0.4")
		locked := false
		for i := 0; i < 500 && !locked; i++ {
			r := guesser.login(fmt.Sprintf("nobody%d", i), "wrong password")
			switch r.status {
			case 401:
			case 429:
				locked = true
			default:
				t.Fatalf("guess %d: %d %s", i, r.status, r.raw)
			}
		}
		if !locked {
			t.Fatal("500 failed sign-ins from one address and it is not slowed down")
		}
		// Everyone else still signs in.
		a.clientVia(proxy, "127.0.0.5").login("boss", adminPassword).must(t, 200)
	})

	t.Run("metrics", func(t *testing.T) {
		if r := boss.do("GET", "/metrics", nil); r.status != 403 {
			t.Errorf("/metrics through the proxy: %d, want 403", r.status)
		}
		res, err := http.Get(a.main.URL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("/metrics from loopback, direct: %d, want 200", res.StatusCode)
		}
	})
}

// TestTrustedProxiesFlag: the flag and its environment variable reach the
// server, and a malformed network stops serve before it listens.
func TestTrustedProxiesFlag(t *testing.T) {
	m := NewMain()
	t.Setenv("PORTAIL_TRUSTED_PROXIES", "10.0.0.0/8")
	if err := m.ParseFlags(nil, os.Stderr); err != nil || m.Config.TrustedProxies != "10.0.0.0/8" {
		t.Errorf("from the environment: %q, %v", m.Config.TrustedProxies, err)
	}
	if err := m.ParseFlags([]string{"--trusted-proxies", "127.0.0.1/32,::1/128"}, os.Stderr); err != nil || m.Config.TrustedProxies != "127.0.0.1/32,::1/128" {
		t.Errorf("from the flag: %q, %v", m.Config.TrustedProxies, err)
	}
	m.Config = Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "p.db"), TrustedProxies: "10.0.0.0/8,proxy.example"}
	err := m.Open(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Errorf("a malformed network: %v", err)
	}
}

// clientVia is a client that reaches the app through the proxy at base,
// connecting from the local address from.
func (a *app) clientVia(base, from string) *client {
	c := a.client()
	c.base = base
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c.http.Transport = browserOrigin{next: &http.Transport{DialContext: d.DialContext}}
	c.http.Timeout = time.Minute
	return c
}

// findNginx finds nginx on the PATH or in /usr/sbin. Without it the test
// is skipped, or fails in CI.
func findNginx(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	msg := "no nginx found (install it: apt-get install nginx, or run scripts/test)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + ": the reverse-proxy test is required in CI")
	}
	t.Skip(msg + ": skipping the reverse-proxy test")
	return ""
}

// deployLocation is the `location / { … }` block of the nginx example in
// docs/deploy.md, the configuration the documentation tells people to use.
func deployLocation(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```nginx\n")
	if !ok {
		t.Fatal("docs/deploy.md has no nginx example")
	}
	start := strings.Index(rest, "location / {")
	if start < 0 {
		t.Fatal("the nginx example of docs/deploy.md has no location / block")
	}
	depth := 0
	for i := start; i < len(rest); i++ {
		switch rest[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return rest[start : i+1]
			}
		}
	}
	t.Fatal("the location / block of docs/deploy.md does not end")
	return ""
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNginx runs nginx in the foreground on addr with location as its
// only location, proxying to upstream, and returns once it accepts
// connections.
func startNginx(t *testing.T, bin, location, addr, upstream string) {
	t.Helper()
	const documented = "proxy_pass http://127.0.0.1:8080;"
	if !strings.Contains(location, documented) {
		t.Fatalf("the documented location block does not proxy to portail's default address:\n%s", location)
	}
	location = strings.Replace(location, documented, "proxy_pass "+upstream+";", 1)
	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen %[2]s;
        %[3]s
    }
}
`, dir, addr, location)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// nginx says nothing when it is ready: wait until it accepts.
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s", err, log)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx does not accept connections")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
