package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"portail"
)

// LabelService implements portail.LabelService over the database, a blob
// store for the PDFs and a renderer that draws them.
type LabelService struct {
	db     *DB
	blobs  portail.BlobStore
	render portail.LabelRenderer
}

// NewLabelService returns the label service of db.
func NewLabelService(db *DB, blobs portail.BlobStore, render portail.LabelRenderer) *LabelService {
	return &LabelService{db: db, blobs: blobs, render: render}
}

var _ portail.LabelService = (*LabelService)(nil)

var labelColumns = `id, account_id, department_id, creator_id, ` + nameColumns("labels.creator_id", "labels.account_id") + `, tracking_number, sender, recipient, weight_grams, status,
	pdf_key, created_at, updated_at`

func scanLabel(row interface{ Scan(...any) error }) (*portail.Label, error) {
	var l portail.Label
	var sender, recipient, status string
	var created, updated int64
	if err := row.Scan(&l.ID, &l.AccountID, &l.DepartmentID, &l.CreatorID, &l.CreatorName.FullName, &l.CreatorName.Username, &l.TrackingNumber, &sender, &recipient,
		&l.WeightGrams, &status, &l.PDFKey, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(sender), &l.Sender); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(recipient), &l.Recipient); err != nil {
		return nil, err
	}
	l.Status, l.CreatedAt, l.UpdatedAt = portail.LabelStatus(status), fromMicros(created), fromMicros(updated)
	return &l, nil
}

