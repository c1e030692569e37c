package preflight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"portail"
)

const (
	mmPerPoint = 25.4 / 72
	// maxSideMM is the largest page side worth drawing: beyond it a page
	// is only a page_size problem (a PDF page may be 5 m wide).
	maxSideMM = 2000.0
)

// Inspect reads the file: its pages' sizes, ink in the margins, fonts,
// and the text of page 1 in either window's zone (D4, D5).
func (r *Reader) Inspect(ctx context.Context, file io.ReaderAt, size int64, maxPages int) (*portail.Inspection, error) {
	if maxPages <= 0 {
		maxPages = portail.DefaultMaxPages
	}
	// The file is read once a worker is free, not before: requests that
	// wait their turn hold no copy of their file meanwhile.
	var ins *portail.Inspection
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
		ins, err = inspect(p, doc, maxPages)
		return err
	})
	if err != nil {
		return nil, refusal(ctx, err)
	}
	return ins, nil
}

// readAll reads the size bytes of file: PDFium reads a document from
// memory (a letter is a few MiB at most; the upload bounds its size).
func readAll(file io.ReaderAt, size int64) ([]byte, error) {
	if size <= 0 {
		return nil, errDamaged()
	}
	data := make([]byte, size)
	n, err := file.ReadAt(data, 0)
	if int64(n) < size {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, errDamaged()
		}
		return nil, err
	}
	return data, nil
}

// refusal turns an engine error into the answer: the caller's own end
// (ctx) stays itself; the rest is the file's fault.
func refusal(ctx context.Context, err error) error {
	var pe *portail.Error
	switch {
	case errors.As(err, &pe):
		return pe
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return errTooComplex()
	case errors.Is(err, errEngine):
		return errDamaged()
	}
	return err
}

func fileError(msg, field string) *portail.Error {
	return &portail.Error{Code: portail.EINVALID, Message: msg,
		Fields: []portail.FieldError{{Field: "file", Message: field}}}
}

func errEncrypted() *portail.Error {
	return fileError("The PDF document is protected.",
		"This PDF is protected by a password or encrypted. Save or print it again as a PDF without protection, then upload it again.")
}

func errDamaged() *portail.Error {
	return fileError("The PDF document cannot be read.",
		"This PDF is damaged and cannot be read. Save or export the document as PDF again, then upload it again.")
}

func errTooComplex() *portail.Error {
	return fileError("The PDF document is too complex to read.",
		"This PDF takes too long to read. Save or print it again as a simpler PDF (for example with smaller images), then upload it again.")
}

// open loads data and refuses what a printer could not take: a file that
// does not open, or any encryption (SPEC D4 refuses encrypted files, even
// those that open without a password).
func open(p pdfium.Pdfium, data []byte) (references.FPDF_DOCUMENT, error) {
	res, err := p.FPDF_LoadMemDocument64(&requests.FPDF_LoadMemDocument64{Data: &data})
	if err != nil {
		if errors.Is(err, pdfiumerrors.ErrPassword) || errors.Is(err, pdfiumerrors.ErrSecurity) {
			return "", errEncrypted()
		}
		if isTrap(err) {
			return "", err
		}
		return "", errDamaged()
	}
	doc := res.Document
	if rev, err := p.FPDF_GetSecurityHandlerRevision(&requests.FPDF_GetSecurityHandlerRevision{Document: doc}); err == nil && rev.SecurityHandlerRevision != -1 {
		p.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
		return "", errEncrypted()
	}
	return doc, nil
}

// geometry maps a page's user space (points, origin bottom-left, maybe
// rotated) to millimetres from the top-left of the page as shown.
type geometry struct {
	left, bottom, right, top float64 // the page's box in user space
	rotation                 enums.FPDF_PAGE_ROTATION
	w, h                     float64 // shown size in mm
}

