package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"portail"
)

// enqueueEmail writes an e-mail to the outbox in the caller's transaction
// (C8): it is sent if and only if the change that caused it commits.
func enqueueEmail(tx *Tx, accountID, userID int64, to, lang string, tpl portail.EmailTemplate, p portail.EmailParams) error {
	params, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO outbox (account_id, user_id, to_addr, template, language, params, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, nullID(accountID), nullID(userID), to, string(tpl), lang, string(params),
		micros(tx.now), micros(tx.now))
	return err
}

const emailColumns = `id, account_id, user_id, to_addr, template, language, params, status, attempts, last_error, created_at, sent_at`

func scanEmail(row interface{ Scan(...any) error }) (*portail.Email, error) {
	var e portail.Email
	var acct, user, sent sql.NullInt64
	var tpl, params string
	var created int64
	if err := row.Scan(&e.ID, &acct, &user, &e.To, &tpl, &e.Language, &params, &e.Status, &e.Attempts, &e.LastError, &created, &sent); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(params), &e.Params); err != nil {
		return nil, err
	}
	e.AccountID, e.UserID, e.Template = acct.Int64, user.Int64, portail.EmailTemplate(tpl)
	e.CreatedAt, e.SentAt = fromMicros(created), timePtr(sent)
	return &e, nil
}

// OutboxService implements portail.OutboxService and the delivery side used
// by the outbox job.
type OutboxService struct{ db *DB }

// NewOutboxService returns the outbox of db.
func NewOutboxService(db *DB) *OutboxService { return &OutboxService{db} }

var _ portail.OutboxService = (*OutboxService)(nil)

// ListEmails returns the caller's account's e-mails, newest first (admins).
func (s *OutboxService) ListEmails(ctx context.Context, limit int, cursor string) ([]*portail.Email, string, error) {
	a := portail.CallerFrom(ctx).Actor
	if !portail.Can(a, portail.ActViewOutbox, portail.Resource{AccountID: a.AccountID}) {
		return nil, "", portail.ErrForbidden()
	}
	return s.list(ctx, a.AccountID, limit, cursor)
}

// ListAll returns every e-mail of the installation, newest first, for the
// operator's command line.
func (s *OutboxService) ListAll(ctx context.Context, limit int, cursor string) ([]*portail.Email, string, error) {
	return s.list(ctx, 0, limit, cursor)
}

func (s *OutboxService) list(ctx context.Context, accountID int64, limit int, cursor string) ([]*portail.Email, string, error) {
	if limit < 0 || limit > portail.MaxPageSize {
		// Refused as every list does: a silent clamp answers another
		// number of items than asked for.
		return nil, "", &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: "limit", Message: "Use a limit between 1 and 200."}}}
	}
	if limit == 0 {
		limit = portail.DefaultPageSize
	}
	q, args := `SELECT `+emailColumns+` FROM outbox WHERE 1 = 1`, []any{}
	if accountID != 0 {
		q, args = q+` AND account_id = ?`, append(args, accountID)
	}
	if cursor != "" {
		before, err := decodeIDCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		q, args = q+` AND id < ?`, append(args, before)
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	return readPage(ctx, s.db, pageQuery[*portail.Email]{q: q, args: args, limit: limit, scan: scanEmail,
		cursor: func(_ *Tx, last *portail.Email) (string, error) { return encodeIDCursor(last.ID), nil }})
}

