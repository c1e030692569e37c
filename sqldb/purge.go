package sqldb

import (
	"context"
	"time"

	"portail"
)

// purgeRule deletes one kind of row past its retention: the rows of table
// matching where, whose one argument is a cutoff computed from now.
type purgeRule struct {
	kind   string // the key of PurgeExpired's counts
	table  string
	key    string // the primary key's columns
	where  string
	cutoff func(now time.Time) []any
}

func before(d time.Duration) func(time.Time) []any {
	return func(now time.Time) []any { return []any{micros(now.Add(-d))} }
}

// purgeRules are what the purge job deletes (retention.go). Each where has
// an index of migration 0008 (or outbox_due, or 0021 for webhooks) to
// find its rows.
var purgeRules = []purgeRule{
	// A live session (not ended, not expired) matches neither rule.
	{"sessions", "sessions", "id", `expires_at < ?`, before(portail.SessionRetention)},
	{"sessions", "sessions", "id", `ended_at < ?`, before(portail.SessionRetention)},
	// A live link is neither used nor expired.
	{"user_tokens", "user_tokens", "id", `expires_at < ?`, before(portail.TokenRetention)},
	{"user_tokens", "user_tokens", "id", `used_at < ?`, before(portail.TokenRetention)},
	// Counters the throttle has forgotten (no failure for ThrottleForgetAfter)
	// and that lock nothing; a lock never outlasts ThrottleForgetAfter, the
	// second condition only guards against a clock that jumped.
	{"login_throttle", "login_throttle", "key", `updated_at < ? AND locked_until < ?`, func(now time.Time) []any {
		return []any{micros(now.Add(-portail.ThrottleForgetAfter)), micros(now)}
	}},
	// A second step's token is dead once expired (used ones expire too).
	{"mfa_tokens", "mfa_tokens", "id", `expires_at < ?`, before(portail.TokenRetention)},
	{"known_devices", "known_devices", "user_id, token_hash", `last_used_at < ?`, before(portail.KnownDeviceRetention)},
	// Pending e-mails are never purged; a given-up e-mail's last attempt
	// was due at next_attempt_at.
	{"outbox", "outbox", "id", `status = 'sent' AND sent_at < ?`, before(portail.EmailRetention)},
	{"outbox", "outbox", "id", `status = 'failed' AND next_attempt_at < ?`, before(portail.EmailRetention)},
	// A settled delivery (next_at NULL: delivered or given up) goes with
	// its attempts, then its event once no delivery of it is left. In
	// this order, which the foreign keys ask; a resend makes a delivery
	// due again, and a due one is kept with its attempts.
	{"webhook_attempts", "webhook_attempts", "id", `delivery_id IN (SELECT id FROM webhook_deliveries
		WHERE next_at IS NULL AND created_at < ?)`, before(portail.WebhookRetention)},
	{"webhook_deliveries", "webhook_deliveries", "id", `next_at IS NULL AND created_at < ?
		AND NOT EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.delivery_id = webhook_deliveries.id)`, before(portail.WebhookRetention)},
	{"webhook_events", "webhook_events", "id", `created_at < ?
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`, before(portail.WebhookRetention)},
	// A proof of an older version of its letter is never shown again
	// (proof_version only grows): its row goes, and its picture with the
	// orphans (jobs/blobsweep.go).
	{"document_proofs", "document_proofs", "document_id, version, page", `created_at < ? AND version <
		(SELECT d.proof_version FROM documents d WHERE d.id = document_proofs.document_id)`, before(0)},
	// A passkey ceremony is of no use once expired (index of 0023).
	{"passkey_ceremonies", "passkey_ceremonies", "id", `expires_at < ?`, before(0)},
}

// defaultPurgeBatch bounds the rows one purge transaction deletes, so
// that writers (on SQLite, every other write) wait for one short batch at
// most.
const defaultPurgeBatch = 200

// PurgeExpired deletes the rows past their retention as of now: ended and
// expired sessions, dead invitation and reset links, forgotten throttle
// counters, long-unused known browsers, and sent or given-up e-mails
// (portail's retention.go). It deletes batch rows at a time (0: the
// default), each batch its own transaction, and pauses between batches at
// least as long as the batch took, so that writers keep the database most
// of the time. It returns how many rows it deleted of each kind.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time, batch int) (map[string]int64, error) {
	if batch <= 0 {
		batch = defaultPurgeBatch
	}
	counts := map[string]int64{}
	for _, r := range purgeRules {
		counts[r.kind] += 0
		q := `DELETE FROM ` + r.table + ` WHERE (` + r.key + `) IN (SELECT ` + r.key + ` FROM ` + r.table +
			` WHERE ` + r.where + ` LIMIT ?)`
		args := append(r.cutoff(now), batch)
		for {
			start := time.Now()
			var n int64
			err := db.writeTx(ctx, func(tx *Tx) (err error) {
				n, err = execCount(tx.exec(q, args...))
				return err
			})
			counts[r.kind] += n
			if err != nil {
				return counts, err
			}
			if n < int64(batch) {
				break
			}
			select {
			case <-ctx.Done():
				return counts, ctx.Err()
			case <-time.After(max(5*time.Millisecond, time.Since(start))): // let waiting writers in
			}
		}
	}
	return counts, nil
}
