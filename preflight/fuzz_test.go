package preflight

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portail"
)

var knownCodes = map[portail.ProblemCode]bool{
	portail.ProblemPageSize: true, portail.ProblemTooManyPages: true,
	portail.ProblemOutsidePrintableArea: true, portail.ProblemFontNotEmbedded: true,
}

// FuzzInspect: whatever the bytes, Inspect answers a refusal on field
// file or an inspection that makes sense, and never panics or hangs.
func FuzzInspect(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.pdf")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(addressLetter(f))
	f.Add(fontPDF("<< /Type /Font /Subtype /TrueType /BaseFont /Verdana >>"))
	f.Add(manyPagesPDF(70))
	// Start the engine before the first input: the fuzzer gives each
	// input ten seconds, and the pool's start takes about five (more in
	// the instrumented build).
	mustInspect(f, addressLetter(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		ins, err := inspectData(t, data, 60)
		if err != nil {
			if !fileInvalid(err) {
				t.Fatalf("err %v, want nil or EINVALID on file", err)
			}
			return
		}
		if ins.Pages < 1 {
			t.Fatalf("pages %d", ins.Pages)
		}
		for _, p := range ins.Problems {
			if !knownCodes[p.Code] {
				t.Fatalf("problem code %q", p.Code)
			}
			if p.Page < 0 || p.Page > ins.Pages || p.Page > 60 {
				t.Fatalf("problem %+v on a document of %d pages", p, ins.Pages)
			}
			for _, z := range p.Zones {
				if z.X < 0 || z.Y < 0 || z.W < 0 || z.H < 0 || z.X+z.W > maxSideMM || z.Y+z.H > maxSideMM {
					t.Fatalf("zone %+v off the page", z)
				}
			}
		}
		for w, lines := range ins.Windows {
			if !w.Valid() || len(lines) == 0 {
				t.Fatalf("window %q: %q", w, lines)
			}
			for _, l := range lines {
				if l == "" || strings.TrimSpace(l) != l {
					t.Fatalf("window %q line %q", w, l)
				}
			}
		}
	})
}
