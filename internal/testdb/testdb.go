// Package testdb opens fresh databases for tests: a SQLite file in a
// temporary directory, and a PostgreSQL schema of its own on the server
// named by PORTAIL_TEST_POSTGRES (default: the local test database).
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// DefaultPostgres is the local server of the development machines and CI.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects are the databases every storage test runs on.
var Dialects = []string{"sqlite", "postgres"}

// DSN returns the data source of a fresh, empty database of the dialect.
// Without a reachable PostgreSQL the test is skipped, except in CI
// (CI=true), where it fails: CI must test both databases.
func DSN(tb testing.TB, dialect string) string {
	tb.Helper()
	if dialect == "sqlite" {
		return filepath.Join(tb.TempDir(), "portail.db")
	}
	base := os.Getenv("PORTAIL_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(context.Background())
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s is required in CI: %v", base, err)
		}
		tb.Skipf("PostgreSQL not reachable at %s (set PORTAIL_TEST_POSTGRES): %v", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
