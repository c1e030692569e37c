package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"portail"
)

// The letters of DocumentService (SPEC D4–D8): a file is read once, at
// upload or replacement, and its inspection kept on the document; every
// later judgement (a change of options, a recipient, a quote) asks
// portail.Assess again from that inspection, without the file.

// letterAccount is what an account adds to the judgement of its letters.
type letterAccount struct {
	country string
	window  time.Duration // the cancellation window (D7)
}

func loadLetterAccount(tx *Tx, accountID int64) (letterAccount, error) {
	var la letterAccount
	var minutes int
	err := tx.queryRow(`SELECT country, letter_cancellation_minutes FROM accounts WHERE id = ?`, accountID).Scan(&la.country, &minutes)
	la.window = time.Duration(minutes) * time.Minute
	return la, err
}

// departmentLetterOptions returns a department's letter defaults: the
// installation's where it set none (null), and for any option its JSON
// leaves out.
func departmentLetterOptions(tx *Tx, accountID, deptID int64) (portail.LetterOptions, error) {
	o := portail.DefaultLetterOptions()
	var raw sql.NullString
	err := tx.queryRow(`SELECT letter_defaults FROM departments WHERE id = ? AND account_id = ?`, deptID, accountID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return o, portail.ErrNotFound("Department")
	} else if err != nil || !raw.Valid || raw.String == "" {
		return o, err
	}
	if err := json.Unmarshal([]byte(raw.String), &o); err != nil {
		return o, err
	}
	return o, nil
}

// letterFile is an uploaded file as the reader reads it: at random, with
// its size.
type letterFile struct {
	io.ReaderAt
	size  int64
	close func() error
}

func (f *letterFile) section() io.Reader { return io.NewSectionReader(f, 0, f.size) }

// spool makes content readable at random: content itself when it can be
// (an upload the multipart parser spooled, a bytes.Reader), else a
// temporary file that close removes, so that memory stays bounded
// whatever the upload limit. On the way it checks that the bytes form a
// PDF (PDFReader): a file that is not one never reaches the reader.
func spool(content io.Reader) (*letterFile, error) {
	if ra, ok := content.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		size, err := ra.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, err
		}
		f := &letterFile{ReaderAt: ra, size: size, close: func() error { return nil }}
		if _, err := io.Copy(io.Discard, portail.PDFReader(f.section())); err != nil {
			return nil, err
		}
		return f, nil
	}
	tmp, err := os.CreateTemp("", "portail-letter-*")
	if err != nil {
		return nil, err
	}
	remove := func() error { return errors.Join(tmp.Close(), os.Remove(tmp.Name())) }
	size, err := io.Copy(tmp, portail.PDFReader(content))
	if err != nil {
		remove()
		return nil, err
	}
	return &letterFile{ReaderAt: tmp, size: size, close: remove}, nil
}

// readFile spools and inspects an uploaded file. The caller closes the
// file it returns. EINVALID on field file.
func (s *DocumentService) readFile(ctx context.Context, content io.Reader) (*letterFile, *portail.Inspection, error) {
	f, err := spool(content)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.letters.Reader.Inspect(ctx, f, f.size, s.letters.MaxPages)
	if err != nil {
		f.close()
		return nil, nil, err
	}
	return f, in, nil
}

// openBlob opens a stored file for the reader, at random.
func (s *DocumentService) openBlob(ctx context.Context, key string, size int64) (*letterFile, error) {
	rc, err := s.blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	if ra, ok := rc.(io.ReaderAt); ok {
		return &letterFile{ReaderAt: ra, size: size, close: rc.Close}, nil
	}
	// A store that cannot read at random: the file, bounded by the upload
	// limit it passed, is read whole.
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return &letterFile{ReaderAt: bytes.NewReader(b), size: int64(len(b)), close: func() error { return nil }}, nil
}

// letterState is what a letter is judged with besides its inspection.
type letterState struct {
	options portail.LetterOptions
	typed   *portail.Recipient // nil: none typed
	sendAt  *time.Time
}

