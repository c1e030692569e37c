package preflight

import (
	"reflect"
	"strconv"
	"testing"

	"portail"
)

// A page stored landscape and turned a quarter (/Rotate 90) shows as A4
// portrait: no page_size problem, and its window is read where it shows.
func TestInspectRotatedPage(t *testing.T) {
	// Shown at x mm from the left, y mm from the top: under a quarter
	// turn clockwise, user space x is shown y, user space y is shown x.
	// The text matrix turns the writing back so that it reads across.
	const mm = 72 / 25.4
	line := func(x, y float64, s string) string {
		return "BT /F1 11 Tf 0 1 -1 0 " + ftoa(y*mm+3) + " " + ftoa(x*mm) + " Tm (" + s + ") Tj ET\n"
	}
	data := rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 841.89 595.28] /Rotate 90 /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", line(115, 52, "Madame Lise Claes")+line(115, 58, "Grote Markt 1")+line(115, 64, "8000 Brugge")),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	)
	ins := mustInspect(t, data)
	if len(ins.Problems) != 0 {
		t.Errorf("problems %+v, want none", ins.Problems)
	}
	want := []string{"Madame Lise Claes", "Grote Markt 1", "8000 Brugge"}
	if got := ins.Windows[portail.WindowRight]; !reflect.DeepEqual(got, want) {
		t.Errorf("right window %q, want %q (windows %q)", got, want, ins.Windows)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
