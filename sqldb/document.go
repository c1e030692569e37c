package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"portail"
)

// DocumentService implements portail.DocumentService over the database
// and a blob store that holds the files and the proofs.
type DocumentService struct {
	db      *DB
	blobs   portail.BlobStore
	letters Letters
}

// Letters is how the document service reads and prices letters.
type Letters struct {
	// Reader inspects the uploaded files and renders their proofs.
	Reader portail.LetterReader
	// Tariff prices them: the one in force when a letter is accepted or
	// changed.
	Tariff *portail.Tariff
	// MaxPages is the most pages a letter may have (D4); 0 for
	// portail.DefaultMaxPages.
	MaxPages int
}

// NewDocumentService returns the document service of db, keeping files in
// blobs and reading letters with l.
func NewDocumentService(db *DB, blobs portail.BlobStore, l Letters) *DocumentService {
	if l.MaxPages <= 0 {
		l.MaxPages = portail.DefaultMaxPages
	}
	return &DocumentService{db: db, blobs: blobs, letters: l}
}

var _ portail.DocumentService = (*DocumentService)(nil)

var documentColumns = `id, account_id, department_id, module, sender_id, ` + nameColumns("documents.sender_id", "documents.account_id") +
	`, name, size, blob_key, status, created_at, updated_at, inspection, pages, sheets, options, recipient, recipient_typed, problems,
	price_cents, currency, accepted_at, send_at, cancel_until, tracking_number, failure_reason, return_reason`

func scanDocument(row interface{ Scan(...any) error }) (*portail.Document, error) {
	var d portail.Document
	var module, status, options, problems string
	var created, updated int64
	var inspection, recipient sql.NullString
	var price, accepted, sendAt, cancelUntil sql.NullInt64
	if err := row.Scan(&d.ID, &d.AccountID, &d.DepartmentID, &module, &d.SenderID, &d.SenderName.FullName, &d.SenderName.Username, &d.Name, &d.Size, &d.BlobKey,
		&status, &created, &updated, &inspection, &d.Pages, &d.Sheets, &options, &recipient, &d.Typed, &problems,
		&price, &d.Currency, &accepted, &sendAt, &cancelUntil, &d.TrackingNumber, &d.FailureReason, &d.ReturnReason); err != nil {
		return nil, err
	}
	d.Module, _ = portail.ParseModule(module)
	d.Status, d.CreatedAt, d.UpdatedAt = portail.DocumentStatus(status), fromMicros(created), fromMicros(updated)
	d.PriceCents, d.Priced = price.Int64, price.Valid
	d.Times = portail.DocumentTimes{AcceptedAt: timePtr(accepted), SendAt: timePtr(sendAt)}
	d.CancelUntil = timePtr(cancelUntil)
	if err := json.Unmarshal([]byte(options), &d.Options); err != nil {
		return nil, fmt.Errorf("document %d options: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(problems), &d.Problems); err != nil {
		return nil, fmt.Errorf("document %d problems: %w", d.ID, err)
	}
	if inspection.Valid {
		d.Inspection = new(portail.Inspection)
		if err := json.Unmarshal([]byte(inspection.String), d.Inspection); err != nil {
			return nil, fmt.Errorf("document %d inspection: %w", d.ID, err)
		}
	}
	if recipient.Valid {
		d.Recipient = new(portail.Recipient)
		if err := json.Unmarshal([]byte(recipient.String), d.Recipient); err != nil {
			return nil, fmt.Errorf("document %d recipient: %w", d.ID, err)
		}
	}
	return &d, nil
}

// findDocument returns a document of the account, whoever may see it.
func findDocument(tx *Tx, accountID, id int64) (*portail.Document, error) {
	d, err := scanDocument(tx.queryRow(`SELECT `+documentColumns+` FROM documents WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Document")
	}
	return d, err
}

// checkDepartment reports a department outside the caller's account as a
// field error, the way user creation does.
func checkDepartment(tx *Tx, accountID, deptID int64) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM departments WHERE id = ? AND account_id = ?`, deptID, accountID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: "department_id", Message: "Choose an existing department."}}}
	}
	return nil
}

// ListDocuments returns a page of the documents the caller may see, newest
// first. EINVALID.
func (s *DocumentService) ListDocuments(ctx context.Context, f portail.DocumentFilter) ([]*portail.Document, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	a := portail.CallerFrom(ctx).Actor
	modules := portail.DocumentModules
	if f.Module != 0 {
		modules = []portail.Module{f.Module}
	}
	scope, scopeArgs := visibleClause(a, portail.ActViewDocument, modules, documentScope)
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
	return listNewest(ctx, s.db, "documents", documentColumns, where, args, limit, scanDocument,
		func(d *portail.Document) (time.Time, int64) { return d.CreatedAt, d.ID })
}

// visible returns a document the caller may see. ENOTFOUND.
func (s *DocumentService) visible(ctx context.Context, id int64) (*portail.Document, error) {
	a := portail.CallerFrom(ctx).Actor
	var d *portail.Document
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		d, err = findDocument(tx, a.AccountID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActViewDocument, d.Resource()) {
		return nil, portail.ErrNotFound("Document")
	}
	return d, nil
}

// FindDocument returns a document the caller may see and logs the status
// refresh as a fetch. ENOTFOUND.
func (s *DocumentService) FindDocument(ctx context.Context, id int64) (*portail.Document, error) {
	d, err := s.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	return d, s.fetched(ctx, d, "status")
}

// OpenDocument returns a document the caller may see with its file, and
// logs the download as a fetch. ENOTFOUND.
func (s *DocumentService) OpenDocument(ctx context.Context, id int64) (*portail.Document, io.ReadSeekCloser, error) {
	d, err := s.visible(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.blobs.Open(ctx, d.BlobKey)
	if err != nil {
		return nil, nil, err
	}
	if err := s.fetched(ctx, d, "file"); err != nil {
		f.Close()
		return nil, nil, err
	}
	return d, f, nil
}

// fetched logs a fetch (L1). No change accompanies it, so it goes through
// the group committer rather than a transaction of its own.
func (s *DocumentService) fetched(ctx context.Context, d *portail.Document, what string) error {
	return recordFetch(ctx, s.db, "document", d.ID, what)
}

// recordFetch logs the fetch of what of an item: "document=7 pdf", the
// item's id and what was fetched in one value, as the log has always
// written it.
func recordFetch(ctx context.Context, db *DB, kind string, id int64, what string) error {
	detail := portail.Detail{}.Add(kind, strconv.FormatInt(id, 10)+" "+what)
	c := portail.CallerFrom(ctx)
	if c.Polled {
		return nil
	}
	return db.recordActivity(ctx, portail.Activity{AccountID: c.Actor.AccountID, UserID: c.Actor.UserID, ActorID: c.Actor.UserID,
		Type: portail.ActivityFetch, Detail: detail.String(), IP: c.IP, UserAgent: c.UserAgent})
}

// DocumentHistory returns a page of the changes of a document the caller
// may see, oldest first. ENOTFOUND, EINVALID.
func (s *DocumentService) DocumentHistory(ctx context.Context, id int64, limit int, cursor string) ([]*portail.Change, string, error) {
	d, err := s.visible(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return listChanges(ctx, s.db, d.AccountID, portail.SubjectDocument, d.ID, limit, cursor)
}