// assess judges a letter. With dropTyped, a typed recipient that the
// window now makes superfluous (a new file, another window that holds a
// complete address) is dropped instead of refused: the sender did not
// give it with this change.
func (s *DocumentService) assess(in *portail.Inspection, st *letterState, country string, dropTyped bool) (*portail.LetterQuote, error) {
	q, err := portail.Assess(in, st.options, st.typed, country, s.letters.Tariff)
	if err != nil && dropTyped && st.typed != nil && onlyField(err, "recipient") {
		st.typed = nil
		return portail.Assess(in, st.options, nil, country, s.letters.Tariff)
	}
	return q, err
}

// onlyField reports whether err is EINVALID on field alone.
func onlyField(err error, field string) bool {
	var e *portail.Error
	return errors.As(err, &e) && e.Code == portail.EINVALID && len(e.Fields) == 1 && e.Fields[0].Field == field
}

// letterRow is what a judgement writes on a document.
type letterRow struct {
	status      portail.DocumentStatus
	quote       *portail.LetterQuote
	sendAt      *time.Time
	acceptedAt  *time.Time
	cancelUntil *time.Time
}

// judged turns a quote into the document's new state (SPEC §9 Wave-2
// details 2): received when it has no problem, accepted then (now, or
// when it was first accepted if it already was) and waiting until its
// deadline; action_required otherwise, with no wait.
func judged(q *portail.LetterQuote, prev *portail.Document, sendAt *time.Time, now time.Time, window time.Duration) letterRow {
	r := letterRow{status: portail.DocumentActionRequired, quote: q, sendAt: sendAt}
	if len(q.Problems) > 0 {
		return r
	}
	r.status = portail.DocumentReceived
	accepted := now
	if prev != nil && prev.Status == portail.DocumentReceived && prev.Times.AcceptedAt != nil {
		accepted = *prev.Times.AcceptedAt
	}
	deadline := portail.DocumentTimes{AcceptedAt: &accepted, SendAt: sendAt}.Deadline(window)
	r.acceptedAt, r.cancelUntil = &accepted, &deadline
	return r
}

// letterColumns are the judgement's columns, in the order of args.
const letterColumns = `status, pages, sheets, options, recipient, recipient_typed, problems, price_cents, currency, accepted_at, send_at, cancel_until`

