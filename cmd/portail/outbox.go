package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"portail"
	"portail/mail"
	"portail/sqldb"
)

// runOutbox reads the outbox: how an operator finishes an invitation on an
// installation without SMTP (C8).
func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: portail outbox list | portail outbox show ID")
	}
	fs := flag.NewFlagSet("outbox "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", env("PORTAIL_DB", defaultDB), "database: a SQLite file path (or sqlite:PATH) or a postgres:// URL (env PORTAIL_DB)")
	limit := fs.Int("limit", 100, "list: how many e-mails, newest first")
	base := fs.String("base-url", env("PORTAIL_BASE_URL", ""), "public address the links start with (env PORTAIL_BASE_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, err := sqldb.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	warnKeyCollisions(d, stderr)
	outbox := sqldb.NewOutboxService(d)
	switch args[0] {
	case "list":
		if *limit < 1 || *limit > portail.MaxPageSize {
			return fmt.Errorf("--limit: want 1 to %d", portail.MaxPageSize)
		}
		emails, _, err := outbox.ListAll(ctx, *limit, "")
		if err != nil {
			return err
		}
		for _, e := range emails {
			m, err := mail.Render(e, *base)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\n", e.ID, e.Status, e.To, m.Subject, e.CreatedAt.Format(time.RFC3339))
		}
		return nil
	case "show":
		if fs.NArg() != 1 {
			return errors.New("usage: portail outbox show ID")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("bad id %q", fs.Arg(0))
		}
		e, err := outbox.Find(ctx, id)
		if err != nil {
			return describe(err)
		}
		m, err := mail.Render(e, *base)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "ID: %d\nStatus: %s\nTo: %s\nSubject: %s\nCreated-At: %s\nAttempts: %d\n",
			e.ID, e.Status, e.To, m.Subject, e.CreatedAt.Format(time.RFC3339), e.Attempts)
		if e.SentAt != nil {
			fmt.Fprintf(stdout, "Sent-At: %s\n", e.SentAt.Format(time.RFC3339))
		}
		if e.LastError != "" {
			fmt.Fprintf(stdout, "Last-Error: %s\n", e.LastError)
		}
		fmt.Fprintf(stdout, "\n%s", m.Text)
		return nil
	}
	return fmt.Errorf("unknown outbox command %q: use list or show", args[0])
}

// warnKeyCollisions tells the operator of the users whose identities the
// migrations found to collide, whichever command opened the database
// first after an upgrade: the migration runs only once.
func warnKeyCollisions(d *sqldb.DB, stderr io.Writer) {
	for _, c := range d.KeyCollisions() {
		fmt.Fprintln(stderr, "warning:", c.String())
	}
}
