package portail

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// The CSV import of users (SPEC §9 "Wave-2 details" 16): a file of rows,
// a dry run that reports what would be created and refused, then the real
// run in one transaction.
//
// Each row stands alone: the real run creates every valid row and refuses
// the others, each with all its problems, and says so row by row; a row is
// never half created. The dry run reports exactly what the real run would
// do at that instant; the real run checks everything again inside its
// transaction, under the account's lock (seats, names taken meanwhile), so
// that what it creates is always right, even when it differs from an
// earlier dry run. Rows beyond the seats left are refused in file order.
// New users are invited: the invitations go through the outbox.

// The bounds of an import: its size in bytes and its number of rows.
const (
	MaxImportBytes = 512 << 10
	MaxImportRows  = 1000
)

// ImportColumns are the columns of an import file, named by its header
// line in any order; username, full_name, email and role are required.
var ImportColumns = []string{"username", "full_name", "email", "role", "department", "modules", "language"}

// ImportRow is one row of an import file as typed.
type ImportRow struct {
	Line       int // the row's line in the file (the header is line 1)
	Username   string
	FullName   string
	Email      string
	Role       string
	Department string // the department's name
	Modules    string // space- or |-separated module names
	Language   string
}

// Outcome of an import row.
const (
	ImportCreated     = "created"      // the real run created the user
	ImportWouldCreate = "would_create" // a dry run would create them
	ImportRefused     = "refused"      // the row has problems; nothing was written for it
)

// ImportResult is what became of one row.
type ImportResult struct {
	Line     int
	Username string
	Status   string
	UserID   int64        // the created user (real run)
	Problems []FieldError // every problem of a refused row
}

// ImportReport is the answer of an import, one result per row in file
// order.
type ImportReport struct {
	DryRun  bool
	Created int // created, or would be on a dry run
	Refused int
	Rows    []ImportResult
}

// ParseImportCSV reads an import file: a header line naming the columns,
// then one user a line. A file that cannot be read as a whole (not CSV,
// no header, an unknown or missing column, too many rows, too large) is
// EINVALID with a problem on the field "file".
func ParseImportCSV(r io.Reader) ([]ImportRow, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	fail := func(msg string) error {
		var v Validation
		v.Add("file", msg)
		return v.Err()
	}
	if len(b) > MaxImportBytes {
		return nil, &Error{Code: ETOOLARGE, Message: "The file is too large: at most 512 KB.",
			Fields: []FieldError{{Field: "file", Message: "The file is too large: at most 512 KB."}}}
	}
	b = bytes.TrimPrefix(b, []byte("\uFEFF")) // a spreadsheet's byte order mark
	if !utf8.Valid(b) {
		return nil, fail("Save the file as UTF-8 text.")
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fail("The file is empty: it needs a header line and one user a line.")
	} else if err != nil {
		return nil, fail("The file is not valid CSV.")
	}
	if len(header) == 1 && strings.Contains(header[0], ";") {
		// A French or Dutch spreadsheet separates with semicolons.
		cr = csv.NewReader(bytes.NewReader(b))
		cr.Comma, cr.FieldsPerRecord, cr.TrimLeadingSpace = ';', -1, true
		header, _ = cr.Read()
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(ImportColumns, h) {
			return nil, fail("Unknown column in the header line: use username, full_name, email, role, department, modules and language.")
		}
		if _, dup := col[h]; dup {
			return nil, fail("A column is named twice in the header line.")
		}
		col[h] = i
	}
	for _, req := range []string{"username", "full_name", "email", "role"} {
		if _, ok := col[req]; !ok {
			return nil, fail("The header line needs at least the columns username, full_name, email and role.")
		}
	}
	var rows []ImportRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fail("The file is not valid CSV.")
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, fail("The file has too many rows: at most 1000 users at once.")
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) > len(header) {
			return nil, fail("A line has more values than the header line has columns.")
		}
		rows = append(rows, ImportRow{Line: lineOf(cr), Username: get("username"), FullName: get("full_name"), Email: get("email"),
			Role: get("role"), Department: get("department"), Modules: get("modules"), Language: get("language")})
	}
	if len(rows) == 0 {
		return nil, fail("The file has no user: one user a line after the header line.")
	}
	return rows, nil
}

// lineOf is the line the record just read started on.
func lineOf(cr *csv.Reader) int {
	line, _ := cr.FieldPos(0)
	return line
}

// ParseImportModules reads a modules cell: names separated by spaces or
// "|" (commas too, as typed in a spreadsheet cell). It returns the set
// and whether every name was known.
func ParseImportModules(s string) (ModuleSet, bool) {
	var set ModuleSet
	ok := true
	for _, name := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '|' || r == ',' || r == '\t' }) {
		if m, known := ParseModule(strings.ToLower(name)); known {
			set |= ModuleSet(m)
		} else {
			ok = false
		}
	}
	return set, ok
}