func (r letterRow) args() ([]any, error) {
	q := r.quote
	options, err := json.Marshal(q.Options)
	if err != nil {
		return nil, err
	}
	problems := q.Problems
	if problems == nil {
		problems = []portail.Problem{}
	}
	probs, err := json.Marshal(problems)
	if err != nil {
		return nil, err
	}
	var recipient sql.NullString
	if q.Recipient != nil {
		b, err := json.Marshal(q.Recipient)
		if err != nil {
			return nil, err
		}
		recipient = sql.NullString{String: string(b), Valid: true}
	}
	// The quote's price is kept while the letter waits for a fix, so its
	// sender sees what it would cost; acceptance and every change after it
	// price it again, at the tariff then in force. A letter Assess could
	// not price (too many pages to weigh) has none.
	price := sql.NullInt64{Int64: q.PriceCents, Valid: q.Priced}
	return []any{string(r.status), q.Pages, q.Sheets, string(options), recipient, q.AddressPage, string(probs), price,
		q.Currency, nullMicros(r.acceptedAt), nullMicros(r.sendAt), nullMicros(r.cancelUntil)}, nil
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// errNoLongerPrintable refuses a change that would give an accepted letter
// problems: the life cycle has no way back from received to
// action_required (SPEC §9 Wave-2 details 8), so the sender keeps the
// letter as it was, or changes it otherwise (a quote shows the problems
// first).
func errNoLongerPrintable(field string, problems []portail.Problem) *portail.Error {
	e := &portail.Error{Code: portail.EINVALID, Message: "This change would leave the accepted letter with problems; it is kept as it was.",
		Problems: problems, ProblemField: field}
	for _, p := range problems {
		e.Fields = append(e.Fields, portail.FieldError{Field: field, Message: p.Message("en")})
	}
	return e
}

// SendDocument checks the caller may send in the department and module,
// reads the file (a PDF the reader can read, else EINVALID on file), and
// judges it with the department's options under the sender's and a typed
// recipient. The file is stored after that and before the transaction,
// so that a large upload never holds the database and a refused one is
// never kept; a file whose row then fails to commit stays in the store
// unreferenced, which costs space but never a wrong answer. EINVALID,
// EFORBIDDEN.
func (s *DocumentService) SendDocument(ctx context.Context, c portail.DocumentCreate, content io.Reader) (*portail.Document, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	f, q, st, la, err := s.quoteUpload(ctx, &c, content)
	if err != nil {
		return nil, err
	}
	defer f.close()
	in := q.inspection
	key, size, err := s.blobs.Put(ctx, f.section())
	if err != nil {
		return nil, err
	}
	inspection, err := jsonString(in)
	if err != nil {
		return nil, err
	}
	var d *portail.Document
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// The start is checked again at the instant that writes it.
		var v portail.Validation
		if portail.ValidateSendAt(&v, st.sendAt, tx.now); v.Err() != nil {
			return v.Err()
		}
		row := judged(q.LetterQuote, nil, st.sendAt, tx.now, la.window)
		args, err := row.args()
		if err != nil {
			return err
		}
		id, err := tx.insert(`INSERT INTO documents (account_id, department_id, module, sender_id, name, size, blob_key,
			created_at, updated_at, inspection, `+letterColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append([]any{a.AccountID, c.DepartmentID, c.Module.String(), a.UserID, c.Name, size, key, micros(tx.now), micros(tx.now),
				inspection}, args...)...)
		if err != nil {
			return err
		}
		if err := insertChange(tx, a.AccountID, portail.SubjectDocument, id, a.UserID, portail.ChangeCreated, "", string(row.status)); err != nil {
			return err
		}
		if err := logActivity(tx, caller, a.AccountID, a.UserID, portail.ActivityManualOrder,
			portail.Detail{}.Add("document", strconv.FormatInt(id, 10)).Add("module", c.Module.String()).Add("name", c.Name)); err != nil {
			return err
		}
		d, err = findDocument(tx, a.AccountID, id)
		return err
	})
	return d, err
}

// uploadQuote is a judged upload with what it was judged on.
type uploadQuote struct {
	*portail.LetterQuote
	inspection *portail.Inspection
}

// quoteUpload does what an upload and its quote share: the fields, the
// department, the policy, the file read and judged. The caller closes
// the file.
func (s *DocumentService) quoteUpload(ctx context.Context, c *portail.DocumentCreate, content io.Reader) (*letterFile, uploadQuote, *letterState, letterAccount, error) {
	a := portail.CallerFrom(ctx).Actor
	c.Normalize()
	var out uploadQuote
	var la letterAccount
	if err := c.Validate(); err != nil {
		return nil, out, nil, la, err
	}
	st := &letterState{typed: c.Recipient, sendAt: c.SendAt}
	var v portail.Validation
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		if err := checkDepartment(tx, a.AccountID, c.DepartmentID); err != nil {
			return err
		}
		defaults, err := departmentLetterOptions(tx, a.AccountID, c.DepartmentID)
		if err != nil {
			return err
		}
		st.options = c.Options.Apply(defaults)
		portail.ValidateSendAt(&v, c.SendAt, tx.now)
		la, err = loadLetterAccount(tx, a.AccountID)
		return err
	})
	if err != nil {
		return nil, out, nil, la, err
	}
	if !portail.Can(a, portail.ActSendDocument, portail.Resource{AccountID: a.AccountID, DepartmentID: c.DepartmentID,
		OwnerID: a.UserID, Module: c.Module}) {
		return nil, out, nil, la, portail.ErrForbidden()
	}
	st.options.Validate(&v, "options")
	if err := v.Err(); err != nil {
		return nil, out, nil, la, err
	}
	f, in, err := s.readFile(ctx, content)
	if err != nil {
		return nil, out, nil, la, err
	}
	q, err := s.assess(in, st, la.country, false)
	if err != nil {
		f.close()
		return nil, out, nil, la, err
	}
	return f, uploadQuote{q, in}, st, la, nil
}

