package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// SQLite's driver parses every statement it is given, and parsing is most
// of what a light read costs: the profile of GET /me through the whole
// handler chain spent 44 % of its time in SQLite's parser (BENCHMARKS.md,
// "Peer benchmark", change 7). So each SQLite connection keeps the statements
// it has run, prepared, as pgx already does on PostgreSQL; the same text
// runs again without being parsed.
//
// maxCachedStmts bounds each connection's cache: the queries are the
// program's own texts, a few hundred at most, but texts built with a
// limit or a number of placeholders in them must not grow it without end.
// A text met once the cache is full takes the place of the statement
// least recently used, so that the texts in use stay prepared however
// many others came by.
const maxCachedStmts = 256

// openSQLite opens a pool of SQLite connections that cache their
// prepared statements.
func openSQLite(dsn string) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", dsn) // opens no connection
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(stmtConnector{dsn: dsn, drv: drv}), nil
}

type stmtConnector struct {
	dsn string
	drv driver.Driver
}

func (c stmtConnector) Driver() driver.Driver { return c.drv }

func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite driver: connection lacks the context methods")
	}
	return &stmtConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

// sqliteConn is what the SQLite driver's connection offers and the pool
// uses. stmtConn embeds it but not its QueryContext and ExecContext,
// which it replaces.
type sqliteConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtConn is one connection and its statements. database/sql hands a
// connection to one goroutine at a time, so the map needs no lock.
type stmtConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
	clock uint64 // counts the statements taken: the age of a last use
}

type cachedStmt struct {
	stmt driver.Stmt
	// busy is set while the statement's rows are open: a caller running
	// the same text meanwhile (a query inside the loop over another's
	// rows) gets a statement of its own.
	busy bool
	used uint64 // the clock at its last use
}

type stmtQuery interface {
	driver.StmtQueryContext
	driver.StmtExecContext
}

// take returns a prepared statement for query and the function that gives
// it back: to the cache, or to be finalised when it is not kept.
func (c *stmtConn) take(ctx context.Context, query string) (stmtQuery, func(), error) {
	c.clock++
	if cs := c.stmts[query]; cs != nil && !cs.busy {
		cs.busy, cs.used = true, c.clock
		return cs.stmt.(stmtQuery), func() { cs.busy = false }, nil
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	sq, ok := st.(stmtQuery)
	if !ok {
		st.Close()
		return nil, nil, errors.New("sqlite driver: statement lacks the context methods")
	}
	if _, held := c.stmts[query]; !held {
		if len(c.stmts) >= maxCachedStmts {
			c.evict()
		}
		if len(c.stmts) < maxCachedStmts {
			cs := &cachedStmt{stmt: st, busy: true, used: c.clock}
			c.stmts[query] = cs
			return sq, func() { cs.busy = false }, nil
		}
	}
	return sq, func() { st.Close() }, nil
}

// evict finalises the statement least recently used, unless every one is
// busy. A scan of the cache: it runs only when a new text meets a full
// cache.
func (c *stmtConn) evict() {
	var oldest string
	var found *cachedStmt
	for q, cs := range c.stmts {
		if !cs.busy && (found == nil || cs.used < found.used) {
			oldest, found = q, cs
		}
	}
	if found != nil {
		found.stmt.Close()
		delete(c.stmts, oldest)
	}
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, give, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args)
	if err != nil {
		give()
		return nil, err
	}
	return &stmtRows{Rows: rows, give: give}, nil
}

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, give, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	defer give()
	return st.ExecContext(ctx, args)
}

func (c *stmtConn) Close() error {
	var err error
	for _, cs := range c.stmts {
		err = errors.Join(err, cs.stmt.Close())
	}
	c.stmts = nil
	return errors.Join(err, c.sqliteConn.Close())
}

// stmtRows gives its statement back once closed (database/sql closes rows
// exactly once, at the end of the loop, on error, or with the Row).
type stmtRows struct {
	driver.Rows
	give func()
}

func (r *stmtRows) Close() error {
	err := r.Rows.Close()
	if r.give != nil {
		r.give()
		r.give = nil
	}
	return err
}
