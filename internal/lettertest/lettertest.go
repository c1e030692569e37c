// Package lettertest writes real A4 letters as PDF for the tests of the
// letter pages: an address in a window or none, ink in the 5 mm band
// when a test wants a problem, as many pages as asked.
package lettertest

import (
	"bytes"
	"testing"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/goregular"

	"portail"
)

// Letter is what a generated letter holds.
type Letter struct {
	// Address is printed in the right window's zone of page 1 (D5); none
	// leaves the window empty.
	Address []string
	// InkInMargin draws a black mark 2 mm from the left edge of page 1,
	// inside the band a printer cannot ink.
	InkInMargin bool
	Pages       int // at least 1
}

// PDF writes the letter with gopdf and an embedded font.
func PDF(t testing.TB, l Letter) []byte {
	t.Helper()
	doc := &gopdf.GoPdf{}
	doc.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: portail.A4Width, H: portail.A4Height}})
	if err := doc.AddTTFFontData("regular", goregular.TTF); err != nil {
		t.Fatal(err)
	}
	text := func(x, y, size float64, s string) {
		if err := doc.SetFont("regular", "", size); err != nil {
			t.Fatal(err)
		}
		doc.SetXY(x, y)
		if err := doc.Cell(nil, s); err != nil {
			t.Fatal(err)
		}
	}
	for n := 1; n <= max(l.Pages, 1); n++ {
		doc.AddPage()
		text(20, 20, 12, "Acme SA · Rue de la Loi 16 · 1000 Bruxelles")
		if n == 1 {
			zone := portail.WindowRight.Zone()
			for i, line := range l.Address {
				text(zone.X+5, zone.Y+5+float64(i)*5, 10, line)
			}
			if l.InkInMargin {
				doc.SetFillColor(0, 0, 0)
				doc.RectFromUpperLeftWithStyle(2, 150, 2, 20, "F")
			}
		}
		text(20, 110, 11, "Madame, Monsieur,")
		text(20, 120, 11, "Veuillez trouver ci-joint notre offre pour l'année prochaine.")
		text(20, 270, 9, "Page")
	}
	var b bytes.Buffer
	if _, err := doc.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Belgian is a complete Belgian address for the window.
var Belgian = []string{"Marie Dupont", "Rue Haute 12", "1000 Bruxelles"}
