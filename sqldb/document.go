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

// DocumentService implements portail.DocumentService over the database
// and a blob store that holds the files.
type DocumentService struct {
	db    *DB
	blobs portail.BlobStore
}

// NewDocumentService returns the document service of db, keeping files in
// blobs.
func NewDocumentService(db *DB, blobs portail.BlobStore) *DocumentService {
	return &DocumentService{db: db, blobs: blobs}
}

var _ portail.DocumentService = (*DocumentService)(nil)

const documentColumns = `id, account_id, department_id, module, sender_id, name, size, blob_key, status, created_at, updated_at`

func scanDocument(row interface{ Scan(...any) error }) (*portail.Document, error) {
	var d portail.Document
	var module, status string
	var created, updated int64
	if err := row.Scan(&d.ID, &d.AccountID, &d.DepartmentID, &module, &d.SenderID, &d.Name, &d.Size, &d.BlobKey,
		&status, &created, &updated); err != nil {
		return nil, err
	}
	d.Module, _ = portail.ParseModule(module)
	d.Status, d.CreatedAt, d.UpdatedAt = portail.DocumentStatus(status), fromMicros(created), fromMicros(updated)
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

// SendDocument checks the caller may send in the department and module,
// stores the file if it is a PDF, then records the document. The file is
// stored first, outside the transaction, so that a large upload never
// holds the database; a file whose row then fails to commit stays in the
// store unreferenced, which costs space but never a wrong answer.
// EINVALID, EFORBIDDEN.
func (s *DocumentService) SendDocument(ctx context.Context, c portail.DocumentCreate, content io.Reader) (*portail.Document, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	c.Normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.db.readTx(ctx, func(tx *Tx) error { return checkDepartment(tx, a.AccountID, c.DepartmentID) }); err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActSendDocument, portail.Resource{AccountID: a.AccountID, DepartmentID: c.DepartmentID,
		OwnerID: a.UserID, Module: c.Module}) {
		return nil, portail.ErrForbidden()
	}
	key, size, err := s.blobs.Put(ctx, portail.PDFReader(content))
	if err != nil {
		return nil, err
	}
	var d *portail.Document
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(`INSERT INTO documents (account_id, department_id, module, sender_id, name, size, blob_key, status,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.AccountID, c.DepartmentID, c.Module.String(),
			a.UserID, c.Name, size, key, string(portail.DocumentReceived), micros(tx.now), micros(tx.now))
		if err != nil {
			return err
		}
		if err := insertChange(tx, a.AccountID, portail.SubjectDocument, id, a.UserID, portail.ChangeCreated, "", string(portail.DocumentReceived)); err != nil {
			return err
		}
		if err := logActivity(tx, caller, a.AccountID, a.UserID, portail.ActivityManualOrder,
			"document="+strconv.FormatInt(id, 10)+" module="+c.Module.String()+" name="+c.Name); err != nil {
			return err
		}
		d, err = findDocument(tx, a.AccountID, id)
		return err
	})
	return d, err
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
	f, err := s.blobs.Open(d.BlobKey)
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
	return recordFetch(ctx, s.db, "document="+strconv.FormatInt(d.ID, 10)+" "+what)
}

func recordFetch(ctx context.Context, db *DB, detail string) error {
	c := portail.CallerFrom(ctx)
	if c.Polled {
		return nil
	}
	return db.recordActivity(ctx, portail.Activity{AccountID: c.Actor.AccountID, UserID: c.Actor.UserID, ActorID: c.Actor.UserID,
		Type: portail.ActivityFetch, Detail: detail, IP: c.IP, UserAgent: c.UserAgent})
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

// --- helpers shared by documents, labels and reports ---

// scopeColumns name the columns a visibility condition tests.
type scopeColumns struct {
	module     string // "" when the table holds one module only
	department string
	owner      string
}

var (
	documentScope = scopeColumns{module: "module", department: "department_id", owner: "sender_id"}
	labelScope    = scopeColumns{department: "department_id", owner: "creator_id"}
)

// visibleClause returns the condition that keeps the rows the actor may
// see for act among modules, built from the policy's scopes: one branch a
// module, joined by OR. It returns "" when nothing is visible.
func visibleClause(a portail.Actor, act portail.Action, modules []portail.Module, cols scopeColumns) (string, []any) {
	var branches []string
	var args []any
	for _, m := range modules {
		scope := portail.ScopeFor(a, act, m)
		if scope.None {
			continue
		}
		conds := []string{"1 = 1"}
		if cols.module != "" {
			conds, args = append(conds, cols.module+" = ?"), append(args, m.String())
		}
		if scope.DepartmentID != 0 {
			conds, args = append(conds, cols.department+" = ?"), append(args, scope.DepartmentID)
		}
		if scope.OwnerID != 0 {
			conds, args = append(conds, cols.owner+" = ?"), append(args, scope.OwnerID)
		}
		branches = append(branches, "("+strings.Join(conds, " AND ")+")")
	}
	if len(branches) == 0 {
		return "", nil
	}
	return "(" + strings.Join(branches, " OR ") + ")", args
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

// insertChange writes a line of an item's detail history (L4); actorID 0
// is the system.
func insertChange(tx *Tx, accountID int64, kind portail.SubjectKind, id, actorID int64, change, from, to string) error {
	_, err := tx.exec(`INSERT INTO history (account_id, subject_kind, subject_id, at, actor_id, change, from_value, to_value)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, accountID, string(kind), id, micros(tx.now), nullID(actorID), change, from, to)
	return err
}

// insertSystemChange writes a change no user made, named by the part of
// the system that made it.
func insertSystemChange(tx *Tx, accountID int64, kind portail.SubjectKind, id int64, system, change, from, to string) error {
	_, err := tx.exec(`INSERT INTO history (account_id, subject_kind, subject_id, at, actor_id, actor_system, change, from_value, to_value)
		VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)`, accountID, string(kind), id, micros(tx.now), system, change, from, to)
	return err
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
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil || after < 0 {
			return nil, "", badCursor()
		}
	}
	var out []*portail.Change
	var ids []int64
	err := db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, at, actor_id, actor_system, change, from_value, to_value FROM history
			WHERE subject_kind = ? AND subject_id = ? AND account_id = ? AND id > ? ORDER BY id LIMIT `+strconv.Itoa(limit+1),
			string(kind), id, accountID, after)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c portail.Change
			var hid, at int64
			var actor sql.NullInt64
			if err := rows.Scan(&hid, &at, &actor, &c.System, &c.Change, &c.From, &c.To); err != nil {
				return err
			}
			c.At, c.ActorID = fromMicros(at), actor.Int64
			out, ids = append(out, &c), append(ids, hid)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(ids[limit-1], 10)
	}
	return out, next, nil
}
