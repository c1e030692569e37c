package preflight

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"portail"
)

// imagePDF is an A4 page showing a side × side grey image, deflated to
// little.
func imagePDF(side int) []byte {
	var img bytes.Buffer
	z := zlib.NewWriter(&img)
	row := bytes.Repeat([]byte{0x80}, side)
	for range side {
		z.Write(row)
	}
	z.Close()
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox "+a4Box+" /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", "q 400 0 0 400 100 300 cm /Im1 Do Q"),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n", side, side, img.Len())+img.String()+"\nendstream",
	)
}

func TestInspectFonts(t *testing.T) {
	for name, tt := range map[string]struct {
		font string
		want []portail.Problem
	}{
		"truetype not embedded": {
			"<< /Type /Font /Subtype /TrueType /BaseFont /Verdana /FirstChar 32 /LastChar 126 /Encoding /WinAnsiEncoding >>",
			[]portail.Problem{{Code: portail.ProblemFontNotEmbedded, Page: 1, Values: []string{"Verdana"}}},
		},
		"type1 not embedded": {
			"<< /Type /Font /Subtype /Type1 /BaseFont /Garamond-Bold >>",
			[]portail.Problem{{Code: portail.ProblemFontNotEmbedded, Page: 1, Values: []string{"Garamond-Bold"}}},
		},
		"standard font":  {"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold >>", nil},
		"standard alias": {"<< /Type /Font /Subtype /TrueType /BaseFont /Arial,Bold /Encoding /WinAnsiEncoding >>", nil},
	} {
		t.Run(name, func(t *testing.T) {
			ins := mustInspect(t, fontPDF(tt.font))
			if got := problemsOf(ins, portail.ProblemFontNotEmbedded); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems %+v, want %+v", got, tt.want)
			}
			want := []string{"Monsieur Paul Martin", "Rue Neuve 3", "1000 Bruxelles"}
			if got := ins.Windows[portail.WindowRight]; !reflect.DeepEqual(got, want) {
				t.Errorf("right window %q, want %q", got, want)
			}
		})
	}
}

func TestInspectRefusesEncrypted(t *testing.T) {
	for _, name := range []string{"encrypted-password.pdf", "encrypted-owner.pdf"} {
		_, err := inspectData(t, readTestdata(t, name), 60)
		if !fileInvalid(err) || !strings.Contains(err.(*portail.Error).Fields[0].Message, "protected") {
			t.Errorf("%s: %v, want EINVALID on file saying it is protected", name, err)
		}
	}
}

// TestInspectHostile feeds files made to hurt a reader: each ends in a
// refusal or a problem, and the engine still reads the next letter.
func TestInspectHostile(t *testing.T) {
	huge := imagePDF(20000)
	nested := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	loop := rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
		"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 4 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 3 0 R /MediaBox "+a4Box+" >>",
	)
	selfLoop := rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
	)
	forms := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox " + a4Box + " /Resources << /XObject << /X 5 0 R >> >> /Contents 4 0 R >>",
		stream("", "/X Do"),
		// A form that draws itself.
		stream("/Type /XObject /Subtype /Form /BBox [0 0 600 850] /Resources << /XObject << /X 5 0 R >> >>", "0 0 1 1 re f /X Do"),
	}
	giant := rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 4 0 R >>",
		stream("", "0 0 14400 14400 re f"),
	)

	for name, tt := range map[string]struct {
		data []byte
		// want checks what came back; nil means a refusal is wanted.
		want func(*portail.Inspection) bool
	}{
		"5000 pages": {manyPagesPDF(5000), func(ins *portail.Inspection) bool {
			return ins.Pages == 5000 && reflect.DeepEqual(ins.Problems, []portail.Problem{{Code: portail.ProblemTooManyPages, Values: []string{"5000", "60"}}})
		}},
		"20000 × 20000 image": {huge, nil},
		"nested arrays": {rawPDF(
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox "+a4Box+" /Foo "+nested+" >>",
		), func(ins *portail.Inspection) bool { return ins.Pages == 1 }},
		"page tree loop":      {loop, func(ins *portail.Inspection) bool { return ins.Pages >= 0 }},
		"pages of themselves": {selfLoop, nil},
		"recursive form":      {rawPDF(forms...), func(ins *portail.Inspection) bool { return ins.Pages == 1 }},
		"5 m page": {giant, func(ins *portail.Inspection) bool {
			return reflect.DeepEqual(ins.Problems, []portail.Problem{{Code: portail.ProblemPageSize, Page: 1, Values: []string{"5080 × 5080"}}})
		}},
	} {
		t.Run(name, func(t *testing.T) {
			ins, err := inspectData(t, tt.data, 60)
			switch {
			case err != nil && !fileInvalid(err):
				t.Fatalf("err %v, want EINVALID on file or an inspection", err)
			case err == nil && tt.want == nil:
				t.Errorf("inspection %+v, want a refusal", ins)
			case err == nil && !tt.want(ins):
				t.Errorf("inspection %+v, not what was wanted", ins)
			}
			t.Logf("err %v; inspection %+v", err, ins)
			// The engine still reads a letter afterwards.
			if ins := mustInspect(t, addressLetter(t)); len(ins.Windows[portail.WindowRight]) != 3 {
				t.Errorf("after: windows %q", ins.Windows)
			}
		})
	}
}
