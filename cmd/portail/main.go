// Command portail runs the portal (serve) and its administration commands.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"portail"
	"portail/sqldb"
)

const usage = `portail — a self-hosted portal for hybrid mail and parcel labels

Usage:
  portail serve  [flags]   run the web portal and the API
  portail setup  [flags]   create an account and its first admin
  portail outbox list      list e-mails: ID, status, to, subject, created at
  portail outbox show ID   print an e-mail's headers and text
  portail partner add [--db …] NAME      add a print partner; prints its key once
  portail partner list [--db …]          list the print partners
  portail partner revoke [--db …] NAME   revoke a print partner's key
  portail blobs migrate [--db …] [--from URL] --to URL
                           copy every stored file to another blob store
  portail users sso-bypass [--db …] USERNAME  print a one-time reset link for a user of an account that requires SSO (break-glass)
  portail help             show this help

Run "portail COMMAND -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "portail:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		m := NewMain()
		if err := m.ParseFlags(args[1:], stderr); err != nil {
			return err
		}
		m.Stdout = stdout
		return m.Serve(ctx)
	case "setup":
		return runSetup(ctx, args[1:], stdin, stdout, stderr)
	case "outbox":
		return runOutbox(ctx, args[1:], stdout, stderr)
	case "partner":
		return runPartner(ctx, args[1:], stdout, stderr)
	case "blobs":
		return runBlobs(ctx, args[1:], stdout, stderr)
	case "users":
		return runUsers(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

const defaultDB = "data/portail.db"

func runSetup(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", env("PORTAIL_DB", defaultDB), "database: a SQLite file path (or sqlite:PATH) or a postgres:// URL (env PORTAIL_DB)")
	account := fs.String("account", "", "the account's (company's) name")
	plan := fs.String("plan", "", "plan: starter, bronze, silver, gold, platinum or enterprise")
	trial := fs.Bool("trial", false, "start a trial: 10 users until the trial ends")
	trialDays := fs.Int("trial-days", portail.DefaultTrialDays, "length of the trial in days")
	modules := fs.String("modules", "mail,parcels,classic", "modules the account subscribes to")
	username := fs.String("admin-username", "", "the first admin's username")
	email := fs.String("admin-email", "", "the first admin's e-mail address")
	fullName := fs.String("admin-full-name", "", "the first admin's full name (default: the username)")
	language := fs.String("admin-language", portail.DefaultLanguage, "the first admin's language: fr, en or nl")
	pwStdin := fs.Bool("admin-password-stdin", false, "read the admin's password as one line on standard input")
	// Accepted so that scripts written for earlier versions keep working:
	// the invitation's link is now made when serve sends the e-mail, from
	// serve's own --base-url.
	fs.String("base-url", "", "ignored: serve's --base-url makes the links")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mods, err := portail.ParseModuleSet(*modules)
	if err != nil {
		return err
	}
	st := portail.Setup{AccountName: *account, Plan: portail.Plan(*plan), Trial: *trial, TrialDays: *trialDays,
		Modules: mods, AdminUsername: *username, AdminEmail: *email, AdminFullName: *fullName, Language: *language}
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		st.AdminPassword = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if st.AdminPassword == "" {
			return errors.New("--admin-password-stdin: standard input held no password")
		}
	}
	d, err := sqldb.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	warnKeyCollisions(d, stderr)
	acct, u, err := sqldb.NewAuthService(d).Setup(ctx, st)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "account %d %q created on plan %s with modules %s\n", acct.ID, acct.Name, acct.Plan, acct.Modules)
	if u.Status == portail.StatusActive {
		fmt.Fprintf(stdout, "admin %q is active: sign in with the password given\n", u.Username)
	} else {
		fmt.Fprintf(stdout, "admin %q is invited: the invitation e-mail is in the outbox\n", u.Username)
	}
	return nil
}

// describe turns a validation error into readable lines for the terminal.
func describe(err error) error {
	var e *portail.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return errors.New(portail.ErrorMessage(err) + " (" + portail.ErrorCode(err) + ")")
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  --%s: %s", strings.ReplaceAll(f.Field, "_", "-"), f.Message)
	}
	return errors.New(b.String())
}
