package ui

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// TestQRPNG: the enrolment's QR code is a square PNG of the asked size
// holding a QR symbol: its three finder patterns (7 modules a side: a dark
// ring, a light ring, a dark 3×3 core) in the corners of the dark area,
// four light modules around it, and a longer text makes a larger symbol
// (finer modules).
func TestQRPNG(t *testing.T) {
	module := func(text string) int {
		t.Helper()
		b, err := qrPNG(text, 256)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
			t.Fatalf("size %v, want 256×256", r)
		}
		dark := func(x, y int) bool {
			r, g, b, _ := img.At(x, y).RGBA()
			return r+g+b < 3*0x8000
		}
		// The dark area's box: the symbol without its quiet zone.
		var box image.Rectangle
		for y := range 256 {
			for x := range 256 {
				if dark(x, y) {
					box = box.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
		if box.Dx() != box.Dy() || box.Dx() < 21*2 {
			t.Fatalf("dark area %v: not a square symbol", box)
		}
		// The top edge of the top-left finder is 7 dark modules.
		run := 0
		for dark(box.Min.X+run, box.Min.Y) {
			run++
		}
		if run%7 != 0 {
			t.Fatalf("top-left finder's edge is %d px, not 7 modules", run)
		}
		m := run / 7
		// The quiet zone: four light modules at least on every side.
		if box.Min.X < 4*m || box.Min.Y < 4*m || 256-box.Max.X < 4*m || 256-box.Max.Y < 4*m {
			t.Fatalf("symbol %v with %d px modules: less than 4 modules of quiet zone", box, m)
		}
		// Along each finder's diagonal, module by module.
		want := []bool{true, false, true, true, true, false, true, false}
		for _, corner := range []image.Point{{box.Min.X, box.Min.Y}, {box.Max.X - 7*m, box.Min.Y}, {box.Min.X, box.Max.Y - 7*m}} {
			for i, d := range want {
				x, y := corner.X+i*m+m/2, corner.Y+i*m+m/2
				if i == 7 { // the light separator, inside the symbol
					x, y = corner.X+3*m+m/2, corner.Y+7*m+m/2
					if corner.Y > box.Min.Y {
						y = corner.Y - m/2 - 1
					}
				}
				if dark(x, y) != d {
					t.Fatalf("finder at %v, module %d: dark=%v, want %v", corner, i, !d, d)
				}
			}
		}
		return m
	}
	short := module("otpauth://totp/portail:ann?secret=JBSWY3DPEHPK3PXP&issuer=portail")
	long := module("otpauth://totp/portail:a-rather-long-user-name@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=portail&algorithm=SHA1&digits=6&period=30")
	if long >= short {
		t.Errorf("module of the longer text %d px, of the shorter %d: want finer", long, short)
	}
}