// QuoteDocument judges and prices an upload as SendDocument would, and
// keeps nothing: the file is read from the upload (or a temporary file
// removed before it returns). EINVALID, EFORBIDDEN.
func (s *DocumentService) QuoteDocument(ctx context.Context, c portail.DocumentCreate, content io.Reader) (*portail.LetterQuote, error) {
	f, q, _, _, err := s.quoteUpload(ctx, &c, content)
	if err != nil {
		return nil, err
	}
	f.close()
	return q.LetterQuote, nil
}

// lockDocument returns a document the caller may change, its row locked
// until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's write
// transactions run one at a time), so that the checks below hold when
// the transaction writes: two changes, a change and a cancel, or a
// change and a print partner's claim never both act on what they read.
// A document the caller cannot see is ENOTFOUND; one they see but may
// not change EFORBIDDEN; one whose wait is over ETOOLATE.
func lockDocument(tx *Tx, a portail.Actor, id int64, lock bool) (*portail.Document, error) {
	if lock && tx.pg {
		var one int
		err := tx.queryRow(`SELECT 1 FROM documents WHERE id = ? AND account_id = ? FOR UPDATE`, id, a.AccountID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, portail.ErrNotFound("Document")
		} else if err != nil {
			return nil, err
		}
	}
	d, err := findDocument(tx, a.AccountID, id)
	if err != nil {
		return nil, err
	}
	if !portail.Can(a, portail.ActViewDocument, d.Resource()) {
		return nil, portail.ErrNotFound("Document")
	}
	if !portail.Can(a, portail.ActChangeDocument, d.Resource()) {
		return nil, portail.ErrForbidden()
	}
	if d.Inspection == nil || !d.Status.CanChange(deadlineOf(d), tx.now) {
		// A document stored before letters were checked has nothing to
		// judge a change with; it was accepted at the migration, its wait
		// long over.
		return nil, portail.ErrTooLate()
	}
	return d, nil
}

// deadlineOf is the end of a letter's wait as stored: the zero time while
// it has none.
func deadlineOf(d *portail.Document) time.Time {
	if d.CancelUntil == nil {
		return time.Time{}
	}
	return *d.CancelUntil
}

// stateOf is the letter's state, with the change applied.
func stateOf(d *portail.Document, c portail.DocumentChange) *letterState {
	st := &letterState{options: c.Options.Apply(d.Options), sendAt: d.Times.SendAt}
	if d.Typed {
		st.typed = d.Recipient
	}
	if c.SetRecipient {
		st.typed = c.Recipient
	}
	if c.SetSendAt {
		st.sendAt = c.SendAt
	}
	return st
}

// judgeChange judges a change of a locked (or read) document at now.
func (s *DocumentService) judgeChange(tx *Tx, d *portail.Document, c portail.DocumentChange) (*portail.LetterQuote, *letterState, letterAccount, error) {
	st := stateOf(d, c)
	var v portail.Validation
	st.options.Validate(&v, "options")
	if c.SetSendAt {
		portail.ValidateSendAt(&v, c.SendAt, tx.now)
	}
	if err := v.Err(); err != nil {
		return nil, nil, letterAccount{}, err
	}
	la, err := loadLetterAccount(tx, d.AccountID)
	if err != nil {
		return nil, nil, la, err
	}
	q, err := s.assess(d.Inspection, st, la.country, !c.SetRecipient)
	return q, st, la, err
}

