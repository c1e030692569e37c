// Webhooks (D10): endpoints, the events written with the changes that
// cause them, and the delivery queue the webhook job works through.

package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/secret"
)

// WebhookService implements portail.WebhookService and the delivery side
// used by the webhook job.
type WebhookService struct {
	db   *DB
	keys *secret.Keys
	// AllowHTTP accepts http endpoints (serve --webhook-allow-private).
	AllowHTTP bool
}

// NewWebhookService returns the webhooks of db; keys seal the signing
// secrets.
func NewWebhookService(db *DB, keys *secret.Keys) *WebhookService {
	return &WebhookService{db: db, keys: keys}
}

var _ portail.WebhookService = (*WebhookService)(nil)

// emitUserEvent writes a user.* event for u, in the caller's transaction.
func emitUserEvent(tx *Tx, typ portail.WebhookEventType, u *portail.User) error {
	return emitEvent(tx, u.AccountID, typ, func() (json.RawMessage, error) { return portail.UserEventData(u) })
}

// emitStatusEvent writes the *.status_changed event of a history line
// that records a status change of a document or a label.
func emitStatusEvent(tx *Tx, accountID int64, kind portail.SubjectKind, id int64, change, from, to string) error {
	if change != portail.ChangeStatus {
		return nil
	}
	switch kind {
	case portail.SubjectDocument:
		return emitEvent(tx, accountID, portail.EventDocumentStatusChanged, func() (json.RawMessage, error) {
			d, err := findDocument(tx, accountID, id)
			if err != nil {
				return nil, err
			}
			return portail.StatusChangeData("document", portail.DocumentData(d), from, to)
		})
	case portail.SubjectLabel:
		return emitEvent(tx, accountID, portail.EventLabelStatusChanged, func() (json.RawMessage, error) {
			l, err := findLabel(tx, accountID, id)
			if err != nil {
				return nil, err
			}
			return portail.StatusChangeData("label", portail.LabelData(l), from, to)
		})
	}
	return nil
}

