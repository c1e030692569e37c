package portail

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode"
	"unicode/utf8"
)

// FuzzDocumentName: the uploaded file name, once normalised, is a plain
// base name a download can carry (no path separator, no control
// character, no invalid UTF-8, never empty, at most 200 characters), and
// normalising it again changes nothing.
func FuzzDocumentName(f *testing.F) {
	for _, s := range []string{"lettre.pdf", "C:\\Users\\x\\facture.pdf", "../../etc/passwd", "/", ".", "..", "  a  ",
		"a\x00b.pdf", "\xff\xfe.pdf", "dir/", strings.Repeat("é", 250), strings.Repeat("a", 199) + " b", "\u202egnp.pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		c := DocumentCreate{Name: name}
		c.Normalize()
		got := c.Name
		switch {
		case got == "" || got == "." || got == "..":
			t.Fatalf("Normalize(%q) = %q", name, got)
		case strings.ContainsAny(got, `/\`):
			t.Fatalf("Normalize(%q) = %q keeps a path separator", name, got)
		case strings.ContainsFunc(got, unicode.IsControl), !utf8.ValidString(got):
			t.Fatalf("Normalize(%q) = %q keeps a control character or invalid UTF-8", name, got)
		case utf8.RuneCountInString(got) > 200:
			t.Fatalf("Normalize(%q) is %d characters long", name, utf8.RuneCountInString(got))
		}
		c.Normalize()
		if c.Name != got {
			t.Fatalf("Normalize is not idempotent: %q → %q → %q", name, got, c.Name)
		}
	})
}

// FuzzPDFReader: the streaming check agrees with the rule said whole (the
// %PDF- header first, %%EOF within the last KiB), passes every byte
// through unchanged, and does not depend on how the reads are cut.
func FuzzPDFReader(f *testing.F) {
	f.Add([]byte("%PDF-1.7\n1 0 obj\n%%EOF\n"), uint16(0))
	f.Add([]byte("%PDF-1.7\n"+strings.Repeat("x", 2000)+"%%EOF"), uint16(3))
	f.Add([]byte("%PDF-1.4\n%%EOF"+strings.Repeat(" ", 1020)), uint16(7))
	f.Add([]byte("%PDF"), uint16(1))
	f.Add([]byte("<html>%%EOF"), uint16(2))
	f.Add([]byte("%PDF-%%EOF"), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		want := bytes.HasPrefix(data, []byte("%PDF-")) && bytes.Contains(data[max(0, len(data)-pdfTrailerWindow):], []byte("%%EOF"))
		readers := map[string]io.Reader{
			"whole":    bytes.NewReader(data),
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			"cut":      &cutReader{data: data, n: int(cut)%1500 + 1},
		}
		for how, r := range readers {
			out, err := io.ReadAll(PDFReader(r))
			var pe *Error
			if errors.As(err, &pe) && pe.Code == EINVALID {
				err = errNotPDFSeen
			}
			switch {
			case want && err != nil:
				t.Fatalf("%s: a PDF is refused: %v", how, err)
			case !want && err != errNotPDFSeen:
				t.Fatalf("%s: %q is taken for a PDF (err %v)", how, data, err)
			case want && !bytes.Equal(out, data):
				t.Fatalf("%s: the bytes changed on the way", how)
			}
		}
	})
}

var errNotPDFSeen = errors.New("not a PDF")

// cutReader hands out data n bytes at a time.
type cutReader struct {
	data []byte
	n    int
}

func (c *cutReader) Read(b []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := copy(b[:min(len(b), c.n)], c.data)
	c.data = c.data[k:]
	return k, nil
}