// changedParts names what a change changes, for its history line.
func changedParts(d *portail.Document, q *portail.LetterQuote, st *letterState) []string {
	var parts []string
	if q.Options != d.Options {
		parts = append(parts, "options")
	}
	if q.AddressPage != d.Typed || !sameRecipient(q.Recipient, d.Recipient) {
		parts = append(parts, "recipient")
	}
	if !sameTime(st.sendAt, d.Times.SendAt) {
		parts = append(parts, "send_at")
	}
	return parts
}

func sameRecipient(a, b *portail.Recipient) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Name == b.Name && slices.Equal(a.Lines, b.Lines) && a.PostalCode == b.PostalCode && a.City == b.City && a.Country == b.Country
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// proofChanged reports whether a proof of the letter would look
// otherwise: another window, other problems, another address page.
func proofChanged(d *portail.Document, q *portail.LetterQuote) bool {
	before, _ := json.Marshal(d.Problems)
	after, _ := json.Marshal(q.Problems)
	if len(d.Problems) == 0 && len(q.Problems) == 0 {
		before, after = nil, nil
	}
	return q.Options.Window != d.Options.Window || !bytes.Equal(before, after) || q.AddressPage != d.Typed ||
		(q.AddressPage && !sameRecipient(q.Recipient, d.Recipient))
}

// writeJudgement writes a new judgement of a locked document, its
// history lines and activity entry: a status move through the life cycle
// when there is one, then a letter line naming what changed.
func writeJudgement(tx *Tx, caller portail.Caller, d *portail.Document, row letterRow, set string, setArgs []any, bump bool, field string, parts []string) error {
	a := caller.Actor
	if row.status != d.Status && !d.Status.CanMoveTo(row.status) {
		return errNoLongerPrintable(field, row.quote.Problems)
	}
	if len(parts) == 0 && row.status == d.Status && !bump && set == "" &&
		row.quote.Priced == d.Priced && row.quote.PriceCents == d.PriceCents {
		return nil // nothing changed (an empty PATCH): nothing to write
	}
	args, err := row.args()
	if err != nil {
		return err
	}
	version := 0
	if bump {
		version = 1
	}
	assignments := strings.Join(strings.Split(letterColumns, ", "), " = ?, ") + " = ?"
	n, err := execCount(tx.exec(`UPDATE documents SET `+set+assignments+`, updated_at = ?, proof_version = proof_version + ?
		WHERE id = ? AND status = ?`, append(append(setArgs, args...), micros(tx.now), version, d.ID, string(d.Status))...))
	if err != nil {
		return err
	}
	if n != 1 {
		return portail.ErrTooLate() // moved under us: only without the row lock
	}
	if row.status != d.Status {
		if err := insertChange(tx, d.AccountID, portail.SubjectDocument, d.ID, a.UserID, portail.ChangeStatus, string(d.Status), string(row.status)); err != nil {
			return err
		}
	}
	if len(parts) > 0 {
		if err := insertChange(tx, d.AccountID, portail.SubjectDocument, d.ID, a.UserID, portail.ChangeLetter, "", strings.Join(parts, ",")); err != nil {
			return err
		}
	}
	if len(parts) == 0 && row.status == d.Status {
		return nil // nothing changed (an empty PATCH): nothing to log
	}
	what := strings.Join(parts, ",")
	if what == "" {
		what = "status"
	}
	return logLetterActivity(tx, caller, d, "change", what)
}

// logLetterActivity logs what a sender did to a letter after sending it,
// as the order it is: a manual_order entry naming the document and the
// action.
func logLetterActivity(tx *Tx, caller portail.Caller, d *portail.Document, action, what string) error {
	detail := portail.Detail{}.Add("document", strconv.FormatInt(d.ID, 10)).Add("module", d.Module.String()).Add(action, what)
	return logActivity(tx, caller, d.AccountID, caller.Actor.UserID, portail.ActivityManualOrder, detail)
}