func pageGeometry(p pdfium.Pdfium, page references.FPDF_PAGE) (geometry, error) {
	ref := requests.Page{ByReference: &page}
	box, err := p.FPDF_GetPageBoundingBox(&requests.FPDF_GetPageBoundingBox{Page: ref})
	if err != nil {
		return geometry{}, err
	}
	g := geometry{left: float64(box.Rect.Left), bottom: float64(box.Rect.Bottom), right: float64(box.Rect.Right), top: float64(box.Rect.Top)}
	if g.right < g.left {
		g.left, g.right = g.right, g.left
	}
	if g.top < g.bottom {
		g.top, g.bottom = g.bottom, g.top
	}
	if rot, err := p.FPDFPage_GetRotation(&requests.FPDFPage_GetRotation{Page: ref}); err == nil {
		g.rotation = rot.PageRotation
	}
	w, h := (g.right-g.left)*mmPerPoint, (g.top-g.bottom)*mmPerPoint
	if g.rotation == enums.FPDF_PAGE_ROTATION_90_CW || g.rotation == enums.FPDF_PAGE_ROTATION_270_CW {
		w, h = h, w
	}
	g.w, g.h = w, h
	return g, nil
}

// toMM maps a point of user space to the shown page, in mm.
func (g geometry) toMM(x, y float64) (float64, float64) {
	var dx, dy float64 // in points
	switch g.rotation {
	case enums.FPDF_PAGE_ROTATION_90_CW:
		dx, dy = y-g.bottom, x-g.left
	case enums.FPDF_PAGE_ROTATION_180_CW:
		dx, dy = g.right-x, y-g.bottom
	case enums.FPDF_PAGE_ROTATION_270_CW:
		dx, dy = g.top-y, g.right-x
	default:
		dx, dy = x-g.left, g.top-y
	}
	return dx * mmPerPoint, dy * mmPerPoint
}

func isA4Portrait(w, h float64) bool {
	return math.Abs(w-portail.A4Width) <= portail.PageSizeTolerance && math.Abs(h-portail.A4Height) <= portail.PageSizeTolerance
}

// formatMM writes a size like "215.9 × 279.4".
func formatMM(w, h float64) string {
	f := func(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
	return f(w) + " × " + f(h)
}

func inspect(p pdfium.Pdfium, doc references.FPDF_DOCUMENT, maxPages int) (*portail.Inspection, error) {
	count, err := p.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc})
	if err != nil {
		return nil, errDamaged()
	}
	if count.PageCount <= 0 {
		return nil, errDamaged()
	}
	ins := &portail.Inspection{Pages: count.PageCount, Problems: []portail.Problem{}, Windows: map[portail.Window][]string{}}
	read := count.PageCount
	if read > maxPages {
		read = maxPages
		ins.Problems = append(ins.Problems, portail.Problem{Code: portail.ProblemTooManyPages,
			Values: []string{strconv.Itoa(count.PageCount), strconv.Itoa(maxPages)}})
	}
	fonts := fontCheck{seen: map[string]bool{}}
	for i := 0; i < read; i++ {
		loaded, err := p.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: doc, Index: i})
		if err != nil {
			if isTrap(err) {
				return nil, err
			}
			return nil, errDamaged()
		}
		page := loaded.Page
		err = func() error {
			defer p.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: page})
			g, err := pageGeometry(p, page)
			if err != nil {
				return err
			}
			if !isA4Portrait(g.w, g.h) {
				ins.Problems = append(ins.Problems, portail.Problem{Code: portail.ProblemPageSize, Page: i + 1,
					Values: []string{formatMM(g.w, g.h)}})
			}
			if g.w <= 0 || g.h <= 0 || g.w > maxSideMM || g.h > maxSideMM {
				return nil // nothing sensible to draw or read
			}
			if err := fonts.page(p, page, i+1); err != nil {
				return err
			}
			zones, err := inkOutside(p, page, g)
			if err != nil {
				return err
			}
			if len(zones) > 0 {
				ins.Problems = append(ins.Problems, portail.Problem{Code: portail.ProblemOutsidePrintableArea, Page: i + 1, Zones: zones})
			}
			if i == 0 {
				lines, err := windowLines(p, page, g)
				if err != nil {
					return err
				}
				for w, l := range lines {
					ins.Windows[w] = l
				}
			}
			return nil
		}()
		if err != nil {
			if isTrap(err) || errors.Is(err, errEngine) {
				return nil, err
			}
			var pe *portail.Error
			if errors.As(err, &pe) {
				return nil, pe
			}
			return nil, fmt.Errorf("%w: page %d: %v", errEngine, i+1, err)
		}
	}
	ins.Problems = append(ins.Problems, fonts.problems...)
	return ins, nil
}
