// Package lettertest makes real PDF letters for the tests (gopdf, the
// embedded Go font) and shares one PDF engine per test binary: the
// storage, API and end-to-end tests read them as serve does.
package lettertest

import (
	"bytes"
	"sync"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/goregular"

	"portail"
	"portail/preflight"
)

var (
	engineOnce sync.Once
	engine     *preflight.Reader
)

// Reader is the PDF engine the tests of one binary share: its start costs
// seconds. It is never closed; the process's end frees it.
func Reader() *preflight.Reader {
	engineOnce.Do(func() { engine = preflight.New(preflight.Config{Timeout: 120 * time.Second}) })
	return engine
}

// Text is a line on a page, at mm from the top-left corner (its top).
type Text struct {
	X, Y, Size float64
	S          string
}

// Page is one page of a letter; W and H 0 mean A4 portrait.
type Page struct {
	W, H  float64
	Texts []Text
	Ink   []portail.Rect // filled black
}

// Address is the address a letter shows in its right window.
var Address = []string{"Madame Anne Dupont", "Rue du Marché 12 bte 3", "4000 Liège"}

// Body is a letter's text, inside the printable area.
var Body = []Text{
	{X: 20, Y: 20, S: "ACME sprl, rue de la Loi 1, 1000 Bruxelles"},
	{X: 20, Y: 110, S: "Madame,"},
	{X: 20, Y: 120, S: "Nous vous écrivons au sujet de votre demande."},
}

// Window returns the lines placed in the zone of w.
func Window(w portail.Window, lines ...string) []Text {
	z := w.Zone()
	out := make([]Text, len(lines))
	for i, l := range lines {
		out[i] = Text{X: z.X + 5, Y: z.Y + 5 + 6*float64(i), Size: 11, S: l}
	}
	return out
}

// Letter is a clean A4 letter of pages pages, the address in the right
// window of page 1.
func Letter(pages int) []byte {
	ps := []Page{{Texts: append(append([]Text{}, Body...), Window(portail.WindowRight, Address...)...)}}
	for i := 1; i < pages; i++ {
		ps = append(ps, Page{Texts: Body[1:]})
	}
	return PDF(ps...)
}

// NoAddress is a clean one-page A4 letter with both windows empty.
func NoAddress() []byte { return PDF(Page{Texts: Body}) }

// MarginInk is a one-page letter with the address and ink within 5 mm of
// the left edge.
func MarginInk() []byte {
	return PDF(Page{Texts: append(append([]Text{}, Body...), Window(portail.WindowRight, Address...)...),
		Ink: []portail.Rect{{X: 1, Y: 150, W: 3, H: 20}}})
}

// Letter215 is a letter on US Letter paper (215.9 × 279.4 mm).
func Letter215() []byte {
	return PDF(Page{W: 215.9, H: 279.4, Texts: append(append([]Text{}, Body...), Window(portail.WindowRight, Address...)...)})
}

// PDF writes the pages.
func PDF(pages ...Page) []byte {
	doc := &gopdf.GoPdf{}
	doc.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: portail.A4Width, H: portail.A4Height}})
	if err := doc.AddTTFFontData("regular", goregular.TTF); err != nil {
		panic(err)
	}
	for _, p := range pages {
		if p.W == 0 {
			doc.AddPage()
		} else {
			doc.AddPageWithOption(gopdf.PageOption{PageSize: &gopdf.Rect{W: p.W, H: p.H}})
		}
		// gopdf writes a page without content with an empty /Contents
		// that swallows the next key: every page gets a word.
		for _, t := range append([]Text{{X: 100, Y: 280, Size: 8, S: "·"}}, p.Texts...) {
			size := t.Size
			if size == 0 {
				size = 10
			}
			if err := doc.SetFont("regular", "", size); err != nil {
				panic(err)
			}
			doc.SetXY(t.X, t.Y)
			if err := doc.Cell(nil, t.S); err != nil {
				panic(err)
			}
		}
		for _, r := range p.Ink {
			doc.SetFillColor(0, 0, 0)
			doc.RectFromUpperLeftWithStyle(r.X, r.Y, r.W, r.H, "F")
		}
	}
	var b bytes.Buffer
	if _, err := doc.WriteTo(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}

var (
	namedMu sync.Mutex
	named   = map[string][]byte{}
)

// Named is a clean one-page letter that shows name in its body: the same
// bytes for the same name, so that a test can tell its files apart and
// compare a download with what it sent.
func Named(name string) []byte {
	namedMu.Lock()
	defer namedMu.Unlock()
	if b, ok := named[name]; ok {
		return b
	}
	b := PDF(Page{Texts: append(append([]Text{{X: 20, Y: 140, S: name}}, Body...), Window(portail.WindowRight, Address...)...)})
	named[name] = b
	return b
}
