package preflight

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"

	"portail"
)

// The proof's colours: the printable area in grey, the window in blue,
// problems in red; fills are translucent so the page shows through.
var (
	areaLine   = color.NRGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
	windowLine = color.NRGBA{R: 0x1d, G: 0x70, B: 0xb8, A: 0xff}
	windowFill = color.NRGBA{R: 0x1d, G: 0x70, B: 0xb8, A: 0x22}
	problemLn  = color.NRGBA{R: 0xd4, G: 0x35, B: 0x1c, A: 0xff}
	problemBg  = color.NRGBA{R: 0xd4, G: 0x35, B: 0x1c, A: 0x55}
)

// Proof renders page (from 1) of the file at about 100 dpi as a PNG,
// with the printable area, the window's zone on page 1 and the zones of
// the page's problems drawn over it (D8). ENOTFOUND for a page the file
// does not have.
func (r *Reader) Proof(ctx context.Context, file io.ReaderAt, size int64, page int, window portail.Window, problems []portail.Problem) ([]byte, error) {
	// The file is read once a worker is free, not before: requests that
	// wait their turn hold no copy of their file meanwhile.
	var img *image.RGBA
	var g geometry
	var dpi int
	err := r.do(ctx, func(p pdfium.Pdfium) error {
		data, err := readAll(file, size)
		if err != nil {
			return err
		}
		doc, err := open(p, data)
		if err != nil {
			return err
		}
		defer p.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
		count, err := p.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc})
		if err != nil {
			return errDamaged()
		}
		if page < 1 || page > count.PageCount {
			return portail.ErrNotFound("Page")
		}
		loaded, err := p.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: doc, Index: page - 1})
		if err != nil {
			return errDamaged()
		}
		defer p.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: loaded.Page})
		if g, err = pageGeometry(p, loaded.Page); err != nil {
			return err
		}
		if g.w <= 0 || g.h <= 0 || g.w > maxSideMM || g.h > maxSideMM {
			// Too big to draw: the proof is a blank A4 with the zones,
			// the page_size problem says the rest.
			g.w, g.h, dpi = portail.A4Width, portail.A4Height, renderDPI
			img = image.NewRGBA(image.Rect(0, 0, px(g.w, dpi), px(g.h, dpi)))
			draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
			return nil
		}
		dpi = dpiFor(g.w, g.h)
		res, err := p.RenderPageInDPI(&requests.RenderPageInDPI{Page: requests.Page{ByReference: &loaded.Page}, DPI: dpi})
		if err != nil {
			return err
		}
		defer res.Cleanup()
		// The bitmap lives in the engine's memory until Cleanup: copy it,
		// on white (a page without a background is transparent).
		src := res.Result.RenderedImage
		img = image.NewRGBA(src.Bounds())
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
		draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Over)
		return nil
	})
	if err != nil {
		return nil, refusal(ctx, err)
	}
	decorate(img, float64(dpi), page, window, problems)
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func px(mm float64, dpi int) int { return int(math.Round(mm / 25.4 * float64(dpi))) }

// decorate draws the zones over a page image drawn at dpi.
func decorate(img *image.RGBA, dpi float64, page int, window portail.Window, problems []portail.Problem) {
	toPx := func(r portail.Rect) image.Rectangle {
		f := func(v float64) int { return int(math.Round(v / 25.4 * dpi)) }
		return image.Rect(f(r.X), f(r.Y), f(r.X+r.W), f(r.Y+r.H))
	}
	stroke(img, toPx(portail.PrintableArea), areaLine, 1)
	addressProblem := false
	for _, p := range problems {
		if p.Page == page && len(p.Zones) == 0 &&
			(p.Code == portail.ProblemAddressNotFound || p.Code == portail.ProblemAddressIncomplete) {
			addressProblem = true
		}
	}
	if page == 1 {
		if !window.Valid() {
			window = portail.WindowRight
		}
		z := toPx(window.Zone())
		if addressProblem {
			fill(img, z, problemBg)
			stroke(img, z, problemLn, 2)
		} else {
			fill(img, z, windowFill)
			stroke(img, z, windowLine, 2)
		}
	}
	for _, p := range problems {
		if p.Page != page {
			continue
		}
		for _, zone := range p.Zones {
			z := toPx(zone)
			// A zone of ink a pixel wide would vanish under its outline:
			// grow it to be seen.
			z = z.Inset(-2)
			fill(img, z, problemBg)
			stroke(img, z, problemLn, 2)
		}
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.NRGBA) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Over)
}

func stroke(img *image.RGBA, r image.Rectangle, c color.NRGBA, width int) {
	u := image.NewUniform(c)
	for _, e := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+width),
		image.Rect(r.Min.X, r.Max.Y-width, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+width, r.Max.Y),
		image.Rect(r.Max.X-width, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(img, e.Intersect(img.Bounds()), u, image.Point{}, draw.Src)
	}
}