// FindEmail returns one e-mail of the caller's account (admins). ENOTFOUND.
// CountUnsent counts the e-mails of every account still waiting or given
// up on, by status: the figures operators watch (/metrics).
func (s *OutboxService) CountUnsent(ctx context.Context) (map[string]int, error) {
	out := map[string]int{portail.EmailPending: 0, portail.EmailFailed: 0}
	err := s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT status, COUNT(*) FROM outbox WHERE status IN ('pending', 'failed') GROUP BY status`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			out[st] = n
		}
		return rows.Err()
	})
	return out, err
}

func (s *OutboxService) FindEmail(ctx context.Context, id int64) (*portail.Email, error) {
	a := portail.CallerFrom(ctx).Actor
	if !portail.Can(a, portail.ActViewOutbox, portail.Resource{AccountID: a.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	return s.find(ctx, a.AccountID, id)
}

// Find returns any e-mail, for the command line. ENOTFOUND.
func (s *OutboxService) Find(ctx context.Context, id int64) (*portail.Email, error) {
	return s.find(ctx, 0, id)
}

func (s *OutboxService) find(ctx context.Context, accountID, id int64) (*portail.Email, error) {
	var e *portail.Email
	err := s.db.readTx(ctx, func(tx *Tx) error {
		q, args := `SELECT `+emailColumns+` FROM outbox WHERE id = ?`, []any{id}
		if accountID != 0 {
			q, args = q+` AND account_id = ?`, append(args, accountID)
		}
		var err error
		e, err = scanEmail(tx.queryRow(q, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return portail.ErrNotFound("E-mail")
		}
		return err
	})
	return e, err
}

// outboxQueue is the outbox as a queue that delivery workers claim.
const outboxQueue claimQueue = "outbox"

// Claim leases up to n due e-mails to one new claim for lease; each
// e-mail carries the claim (Email.Claim), which its worker renews before
// each send and presents to MarkSent or MarkFailed. A lease that runs out
// (the process died or stalled mid-send) makes the e-mail due again, and
// the claim of whoever takes it next fences the first claimant out.
// Claims are disjoint across processes: SKIP LOCKED on PostgreSQL, the one
// writer on SQLite.
func (s *OutboxService) Claim(ctx context.Context, n int, lease time.Duration) ([]*portail.Email, error) {
	var out []*portail.Email
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		ids, err := tx.ids(`SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? AND `+claimFree+`
			ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(n)+skipLocked(tx),
			micros(tx.now), micros(tx.now))
		if err != nil {
			return err
		}
		c, err := outboxQueue.claim(tx, ids, lease, "attempts = attempts + 1")
		if err != nil {
			return err
		}
		for _, id := range ids {
			e, err := scanEmail(tx.queryRow(`SELECT `+emailColumns+` FROM outbox WHERE id = ?`, id))
			if err != nil {
				return err
			}
			e.Claim = c
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Renew extends the claim on e to lease from now, while e's worker still
// holds it; portail.ErrClaimLost when another worker claimed e since, or
// e is settled.
func (s *OutboxService) Renew(ctx context.Context, e *portail.Email, lease time.Duration) error {
	c := e.Claim
	err := s.db.writeTx(ctx, func(tx *Tx) error { return outboxQueue.renew(tx, e.ID, &c, lease) })
	if err == nil {
		e.Claim = c
	}
	return err
}

// MarkSent records a delivery, erases the e-mail's secrets and logs a
// notification_sent entry for the user it went to, if e's claim still
// holds the e-mail; portail.ErrClaimLost, changing nothing, if another
// worker claimed it since.
func (s *OutboxService) MarkSent(ctx context.Context, e *portail.Email) error {
	params, err := json.Marshal(e.Params.Redact())
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := outboxQueue.settle(tx, e.ID, e.Claim, `status = 'sent', sent_at = ?, last_error = '', params = ?`,
			micros(tx.now), string(params)); err != nil {
			return err
		}
		if e.AccountID == 0 {
			return nil
		}
		return logActivity(tx, portail.Caller{}, e.AccountID, e.UserID, portail.ActivityNotificationSent,
			portail.Detail{}.Add("template", string(e.Template)).Add("to", e.To))
	})
}

// MarkFailed records a failed attempt; the e-mail is tried again at retry,
// or given up (failed) when retry is zero. Like MarkSent it needs e's
// claim to still hold the e-mail (portail.ErrClaimLost).
func (s *OutboxService) MarkFailed(ctx context.Context, e *portail.Email, cause error, retry time.Time) error {
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if retry.IsZero() {
			return outboxQueue.settle(tx, e.ID, e.Claim, `status = 'failed', last_error = ?`, msg)
		}
		return outboxQueue.settle(tx, e.ID, e.Claim, `last_error = ?, next_attempt_at = ?`, msg, micros(retry))
	})
}
