package preflight

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/goregular"

	"portail"
)

// One engine for the package's tests: its start costs seconds.
var (
	engineOnce sync.Once
	engine     *Reader
)

func testReader(t testing.TB) *Reader {
	t.Helper()
	// The compilation cache spares each fuzzing worker the seconds of
	// compiling the engine again.
	engineOnce.Do(func() {
		engine = New(Config{Timeout: 60 * time.Second, CacheDir: filepath.Join(os.TempDir(), "portail-preflight-wazero")})
	})
	return engine
}

// page describes one page of a generated PDF.
type page struct {
	w, h  float64 // mm; 0 = A4 portrait
	texts []textAt
	rects []portail.Rect // filled black
}

type textAt struct {
	x, y float64 // mm from the top-left, of the line's top
	size float64
	s    string
}

// letterPDF writes pages with gopdf and the embedded Go font.
func letterPDF(t testing.TB, pages ...page) []byte {
	t.Helper()
	doc := &gopdf.GoPdf{}
	doc.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: portail.A4Width, H: portail.A4Height}})
	if err := doc.AddTTFFontData("regular", goregular.TTF); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if p.w == 0 {
			doc.AddPage()
		} else {
			doc.AddPageWithOption(gopdf.PageOption{PageSize: &gopdf.Rect{W: p.w, H: p.h}})
		}
		// A page without content is written by gopdf with an empty
		// /Contents entry, which swallows the next key: every page gets
		// a word.
		texts := append([]textAt{{x: 100, y: 280, size: 8, s: "·"}}, p.texts...)
		for _, tx := range texts {
			size := tx.size
			if size == 0 {
				size = 10
			}
			if err := doc.SetFont("regular", "", size); err != nil {
				t.Fatal(err)
			}
			doc.SetXY(tx.x, tx.y)
			if err := doc.Cell(nil, tx.s); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range p.rects {
			doc.SetFillColor(0, 0, 0)
			doc.RectFromUpperLeftWithStyle(r.X, r.Y, r.W, r.H, "F")
		}
	}
	var b bytes.Buffer
	if _, err := doc.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// addressLetter is a clean one-page letter with the address in the
// right window and a body inside the printable area.
func addressLetter(t testing.TB, extra ...portail.Rect) []byte {
	return letterPDF(t, page{texts: []textAt{
		{x: 20, y: 20, s: "ACME sprl, rue de la Loi 1, 1000 Bruxelles"},
		{x: 115, y: 50, size: 11, s: "Madame Anne Dupont"},
		{x: 115, y: 56, size: 11, s: "Rue du Marché 12 bte 3"},
		{x: 115, y: 62, size: 11, s: "4000 Liège"},
		{x: 20, y: 110, s: "Madame,"},
		{x: 20, y: 120, s: "Nous vous écrivons au sujet de votre demande."},
	}, rects: extra})
}

func inspectData(t testing.TB, data []byte, maxPages int) (*portail.Inspection, error) {
	t.Helper()
	return testReader(t).Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), maxPages)
}

func mustInspect(t testing.TB, data []byte) *portail.Inspection {
	t.Helper()
	ins, err := inspectData(t, data, 60)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	return ins
}

// fileInvalid reports whether err is EINVALID on field file.
func fileInvalid(err error) bool {
	var e *portail.Error
	return errors.As(err, &e) && e.Code == portail.EINVALID && len(e.Fields) == 1 && e.Fields[0].Field == "file"
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func problemsOf(ins *portail.Inspection, code portail.ProblemCode) []portail.Problem {
	var out []portail.Problem
	for _, p := range ins.Problems {
		if p.Code == code {
			out = append(out, p)
		}
	}
	return out
}
