// Package sqldb is the only package that speaks SQL. It stores portail in
// SQLite (the embedded default) or PostgreSQL (for several serve processes)
// with the same queries, and implements the services of package portail:
// each exported method asks the policy, then owns its transaction.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

//go:embed migrations
var migrationsFS embed.FS

// DB is an open database.
type DB struct {
	// write runs every write transaction. On SQLite it is a single
	// connection whose transactions begin IMMEDIATE, so writers queue in Go
	// instead of failing with SQLITE_BUSY; on PostgreSQL it is the pool.
	write *sql.DB
	read  *sql.DB // a pool of read-only connections (the same pool on PostgreSQL)
	pg    bool

	// Now is the clock; tests replace it.
	Now func() time.Time

	committer committer // group commit of activity entries

	collisions []KeyCollision // found by the migrations of this Open

	// hook, set only by tests (export_test.go), is called at named points
	// between a check made outside a transaction and the transaction that
	// acts on it, so that a test can land a change exactly there.
	hook func(point string)

	// closed is set by Close: every later call is unavailable.
	closed atomic.Bool
}

// at calls the test hook, if any, at a named point.
func (db *DB) at(point string) {
	if db.hook != nil {
		db.hook(point)
	}
}

// Postgres reports whether the database is PostgreSQL.
func (db *DB) Postgres() bool { return db.pg }

// Open opens the database named by dsn: a postgres:// (or postgresql://)
// URL selects PostgreSQL; a path, optionally prefixed with sqlite:, selects
// SQLite. It runs the migrations before returning.
func Open(ctx context.Context, dsn string) (*DB, error) { return open(ctx, dsn, 0) }

// open is Open, migrating up to version upTo when it is not 0 (tests open
// a database as an earlier release left it).
func open(ctx context.Context, dsn string, upTo int) (*DB, error) {
	db := &DB{Now: time.Now}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.pg = true
		if db.write, err = sql.Open("pgx", dsn); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(20)
		db.write.SetMaxIdleConns(20)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	} else {
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("empty database path")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, err
			}
		}
		// WAL lets readers run beside the writer; synchronous=FULL makes an
		// acknowledged commit survive a power cut, not just a crash.
		common := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
		if db.write, err = openSQLite(common + "&_pragma=journal_mode(WAL)&_txlock=immediate"); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(1)
		db.write.SetConnMaxIdleTime(0)
		if db.read, err = openSQLite(common + "&_pragma=query_only(1)"); err != nil {
			db.write.Close()
			return nil, err
		}
		// Every open reader stays open while requests keep coming: with
		// database/sql's default of 2 idle connections, a burst of more
		// readers closed the rest as each finished and opened them again,
		// every new connection reading the schema anew and starting with
		// an empty statement cache (BENCHMARKS.md, "Peer benchmark",
		// change 18). Quiet for readerIdle, a reader is closed and its
		// memory (SQLite's page cache, up to 2 MiB) given back.
		db.read.SetMaxOpenConns(maxReaders)
		db.read.SetMaxIdleConns(maxReaders)
		db.read.SetConnMaxIdleTime(readerIdle)
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := db.migrate(ctx, upTo); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// maxReaders bounds a SQLite database's reading connections, readerIdle
// how long one is kept unused.
const (
	maxReaders = 8
	readerIdle = 10 * time.Second
)

// Close closes the connections.
func (db *DB) Close() error {
	db.closed.Store(true)
	db.stopCommitter()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// goMigrations are the steps SQL cannot express, run right after the SQL
// file of their version, in the same transaction: recorded together, they
// run once, and never half.
var goMigrations = map[int]func(db *DB, tx *Tx) error{
	10: (*DB).rekeyIdentities, // keys computed by portail.NormalizeKey (Unicode, IDNA)
}

// migrate applies, in order and all in one transaction, the embedded
// migrations not yet recorded in schema_migrations, up to version upTo
// when it is not 0. On PostgreSQL an advisory lock makes processes
// starting together take turns.
func (db *DB) migrate(ctx context.Context, upTo int) error {
	names, err := db.migrationFiles()
	if err != nil {
		return err
	}
	for v := range goMigrations {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(filepath.Base(n), fmt.Sprintf("%04d_", v)) }) {
			return fmt.Errorf("migration %04d: a Go step without its SQL file would never run", v)
		}
	}
	return db.writeTx(ctx, func(tx *Tx) error {
		if db.pg {
			if _, err := tx.exec(`SELECT pg_advisory_xact_lock(7001)`); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.queryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		for _, name := range names {
			v, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: name must start with its number", name)
			}
			if v <= current || upTo != 0 && v > upTo {
				continue
			}
			body, err := migrationsFS.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.tx.ExecContext(ctx, db.dialectSQL(string(body))); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if step := goMigrations[v]; step != nil {
				if err := step(db, tx); err != nil {
					return fmt.Errorf("migration %s: %w", name, err)
				}
			}
			if _, err := tx.exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, micros(db.Now())); err != nil {
				return err
			}
		}
		return nil
	})
}

