package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"portail/jobs"
	"portail/sqldb"
)

// providerClient makes the requests to single sign-on providers. The
// addresses come from an account admin (the issuer) and from the
// provider's discovery document, so, as for webhooks, none may reach
// loopback or private addresses unless allowPrivate: an account admin
// must not make the server call the installation's own network.
func providerClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: jobs.PublicOnly(allowPrivate, "--sso-allow-private")}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true,
	}}
}

// runUsers is `portail users SUBCOMMAND`.
func runUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sso-bypass" {
		return usersSSOBypass(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, "usage: portail users sso-bypass [--db DB] [--base-url URL] USERNAME")
	return fmt.Errorf("unknown users command")
}

// usersSSOBypass is `portail users sso-bypass --db … USERNAME`, the
// break-glass of an account that requires SSO when its provider fails:
// it prints a one-time reset link (and its recovery code) for the user,
// who may then sign in with a password for a day (Wave-2 details 13).
func usersSSOBypass(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("users sso-bypass", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbFlag := fs.String("db", env("PORTAIL_DB", "data/portail.db"), "database: a file path, sqlite:PATH or postgres://…")
	base := fs.String("base-url", env("PORTAIL_BASE_URL", "http://127.0.0.1:8080"), "public address the link starts with")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: portail users sso-bypass [--db DB] [--base-url URL] USERNAME")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("name one user")
	}
	db, err := sqldb.Open(ctx, *dbFlag)
	if err != nil {
		return err
	}
	defer db.Close()
	token, code, err := db.SSOBypass(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s/reset-password?token=%s\nRecovery code: %s\n", strings.TrimRight(*base, "/"), url.QueryEscape(token), code)
	fmt.Fprintln(stdout, "The link works once, for an hour; with it the user sets a password and may sign in with it for 24 hours although the account requires single sign-on.")
	return nil
}
