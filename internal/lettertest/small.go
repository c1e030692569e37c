package lettertest

import (
	"bytes"
	"fmt"
	"portail"
	"strings"
)

// Small is a clean one-page A4 letter of well under 2 KiB, for the tests
// whose upload limit is a few KiB: written by hand in Helvetica, one of
// the 14 standard fonts a printer has (so not embedded), with the
// address in the right window and note in its body.
func Small(note string) []byte {
	var content strings.Builder
	line := func(xmm, ymm, size float64, s string) {
		// PDF space: points from the bottom-left; the line's baseline sits
		// about 0.8 of its size below its top.
		x, y := xmm*72/25.4, (297-ymm)*72/25.4-size*0.8
		fmt.Fprintf(&content, "BT /F1 %.1f Tf %.2f %.2f Td (%s) Tj ET\n", size, x, y, pdfString(s))
	}
	for _, t := range Body {
		line(t.X, t.Y, 10, t.S)
	}
	for _, t := range Window(portail.WindowRight, Address...) {
		line(t.X, t.Y, t.Size, t.S)
	}
	if note != "" {
		line(20, 140, 10, note)
	}
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// pdfString escapes s for a PDF literal string in WinAnsi: Latin-1
// letters as octal escapes, others dropped.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r >= 0xa0 && r <= 0xff:
			fmt.Fprintf(&b, "\\%03o", r)
		case r == '·':
			b.WriteString("\\267")
		}
	}
	return b.String()
}
