// Package testdb opens fresh databases for tests: a SQLite file in a
// temporary directory, and a PostgreSQL schema of its own on the server
// named by PORTAIL_TEST_POSTGRES (default: the local test database).
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portail/internal/racetest"

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

// SlowDSN is DSN, but for PostgreSQL the connections go through a loopback
// proxy that delays every packet by delay in each direction, as a database
// on another machine would: the window between a check and its act widens
// and races show. SQLite, in process, gets its plain DSN.
func SlowDSN(tb testing.TB, dialect string, delay time.Duration) string {
	tb.Helper()
	dsn := DSN(tb, dialect)
	if dialect == "sqlite" {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	u.Host = racetest.NewDelayProxy(tb, target, delay).Addr()
	return u.String()
}