// ChangeDocument applies a change to a letter that may still change and
// judges it again from its inspection: a fix that clears its problems
// accepts it (its wait starts now); an accepted letter is priced again at
// the tariff in force. EINVALID, ENOTFOUND, EFORBIDDEN, ETOOLATE.
func (s *DocumentService) ChangeDocument(ctx context.Context, id int64, c portail.DocumentChange) (*portail.Document, error) {
	caller := portail.CallerFrom(ctx)
	var out *portail.Document
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		d, err := lockDocument(tx, caller.Actor, id, true)
		if err != nil {
			return err
		}
		q, st, la, err := s.judgeChange(tx, d, c)
		if err != nil {
			return err
		}
		field := "options"
		if c.SetRecipient {
			field = "recipient"
		}
		row := judged(q, d, st.sendAt, tx.now, la.window)
		if err := writeJudgement(tx, caller, d, row, "", nil, proofChanged(d, q), field, changedParts(d, q, st)); err != nil {
			return err
		}
		out, err = findDocument(tx, d.AccountID, d.ID)
		return err
	})
	return out, err
}

// QuoteChange judges a change as ChangeDocument would, and saves nothing.
// EINVALID, ENOTFOUND, EFORBIDDEN, ETOOLATE.
func (s *DocumentService) QuoteChange(ctx context.Context, id int64, c portail.DocumentChange) (*portail.LetterQuote, error) {
	a := portail.CallerFrom(ctx).Actor
	var q *portail.LetterQuote
	err := s.db.readTx(ctx, func(tx *Tx) error {
		d, err := lockDocument(tx, a, id, false)
		if err != nil {
			return err
		}
		q, _, _, err = s.judgeChange(tx, d, c)
		return err
	})
	return q, err
}

// ReplaceDocumentFile replaces the file of a letter that may still
// change: the new file is read and judged with the letter's options and
// typed recipient (dropped when the new file's window holds an address);
// same id, a history line. The file is checked and stored before the
// transaction, which checks again that the letter may change. EINVALID,
// ENOTFOUND, EFORBIDDEN, ETOOLATE.
func (s *DocumentService) ReplaceDocumentFile(ctx context.Context, id int64, name string, content io.Reader) (*portail.Document, error) {
	caller := portail.CallerFrom(ctx)
	// Asked first, so that nobody uploads a file to a letter they may not
	// change.
	if err := s.db.readTx(ctx, func(tx *Tx) error {
		_, err := lockDocument(tx, caller.Actor, id, false)
		return err
	}); err != nil {
		return nil, err
	}
	c := portail.DocumentCreate{Name: name}
	c.Normalize()
	f, in, err := s.readFile(ctx, content)
	if err != nil {
		return nil, err
	}
	defer f.close()
	inspection, err := jsonString(in)
	if err != nil {
		return nil, err
	}
	key, size, err := s.blobs.Put(ctx, f.section())
	if err != nil {
		return nil, err
	}
	var out *portail.Document
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		d, err := lockDocument(tx, caller.Actor, id, true)
		if err != nil {
			return err
		}
		st := stateOf(d, portail.DocumentChange{})
		la, err := loadLetterAccount(tx, d.AccountID)
		if err != nil {
			return err
		}
		q, err := s.assess(in, st, la.country, true)
		if err != nil {
			return err
		}
		row := judged(q, d, st.sendAt, tx.now, la.window)
		parts := append([]string{"file"}, changedParts(d, q, st)...)
		if err := writeJudgement(tx, caller, d, row, "name = ?, size = ?, blob_key = ?, inspection = ?, ",
			[]any{c.Name, size, key, inspection}, true, "file", parts); err != nil {
			return err
		}
		out, err = findDocument(tx, d.AccountID, d.ID)
		return err
	})
	return out, err
}

