// Print partners (D9): their keys, their claims on letters whose wait is
// over, and the events they report.

package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"portail"
)

// PartnerService keeps print partners and moves the letters they claim.
type PartnerService struct {
	db      *DB
	blobs   portail.BlobStore
	printer portail.PrintFiler
}

// NewPartnerService returns the partner service of db; File needs
// WithFiles.
func NewPartnerService(db *DB) *PartnerService { return &PartnerService{db: db} }

// WithFiles returns the service reading the letters' files from blobs and
// making their print-ready PDFs with printer.
func (s *PartnerService) WithFiles(blobs portail.BlobStore, printer portail.PrintFiler) *PartnerService {
	c := *s
	c.blobs, c.printer = blobs, printer
	return &c
}

var _ portail.PartnerService = (*PartnerService)(nil)

// File returns the print-ready PDF of a letter the partner claimed, its
// address page first when the recipient was typed. ENOTFOUND.
func (s *PartnerService) File(ctx context.Context, p *portail.Partner, id int64) ([]byte, error) {
	var d *portail.Document
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		d, err = claimed(tx, p, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.blobs == nil || s.printer == nil {
		return nil, errors.New("sqldb: the partner service has no files")
	}
	f, err := s.blobs.Open(ctx, d.BlobKey)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	at, ok := f.(io.ReaderAt)
	if !ok {
		return nil, errors.New("sqldb: the blob store's files cannot be read at an offset")
	}
	return s.printer.PrintFile(ctx, d, at, d.Size)
}

// PartnerActor is how a history line names a partner: in actor_system,
// the column of changes no user made (migration 0014), so that a line by
// a partner reads back with its kind and its name.
func PartnerActor(name string) string { return partnerActorPrefix + name }

const partnerActorPrefix = "partner:"

// PartnerOfActor returns the partner's name a history line's actor_system
// holds, and whether it names one.
func PartnerOfActor(system string) (string, bool) {
	return strings.CutPrefix(system, partnerActorPrefix)
}

// CreatePartner adds a partner and returns its key, shown once; only its
// hash is kept. EINVALID, ECONFLICT when the name is taken.
func (s *PartnerService) CreatePartner(ctx context.Context, name string) (*portail.Partner, string, error) {
	if err := portail.ValidatePartnerName(name); err != nil {
		return nil, "", err
	}
	key, hash := portail.NewPartnerKey()
	p := &portail.Partner{Name: name}
	err := s.db.writeTx(ctx, func(tx *Tx) (err error) {
		p.CreatedAt = tx.now
		p.ID, err = tx.insert(`INSERT INTO partners (name, key_hash, created_at) VALUES (?, ?, ?)`, name, hash, micros(tx.now))
		if isUniqueViolation(err) {
			return portail.Errorf(portail.ECONFLICT, "A partner named %q exists.", name)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return p, key, nil
}

// ListPartners returns every partner, revoked ones too, by name.
func (s *PartnerService) ListPartners(ctx context.Context) ([]*portail.Partner, error) {
	var out []*portail.Partner
	err := s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, name, created_at, revoked_at FROM partners ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p portail.Partner
			var created int64
			var revoked sql.NullInt64
			if err := rows.Scan(&p.ID, &p.Name, &created, &revoked); err != nil {
				return err
			}
			p.CreatedAt, p.RevokedAt = fromMicros(created), timePtr(revoked)
			out = append(out, &p)
		}
		return rows.Err()
	})
	return out, err
}

// RevokePartner stops a partner's key from signing in. The letters it
// holds go back to received at the claim timeout. ENOTFOUND.
func (s *PartnerService) RevokePartner(ctx context.Context, name string) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		n, err := execCount(tx.exec(`UPDATE partners SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, micros(tx.now), name))
		if err != nil {
			return err
		}
		if n != 1 {
			return portail.ErrNotFound("Partner")
		}
		return nil
	})
}

// Authenticate resolves a partner key to its partner; an unknown or
// revoked key is EUNAUTHENTICATED.
func (s *PartnerService) Authenticate(ctx context.Context, key string) (*portail.Partner, error) {
	bad := portail.Errorf(portail.EUNAUTHENTICATED, "The partner key is not valid.")
	if !strings.HasPrefix(key, portail.PartnerKeyPrefix) {
		return nil, bad
	}
	var p portail.Partner
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var created int64
		err := tx.queryRow(`SELECT id, name, created_at FROM partners WHERE key_hash = ? AND revoked_at IS NULL`,
			portail.HashToken(key)).Scan(&p.ID, &p.Name, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return bad
		}
		p.CreatedAt = fromMicros(created)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// MaxPartnerClaim is the most letters one claim takes.
const MaxPartnerClaim = 100

// Claim gives the partner up to limit received letters whose wait is
// over, the longest due first, moved to processing with a history line by
// the partner, all in one transaction. Each letter goes to exactly one
// claim across partners and processes: on PostgreSQL the due rows are
// selected FOR UPDATE SKIP LOCKED, so concurrent claims take different
// rows without waiting; SQLite's one writer runs claims one after the
// other. EINVALID for a limit outside 1–100.
func (s *PartnerService) Claim(ctx context.Context, p *portail.Partner, limit int) ([]*portail.Document, error) {
	return s.ClaimDue(ctx, p, limit, time.Time{})
}

// ClaimDue is Claim of the letters due since before (the zero time: now):
// the simulator leaves a letter its interval after its deadline, like
// every other status.
func (s *PartnerService) ClaimDue(ctx context.Context, p *portail.Partner, limit int, before time.Time) ([]*portail.Document, error) {
	if limit < 1 || limit > MaxPartnerClaim {
		var v portail.Validation
		v.Add("limit", "The limit is between 1 and 100.")
		return nil, v.Err()
	}
	var out []*portail.Document
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		out = nil
		due := tx.now
		if !before.IsZero() && before.Before(due) {
			due = before
		}
		ids, err := tx.ids(`SELECT id FROM documents WHERE status = ? AND cancel_until IS NOT NULL AND cancel_until <= ?
			ORDER BY cancel_until, id LIMIT `+strconv.Itoa(limit)+skipLocked(tx), string(portail.DocumentReceived), micros(due))
		if err != nil {
			return err
		}
		for _, id := range ids {
			var accountID int64
			err := tx.queryRow(`UPDATE documents SET status = ?, updated_at = ?, partner_id = ?, claimed_at = ?, last_event_at = ?
				WHERE id = ? AND status = ? RETURNING account_id`, string(portail.DocumentProcessing), micros(tx.now), p.ID,
				micros(tx.now), micros(tx.now), id, string(portail.DocumentReceived)).Scan(&accountID)
			if err != nil {
				return err
			}
			if err := insertPartnerChange(tx, accountID, id, p.Name, tx.now, string(portail.DocumentReceived), string(portail.DocumentProcessing)); err != nil {
				return err
			}
			d, err := findDocument(tx, accountID, id)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// insertPartnerChange writes a status change by a partner at the time it
// reported, with its webhook event, like insertSystemChange.
func insertPartnerChange(tx *Tx, accountID, id int64, partner string, at time.Time, from, to string) error {
	return insertSystemChangeAt(tx, at, accountID, portail.SubjectDocument, id, PartnerActor(partner), portail.ChangeStatus, from, to)
}

// claimed returns a document the partner claimed, its row locked until the
// transaction ends; any other document is ENOTFOUND, as if it did not
// exist.
func claimed(tx *Tx, p *portail.Partner, id int64, forUpdate bool) (*portail.Document, error) {
	lock := ""
	if tx.pg && forUpdate {
		lock = " FOR UPDATE"
	}
	var accountID int64
	err := tx.queryRow(`SELECT account_id FROM documents WHERE id = ? AND partner_id = ?`+lock, id, p.ID).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Document")
	} else if err != nil {
		return nil, err
	}
	return findDocument(tx, accountID, id)
}

// Event applies what the partner reports about a letter it claimed (the
// root rule PartnerEvent.Apply): the status, the tracking number or the
// reason, and a history line at the event's time. A repeat of the
// letter's status writes nothing. ENOTFOUND, EINVALID,
// EINVALIDTRANSITION.
func (s *PartnerService) Event(ctx context.Context, p *portail.Partner, id int64, e portail.PartnerEvent) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		d, err := claimed(tx, p, id, true)
		if err != nil {
			return err
		}
		return s.apply(tx, p, d, e)
	})
}

// apply writes the event e on the locked letter d.
func (s *PartnerService) apply(tx *Tx, p *portail.Partner, d *portail.Document, e portail.PartnerEvent) error {
	from := d.Status
	next, repeat, err := e.Apply(d)
	if err != nil || repeat {
		return err
	}
	if _, err := tx.exec(`UPDATE documents SET status = ?, updated_at = ?, last_event_at = ?, tracking_number = ?, failure_reason = ?, return_reason = ?
		WHERE id = ?`, string(next), micros(tx.now), micros(tx.now), d.TrackingNumber, d.FailureReason, d.ReturnReason, d.ID); err != nil {
		return err
	}
	return insertPartnerChange(tx, d.AccountID, d.ID, p.Name, e.When(tx.now), string(from), string(next))
}

// Move is Event for a partner that may run in several processes at
// once, as the simulator does: it applies e only while the letter is in
// from, and says whether it did, so that two processes choosing
// different events for the same letter never both move it.
func (s *PartnerService) Move(ctx context.Context, p *portail.Partner, id int64, from portail.DocumentStatus, e portail.PartnerEvent) (bool, error) {
	moved := false
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		moved = false
		d, err := claimed(tx, p, id, true)
		if err != nil || d.Status != from {
			return err
		}
		if err := s.apply(tx, p, d, e); err != nil {
			return err
		}
		moved = true
		return nil
	})
	return moved, err
}

// Claimed returns the ids of up to limit letters the partner holds in
// status, with no event since before, longest waiting first.
func (s *PartnerService) Claimed(ctx context.Context, p *portail.Partner, status portail.DocumentStatus, before time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		ids, err = tx.ids(`SELECT id FROM documents WHERE partner_id = ? AND status = ? AND last_event_at < ? ORDER BY last_event_at, id LIMIT `+
			strconv.Itoa(limit), p.ID, string(status), micros(before))
		return err
	})
	return ids, err
}

// EnsurePartner returns the partner named name, made on first use with a
// key nobody holds: an in-process partner (the simulator) never signs in.
// Several processes may make it at once; one row wins.
func (s *PartnerService) EnsurePartner(ctx context.Context, name string) (*portail.Partner, error) {
	_, hash := portail.NewPartnerKey()
	var p portail.Partner
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO partners (name, key_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			name, hash, micros(tx.now)); err != nil {
			return err
		}
		var created int64
		var revoked sql.NullInt64
		err := tx.queryRow(`SELECT id, name, created_at, revoked_at FROM partners WHERE name = ?`, name).Scan(&p.ID, &p.Name, &created, &revoked)
		p.CreatedAt, p.RevokedAt = fromMicros(created), timePtr(revoked)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Release gives back a letter the partner claimed and has not printed: it
// is received again, due at once, for the next claim (a system move).
// ENOTFOUND, EINVALIDTRANSITION once printed.
func (s *PartnerService) Release(ctx context.Context, p *portail.Partner, id int64) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		d, err := claimed(tx, p, id, true)
		if err != nil {
			return err
		}
		if d.Status != portail.DocumentProcessing {
			return portail.Errorf(portail.EINVALIDTRANSITION, "A %s letter cannot be given back.", d.Status)
		}
		return unclaim(tx, d.AccountID, id, "partner_release")
	})
}

func unclaim(tx *Tx, accountID, id int64, system string) error {
	if _, err := tx.exec(`UPDATE documents SET status = ?, updated_at = ?, partner_id = NULL, claimed_at = NULL, last_event_at = NULL WHERE id = ?`,
		string(portail.DocumentReceived), micros(tx.now), id); err != nil {
		return err
	}
	return insertSystemChange(tx, accountID, portail.SubjectDocument, id, system,
		portail.ChangeStatus, string(portail.DocumentProcessing), string(portail.DocumentReceived))
}

// ReturnStale sends back to received the letters claimed with no event
// for timeout (Wave-2 details 8), and says how many.
func (s *PartnerService) ReturnStale(ctx context.Context, timeout time.Duration) (int, error) {
	n := 0
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		n = 0
		rows, err := tx.query(`SELECT id, account_id FROM documents WHERE status = ? AND last_event_at < ? ORDER BY id`+skipLocked(tx),
			string(portail.DocumentProcessing), micros(tx.now.Add(-timeout)))
		if err != nil {
			return err
		}
		type stale struct{ id, account int64 }
		var all []stale
		for rows.Next() {
			var st stale
			if err := rows.Scan(&st.id, &st.account); err != nil {
				rows.Close()
				return err
			}
			all = append(all, st)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, st := range all {
			if err := unclaim(tx, st.account, st.id, "claim_timeout"); err != nil {
				return err
			}
		}
		n = len(all)
		return nil
	})
	return n, err
}
