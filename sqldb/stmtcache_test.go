package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// oneConnection is a SQLite database of one connection, every statement
// on it, holding an empty table t (n INTEGER).
func oneConnection(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openSQLite("file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(context.Background(), `CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestStatementCache runs the cases a per-connection statement cache can
// get wrong on one SQLite connection: the same text again (answered by
// the kept statement, with new arguments), the same text while its rows
// are still open, more texts than the cache holds, and an error.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db := oneConnection(t)
	for i := range 5 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (n) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	for _, want := range []int{3, 1, 4} { // one text, several arguments
		if err := db.QueryRowContext(ctx, `SELECT n FROM t WHERE n = ?`, want).Scan(&n); err != nil || n != want {
			t.Fatalf("n = %d, %v; want %d", n, err, want)
		}
	}

	// The same text inside the loop over its own rows.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT n FROM t WHERE n >= ? ORDER BY n`, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []int
	for rows.Next() {
		var v, c int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT n FROM t WHERE n >= ? ORDER BY n`, v).Scan(&c); err != nil {
			t.Fatal(err)
		}
		outer, inner = append(outer, v), append(inner, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[0 1 2 3 4]" || fmt.Sprint(inner) != "[0 1 2 3 4]" {
		t.Fatalf("outer %v, inner %v", outer, inner)
	}

	// Past the cache's bound every text still runs, the kept ones too.
	for i := range maxCachedStmts + 20 {
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT n + %d FROM t WHERE n = ?`, i), 2).Scan(&n); err != nil || n != 2+i {
			t.Fatalf("text %d: n = %d, %v", i, n, err)
		}
	}
	if err := db.QueryRowContext(ctx, `SELECT n + 0 FROM t WHERE n = ?`, 4).Scan(&n); err != nil || n != 4 {
		t.Fatalf("kept text: n = %d, %v", n, err)
	}

	// A failing statement is not kept; the connection goes on.
	if _, err := db.ExecContext(ctx, `INSERT INTO missing (n) VALUES (1)`); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE missing (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO missing (n) VALUES (1)`); err != nil {
		t.Fatalf("after the table exists: %v", err)
	}
	// A kept statement follows a change of the schema (SQLite prepares it
	// again by itself).
	if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN m INTEGER DEFAULT 7`); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT n FROM t WHERE n = ?`, 1).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after ALTER: n = %d, %v", n, err)
	}
	var m int
	if err := db.QueryRowContext(ctx, `SELECT m FROM t WHERE n = ?`, 1).Scan(&m); err != nil || m != 7 {
		t.Fatalf("new column: m = %d, %v", m, err)
	}
}

// TestStatementCacheEvicts: once the cache is full, a new text takes the
// place of the statement least recently used; a text in steady use stays
// prepared however many others come by.
func TestStatementCacheEvicts(t *testing.T) {
	ctx := context.Background()
	db := oneConnection(t)
	const hot = `SELECT count(*) FROM t`
	text := func(i int) string { return fmt.Sprintf(`SELECT n FROM t WHERE n = %d`, i) }
	run := func(q string) {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	const others = 2*maxCachedStmts + 10
	for i := range others {
		if i%10 == 0 {
			run(hot)
		}
		run(text(i))
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*stmtConn)
		if len(c.stmts) != maxCachedStmts {
			t.Errorf("%d statements kept, want %d", len(c.stmts), maxCachedStmts)
		}
		if c.stmts[hot] == nil {
			t.Error("the text in steady use was evicted")
		}
		if c.stmts[text(0)] != nil {
			t.Error("the oldest text is still kept")
		}
		if c.stmts[text(others-1)] == nil {
			t.Error("the latest text, met with the cache full, is not kept")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