// emitEvent writes an event and one delivery for each enabled endpoint of
// the account subscribed to its type, in the caller's transaction: the
// event exists if and only if the change commits. An event no endpoint
// takes is not written at all (data is not even built).
func emitEvent(tx *Tx, accountID int64, typ portail.WebhookEventType, data func() (json.RawMessage, error)) error {
	hooks, err := accountWebhooks(tx, accountID, true)
	if err != nil {
		return err
	}
	var targets []int64
	for _, w := range hooks {
		if w.Subscribed(typ) {
			targets = append(targets, w.ID)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	payload, err := data()
	if err != nil {
		return err
	}
	id := "evt_" + rand.Text()
	if _, err := tx.exec(`INSERT INTO webhook_events (id, account_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, accountID, string(typ), string(payload), micros(tx.now)); err != nil {
		return err
	}
	for _, w := range targets {
		if _, err := tx.exec(`INSERT INTO webhook_deliveries (webhook_id, event_id, next_at, created_at) VALUES (?, ?, ?, ?)`,
			w, id, micros(tx.now), micros(tx.now)); err != nil {
			return err
		}
	}
	return nil
}

const webhookColumns = `id, account_id, url, events, enabled, disabled_reason, created_at`

func scanWebhook(row interface{ Scan(...any) error }, extra ...any) (*portail.Webhook, error) {
	var w portail.Webhook
	var events string
	var created int64
	if err := row.Scan(append([]any{&w.ID, &w.AccountID, &w.URL, &events, &w.Enabled, &w.DisabledReason, &created}, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, err
	}
	w.CreatedAt = fromMicros(created)
	return &w, nil
}

func accountWebhooks(tx *Tx, accountID int64, enabledOnly bool) ([]*portail.Webhook, error) {
	q := `SELECT ` + webhookColumns + ` FROM webhooks WHERE account_id = ?`
	if enabledOnly {
		q += ` AND enabled`
	}
	rows, err := tx.query(q+` ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*portail.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func findWebhook(tx *Tx, accountID, id int64) (*portail.Webhook, error) {
	w, err := scanWebhook(tx.queryRow(`SELECT `+webhookColumns+` FROM webhooks WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Webhook")
	}
	return w, err
}

// admin is the caller's actor when they may manage webhooks.
func webhookAdmin(ctx context.Context) (portail.Actor, error) {
	a := portail.CallerFrom(ctx).Actor
	if !portail.Can(a, portail.ActManageWebhooks, portail.Resource{AccountID: a.AccountID}) {
		return a, portail.ErrForbidden()
	}
	return a, nil
}

// ListWebhooks returns the account's endpoints, oldest first; never their
// secrets.
func (s *WebhookService) ListWebhooks(ctx context.Context) ([]*portail.Webhook, error) {
	a, err := webhookAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var out []*portail.Webhook
	err = s.db.readTx(ctx, func(tx *Tx) error {
		out, err = accountWebhooks(tx, a.AccountID, false)
		return err
	})
	return out, err
}

// FindWebhook returns one endpoint of the account. ENOTFOUND.
func (s *WebhookService) FindWebhook(ctx context.Context, id int64) (*portail.Webhook, error) {
	a, err := webhookAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var w *portail.Webhook
	err = s.db.readTx(ctx, func(tx *Tx) error {
		w, err = findWebhook(tx, a.AccountID, id)
		return err
	})
	return w, err
}

// CreateWebhook subscribes an endpoint and answers it with its secret,
// which is stored sealed and never shown again. EINVALID.
func (s *WebhookService) CreateWebhook(ctx context.Context, c portail.WebhookCreate) (*portail.Webhook, string, error) {
	a, err := webhookAdmin(ctx)
	if err != nil {
		return nil, "", err
	}
	events, err := c.Validate(s.AllowHTTP)
	if err != nil {
		return nil, "", err
	}
	plain := "whsec_" + rand.Text()
	sealed, err := s.keys.Seal(plain)
	if err != nil {
		return nil, "", err
	}
	list, err := json.Marshal(events)
	if err != nil {
		return nil, "", err
	}
	var w *portail.Webhook
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(`INSERT INTO webhooks (account_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
			a.AccountID, c.URL, string(list), sealed, micros(tx.now))
		if err != nil {
			return err
		}
		w, err = findWebhook(tx, a.AccountID, id)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return w, plain, nil
}

// UpdateWebhook changes an endpoint's address, events or state. Enabling
// it again clears why it was disabled and its failure streak; the
// deliveries given up on stay so (resend brings one back). EINVALID,
// ENOTFOUND.
func (s *WebhookService) UpdateWebhook(ctx context.Context, id int64, u portail.WebhookUpdate) (*portail.Webhook, error) {
	a, err := webhookAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var errURL, errEvents error
	var events []portail.WebhookEventType
	if u.URL != nil {
		errURL = portail.ValidateWebhookURL(*u.URL, s.AllowHTTP)
	}
	if u.Events != nil {
		events, errEvents = portail.ParseWebhookEvents(*u.Events)
	}
	if err := portail.JoinInvalid(errURL, errEvents); err != nil {
		return nil, err
	}
	var w *portail.Webhook
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := findWebhook(tx, a.AccountID, id)
		if err != nil {
			return err
		}
		if u.URL != nil {
			old.URL = *u.URL
		}
		if u.Events != nil {
			old.Events = events
		}
		list, err := json.Marshal(old.Events)
		if err != nil {
			return err
		}
		set, args := `url = ?, events = ?`, []any{old.URL, string(list)}
		if u.Enabled != nil && *u.Enabled != old.Enabled {
			set += `, enabled = ?, disabled_reason = '', failing_since = NULL`
			args = append(args, *u.Enabled)
		}
		if _, err := tx.exec(`UPDATE webhooks SET `+set+` WHERE id = ? AND account_id = ?`, append(args, id, a.AccountID)...); err != nil {
			return err
		}
		w, err = findWebhook(tx, a.AccountID, id)
		return err
	})
	return w, err
}

// DeleteWebhook removes an endpoint with its deliveries and their log.
// ENOTFOUND.
func (s *WebhookService) DeleteWebhook(ctx context.Context, id int64) error {
	a, err := webhookAdmin(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := findWebhook(tx, a.AccountID, id); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM webhook_attempts WHERE webhook_id = ?`,
			`DELETE FROM webhook_deliveries WHERE webhook_id = ?`, `DELETE FROM webhooks WHERE id = ?`} {
			if _, err := tx.exec(q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// WebhookAttempts lists an endpoint's delivery log, newest first; the
// cursor is the id of the last attempt of the previous page. ENOTFOUND.
func (s *WebhookService) WebhookAttempts(ctx context.Context, id int64, limit int, cursor string) ([]*portail.WebhookAttempt, string, error) {
	a, err := webhookAdmin(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit < 0 || limit > portail.MaxPageSize {
		return nil, "", &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: "limit", Message: "Use a limit between 1 and 200."}}}
	}
	if limit == 0 {
		limit = portail.DefaultPageSize
	}
	if _, err := s.FindWebhook(ctx, id); err != nil {
		return nil, "", err
	}
	q, args := `SELECT a.id, a.delivery_id, d.event_id, e.type, a.attempt, a.status_code, a.error, a.at
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id JOIN webhook_events e ON e.id = d.event_id
		JOIN webhooks w ON w.id = a.webhook_id
		WHERE a.webhook_id = ? AND w.account_id = ?`, []any{id, a.AccountID}
	if cursor != "" {
		before, err := decodeIDCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		q, args = q+` AND a.id < ?`, append(args, before)
	}
	q += ` ORDER BY a.id DESC LIMIT ` + strconv.Itoa(limit+1)
	type row struct {
		id int64
		at *portail.WebhookAttempt
	}
	rows, next, err := readPage(ctx, s.db, pageQuery[row]{q: q, args: args, limit: limit,
		scan: func(r interface{ Scan(...any) error }) (row, error) {
			var x portail.WebhookAttempt
			var aid, at int64
			var typ string
			if err := r.Scan(&aid, &x.ID, &x.EventID, &typ, &x.Attempt, &x.StatusCode, &x.Error, &at); err != nil {
				return row{}, err
			}
			x.EventType, x.At = portail.WebhookEventType(typ), fromMicros(at)
			return row{aid, &x}, nil
		},
		cursor: func(_ *Tx, last row) (string, error) { return encodeIDCursor(last.id), nil }})
	if err != nil {
		return nil, "", err
	}
	out := make([]*portail.WebhookAttempt, len(rows))
	for i, r := range rows {
		out[i] = r.at
	}
	return out, next, nil
}

// ResendDelivery makes a delivery due now, whatever became of it: a new
// attempt of the same event, which may reach the receiver twice (they
// deduplicate on Portail-Event-Id). While an attempt is under way the
// resend is refused (ECONFLICT): that attempt's outcome would overwrite
// it, and the answer would promise an attempt that never comes.
// ENOTFOUND, ECONFLICT.
func (s *WebhookService) ResendDelivery(ctx context.Context, webhookID, deliveryID int64) error {
	a, err := webhookAdmin(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM webhook_deliveries WHERE id = ? AND webhook_id = ?
			AND webhook_id IN (SELECT id FROM webhooks WHERE account_id = ?)`, deliveryID, webhookID, a.AccountID).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			return portail.ErrNotFound("Delivery")
		}
		updated, err := execCount(tx.exec(`UPDATE webhook_deliveries SET next_at = ?, given_up = FALSE WHERE id = ? AND `+claimFree,
			micros(tx.now), deliveryID, micros(tx.now)))
		if err != nil {
			return err
		}
		if updated != 1 {
			return portail.Errorf(portail.ECONFLICT, "An attempt of this delivery is under way; resend it once it has ended.")
		}
		return nil
	})
}

// webhookQueue is the deliveries as a queue the webhook workers claim.
const webhookQueue claimQueue = "webhook_deliveries"

// Claim leases up to n due deliveries of enabled endpoints to one new
// claim for lease, each with its endpoint's secret opened. Like the
// outbox: SKIP LOCKED on PostgreSQL, the one writer on SQLite; a lease
// that runs out makes the delivery due again under a new claim.
func (s *WebhookService) Claim(ctx context.Context, n int, lease time.Duration) ([]*portail.WebhookDelivery, error) {
	var out []*portail.WebhookDelivery
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		ids, err := tx.ids(`SELECT d.id FROM webhook_deliveries d
			WHERE d.next_at IS NOT NULL AND d.next_at <= ? AND `+strings.ReplaceAll(claimFree, "claimed_until", "d.claimed_until")+`
			AND d.webhook_id IN (SELECT id FROM webhooks WHERE enabled)
			ORDER BY d.next_at, d.id LIMIT `+strconv.Itoa(n)+skipLocked(tx), micros(tx.now), micros(tx.now))
		if err != nil {
			return err
		}
		c, err := webhookQueue.claim(tx, ids, lease, "attempts = attempts + 1")
		if err != nil {
			return err
		}
		for _, id := range ids {
			d := &portail.WebhookDelivery{ID: id, Claim: c}
			var sealed, typ, payload string
			var evCreated, created int64
			w, err := scanWebhook(tx.queryRow(`SELECT w.id, w.account_id, w.url, w.events, w.enabled, w.disabled_reason, w.created_at,
				w.secret, d.attempts, d.created_at, e.id, e.type, e.payload, e.created_at
				FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
				WHERE d.id = ?`, id), &sealed, &d.Attempts, &created, &d.Event.ID, &typ, &payload, &evCreated)
			if err != nil {
				return err
			}
			d.Webhook, d.CreatedAt = *w, fromMicros(created)
			d.Event.AccountID, d.Event.Type, d.Event.Data, d.Event.CreatedAt = w.AccountID, portail.WebhookEventType(typ), json.RawMessage(payload), fromMicros(evCreated)
			if d.Secret, err = s.keys.Open(sealed); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// Renew extends the claim on d to lease from now while d's worker holds
// it; portail.ErrClaimLost otherwise.
func (s *WebhookService) Renew(ctx context.Context, d *portail.WebhookDelivery, lease time.Duration) error {
	c := d.Claim
	err := s.db.writeTx(ctx, func(tx *Tx) error { return webhookQueue.renew(tx, d.ID, &c, lease) })
	if err == nil {
		d.Claim = c
	}
	return err
}

// Record writes the outcome of d's attempt, if d's claim still holds the
// delivery (portail.ErrClaimLost, changing nothing, otherwise): a line of
// the log, then delivered (a 2xx, never tried again), due again at retry,
// or given up when retry is zero. A failure keeps the endpoint's failure
// streak, and one failing for a day (portail.WebhookFailing) is disabled,
// its account's admins told by e-mail, in the same transaction.
func (s *WebhookService) Record(ctx context.Context, d *portail.WebhookDelivery, o portail.WebhookOutcome, retry time.Time) (disabled bool, err error) {
	msg := o.Error
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		disabled = false
		var set string
		var args []any
		switch {
		case o.OK():
			set, args = `delivered_at = ?, next_at = NULL, last_status_code = ?, last_error = ''`, []any{micros(tx.now), o.StatusCode}
		case retry.IsZero():
			set, args = `given_up = TRUE, next_at = NULL, last_status_code = ?, last_error = ?`, []any{o.StatusCode, msg}
		default:
			set, args = `next_at = ?, last_status_code = ?, last_error = ?`, []any{micros(retry), o.StatusCode, msg}
		}
		if err := webhookQueue.settle(tx, d.ID, d.Claim, set, args...); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, status_code, error, at) VALUES (?, ?, ?, ?, ?, ?)`,
			d.ID, d.Webhook.ID, d.Attempts, o.StatusCode, msg, micros(tx.now)); err != nil {
			return err
		}
		if o.OK() {
			_, err := tx.exec(`UPDATE webhooks SET failing_since = NULL WHERE id = ?`, d.Webhook.ID)
			return err
		}
		var since sql.NullInt64
		var enabled bool
		if err := tx.queryRow(`SELECT failing_since, enabled FROM webhooks WHERE id = ?`, d.Webhook.ID).Scan(&since, &enabled); err != nil {
			return err
		}
		if !since.Valid {
			_, err := tx.exec(`UPDATE webhooks SET failing_since = ? WHERE id = ?`, micros(tx.now), d.Webhook.ID)
			return err
		}
		if !enabled || !portail.WebhookFailing(fromMicros(since.Int64), tx.now) {
			return nil
		}
		disabled = true
		return disableWebhook(tx, &d.Webhook, "failing for a day: "+msg)
	})
	return disabled, err
}

// disableWebhook stops deliveries to w and queues, with the change, an
// e-mail to each admin of its account not deactivated.
func disableWebhook(tx *Tx, w *portail.Webhook, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	if _, err := tx.exec(`UPDATE webhooks SET enabled = FALSE, disabled_reason = ? WHERE id = ?`, reason, w.ID); err != nil {
		return err
	}
	var account string
	if err := tx.queryRow(`SELECT name FROM accounts WHERE id = ?`, w.AccountID).Scan(&account); err != nil {
		return err
	}
	rows, err := tx.query(`SELECT id, email, language, full_name FROM users WHERE account_id = ? AND role = 'admin' AND status <> 'inactive' ORDER BY id`, w.AccountID)
	if err != nil {
		return err
	}
	type admin struct {
		id                int64
		email, lang, name string
	}
	var admins []admin
	for rows.Next() {
		var x admin
		if err := rows.Scan(&x.id, &x.email, &x.lang, &x.name); err != nil {
			rows.Close()
			return err
		}
		admins = append(admins, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range admins {
		if err := enqueueEmail(tx, w.AccountID, x.id, x.email, x.lang, portail.EmailWebhookDisabled,
			portail.EmailParams{FullName: x.name, Account: account, Endpoint: w.URL}); err != nil {
			return err
		}
	}
	return nil
}