func findLabel(tx *Tx, accountID, id int64) (*portail.Label, error) {
	l, err := scanLabel(tx.queryRow(`SELECT `+labelColumns+` FROM labels WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Label")
	}
	return l, err
}

// CreateLabel takes the next S10 serial, draws and stores the PDF, then
// records the label, each step short: the serial in a transaction of its
// own so that drawing never holds the counter's lock. A label whose
// recording fails leaves its serial unused (S10 serials must be unique,
// not gapless) and its PDF unreferenced in the store. EINVALID,
// EFORBIDDEN.
func (s *LabelService) CreateLabel(ctx context.Context, c portail.LabelCreate) (*portail.Label, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	c.Normalize()
	// What the caller leaves out starts from the defaults, as on the form:
	// no sender at all is the department's default sender, an address
	// without a country is in the account's.
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if c.DepartmentID <= 0 {
			return nil // Validate says so
		}
		var country string
		if err := tx.queryRow(`SELECT country FROM accounts WHERE id = ?`, a.AccountID).Scan(&country); err != nil {
			return err
		}
		if c.Sender == (portail.Address{}) {
			if d, err := findDepartment(tx, a.AccountID, c.DepartmentID); err == nil && d.DefaultSender != nil {
				c.Sender = *d.DefaultSender
			}
		}
		for _, addr := range []*portail.Address{&c.Sender, &c.Recipient} {
			if addr.Country == "" {
				addr.Country = country
				addr.Normalize() // a Dutch postal code takes its shape
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.db.readTx(ctx, func(tx *Tx) error { return checkDepartment(tx, a.AccountID, c.DepartmentID) }); err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActCreateLabel, portail.Resource{AccountID: a.AccountID, DepartmentID: c.DepartmentID,
		OwnerID: a.UserID, Module: portail.ModuleParcels}) {
		return nil, portail.ErrForbidden()
	}
	var serial int
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		return tx.queryRow(`UPDATE counters SET value = value + 1 WHERE name = 's10_serial' RETURNING value`).Scan(&serial)
	})
	if err != nil {
		return nil, err
	}
	if serial > portail.MaxS10Serial {
		return nil, errors.New("the S10 serials are exhausted")
	}
	now := s.db.Now().UTC().Truncate(time.Microsecond)
	l := &portail.Label{AccountID: a.AccountID, DepartmentID: c.DepartmentID, CreatorID: a.UserID,
		TrackingNumber: portail.S10(portail.S10Service, serial, c.Sender.Country), Sender: c.Sender, Recipient: c.Recipient,
		WeightGrams: c.WeightGrams, Status: portail.LabelCreated, CreatedAt: now, UpdatedAt: now}
	lang := c.Language
	if !portail.ValidLanguage(lang) {
		lang = portail.DefaultLanguage
	}
	doc, err := s.render(l, lang)
	if err != nil {
		return nil, err
	}
	if l.PDFKey, _, err = s.blobs.Put(ctx, bytes.NewReader(doc)); err != nil {
		return nil, err
	}
	sender, _ := json.Marshal(l.Sender)
	recipient, _ := json.Marshal(l.Recipient)
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(`INSERT INTO labels (account_id, department_id, creator_id, tracking_number, sender, recipient,
			weight_grams, status, pdf_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.AccountID, l.DepartmentID, l.CreatorID, l.TrackingNumber, string(sender), string(recipient), l.WeightGrams,
			string(l.Status), l.PDFKey, micros(now), micros(now))
		if err != nil {
			return err
		}
		l.ID = id
		if err := tx.queryRow(`SELECT full_name, username FROM users WHERE id = ?`, a.UserID).
			Scan(&l.CreatorName.FullName, &l.CreatorName.Username); err != nil {
			return err
		}
		if err := insertChange(tx, a.AccountID, portail.SubjectLabel, id, a.UserID, portail.ChangeCreated, "", string(portail.LabelCreated)); err != nil {
			return err
		}
		return logActivity(tx, caller, a.AccountID, a.UserID, portail.ActivityManualOrder,
			portail.Detail{}.Add("label", strconv.FormatInt(id, 10)).Add("tracking_number", l.TrackingNumber))
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// ListLabels returns a page of the labels the caller may see, newest
// first. EINVALID.
func (s *LabelService) ListLabels(ctx context.Context, f portail.LabelFilter) ([]*portail.Label, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	a := portail.CallerFrom(ctx).Actor
	scope, scopeArgs := visibleClause(a, portail.ActViewLabel, []portail.Module{portail.ModuleParcels}, labelScope)
	if scope == "" {
		return nil, "", nil
	}
	where, args := []string{"account_id = ?", scope}, append([]any{a.AccountID}, scopeArgs...)
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.DepartmentID != 0 {
		where, args = append(where, "department_id = ?"), append(args, f.DepartmentID)
	}
	where, args, limit, err := pageWhere(where, args, f.From, f.To, f.Limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	return listNewest(ctx, s.db, "labels", labelColumns, where, args, limit, scanLabel,
		func(l *portail.Label) (time.Time, int64) { return l.CreatedAt, l.ID })
}

// visible returns a label the caller may see. ENOTFOUND.
func (s *LabelService) visible(ctx context.Context, id int64) (*portail.Label, error) {
	a := portail.CallerFrom(ctx).Actor
	var l *portail.Label
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		l, err = findLabel(tx, a.AccountID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActViewLabel, l.Resource()) {
		return nil, portail.ErrNotFound("Label")
	}
	return l, nil
}

// FindLabel returns a label the caller may see and logs the status
// refresh as a fetch. ENOTFOUND.
func (s *LabelService) FindLabel(ctx context.Context, id int64) (*portail.Label, error) {
	l, err := s.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	return l, recordFetch(ctx, s.db, "label", l.ID, "status")
}

// OpenLabelPDF returns a label the caller may see with its PDF, and logs
// the download as a fetch. ENOTFOUND.
func (s *LabelService) OpenLabelPDF(ctx context.Context, id int64) (*portail.Label, io.ReadSeekCloser, error) {
	l, err := s.visible(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.blobs.Open(ctx, l.PDFKey)
	if err != nil {
		return nil, nil, err
	}
	if err := recordFetch(ctx, s.db, "label", l.ID, "pdf"); err != nil {
		f.Close()
		return nil, nil, err
	}
	return l, f, nil
}

// LabelHistory returns a page of the changes of a label the caller may
// see, oldest first. ENOTFOUND, EINVALID.
func (s *LabelService) LabelHistory(ctx context.Context, id int64, limit int, cursor string) ([]*portail.Change, string, error) {
	l, err := s.visible(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return listChanges(ctx, s.db, l.AccountID, portail.SubjectLabel, l.ID, limit, cursor)
}

// LabelDefaults returns the department's default sender, the distinct
// senders of its last labels (at most portail.MaxRecentSenders, newest
// first) and the account's country, for whoever may create labels in the
// department. ENOTFOUND, EFORBIDDEN.
func (s *LabelService) LabelDefaults(ctx context.Context, departmentID int64) (*portail.LabelDefaults, error) {
	a := portail.CallerFrom(ctx).Actor
	out := &portail.LabelDefaults{}
	err := s.db.readTx(ctx, func(tx *Tx) error {
		d, err := findDepartment(tx, a.AccountID, departmentID)
		if err != nil {
			return err
		}
		if !portail.Can(a, portail.ActViewDepartment, portail.Resource{AccountID: d.AccountID, DepartmentID: d.ID}) {
			return portail.ErrNotFound("Department")
		}
		if !portail.Can(a, portail.ActCreateLabel, portail.Resource{AccountID: a.AccountID, DepartmentID: d.ID,
			OwnerID: a.UserID, Module: portail.ModuleParcels}) {
			return portail.ErrForbidden()
		}
		out.Sender = d.DefaultSender
		if err := tx.queryRow(`SELECT country FROM accounts WHERE id = ?`, a.AccountID).Scan(&out.Country); err != nil {
			return err
		}
		// The last labels are read and their senders told apart here: a
		// department's labels mostly come from a few addresses, so a short
		// window holds the few distinct ones the form offers.
		rows, err := tx.query(`SELECT sender FROM labels WHERE account_id = ? AND department_id = ?
			ORDER BY created_at DESC, id DESC LIMIT 100`, a.AccountID, d.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := map[portail.Address]bool{}
		for rows.Next() && len(out.RecentSenders) < portail.MaxRecentSenders {
			var raw string
			if err := rows.Scan(&raw); err != nil {
				return err
			}
			var addr portail.Address
			if err := json.Unmarshal([]byte(raw), &addr); err != nil {
				return err
			}
			if !seen[addr] {
				seen[addr] = true
				out.RecentSenders = append(out.RecentSenders, addr)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
