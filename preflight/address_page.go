package preflight

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/goregular"

	"portail"
)

// The address block inside its window zone: inset from the zone's edges
// so that a fold or an envelope a little off still shows every line.
const (
	addressInset    = 5.0  // mm
	addressFontSize = 11.0 // pt
	// addressMinFontSize is the smallest a block is made to fit.
	addressMinFontSize = 7.0 // pt
	addressLeading     = 5.0 // mm from line to line
)

// AddressPage is the one-page A4 PDF printed in front of a letter whose
// page 1 has no address: the recipient's lines in the right window's
// zone (D5).
func AddressPage(r portail.Recipient) ([]byte, error) {
	return AddressPageIn(r, portail.WindowRight)
}

// AddressPageIn is AddressPage with the lines in window w's zone, for a
// letter posted in a left-window envelope.
func AddressPageIn(r portail.Recipient, w portail.Window) ([]byte, error) {
	if len(r.Lines) == 0 {
		return nil, errors.New("preflight: a recipient without lines")
	}
	if !w.Valid() {
		w = portail.WindowRight
	}
	zone := w.Zone()
	doc := &gopdf.GoPdf{}
	doc.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: portail.A4Width, H: portail.A4Height}})
	doc.SetInfo(gopdf.PdfInfo{Title: "Address page", Creator: "portail"})
	// The Go font is embedded: the page passes its own preflight.
	if err := doc.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, err
	}
	doc.AddPage()
	// The block keeps inside the window: a line too wide at the usual
	// size (capitals are wider than the average 38 characters the rules
	// allow) makes the whole block smaller, down to a size still read.
	size, width := addressFontSize, zone.W-2*addressInset
	if err := doc.SetFont("regular", "", size); err != nil {
		return nil, err
	}
	for _, line := range r.Lines {
		if w, err := doc.MeasureTextWidth(line); err == nil && w > width {
			size = max(addressMinFontSize, min(size, addressFontSize*width/w))
		}
	}
	if err := doc.SetFont("regular", "", size); err != nil {
		return nil, err
	}
	maxLines := int((zone.H - 2*addressInset) / addressLeading)
	for i, line := range r.Lines {
		if i >= maxLines {
			break // the rules allow no longer block; never print outside
		}
		doc.SetXY(zone.X+addressInset, zone.Y+addressInset+float64(i)*addressLeading)
		if err := doc.CellWithOption(&gopdf.Rect{W: zone.W - 2*addressInset, H: addressLeading}, line, gopdf.CellOption{}); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if _, err := doc.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// AddressProof renders the address page of r (page 0 of a letter that
// has one) like Proof renders the file's pages.
func (r *Reader) AddressProof(ctx context.Context, rcp portail.Recipient, w portail.Window) ([]byte, error) {
	page, err := AddressPageIn(rcp, w)
	if err != nil {
		return nil, err
	}
	return r.Proof(ctx, bytes.NewReader(page), int64(len(page)), 1, w, nil)
}

// PrintFile is PrintReady of letter d: with the address page of its
// typed recipient, in its window's zone, when it has one
// (portail.PrintFiler).
func (r *Reader) PrintFile(ctx context.Context, d *portail.Document, file io.ReaderAt, size int64) ([]byte, error) {
	var page []byte
	if d.AddressPage() {
		var err error
		if page, err = AddressPageIn(*d.Recipient, d.Options.Window); err != nil {
			return nil, err
		}
	}
	return r.PrintReady(ctx, file, size, page)
}

// PrintReady is the file the print partner prints: addressPage (when not
// nil) first, then every page of the file.
func (r *Reader) PrintReady(ctx context.Context, file io.ReaderAt, size int64, addressPage []byte) ([]byte, error) {
	data, err := readAll(file, size)
	if err != nil {
		return nil, err
	}
	if addressPage == nil {
		return data, nil
	}
	var out []byte
	err = r.do(ctx, func(p pdfium.Pdfium) error {
		dst, err := p.FPDF_CreateNewDocument(&requests.FPDF_CreateNewDocument{})
		if err != nil {
			return err
		}
		defer p.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: dst.Document})
		at := 0
		for _, src := range [][]byte{addressPage, data} {
			doc, err := open(p, src)
			if err != nil {
				return err
			}
			n, err := importAll(p, doc, dst.Document, at)
			p.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
			if err != nil {
				return err
			}
			at += n
		}
		saved, err := p.FPDF_SaveAsCopy(&requests.FPDF_SaveAsCopy{Document: dst.Document, Flags: requests.SaveFlagNoIncremental})
		if err != nil {
			return err
		}
		out = *saved.FileBytes
		return nil
	})
	if err != nil {
		return nil, refusal(ctx, err)
	}
	return out, nil
}

func importAll(p pdfium.Pdfium, src, dst references.FPDF_DOCUMENT, at int) (int, error) {
	count, err := p.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: src})
	if err != nil {
		return 0, err
	}
	if _, err := p.FPDF_ImportPages(&requests.FPDF_ImportPages{Source: src, Destination: dst, Index: at}); err != nil {
		return 0, err
	}
	return count.PageCount, nil
}
