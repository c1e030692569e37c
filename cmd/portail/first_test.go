package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portail/internal/testdb"
)

// TestServeFirstLines: on a first run, the first lines serve writes, on
// standard output and in its log alike, are its address and the setup
// link; the rest (the outbox notice, the log) comes after.
func TestServeFirstLines(t *testing.T) {
	out := &syncBuffer{}
	m := NewMain()
	m.Stdout = out
	m.Logger = slog.New(slog.NewTextHandler(out, nil))
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--base-url=", "--smtp=", "--simulator=false",
		"--db", testdb.DSN(t, "sqlite"), "--data-dir", t.TempDir()}, out); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	for !strings.Contains(out.String(), "msg=serving") {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m.Close()
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], m.URL()) || !strings.Contains(lines[2], m.URL()+"/setup?token=") {
		t.Fatalf("serve's first lines are not its address then the setup link:\n%s", out.String())
	}
	if strings.Contains(strings.Join(lines[:3], "\n"), "msg=") {
		t.Errorf("a log line comes before the address and the link:\n%s", out.String())
	}
}

// TestHomeGuides: a new admin's home page lists the first steps still to
// take (departments, users, the plan while the trial runs), each done as
// the data says; a Viewer is not offered to send; a department admin is
// told which department they manage; the text about the API is on the
// profile page, not the home page.
func TestHomeGuides(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	s := startSite(t, siteOptions{Plan: "gold", Setup: []string{"--trial", "--admin-language", "en"}, Now: now})
	c := s.client()
	c.signIn(t, "boss", adminPassword)
	home := c.get("/").must(t, http.StatusOK, `id="checklist"`, `href="/departments"`, `href="/users/new"`, `href="/account"`, "The trial ends on")
	if strings.Contains(home.body, "openapi.json") {
		t.Errorf("the home page still speaks of openapi.json")
	}
	c.get("/profile").must(t, http.StatusOK, `id="api-doc"`, `href="/api/v1/openapi.json"`)

	dept := c.do("POST", "/api/v1/departments", map[string]any{"name": "Sales"}).must(t, http.StatusCreated).id()
	c.get("/").must(t, http.StatusOK, `id="checklist"`, "Departments created", `href="/users/new"`)
	for _, u := range []struct{ name, role string }{{"vera", "viewer"}, {"dana", "department_admin"}} {
		c.do("POST", "/api/v1/users", map[string]any{"username": u.name, "full_name": u.name, "email": u.name + "@acme.test",
			"role": u.role, "department_id": dept, "modules": []string{"mail", "parcels"}, "language": "en"}).must(t, http.StatusCreated)
		s.activate(u.name+"@acme.test", "Welcome", "rainy tuesday blue teapot")
	}
	c.get("/").must(t, http.StatusOK, `id="checklist"`, "Users added", `href="/account"`)

	viewer := s.client()
	viewer.signIn(t, "vera", "rainy tuesday blue teapot")
	home = viewer.get("/").must(t, http.StatusOK, `href="/documents"`, "Your department: Sales.")
	if strings.Contains(home.body, "Send PDF documents") || strings.Contains(home.body, "Create parcel labels") || strings.Contains(home.body, `id="checklist"`) {
		t.Errorf("a Viewer's home page offers what they cannot do:\n%s", home.body)
	}
	da := s.client()
	da.signIn(t, "dana", "rainy tuesday blue teapot")
	da.get("/").must(t, http.StatusOK, "You manage the department Sales.", "Send PDF documents")

	// Once the trial has ended on the plan chosen, every step is done.
	clock.Add(int64(31 * 24 * time.Hour))
	c = s.client()
	c.signIn(t, "boss", adminPassword)
	if home = c.get("/").must(t, http.StatusOK); strings.Contains(home.body, `id="checklist"`) {
		t.Errorf("the checklist stays once every step is done")
	}
}
