package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"portail"
)

// ProcessingService implements portail.ProcessingService: the system's
// side of moving documents and labels along their statuses.
type ProcessingService struct{ db *DB }

// NewProcessingService returns the processing service of db.
func NewProcessingService(db *DB) *ProcessingService { return &ProcessingService{db} }

var _ portail.ProcessingService = (*ProcessingService)(nil)

func subjectTable(kind portail.SubjectKind) (string, error) {
	switch kind {
	case portail.SubjectDocument:
		return "documents", nil
	case portail.SubjectLabel:
		return "labels", nil
	}
	return "", fmt.Errorf("unknown subject kind %q", kind)
}

// Waiting returns the ids of up to limit items of kind in status, last
// changed before before, longest waiting first, across accounts.
func (s *ProcessingService) Waiting(ctx context.Context, kind portail.SubjectKind, status string, before time.Time, limit int) ([]int64, error) {
	table, err := subjectTable(kind)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.db.readTx(ctx, func(tx *Tx) error {
		due, args := waitOver(kind, status, tx.now)
		order := "updated_at, id"
		if due != "" {
			order = "cancel_until, id" // the longest due first, along documents_due
		}
		var err error
		ids, err = tx.ids(`SELECT id FROM `+table+` WHERE status = ? AND updated_at < ?`+due+` ORDER BY `+order+` LIMIT `+
			strconv.Itoa(limit), append([]any{status, micros(before)}, args...)...)
		return err
	})
	return ids, err
}

// waitOver is the condition a received letter must meet besides its
// status to be taken: its wait is over (SPEC §9 Wave-2 details 2). It is
// part of the conditional UPDATE too, so that a letter whose sender
// changed it since it was listed is not taken early; a letter waiting
// for a fix (action_required, no deadline) or cancelled is never taken.
func waitOver(kind portail.SubjectKind, status string, now time.Time) (string, []any) {
	if kind != portail.SubjectDocument || status != string(portail.DocumentReceived) {
		return "", nil
	}
	return ` AND cancel_until IS NOT NULL AND cancel_until <= ?`, []any{micros(now)}
}

// Advance moves an item from one status to another with a conditional
// UPDATE: only the process whose UPDATE finds the item still in from
// moves it, so concurrent processes never make the same move twice. The
// history line, by the system, commits with the move. EINVALID.
func (s *ProcessingService) Advance(ctx context.Context, kind portail.SubjectKind, id int64, from, to string) (bool, error) {
	table, err := subjectTable(kind)
	if err != nil {
		return false, err
	}
	if !kind.CanMove(from, to) {
		return false, portail.Errorf(portail.EINVALID, "A %s cannot go from %s to %s.", kind, from, to)
	}
	moved := false
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var accountID int64
		due, args := waitOver(kind, from, tx.now)
		set := ""
		if kind == portail.SubjectDocument && to == string(portail.DocumentReceived) {
			// A letter the system accepts has no wait of its own left (one
			// given back by a partner keeps its passed deadline): it is due.
			set = `, accepted_at = COALESCE(accepted_at, ` + strconv.FormatInt(micros(tx.now), 10) + `), cancel_until = COALESCE(cancel_until, ` +
				strconv.FormatInt(micros(tx.now), 10) + `)`
		}
		err := tx.queryRow(`UPDATE `+table+` SET status = ?, updated_at = ?`+set+` WHERE id = ? AND status = ?`+due+` RETURNING account_id`,
			append([]any{to, micros(tx.now), id, from}, args...)...).Scan(&accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another process moved it first, or it is gone
		} else if err != nil {
			return err
		}
		moved = true
		return insertSystemChange(tx, accountID, kind, id, portail.SystemFrom(ctx), portail.ChangeStatus, from, to)
	})
	return moved, err
}
