package preflight

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"reflect"
	"strings"
	"testing"

	"portail"
)

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestProof(t *testing.T) {
	data := letterPDF(t, page{texts: []textAt{{x: 20, y: 20, s: "Page one"}}},
		page{rects: []portail.Rect{{X: 1, Y: 100, W: 3, H: 20}}})
	ctx := context.Background()
	problems := []portail.Problem{{Code: portail.ProblemOutsidePrintableArea, Page: 2, Zones: []portail.Rect{{X: 1, Y: 100, W: 3, H: 20}}}}

	one, err := testReader(t).Proof(ctx, bytes.NewReader(data), int64(len(data)), 1, portail.WindowLeft, problems)
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, one)
	if b := img.Bounds(); b.Dx() < 826 || b.Dx() > 828 || b.Dy() < 1168 || b.Dy() > 1170 {
		t.Errorf("proof %v, want about 827 × 1169", b)
	}
	// The left window is tinted blue on page 1, the right one is white.
	at := func(img image.Image, xmm, ymm float64) (r, g, b uint32) {
		r, g, b, _ = img.At(int(xmm/25.4*100), int(ymm/25.4*100)).RGBA()
		return r >> 8, g >> 8, b >> 8
	}
	if r, g, b := at(img, 60, 80); !(b > r && b > 0xe0 && r < 0xf8) {
		t.Errorf("left window at (60, 80) is %d,%d,%d, want a blue tint", r, g, b)
	}
	if r, g, b := at(img, 150, 80); r != 0xff || g != 0xff || b != 0xff {
		t.Errorf("right window at (150, 80) is %d,%d,%d, want white", r, g, b)
	}

	two, err := testReader(t).Proof(ctx, bytes.NewReader(data), int64(len(data)), 2, portail.WindowLeft, problems)
	if err != nil {
		t.Fatal(err)
	}
	img = decodePNG(t, two)
	// The problem's zone is outlined in red beside the black box.
	found := false
	for y := 100; y < 120 && !found; y++ {
		for x := 0; x < 30; x++ {
			r, g, b, _ := img.At(x, int(float64(y)/25.4*100)).RGBA()
			if r>>8 > 0xc0 && g>>8 < 0x60 && b>>8 < 0x40 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no red outline near the problem's zone on page 2")
	}
	// No window on page 2.
	if r, g, b := at(img, 60, 80); r != 0xff || g != 0xff || b != 0xff {
		t.Errorf("page 2 at (60, 80) is %d,%d,%d, want white", r, g, b)
	}

	for _, p := range []int{0, 3, -1} {
		_, err := testReader(t).Proof(ctx, bytes.NewReader(data), int64(len(data)), p, portail.WindowRight, nil)
		var e *portail.Error
		if !errors.As(err, &e) || e.Code != portail.ENOTFOUND {
			t.Errorf("page %d: %v, want ENOTFOUND", p, err)
		}
	}
}

func TestAddressPageAndPrintReady(t *testing.T) {
	rcp := portail.Recipient{Name: "Jan Peeters", Lines: []string{"Jan Peeters", "Kerkstraat 5", "2000 Antwerpen", "Belgique"},
		PostalCode: "2000", City: "Antwerpen", Country: "BE"}
	addr, err := AddressPage(rcp)
	if err != nil {
		t.Fatal(err)
	}
	ins := mustInspect(t, addr)
	if ins.Pages != 1 || len(ins.Problems) != 0 || !reflect.DeepEqual(ins.Windows[portail.WindowRight], rcp.Lines) {
		t.Errorf("address page: %+v, want one clean page with %q in the right window", ins, rcp.Lines)
	}

	letter := letterPDF(t, page{texts: []textAt{{x: 20, y: 110, s: "Corps de la lettre"}}}, page{}, page{})
	ready, err := testReader(t).PrintReady(context.Background(), bytes.NewReader(letter), int64(len(letter)), addr)
	if err != nil {
		t.Fatal(err)
	}
	ins = mustInspect(t, ready)
	if ins.Pages != 4 || len(ins.Problems) != 0 || !reflect.DeepEqual(ins.Windows[portail.WindowRight], rcp.Lines) {
		t.Errorf("print-ready: %+v, want 4 clean pages with %q in the right window", ins, rcp.Lines)
	}

	left, err := AddressPageIn(rcp, portail.WindowLeft)
	if err != nil {
		t.Fatal(err)
	}
	ins = mustInspect(t, left)
	if !reflect.DeepEqual(ins.Windows[portail.WindowLeft], rcp.Lines) || len(ins.Windows[portail.WindowRight]) != 0 {
		t.Errorf("left address page windows %q, want the lines on the left only", ins.Windows)
	}

	same, err := testReader(t).PrintReady(context.Background(), bytes.NewReader(letter), int64(len(letter)), nil)
	if err != nil || !bytes.Equal(same, letter) {
		t.Errorf("print-ready without an address page: %v, want the file itself", err)
	}

	png, err := testReader(t).AddressProof(context.Background(), rcp, portail.WindowRight)
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, png)
}

// TestAddressPageLargestBlock: the largest block the rules let a sender
// type (RecipientMaxLines lines of RecipientLineLength characters, wide
// capitals included) is printed whole inside the window, and the address
// page passes its own preflight.
func TestAddressPageLargestBlock(t *testing.T) {
	lines := make([]string, portail.RecipientMaxLines)
	for i := range lines {
		lines[i] = strings.Repeat("W", portail.RecipientLineLength/2) + strings.Repeat("e", portail.RecipientLineLength-portail.RecipientLineLength/2)
	}
	lines[len(lines)-1] = "1000 BRUXELLES-BRUSSEL WWWWWWWWWWWWWWW"[:portail.RecipientLineLength]
	var v portail.Validation
	rcp := portail.Recipient{Name: lines[0], Lines: lines, PostalCode: "1000", City: lines[len(lines)-1][5:], Country: "BE"}
	portail.ValidateRecipient(&v, &rcp, "recipient", "BE")
	if v.Err() != nil {
		t.Fatalf("the block is refused by the rules: %v", v.Fields)
	}
	for _, w := range []portail.Window{portail.WindowRight, portail.WindowLeft} {
		page, err := AddressPageIn(rcp, w)
		if err != nil {
			t.Fatal(err)
		}
		ins := mustInspect(t, page)
		if len(ins.Problems) != 0 {
			t.Errorf("%s: the address page has problems %+v", w, ins.Problems)
		}
		if got := ins.Windows[w]; !reflect.DeepEqual(got, rcp.Lines) {
			t.Errorf("%s: the window shows %q, want every line whole %q", w, got, rcp.Lines)
		}
	}
}
