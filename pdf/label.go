// Package pdf draws portail's PDF documents: the parcel label (D2).
package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"portail"
)

// A6 in millimetres, the usual size of a parcel label.
const (
	pageW  = 105.0
	pageH  = 148.0
	margin = 6.0
)

var _ portail.LabelRenderer = Label

// words are the label's printed words in each language; English is also
// what an unknown language gets.
var words = map[string]struct{ title, parcel, from, to, weight, date string }{
	"fr": {"Étiquette de colis", "COLIS", "DE", "À", "Poids", "02/01/2006"},
	"nl": {"Pakketlabel", "PAKKET", "VAN", "AAN", "Gewicht", "02-01-2006"},
	"en": {"Parcel label", "PARCEL", "FROM", "TO", "Weight", "2006-01-02"},
}

// Label draws the A6 label of l in lang: sender, recipient, weight, and
// the tracking number as a Code 128 barcode and in clear. The fonts are
// the Go fonts, embedded in the binary, so a label looks the same on any
// machine.
func Label(l *portail.Label, lang string) ([]byte, error) {
	say, ok := words[lang]
	if !ok {
		say, lang = words["en"], "en"
	}
	doc := &gopdf.GoPdf{}
	doc.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: pageW, H: pageH}})
	doc.SetInfo(gopdf.PdfInfo{Title: say.title + " " + l.TrackingNumber, Creator: "portail", CreationDate: l.CreatedAt})
	if err := doc.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, err
	}
	if err := doc.AddTTFFontData("bold", gobold.TTF); err != nil {
		return nil, err
	}
	doc.AddPage()
	w := &writer{doc: doc, y: margin}

	w.text("bold", 13, say.parcel)
	w.textAt("regular", 8, pageW-margin-32, margin+1, l.CreatedAt.Format(say.date))
	w.rule()

	w.text("bold", 7, say.from)
	w.address("regular", 8, l.Sender)
	w.rule()

	w.text("bold", 8, say.to)
	w.address("bold", 11, l.Recipient)
	w.rule()

	colon := ": "
	if lang == "fr" {
		colon = "\u00a0: " // French puts a no-break space before the colon
	}
	w.text("regular", 9, say.weight+colon+portail.FormatWeight(l.WeightGrams, lang))
	w.rule()

	// The barcode: Code 128 with its checksum, drawn at four pixels a
	// module so that the bars stay crisp when the image is scaled to fit.
	code, err := code128.Encode(l.TrackingNumber)
	if err != nil {
		return nil, fmt.Errorf("barcode of %q: %w", l.TrackingNumber, err)
	}
	img, err := barcode.Scale(code, code.Bounds().Dx()*4, 200)
	if err != nil {
		return nil, err
	}
	// gopdf embeds 8-bit images only; the barcode comes as 16-bit gray.
	gray := image.NewGray(img.Bounds())
	draw.Draw(gray, gray.Bounds(), img, img.Bounds().Min, draw.Src)
	barW, barH := pageW-2*margin-6, 24.0
	if err := doc.ImageFrom(gray, margin+3, w.y+2, &gopdf.Rect{W: barW, H: barH}); err != nil {
		return nil, err
	}
	w.y += barH + 4
	w.centered("bold", 14, spacedS10(l.TrackingNumber))

	if w.err != nil {
		return nil, w.err
	}
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writer lays lines out from the top down.
type writer struct {
	doc *gopdf.GoPdf
	y   float64
	err error
}

// keep remembers the first error, so that drawing reads as a list of
// lines and fails once at the end.
func (w *writer) keep(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

func (w *writer) font(family string, size float64) { w.keep(w.doc.SetFont(family, "", size)) }

// lineHeight is the height in millimetres of a line of size points.
func lineHeight(size float64) float64 { return size * 0.3528 * 1.3 }

func (w *writer) text(family string, size float64, s string) {
	w.textAt(family, size, margin, w.y, s)
	w.y += lineHeight(size)
}

func (w *writer) textAt(family string, size, x, y float64, s string) {
	w.font(family, size)
	w.doc.SetXY(x, y)
	w.keep(w.doc.Cell(&gopdf.Rect{W: pageW - x - margin, H: lineHeight(size)}, fit(w.doc, s, pageW-x-margin)))
}

func (w *writer) centered(family string, size float64, s string) {
	w.font(family, size)
	width, err := w.doc.MeasureTextWidth(s)
	w.keep(err)
	w.doc.SetXY((pageW-width)/2, w.y)
	w.keep(w.doc.Cell(nil, s))
	w.y += lineHeight(size)
}

// countryLine is an address's last line: the country's name in capitals,
// in English, as postal addressing rules ask for international mail.
func countryLine(code string) string {
	if r, err := language.ParseRegion(code); err == nil {
		if n := display.English.Regions().Name(r); n != "" {
			return strings.ToUpper(n)
		}
	}
	return code
}

func (w *writer) address(family string, size float64, a portail.Address) {
	for _, line := range []string{a.Name, a.Company, a.Street + " " + a.HouseNumber, a.PostalCode + " " + a.City, countryLine(a.Country)} {
		if strings.TrimSpace(line) != "" {
			w.text(family, size, line)
		}
	}
}

func (w *writer) rule() {
	w.y += 1
	w.doc.SetLineWidth(0.3)
	w.doc.Line(margin, w.y, pageW-margin, w.y)
	w.y += 2
}

// fit shortens s with an ellipsis until it fits in width.
func fit(doc *gopdf.GoPdf, s string, width float64) string {
	r := []rune(s)
	for len(r) > 1 {
		candidate := string(r)
		if len(r) < len([]rune(s)) {
			candidate += "…"
		}
		if w, err := doc.MeasureTextWidth(candidate); err != nil || w <= width {
			return candidate
		}
		r = r[:len(r)-1]
	}
	return string(r)
}

// spacedS10 groups an S10 identifier as printed on items: CP 12345678 9 FR.
func spacedS10(s string) string {
	if len(s) != 13 {
		return s
	}
	return s[:2] + " " + s[2:10] + " " + s[10:11] + " " + s[11:]
}
