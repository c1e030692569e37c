package main

import (
	"context"
	"log/slog"
	"strings"
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
