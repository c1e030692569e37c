package preflight

import (
	"strings"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"portail"
)

// Bounds of the walk through a page's objects: a page of a letter has a
// few thousand; a document built to exhaust the reader stops here.
const (
	maxObjectsPerPage = 20000
	maxFormDepth      = 12
	// maxImagePixels is the largest image read: an A4 page scanned at
	// 600 dpi has 35 M pixels.
	maxImagePixels = 60_000_000
)

// standardFonts are the 14 fonts every PDF reader and printer has (PDF
// 1.7, 9.6.2.2), with the names writers commonly use for them: those may
// go unembedded (SPEC §9 Wave-2 details 4).
var standardFonts = map[string]bool{}

func init() {
	for _, n := range []string{
		"Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic",
		"Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique",
		"Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique",
		"Symbol", "ZapfDingbats",
		// The alternative names of PDF 1.7 Annex H.5 (Implementation
		// note 62) that readers map onto the same 14 fonts.
		"Arial", "Arial,Bold", "Arial,Italic", "Arial,BoldItalic",
		"TimesNewRoman", "TimesNewRoman,Bold", "TimesNewRoman,Italic", "TimesNewRoman,BoldItalic",
		"CourierNew", "CourierNew,Bold", "CourierNew,Italic", "CourierNew,BoldItalic",
	} {
		standardFonts[n] = true
	}
}

// isStandardFont reports whether a base font name is one of the 14, less
// any subset tag ("ABCDEF+").
func isStandardFont(name string) bool {
	if i := strings.IndexByte(name, '+'); i == 6 {
		name = name[7:]
	}
	return standardFonts[name]
}

func errImageTooLarge() *portail.Error {
	return fileError("The PDF document holds an image too large to print.",
		"This PDF holds an image too large to print. Save or print it again as a PDF with smaller images (300 dpi is plenty), then upload it again.")
}

// fontCheck gathers the fonts a printer would lack: one problem per font,
// on the first page that uses it.
type fontCheck struct {
	seen     map[string]bool
	problems []portail.Problem
}

func (f *fontCheck) page(p pdfium.Pdfium, page references.FPDF_PAGE, number int) error {
	ref := requests.Page{ByReference: &page}
	n, err := p.FPDFPage_CountObjects(&requests.FPDFPage_CountObjects{Page: ref})
	if err != nil {
		return err
	}
	budget := maxObjectsPerPage
	for i := 0; i < n.Count && budget > 0; i++ {
		obj, err := p.FPDFPage_GetObject(&requests.FPDFPage_GetObject{Page: ref, Index: i})
		if err != nil {
			return err
		}
		if err := f.object(p, obj.PageObject, number, 0, &budget); err != nil {
			return err
		}
	}
	return nil
}

func (f *fontCheck) object(p pdfium.Pdfium, obj references.FPDF_PAGEOBJECT, number, depth int, budget *int) error {
	*budget--
	t, err := p.FPDFPageObj_GetType(&requests.FPDFPageObj_GetType{PageObject: obj})
	if err != nil {
		return err
	}
	switch t.Type {
	case enums.FPDF_PAGEOBJ_IMAGE:
		// Drawing an image decodes all of it: refuse one that would take
		// the engine's memory and seconds before it is drawn.
		size, err := p.FPDFImageObj_GetImagePixelSize(&requests.FPDFImageObj_GetImagePixelSize{ImageObject: obj})
		if err == nil && uint64(size.Width)*uint64(size.Height) > maxImagePixels {
			return errImageTooLarge()
		}
	case enums.FPDF_PAGEOBJ_TEXT:
		font, err := p.FPDFTextObj_GetFont(&requests.FPDFTextObj_GetFont{PageObject: obj})
		if err != nil {
			return nil // a text object without a usable font draws nothing
		}
		emb, err := p.FPDFFont_GetIsEmbedded(&requests.FPDFFont_GetIsEmbedded{Font: font.Font})
		if err != nil || emb.IsEmbedded {
			return nil
		}
		name, err := p.FPDFFont_GetBaseFontName(&requests.FPDFFont_GetBaseFontName{Font: font.Font})
		if err != nil {
			return nil
		}
		if n := name.BaseFontName; !isStandardFont(n) && !f.seen[n] {
			f.seen[n] = true
			f.problems = append(f.problems, portail.Problem{Code: portail.ProblemFontNotEmbedded, Page: number, Values: []string{n}})
		}
	case enums.FPDF_PAGEOBJ_FORM:
		if depth >= maxFormDepth {
			return nil
		}
		n, err := p.FPDFFormObj_CountObjects(&requests.FPDFFormObj_CountObjects{PageObject: obj})
		if err != nil {
			return nil
		}
		for i := 0; i < n.Count && *budget > 0; i++ {
			child, err := p.FPDFFormObj_GetObject(&requests.FPDFFormObj_GetObject{PageObject: obj, Index: uint64(i)})
			if err != nil {
				return nil
			}
			if err := f.object(p, child.PageObject, number, depth+1, budget); err != nil {
				return err
			}
		}
	}
	return nil
}
