package pdf_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portail"
	"portail/pdf"
)

func sampleLabel() *portail.Label {
	return &portail.Label{ID: 1, TrackingNumber: portail.S10(portail.S10Service, 47312482, "FR"), WeightGrams: 2350,
		Status: portail.LabelCreated, CreatedAt: time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC),
		Sender: portail.Address{Name: "Camille Martin", Company: "Atelier Martin SARL", Street: "Rue de la Paix",
			HouseNumber: "12", PostalCode: "75002", City: "Paris", Country: "FR"},
		Recipient: portail.Address{Name: "Jan de Vries", Company: "De Vries & Zonen B.V.", Street: "Keizersgracht",
			HouseNumber: "221-A", PostalCode: "1016 DV", City: "Amsterdam", Country: "NL"},
	}
}

// render turns the first page of a PDF into a PNG with poppler's pdftoppm.
// It is required in CI (CI=true) and skipped elsewhere when missing;
// scripts/test installs it.
func render(t *testing.T, doc []byte) (image.Image, []byte) {
	t.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftoppm (Debian poppler-utils) is required in CI")
		}
		t.Skip("pdftoppm not installed (apt-get install poppler-utils)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "label.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-png", "-r", "150", "-singlefile", in, filepath.Join(dir, "label")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "label.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return img, raw
}

// dark counts the pixels of a region that are nearly black.
func dark(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if (cr+cg+cb)/3 < 0x4000 {
				n++
			}
		}
	}
	return n
}

func TestLabelRenders(t *testing.T) {
	doc, err := pdf.Label(sampleLabel(), "fr")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) || !bytes.Contains(doc[max(0, len(doc)-1024):], []byte("%%EOF")) {
		t.Fatal("not a PDF file")
	}
	img, raw := render(t, doc)
	b := img.Bounds()
	// A6 at 150 dpi is 620 × 874 pixels.
	if b.Dx() < 600 || b.Dx() > 640 || b.Dy() < 850 || b.Dy() > 900 {
		t.Errorf("page is %v pixels, want A6 at 150 dpi", b.Size())
	}
	total := b.Dx() * b.Dy()
	if n := dark(img, b); n < total/50 || n > total/2 {
		t.Errorf("%d dark pixels of %d: the label is blank or a black block", n, total)
	}
	// Text in the top half, the barcode in the bottom half: both inked.
	top := image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+b.Dy()/2)
	bottom := image.Rect(b.Min.X, b.Min.Y+b.Dy()/2, b.Max.X, b.Max.Y)
	if n := dark(img, top); n < total/200 {
		t.Errorf("top half has %d dark pixels: no addresses drawn", n)
	}
	if n := dark(img, bottom); n < total/100 {
		t.Errorf("bottom half has %d dark pixels: no barcode drawn", n)
	}
	// The barcode alternates bars and spaces along a line through it.
	if runs := barRuns(img); runs < 40 {
		t.Errorf("%d bars across the barcode, want a Code 128 of 13 characters", runs)
	}
	// PORTAIL_SCREENSHOTS=1 refreshes the picture in docs/screenshots.
	if os.Getenv("PORTAIL_SCREENSHOTS") == "1" {
		if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", "label.png"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// barRuns counts the dark runs along the row with the most of them in the
// bottom half: the barcode's bars.
func barRuns(img image.Image) int {
	b := img.Bounds()
	best := 0
	for y := b.Min.Y + b.Dy()/2; y < b.Max.Y; y += 2 {
		runs, inBar := 0, false
		for x := b.Min.X; x < b.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			isDark := (cr+cg+cb)/3 < 0x8000
			if isDark && !inBar {
				runs++
			}
			inBar = isDark
		}
		best = max(best, runs)
	}
	return best
}

func TestLabelTooLongNamesAreShortened(t *testing.T) {
	l := sampleLabel()
	l.Recipient.Name = string(bytes.Repeat([]byte("W"), 100))
	if _, err := pdf.Label(l, "en"); err != nil {
		t.Fatal(err)
	}
}

// pdfText extracts a PDF's text with poppler's pdftotext, like render.
func pdfText(t *testing.T, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (Debian poppler-utils) is required in CI")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	in := filepath.Join(t.TempDir(), "label.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// The label speaks its creator's language: its words, its date and its
// weight with the language's decimal separator.
func TestLabelSpeaksTheLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"fr", []string{"COLIS", "DE", "À", "Poids : 2,35 kg", "14/03/2026"}},
		{"nl", []string{"PAKKET", "VAN", "AAN", "Gewicht: 2,35 kg", "14-03-2026"}},
		{"en", []string{"PARCEL", "FROM", "TO", "Weight: 2.35 kg", "2026-03-14"}},
	} {
		doc, err := pdf.Label(sampleLabel(), tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		// pdftotext may write a no-break space as a plain one.
		text := strings.ReplaceAll(pdfText(t, doc), "\u00a0", " ")
		lines := map[string]bool{}
		for _, l := range strings.Split(text, "\n") {
			for _, f := range strings.Split(strings.TrimSpace(l), "   ") {
				lines[strings.TrimSpace(f)] = true
			}
		}
		for _, w := range tc.want {
			if !lines[w] && !strings.Contains(text, w) || len(w) <= 3 && !lines[w] {
				t.Errorf("%s label lacks %q:\n%s", tc.lang, w, text)
			}
		}
	}
}
