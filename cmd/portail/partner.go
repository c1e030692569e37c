package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"portail/sqldb"
)

const partnerUsage = "usage: portail partner add|list|revoke [--db …] [NAME]"

// runPartner keeps the print partners (D9): their keys are made here, on
// the installation, never through the web.
func runPartner(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(partnerUsage)
	}
	fs := flag.NewFlagSet("partner "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", env("PORTAIL_DB", defaultDB), "database: a SQLite file path (or sqlite:PATH) or a postgres:// URL (env PORTAIL_DB)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	want := 1
	if args[0] == "list" {
		want = 0
	} else if args[0] != "add" && args[0] != "revoke" {
		return errors.New(partnerUsage)
	}
	if fs.NArg() != want {
		return errors.New(partnerUsage)
	}
	d, err := sqldb.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	ps := sqldb.NewPartnerService(d)
	switch args[0] {
	case "add":
		p, key, err := ps.CreatePartner(ctx, fs.Arg(0))
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stderr, "partner %q created; its key is shown once, keep it:\n", p.Name)
		fmt.Fprintln(stdout, key)
	case "list":
		list, err := ps.ListPartners(ctx)
		if err != nil {
			return err
		}
		for _, p := range list {
			state := "active"
			if p.RevokedAt != nil {
				state = "revoked " + p.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", p.Name, p.CreatedAt.Format(time.RFC3339), state)
		}
	case "revoke":
		if err := ps.RevokePartner(ctx, fs.Arg(0)); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "partner %q revoked\n", fs.Arg(0))
	}
	return nil
}
