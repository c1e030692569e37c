package sqldb

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"portail"
)

// errUnavailable is what a caller sees while the database cannot be
// reached: a 503 with Retry-After, since the request itself was fine.
var errUnavailable = &portail.Error{Code: portail.EUNAVAILABLE,
	Message: "The service is unavailable for a moment. Try again shortly.", RetryAfter: 5}

// unavailable marks err as the database being unreachable, keeping the
// cause for the logs.
func unavailable(err error) error { return fmt.Errorf("%w: %w", errUnavailable, err) }

// unreachable marks err as unavailable when it is the loss of the
// connection (or the pool closed), and returns any other error as is. It
// is judged by error types, never by message text. A deadline passed
// mid-query is a net.Error too: a database too slow to answer in time is
// unavailable for that request.
func (db *DB) unreachable(err error) error {
	if err == nil || portail.ErrorCode(err) != portail.EINTERNAL {
		return err
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	switch {
	case db.closed.Load(), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), // the server went away mid-answer
		errors.As(err, &netErr), errors.As(err, &connectErr), pgconn.SafeToRetry(err):
		return unavailable(err)
	case errors.As(err, &pgErr):
		// Class 08, connection exception; 57P01-03, the server shutting
		// down, restarting or not yet accepting connections.
		if strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" {
			return unavailable(err)
		}
	}
	return err
}

// isUniqueViolation reports whether err is a unique-constraint violation,
// judged by the drivers' error codes, never by message text.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
