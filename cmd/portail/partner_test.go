package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"portail/internal/testdb"
	"portail/sqldb"
)

// TestPartnerCommand: partner add prints a ptp_ key once, which signs the
// partner in; list shows it; revoke stops the key; refusals say why.
func TestPartnerCommand(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := testdb.DSN(t, dialect)
			ctx := context.Background()
			cli := func(args ...string) (string, error) {
				var out bytes.Buffer
				err := run(ctx, append([]string{"partner"}, args...), strings.NewReader(""), &out, io.Discard)
				return out.String(), err
			}
			out, err := cli("add", "--db", dsn, "Imprimerie Dupont")
			if err != nil {
				t.Fatal(err)
			}
			key := strings.TrimSpace(out)
			if !strings.HasPrefix(key, "ptp_") || strings.Contains(key, "\n") {
				t.Fatalf("add printed %q", out)
			}
			if _, err := cli("add", "--db", dsn, "Imprimerie Dupont"); err == nil || !strings.Contains(err.Error(), "conflict") {
				t.Errorf("same name again: %v", err)
			}
			if _, err := cli("add", "--db", dsn, "simulator"); err == nil {
				t.Error("the simulator's name was taken")
			}
			if _, err := cli("add", "--db", dsn); err == nil {
				t.Error("add without a name")
			}
			if _, err := cli("frob", "--db", dsn); err == nil {
				t.Error("unknown subcommand")
			}
			d, err := sqldb.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ps := sqldb.NewPartnerService(d)
			if p, err := ps.Authenticate(ctx, key); err != nil || p.Name != "Imprimerie Dupont" {
				t.Fatalf("authenticate: %+v %v", p, err)
			}
			if out, err := cli("list", "--db", dsn); err != nil || !strings.HasPrefix(out, "Imprimerie Dupont\t") || !strings.Contains(out, "\tactive\n") || strings.Contains(out, "ptp_") {
				t.Errorf("list %q %v", out, err)
			}
			if _, err := cli("revoke", "--db", dsn, "Imprimerie Dupont"); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.Authenticate(ctx, key); err == nil {
				t.Error("a revoked key signs in")
			}
			if out, err := cli("list", "--db", dsn); err != nil || !strings.Contains(out, "\trevoked ") {
				t.Errorf("list after revoke %q %v", out, err)
			}
			if _, err := cli("revoke", "--db", dsn, "Nobody"); err == nil {
				t.Error("revoking nobody")
			}
		})
	}
}
