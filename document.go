package portail

import (
	"bytes"
	"context"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DocumentStatus is where a sent document stands (D1, SPEC §9 Letters).
type DocumentStatus string

const (
	// DocumentActionRequired: the preflight found problems; the sender
	// fixes them (options, recipient, a new file) or cancels.
	DocumentActionRequired DocumentStatus = "action_required"
	// DocumentReceived: accepted, waiting for its deadline (cancel_until).
	DocumentReceived   DocumentStatus = "received"
	DocumentProcessing DocumentStatus = "processing" // claimed by a print partner
	DocumentPrinted    DocumentStatus = "printed"
	DocumentPosted     DocumentStatus = "posted"
	DocumentFailed     DocumentStatus = "failed"
	DocumentCancelled  DocumentStatus = "cancelled"
	DocumentReturned   DocumentStatus = "returned" // undeliverable after posting
)

// DocumentLifecycle is a document's life cycle (SPEC §9 Wave-2 details
// 8). processing → received is the system's alone: a claim that timed out
// or that its partner gave back. Failed, returned and cancelled are final.
var DocumentLifecycle = Lifecycle[DocumentStatus]{
	Kind: SubjectDocument,
	Statuses: []DocumentStatus{DocumentActionRequired, DocumentReceived, DocumentProcessing, DocumentPrinted, DocumentPosted,
		DocumentFailed, DocumentCancelled, DocumentReturned},
	// Forward is the way through print, the one the simulator takes; a
	// fix (action_required → received), a cancel, a return are not.
	Forward: map[DocumentStatus]DocumentStatus{
		DocumentReceived:   DocumentProcessing,
		DocumentProcessing: DocumentPrinted,
		DocumentPrinted:    DocumentPosted,
	},
	Otherwise: map[DocumentStatus][]DocumentStatus{
		DocumentActionRequired: {DocumentReceived, DocumentCancelled},
		DocumentReceived:       {DocumentCancelled},
		DocumentProcessing:     {DocumentPosted, DocumentFailed, DocumentReceived},
		DocumentPrinted:        {DocumentFailed},
		DocumentPosted:         {DocumentReturned},
	},
}

// DocumentStatuses lists every status in the order a document goes through.
var DocumentStatuses = DocumentLifecycle.Statuses

// Valid reports whether s is one of the statuses.
func (s DocumentStatus) Valid() bool { return DocumentLifecycle.Valid(s) }

// CanMoveTo reports whether a document may go from s to next.
func (s DocumentStatus) CanMoveTo(next DocumentStatus) bool {
	return DocumentLifecycle.CanMove(s, next)
}

// Final reports whether a document in s never moves again.
func (s DocumentStatus) Final() bool { return DocumentLifecycle.Final(s) }

// Document is a PDF sent through a department and module to be printed and
// posted.
type Document struct {
	ID           int64
	AccountID    int64
	DepartmentID int64
	Module       Module
	SenderID     int64
	SenderName   UserName // of SenderID, when read back
	Name         string   // the file name as uploaded
	Size         int64
	BlobKey      string // where the content lives in the BlobStore
	Status       DocumentStatus
	CreatedAt    time.Time
	UpdatedAt    time.Time

	// The letter (D4–D8). Documents stored before letters were checked
	// have no Inspection and no price (PriceCents 0, Priced false).
	Pages       int
	Sheets      int
	Options     LetterOptions
	Recipient   *Recipient // read or typed; nil when none
	Typed       bool       // Recipient was typed: the address page is printed in front
	Problems    []Problem
	Inspection  *Inspection
	PriceCents  int64
	Priced      bool
	Currency    string
	Times       DocumentTimes
	CancelUntil *time.Time // the deadline once accepted (Times.Deadline); nil while action_required
	// What a print partner reported.
	TrackingNumber string
	FailureReason  string
	ReturnReason   string
}

// AddressPage reports whether the letter is printed with an address page
// in front: its recipient was typed (D5).
func (d *Document) AddressPage() bool { return d.Typed && d.Recipient != nil }

// Resource returns the document as the policy sees it.
func (d *Document) Resource() Resource {
	return Resource{AccountID: d.AccountID, DepartmentID: d.DepartmentID, OwnerID: d.SenderID, Module: d.Module}
}

// DocumentModules are the modules documents are sent through; parcels are
// labels, not documents.
var DocumentModules = []Module{ModuleMail, ModuleClassic}

// DocumentCreate is what a sender gives with the file.
type DocumentCreate struct {
	Name         string
	DepartmentID int64
	Module       Module
	// The letter: options over the department's defaults, a typed
	// recipient, a later start.
	Options   LetterOptionsPatch
	Recipient *Recipient
	SendAt    *time.Time
}

// DocumentChange is a PATCH of a letter (SPEC §9 Letters): the fields it
// sets. SetRecipient with a nil Recipient removes a typed recipient;
// SetSendAt with a nil SendAt clears the start.
type DocumentChange struct {
	Options      LetterOptionsPatch
	SetRecipient bool
	Recipient    *Recipient
	SetSendAt    bool
	SendAt       *time.Time
}

// Normalize keeps the base name of the uploaded file, trimmed, without
// control characters, at most 200 characters; an empty name becomes
// document.pdf.
func (c *DocumentCreate) Normalize() {
	name := path.Base(strings.ReplaceAll(c.Name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	// Trimmed after the cut, which may leave a space at the end, and
	// checked last: a name that is only dots, once its control characters
	// are gone, names a directory, not a file.
	name = strings.TrimSpace(name)
	if name == "" || name == "/" || strings.Trim(name, ".") == "" {
		name = "document.pdf"
	}
	c.Name = name
}

// Validate reports every field problem at once.
func (c *DocumentCreate) Validate() error {
	var v Validation
	if c.DepartmentID <= 0 {
		v.Add("department_id", "Choose a department.")
	}
	if c.Module != ModuleMail && c.Module != ModuleClassic {
		v.Add("module", "Choose mail or classic.")
	}
	return v.Err()
}

// DocumentFilter selects documents of a list.
type DocumentFilter struct {
	Status       DocumentStatus
	DepartmentID int64
	Module       Module
	From         *time.Time // created at or after
	To           *time.Time // created before
	Limit        int
	Cursor       string
}

// Validate checks the filter's values.
func (f *DocumentFilter) Validate() error {
	var v Validation
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "Use action_required, received, processing, printed, posted, failed, cancelled or returned.")
	}
	if f.Module != 0 && f.Module != ModuleMail && f.Module != ModuleClassic {
		v.Add("module", "Use mail or classic.")
	}
	validateRange(&v, f.From, f.To, f.Limit)
	ValidateCursor(&v, f.Cursor)
	return v.Err()
}

func validateRange(v *Validation, from, to *time.Time, limit int) {
	validateLimit(v, limit)
	if from != nil && to != nil && !from.Before(*to) {
		v.Add("to", "The end of the range must come after its start.")
	}
}

// validateLimit checks a page's size: 0 asks for DefaultPageSize.
func validateLimit(v *Validation, limit int) {
	if limit < 0 || limit > MaxPageSize {
		v.Add("limit", "Use a limit between 1 and 200.")
	}
}

// DocumentService sends and reads documents. Every method takes the caller
// from ctx and asks the policy; a document the caller may not see is
// ENOTFOUND.
type DocumentService interface {
	// SendDocument stores the PDF read from content and records the
	// document as received, with a manual_order entry, in one
	// transaction. EINVALID (not a PDF: field "file"), EFORBIDDEN.
	SendDocument(ctx context.Context, c DocumentCreate, content io.Reader) (*Document, error)
	// ListDocuments returns a page of the documents the caller may see,
	// newest first. EINVALID.
	ListDocuments(ctx context.Context, f DocumentFilter) ([]*Document, string, error)
	// FindDocument returns one document and logs the status view as a
	// fetch, unless a page polls it (Caller.Polled). ENOTFOUND.
	FindDocument(ctx context.Context, id int64) (*Document, error)
	// OpenDocument returns a document with its content, and logs the
	// download as a fetch; the caller closes the content. ENOTFOUND.
	OpenDocument(ctx context.Context, id int64) (*Document, io.ReadSeekCloser, error)
	// QuoteDocument checks and prices a letter without storing anything
	// (POST /documents/quote); it needs the right to send in the
	// department and module. EINVALID, EFORBIDDEN.
	QuoteDocument(ctx context.Context, c DocumentCreate, content io.Reader) (*LetterQuote, error)
	// ChangeDocument applies a change to a letter that may still change,
	// checks and prices it again (ActChangeDocument). EINVALID,
	// ENOTFOUND, EFORBIDDEN, ETOOLATE.
	ChangeDocument(ctx context.Context, id int64, c DocumentChange) (*Document, error)
	// QuoteChange is the quote of a change without saving it. EINVALID,
	// ENOTFOUND, EFORBIDDEN, ETOOLATE.
	QuoteChange(ctx context.Context, id int64, c DocumentChange) (*LetterQuote, error)
	// ReplaceDocumentFile replaces the file of a letter that may still
	// change: checked and priced again, same id, a history line.
	// EINVALID, ENOTFOUND, EFORBIDDEN, ETOOLATE.
	ReplaceDocumentFile(ctx context.Context, id int64, name string, content io.Reader) (*Document, error)
	// CancelDocument cancels a letter that may still change. ENOTFOUND,
	// EFORBIDDEN, ETOOLATE.
	CancelDocument(ctx context.Context, id int64) (*Document, error)
	// DocumentProof returns the PNG proof of uploaded page (from 1), or of
	// the address page for 0, rendered once and then kept. ENOTFOUND.
	DocumentProof(ctx context.Context, id int64, page int) ([]byte, error)
	// DocumentHistory returns a page of the document's changes, oldest
	// first. ENOTFOUND, EINVALID.
	DocumentHistory(ctx context.Context, id int64, limit int, cursor string) ([]*Change, string, error)
}

// BlobStore keeps file contents (documents, label PDFs, proofs) under keys
// it chooses: a local directory or an S3 object store (package blob).
// Callers put first and commit the row naming the key after, so a crash
// between the two leaves an orphan file (swept later), never a row
// without its file. Either call may fail with EUNAVAILABLE while the
// store cannot be reached.
type BlobStore interface {
	// Put stores everything r yields and returns its key and size. When r
	// fails, nothing is stored and Put returns r's error.
	Put(ctx context.Context, r io.Reader) (key string, size int64, err error)
	// Open returns the content stored under key, read as it is asked
	// (never buffered whole), at random too: the file is also an
	// io.ReaderAt. ctx bounds every read.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

// pdfTrailerWindow is how close to the end a PDF's %%EOF marker must be.
// Writers may follow it with a line end or a little padding; 1 KiB is
// what common readers tolerate.
const pdfTrailerWindow = 1024

// ErrNotPDF is the answer for an upload that is not a PDF file.
func ErrNotPDF() *Error {
	return &Error{Code: EINVALID, Message: "The file is not a PDF document.",
		Fields: []FieldError{{Field: "file", Message: "This file is not a PDF. Save or export the document as PDF, then upload it again."}}}
}

// PDFReader passes r through and checks, as the bytes go by, that they
// form a PDF file: the %PDF- header first and the %%EOF marker within the
// last KiB. At the end of a file that is not a PDF it returns ErrNotPDF
// instead of io.EOF, so that a store reading it keeps nothing.
func PDFReader(r io.Reader) io.Reader { return &pdfReader{r: r} }

type pdfReader struct {
	r    io.Reader
	head []byte // the first bytes, until there are len("%PDF-")
	tail []byte // the last pdfTrailerWindow bytes
}

func (p *pdfReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	chunk := b[:n]
	if len(p.head) < 5 {
		p.head = append(p.head, chunk[:min(len(chunk), 5-len(p.head))]...)
		if !bytes.HasPrefix([]byte("%PDF-"), p.head) {
			return n, ErrNotPDF() // fail early: no need to read the rest
		}
	}
	if len(chunk) >= pdfTrailerWindow {
		p.tail = append(p.tail[:0], chunk[len(chunk)-pdfTrailerWindow:]...)
	} else {
		p.tail = append(p.tail, chunk...)
		if extra := len(p.tail) - pdfTrailerWindow; extra > 0 {
			p.tail = append(p.tail[:0], p.tail[extra:]...)
		}
	}
	if err == io.EOF && (len(p.head) < 5 || !bytes.Contains(p.tail, []byte("%%EOF"))) {
		return n, ErrNotPDF()
	}
	return n, err
}
