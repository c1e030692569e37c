package sqldb

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"portail"
)

// Cursors of the lists (I2): opaque to clients, they carry where the
// previous page ended, so that each page seeks its index instead of
// counting rows.

func badCursor() error {
	return &portail.Error{Code: portail.EINVALID, Message: "The cursor is not valid; start again from the first page.",
		Fields: []portail.FieldError{{Field: "cursor", Message: "Invalid cursor."}}}
}

// One codec for every list: a cursor is the sort values of the last row of
// a page, most significant first, joined by ':' (only the last may hold
// one) and base64url-encoded. Every bad cursor gets badCursor.

func encodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ":")))
}

// decodeCursor returns the n parts of c.
func decodeCursor(c string, n int) ([]string, error) {
	if len(c) > portail.MaxCursorLength {
		return nil, badCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, badCursor()
	}
	parts := strings.SplitN(string(b), ":", n)
	if len(parts) != n {
		return nil, badCursor()
	}
	return parts, nil
}

// cursorInts parses parts as integers.
func cursorInts(parts ...string) ([]int64, error) {
	out := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, badCursor()
		}
		out[i] = n
	}
	return out, nil
}

// The three kinds of cursor: (sort key, id) for a list in key order (the
// users), (time, id) for a newest-first list, and the id alone for a list
// in id order (the outbox, the histories).

func encodeKeyCursor(key string, id int64) string {
	return encodeCursor(strconv.FormatInt(id, 10), key)
}

func decodeKeyCursor(c string) (string, int64, error) {
	parts, err := decodeCursor(c, 2)
	if err != nil {
		return "", 0, err
	}
	id, err := cursorInts(parts[0])
	if err != nil {
		return "", 0, err
	}
	return parts[1], id[0], nil
}

func encodeTimeCursor(t time.Time, id int64) string {
	return encodeCursor(strconv.FormatInt(micros(t), 10), strconv.FormatInt(id, 10))
}

func decodeTimeCursor(c string) (int64, int64, error) {
	parts, err := decodeCursor(c, 2)
	if err != nil {
		return 0, 0, err
	}
	n, err := cursorInts(parts...)
	if err != nil {
		return 0, 0, err
	}
	return n[0], n[1], nil
}

func encodeIDCursor(id int64) string { return encodeCursor(strconv.FormatInt(id, 10)) }

func decodeIDCursor(c string) (int64, error) {
	parts, err := decodeCursor(c, 1)
	if err != nil {
		return 0, err
	}
	n, err := cursorInts(parts...)
	if err != nil {
		return 0, err
	}
	return n[0], nil
}

// pageQuery is a page of a list: q asks for limit+1 rows in the list's
// order, so that the extra one tells whether a next page exists.
type pageQuery[T any] struct {
	q     string
	args  []any
	limit int
	scan  func(interface{ Scan(...any) error }) (T, error)
	// cursor is the next page's cursor, after last.
	cursor func(tx *Tx, last T) (string, error)
	// then, when set, completes the page's rows in the same snapshot.
	then func(tx *Tx, page []T) error
	// ordered says that an index holds the list's exact order, so that
	// PostgreSQL must walk it and stop after the page: a table never
	// analysed yet (a fresh installation, a bulk load before autovacuum
	// came by) makes the planner guess that an account has some 40 rows,
	// and prefer reading all of them through a bitmap and sorting them
	// (10 ms instead of 0.4 ms at 10,000 users; BENCHMARKS.md, "Users list
	// on a freshly loaded PostgreSQL"). SQLite plans by the index anyway.
	ordered bool
}

// readPage reads a page in one read transaction and returns its rows with
// the cursor of the next one ("" for the last page).
func readPage[T any](ctx context.Context, db *DB, p pageQuery[T]) ([]T, string, error) {
	var out []T
	next := ""
	err := db.readTx(ctx, func(tx *Tx) error {
		if p.ordered && tx.pg {
			// For this transaction only.
			if _, err := tx.exec(`SET LOCAL enable_bitmapscan = off`); err != nil {
				return err
			}
		}
		rows, err := tx.query(p.q, p.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			item, err := p.scan(rows)
			if err != nil {
				return err
			}
			out = append(out, item)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(out) > p.limit {
			out = out[:p.limit]
			if next, err = p.cursor(tx, out[p.limit-1]); err != nil {
				return err
			}
		}
		if p.then != nil {
			return p.then(tx, out)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// byTime is the cursor of a newest-first list whose rows key gives.
func byTime[T any](key func(T) (time.Time, int64)) func(*Tx, T) (string, error) {
	return func(_ *Tx, last T) (string, error) {
		at, id := key(last)
		return encodeTimeCursor(at, id), nil
	}
}

// pageWhere adds the date range and the cursor of a newest-first list to
// where, and returns the page size.
func pageWhere(where []string, args []any, from, to *time.Time, limit int, cursor string) ([]string, []any, int, error) {
	if limit == 0 {
		limit = portail.DefaultPageSize
	}
	if from != nil {
		where, args = append(where, "created_at >= ?"), append(args, micros(*from))
	}
	if to != nil {
		where, args = append(where, "created_at < ?"), append(args, micros(*to))
	}
	if cursor != "" {
		at, id, err := decodeTimeCursor(cursor)
		if err != nil {
			return nil, nil, 0, err
		}
		where, args = append(where, "(created_at, id) < (?, ?)"), append(args, at, id)
	}
	return where, args, limit, nil
}

// listNewest reads a page of a newest-first list of table, rows matching
// where.
func listNewest[T any](ctx context.Context, db *DB, table, columns string, where []string, args []any, limit int,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) (time.Time, int64)) ([]T, string, error) {
	return readPage(ctx, db, pageQuery[T]{q: `SELECT ` + columns + ` FROM ` + table + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY created_at DESC, id DESC LIMIT ` + strconv.Itoa(limit+1), args: args, limit: limit, scan: scan, cursor: byTime(key)})
}
