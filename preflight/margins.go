package preflight

import (
	"image"
	"math"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"portail"
)

const (
	// renderDPI is the resolution of the margin check and of the proofs:
	// an A4 page is 827 × 1169 pixels, 1 MB in grey.
	renderDPI = 100
	// maxRenderPixels bounds one bitmap whatever the page size (an A4
	// page at renderDPI is about 1 M pixels).
	maxRenderPixels = 2_000_000
	// aliasMM is how far the printable area is widened before looking
	// for ink: the edge of a glyph set right at 5 mm is smoothed over the
	// next pixel, which is not ink outside.
	aliasMM = 1.0
	// inkLevel is the grey below which a pixel is ink: light enough to
	// catch a tint, dark enough to let the noise of a scanned page's
	// white go (as GOV.UK Notify's check does with its threshold).
	inkLevel = 235
)

// dpiFor is the resolution a page of w × h mm is drawn at.
func dpiFor(w, h float64) int {
	dpi := float64(renderDPI)
	px := (w / 25.4 * dpi) * (h / 25.4 * dpi)
	if px > maxRenderPixels {
		dpi *= math.Sqrt(maxRenderPixels / px)
	}
	return max(int(dpi), 10)
}

// inkOutside renders the page in grey and returns where ink lies in the
// band along the edges where nothing may be printed: one box per edge at
// most, in mm from the top-left.
func inkOutside(p pdfium.Pdfium, page references.FPDF_PAGE, g geometry) ([]portail.Rect, error) {
	dpi := dpiFor(g.w, g.h)
	res, err := p.RenderPageInDPI(&requests.RenderPageInDPI{Page: requests.Page{ByReference: &page}, DPI: dpi,
		ImageFormat: requests.RenderImageFormatGrayscale})
	if err != nil {
		return nil, err
	}
	defer res.Cleanup()
	img, ok := res.Result.RenderedImage.(*image.Gray)
	if !ok {
		return nil, errEngine
	}
	return inkZones(img, float64(dpi)), nil
}

// inkZones finds the ink of img (drawn at dpi) in the four bands outside
// the printable area widened by aliasMM.
func inkZones(img *image.Gray, dpi float64) []portail.Rect {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	px := func(mm float64) int { return int(math.Floor(mm / 25.4 * dpi)) }
	band := px(portail.PrintMargin - aliasMM)
	if band <= 0 {
		return nil
	}
	bands := []image.Rectangle{
		image.Rect(0, 0, W, band),           // top
		image.Rect(0, H-band, W, H),         // bottom
		image.Rect(0, band, band, H-band),   // left
		image.Rect(W-band, band, W, H-band), // right
	}
	var zones []portail.Rect
	for _, r := range bands {
		r = r.Intersect(image.Rect(0, 0, W, H))
		found := image.Rectangle{}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := img.Pix[(y)*img.Stride : (y)*img.Stride+W]
			for x := r.Min.X; x < r.Max.X; x++ {
				if row[x] < inkLevel {
					found = found.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
		if !found.Empty() {
			mm := func(v int) float64 { return math.Round(float64(v)*25.4/dpi*10) / 10 }
			zones = append(zones, portail.Rect{X: mm(found.Min.X), Y: mm(found.Min.Y),
				W: mm(found.Max.X) - mm(found.Min.X), H: mm(found.Max.Y) - mm(found.Min.Y)})
		}
	}
	return zones
}
