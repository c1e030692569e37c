// The detail history of documents and labels (the history table, L4).

package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"portail"
)

// insertChange writes a line of an item's detail history (L4); actorID 0
// is the system. Every status change of a document or label is recorded
// here, so here too its webhook event is written (D10): the history line
// and the event commit together, whichever service made the change. The
// item is read back, so the change's UPDATE must come before.
func insertChange(tx *Tx, accountID int64, kind portail.SubjectKind, id, actorID int64, change, from, to string) error {
	_, err := tx.exec(`INSERT INTO history (account_id, subject_kind, subject_id, at, actor_id, change, from_value, to_value)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, accountID, string(kind), id, micros(tx.now), nullID(actorID), change, from, to)
	if err != nil {
		return err
	}
	return emitStatusEvent(tx, accountID, kind, id, change, from, to)
}

// insertSystemChange writes a change no user made, named by the part of
// the system that made it.
func insertSystemChange(tx *Tx, accountID int64, kind portail.SubjectKind, id int64, system, change, from, to string) error {
	return insertSystemChangeAt(tx, tx.now, accountID, kind, id, system, change, from, to)
}

// insertSystemChangeAt is insertSystemChange at a moment its actor
// reported (a print partner's event), not at the transaction's.
func insertSystemChangeAt(tx *Tx, at time.Time, accountID int64, kind portail.SubjectKind, id int64, system, change, from, to string) error {
	_, err := tx.exec(`INSERT INTO history (account_id, subject_kind, subject_id, at, actor_id, actor_system, change, from_value, to_value)
		VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)`, accountID, string(kind), id, micros(at), system, change, from, to)
	if err != nil {
		return err
	}
	return emitStatusEvent(tx, accountID, kind, id, change, from, to)
}

// listChanges returns a page of an item's history, oldest first; the
// cursor is the id of the last change of the previous page.
func listChanges(ctx context.Context, db *DB, accountID int64, kind portail.SubjectKind, id int64, limit int, cursor string) ([]*portail.Change, string, error) {
	page := portail.HistoryPage{Limit: limit, Cursor: cursor}
	if err := page.Validate(); err != nil {
		return nil, "", err
	}
	limit = page.Size()
	var after int64
	if cursor != "" {
		var err error
		if after, err = decodeIDCursor(cursor); err != nil {
			return nil, "", err
		}
		if after < 0 {
			return nil, "", badCursor()
		}
	}
	type row struct {
		id     int64
		change *portail.Change
	}
	rows, next, err := readPage(ctx, db, pageQuery[row]{
		q: `SELECT id, at, actor_id, ` + nameColumns("history.actor_id", "history.account_id") + `, actor_system, change, from_value, to_value FROM history
			WHERE subject_kind = ? AND subject_id = ? AND account_id = ? AND id > ? ORDER BY id LIMIT ` + strconv.Itoa(limit+1),
		args: []any{string(kind), id, accountID, after}, limit: limit,
		scan: func(r interface{ Scan(...any) error }) (row, error) {
			var c portail.Change
			var hid, at int64
			var actor sql.NullInt64
			if err := r.Scan(&hid, &at, &actor, &c.ActorName.FullName, &c.ActorName.Username, &c.System, &c.Change, &c.From, &c.To); err != nil {
				return row{}, err
			}
			c.At, c.ActorID = fromMicros(at), actor.Int64
			if name, ok := PartnerOfActor(c.System); ok {
				c.System, c.Partner = "", name
			}
			return row{hid, &c}, nil
		},
		cursor: func(_ *Tx, last row) (string, error) { return encodeIDCursor(last.id), nil },
	})
	if err != nil {
		return nil, "", err
	}
	out := make([]*portail.Change, len(rows))
	for i, r := range rows {
		out[i] = r.change
	}
	return out, next, nil
}