// Each migration is written once, in migrations/NNNN_name.sql, for both
// databases: the few words the dialects spell differently are written in
// a neutral form that dialectSQL rewrites, as Tx.rebind rewrites ?. What a
// rewrite cannot say (SQLite rebuilding a table to change a CHECK) goes in
// migrations/{sqlite,postgres}/NNNN_name.sql, which replaces the shared
// file of that number for that dialect. TestMigrationsSameSchema checks
// that both end with the same tables, columns, indexes and uniques.
func (db *DB) migrationFiles() ([]string, error) {
	dialect := "sqlite"
	if db.pg {
		dialect = "postgres"
	}
	byNumber := map[string]string{}
	for _, dir := range []string{"migrations", "migrations/" + dialect} { // the override last
		names, err := fs.Glob(migrationsFS, dir+"/*.sql")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			base := filepath.Base(name)
			if shared, ok := byNumber[base[:min(4, len(base))]]; ok && filepath.Base(shared) != base {
				return nil, fmt.Errorf("migration %s: an override must keep the name of the shared file (%s)", name, shared)
			}
			byNumber[base[:min(4, len(base))]] = name
		}
	}
	names := slices.Collect(maps.Values(byNumber))
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	return names, nil
}

// The neutral word of the shared migrations is ID, a row id: INTEGER on
// SQLite (its rowid type; only INTEGER PRIMARY KEY is the rowid itself,
// BIGINT PRIMARY KEY would not be), BIGINT on PostgreSQL, whose key is an
// identity column.
var (
	idKey  = regexp.MustCompile(`\bID PRIMARY KEY\b`)
	idType = regexp.MustCompile(`\bID\b`)
)

// dialectSQL rewrites a shared migration's neutral words for this database.
func (db *DB) dialectSQL(body string) string {
	key, ref := "INTEGER PRIMARY KEY", "INTEGER"
	if db.pg {
		key, ref = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BIGINT"
	}
	return idType.ReplaceAllLiteralString(idKey.ReplaceAllLiteralString(body, key), ref)
}

// Tx is a transaction that rewrites ? placeholders for PostgreSQL, so the
// queries of both dialects are written once.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
	pg  bool
	now time.Time // one instant for everything the transaction writes
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.ctx, tx.rebind(q), storable(args)...)
}

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(tx.ctx, tx.rebind(q), storable(args)...)
}

// ids runs a query of one id column and returns the ids in its order:
// what every work queue claims from and every job walks.
func (tx *Tx) ids(q string, args ...any) ([]int64, error) { return column[int64](tx, q, args...) }

// column runs a query of one column and returns its values in order.
func column[T any](tx *Tx, q string, args ...any) ([]T, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (tx *Tx) queryRow(q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.ctx, tx.rebind(q), storable(args)...)
}

// storable makes every text argument one that both databases take.
// PostgreSQL refuses a NUL byte or invalid UTF-8 in text with an error
// (a 500 for whatever a client puts in a login, a search, a filter, a
// cursor or its User-Agent); SQLite takes them. Validation already
// refuses control characters in the fields people fill in; for the rest
// (lookups, filters, logged headers) NUL and invalid bytes become U+FFFD
// on both dialects alike, which no stored key holds, so a lookup finds
// nothing and a log entry keeps the readable part.
func storable(args []any) []any {
	out := args
	for i, a := range args {
		s, ok := a.(string)
		if !ok || (utf8.ValidString(s) && strings.IndexByte(s, 0) < 0) {
			continue
		}
		if len(out) > 0 && &out[0] == &args[0] {
			out = slices.Clone(args) // the caller's slice stays as it was
		}
		out[i] = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	return out
}

// insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insert(q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(q+" RETURNING id", args...).Scan(&id)
	return id, err
}

func (tx *Tx) rebind(q string) string {
	if !tx.pg || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// readRow runs one statement on the read pool, outside any transaction:
// a statement reads one snapshot, and on PostgreSQL it spares BEGIN and
// COMMIT, two round trips, each a wait for the scheduler when the cores
// are busy hashing passwords (BENCHMARKS.md, "Sign-in under load"). The
// reads every request makes go this way.
func (db *DB) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, (&Tx{pg: db.pg}).rebind(q), storable(args)...)
}

// writeTx runs fn in a write transaction, committing when it returns nil.
func (db *DB) writeTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.runTx(ctx, db.write, fn)
}

// readTx runs fn in a transaction on the read pool: one consistent snapshot.
func (db *DB) readTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.runTx(ctx, db.read, fn)
}

func (db *DB) runTx(ctx context.Context, pool *sql.DB, fn func(tx *Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		// No connection to be had: the database is down, unreachable,
		// closed or saturated past the request's deadline.
		return unavailable(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{tx: sqlTx, ctx: ctx, pg: db.pg, now: db.Now().UTC().Truncate(time.Microsecond)}
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return db.unreachable(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Times are stored as microseconds since the Unix epoch in a BIGINT on both
// databases: one representation, ordered and indexed the same way.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func execCount(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