// CancelDocument cancels a letter that may still change: one conditional
// move under the row lock, so that a print partner's claim and a cancel
// never both win. ENOTFOUND, EFORBIDDEN, ETOOLATE.
func (s *DocumentService) CancelDocument(ctx context.Context, id int64) (*portail.Document, error) {
	caller := portail.CallerFrom(ctx)
	var out *portail.Document
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		d, err := lockDocument(tx, caller.Actor, id, true)
		if err != nil {
			return err
		}
		n, err := execCount(tx.exec(`UPDATE documents SET status = ?, updated_at = ? WHERE id = ? AND status = ?`,
			string(portail.DocumentCancelled), micros(tx.now), d.ID, string(d.Status)))
		if err != nil {
			return err
		}
		if n != 1 {
			return portail.ErrTooLate()
		}
		if err := insertChange(tx, d.AccountID, portail.SubjectDocument, d.ID, caller.Actor.UserID, portail.ChangeStatus,
			string(d.Status), string(portail.DocumentCancelled)); err != nil {
			return err
		}
		if err := logLetterActivity(tx, caller, d, "cancel", string(d.Status)); err != nil {
			return err
		}
		out, err = findDocument(tx, d.AccountID, d.ID)
		return err
	})
	return out, err
}

// prefixScan scans the first columns of a row into first, the rest into
// what its caller asks.
type prefixScan struct {
	row   interface{ Scan(...any) error }
	first []any
}

func (p prefixScan) Scan(dest ...any) error { return p.row.Scan(append(p.first, dest...)...) }

// DocumentProof returns the PNG proof of a page of a letter the caller
// may see: uploaded pages from 1, the address page as 0 when it has one.
// Each is rendered once per proof version (a change that alters a proof
// bumps it) and kept in the blob store, named in document_proofs.
// ENOTFOUND.
func (s *DocumentService) DocumentProof(ctx context.Context, id int64, page int) ([]byte, error) {
	d, err := s.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	var version int
	var cached sql.NullString
	err = s.db.readTx(ctx, func(tx *Tx) error {
		// The letter and its proof version in one statement: a change
		// committed between two reads would have the old letter drawn and
		// kept under the new version, shown from then on.
		d, err = scanDocument(prefixScan{tx.queryRow(`SELECT proof_version, `+documentColumns+` FROM documents WHERE id = ? AND account_id = ?`,
			d.ID, d.AccountID), []any{&version}})
		if err != nil {
			return err
		}
		err := tx.queryRow(`SELECT blob_key FROM document_proofs WHERE document_id = ? AND version = ? AND page = ?`,
			d.ID, version, page).Scan(&cached)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// Pages past the limit were never read and never print: no proof of
	// them, so that a long file cannot be made to fill the store with
	// pictures.
	addressPage := d.AddressPage()
	if page < 0 || page > min(d.Pages, s.letters.MaxPages) || (page == 0 && !addressPage) {
		return nil, portail.ErrNotFound("Page")
	}
	if cached.Valid {
		rc, err := s.blobs.Open(ctx, cached.String)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	png, err := s.renderProof(ctx, d, page)
	if err != nil {
		return nil, err
	}
	key, _, err := s.blobs.Put(ctx, bytes.NewReader(png))
	if err != nil {
		return nil, err
	}
	// Two first views may render the same proof at once: the first row
	// stays, both answers are the same picture.
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO document_proofs (document_id, version, page, blob_key, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, d.ID, version, page, key, micros(tx.now))
		return err
	})
	return png, err
}

// renderProof renders a page of the letter as it stands.
func (s *DocumentService) renderProof(ctx context.Context, d *portail.Document, page int) ([]byte, error) {
	if page == 0 {
		return s.letters.Reader.AddressProof(ctx, *d.Recipient, d.Options.Window)
	}
	f, err := s.openBlob(ctx, d.BlobKey, d.Size)
	if err != nil {
		return nil, err
	}
	defer f.close()
	var problems []portail.Problem
	for _, p := range d.Problems {
		if p.Page == page {
			problems = append(problems, p)
		}
	}
	return s.letters.Reader.Proof(ctx, f, f.size, page, d.Options.Window, problems)
}
