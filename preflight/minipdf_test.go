package preflight

import (
	"bytes"
	"fmt"
	"strings"
)

// rawPDF writes a PDF by hand from its objects (numbered from 1, the
// first the catalog), with a correct cross-reference table: for shapes no
// writer library makes (a font without its file, a loop in the page
// tree, thousands of pages sharing one content stream).
func rawPDF(objects ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
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

func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// a4Box is A4 portrait in points.
const a4Box = "[0 0 595.28 841.89]"

// fontPDF is one A4 page of text set in font, a font dictionary given
// whole (no FontFile: not embedded).
func fontPDF(font string) []byte {
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox "+a4Box+" /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
		stream("", "BT /F1 11 Tf 330 680 Td (Monsieur Paul Martin) Tj 0 -14 Td (Rue Neuve 3) Tj 0 -14 Td (1000 Bruxelles) Tj ET\nBT /F2 10 Tf 60 500 Td (Corps en Helvetica) Tj ET"),
		font,
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	)
}

// manyPagesPDF has n A4 pages that share one content stream: small to
// write, long to read page by page.
func manyPagesPDF(n int) []byte {
	kids := make([]string, n)
	pages := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", i+5)
		pages[i] = "<< /Type /Page /Parent 2 0 R /MediaBox " + a4Box + " /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		stream("", "BT /F1 10 Tf 60 700 Td (Page) Tj ET"),
	}
	return rawPDF(append(objs, pages...)...)
}
