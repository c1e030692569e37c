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
// docs/deploy.md in front of a serve process that trusts it.
func TestBehindNginx(t *testing.T) {
	bin := findProxy(t, "nginx", "nginx")
	behindProxy(t, func(addr, upstream string) {
		startNginx(t, bin, deployBlock(t, "```nginx\n", "location / {"), addr, upstream)
	})
}

// TestBehindCaddy runs real Caddy with the site block of docs/deploy.md in
// front of a serve process that trusts it.
func TestBehindCaddy(t *testing.T) {
	bin := findProxy(t, "caddy", "caddy")
	behindProxy(t, func(addr, upstream string) {
		startCaddy(t, bin, deployBlock(t, "```caddyfile\n", "portail.example.com {"), addr, upstream)
	})
}

// behindProxy starts a serve process trusting 127.0.0.1, then the proxy
// (start) on a loopback address in front of it, and sends each client
// from its own loopback address (127.0.0.2, .3, …), as if they were
// different machines: portail must see each client's address, not the
// proxy's (127.0.0.1).
func behindProxy(t *testing.T, start func(addr, upstream string)) {
	// The proxy's address is the public one, as in production: the base
	// URL, and the Origin browsers send.
	addr := freeAddr(t)
	proxy := "http://" + addr
	a := startSite(t, siteOptions{Plan: "gold", Config: func(c *Config) {
		c.TrustedProxies, c.BaseURL = "127.0.0.1/32", proxy
	}})
	start(addr, a.main.URL())

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

// clientVia is a client that reaches the site through the proxy at base,
// connecting from the local address from.
func (a *site) clientVia(base, from string) *client {
	c := a.client()
	c.base = base
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c.http.Transport = sameOrigin{next: &http.Transport{DialContext: d.DialContext}}
	c.http.Timeout = time.Minute
	return c
}

// findProxy finds a proxy's binary on the PATH or in /usr/sbin. Without
// it the test is skipped, or fails in CI.
func findProxy(t *testing.T, name, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/" + name); err == nil {
		return "/usr/sbin/" + name
	}
	msg := fmt.Sprintf("no %s found (install it: apt-get install %s, or run scripts/test)", name, pkg)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + ": the reverse-proxy tests are required in CI")
	}
	t.Skip(msg + ": skipping the reverse-proxy test")
	return ""
}

// deployBlock is the block opened by head (through its closing brace) in
// the first code block of docs/deploy.md that starts with fence: the
// configuration the documentation tells people to use.
func deployBlock(t *testing.T, fence, head string) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), fence)
	if !ok {
		t.Fatalf("docs/deploy.md has no %q example", fence)
	}
	start := strings.Index(rest, head)
	if start < 0 {
		t.Fatalf("the example of docs/deploy.md has no %q block", head)
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
	t.Fatalf("the %q block of docs/deploy.md does not end", head)
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
	runProxy(t, exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log")),
		filepath.Join(dir, "error.log"), addr)
}

// startCaddy runs Caddy on addr with the documented site block, its
// public name replaced by addr and its upstream by upstream, and returns
// once it accepts connections.
func startCaddy(t *testing.T, bin, site, addr, upstream string) {
	t.Helper()
	const documented = "reverse_proxy 127.0.0.1:8080"
	if !strings.Contains(site, documented) {
		t.Fatalf("the documented site block does not proxy to portail's default address:\n%s", site)
	}
	site = strings.Replace(site, documented, "reverse_proxy "+strings.TrimPrefix(upstream, "http://"), 1)
	site = strings.Replace(site, "portail.example.com {", "http://"+addr+" {\n    bind 127.0.0.1", 1)
	dir := t.TempDir()
	conf := fmt.Sprintf(`{
    admin off
    auto_https off
    storage file_system %[1]s/data
}
%[2]s
`, dir, site)
	path := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", path, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	logPath := filepath.Join(dir, "caddy.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	cmd.Stdout, cmd.Stderr = logFile, logFile
	runProxy(t, cmd, logPath, addr)
}

// runProxy starts a proxy in the foreground and returns once it accepts
// connections on addr; it is killed when the test ends.
func runProxy(t *testing.T, cmd *exec.Cmd, logPath, addr string) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// Neither proxy says when it is ready: wait until it accepts.
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("%s exited: %v\n%s", filepath.Base(cmd.Path), waitErr, log)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept connections", filepath.Base(cmd.Path))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
