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

// encodeCursor and decodeCursor carry the (sort key, id) of the last row
// of a page in key order (the users list).
func encodeCursor(key string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + key))
}

func decodeCursor(c string) (string, int64, error) {
	bad := badCursor()
	if len(c) > portail.MaxCursorLength {
		return "", 0, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, bad
	}
	idStr, key, ok := strings.Cut(string(b), ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil {
		return "", 0, bad
	}
	return key, id, nil
}

// encodeTimeCursor and decodeTimeCursor carry the (time, id) of the last
// row of a newest-first page.
func encodeTimeCursor(t time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(micros(t), 10) + ":" + strconv.FormatInt(id, 10)))
}

func decodeTimeCursor(c string) (int64, int64, error) {
	if len(c) > portail.MaxCursorLength {
		return 0, 0, badCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, badCursor()
	}
	atStr, idStr, _ := strings.Cut(string(b), ":")
	at, err1 := strconv.ParseInt(atStr, 10, 64)
	id, err2 := strconv.ParseInt(idStr, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, badCursor()
	}
	return at, id, nil
}

// readPage runs q, a newest-first query asking for limit+1 rows, and
// returns a page of limit rows with the cursor of the next one ("" for
// the last page).
func readPage[T any](ctx context.Context, db *DB, q string, args []any, limit int,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) (time.Time, int64)) ([]T, string, error) {
	var out []T
	err := db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			item, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, item)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		at, id := key(out[limit-1])
		next = encodeTimeCursor(at, id)
	}
	return out, next, nil
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
	return readPage(ctx, db, `SELECT `+columns+` FROM `+table+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(limit+1), args, limit, scan, key)
}
