package preflight

import (
	"reflect"
	"testing"

	"portail"
)

func TestInspectCleanLetter(t *testing.T) {
	ins := mustInspect(t, addressLetter(t))
	if ins.Pages != 1 || len(ins.Problems) != 0 {
		t.Fatalf("pages %d, problems %+v; want 1 page, no problem", ins.Pages, ins.Problems)
	}
	want := []string{"Madame Anne Dupont", "Rue du Marché 12 bte 3", "4000 Liège"}
	if got := ins.Windows[portail.WindowRight]; !reflect.DeepEqual(got, want) {
		t.Errorf("right window %q, want %q", got, want)
	}
	if got := ins.Windows[portail.WindowLeft]; len(got) != 0 {
		t.Errorf("left window %q, want nothing", got)
	}
}

func TestInspectPageSize(t *testing.T) {
	ins := mustInspect(t, letterPDF(t,
		page{},
		page{w: 215.9, h: 279.4}, // US Letter
		page{w: portail.A4Height, h: portail.A4Width}, // A4 landscape
		page{w: 211.5, h: 295.5},                      // within 2 mm
	))
	got := problemsOf(ins, portail.ProblemPageSize)
	want := []portail.Problem{
		{Code: portail.ProblemPageSize, Page: 2, Values: []string{"215.9 × 279.4"}},
		{Code: portail.ProblemPageSize, Page: 3, Values: []string{"297 × 210"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("page_size problems %+v, want %+v", got, want)
	}
}

func TestInspectMarginInk(t *testing.T) {
	// A black box 2 mm from the left edge on page 2, inside the band.
	ins := mustInspect(t, letterPDF(t,
		page{texts: []textAt{{x: 20, y: 20, s: "Page one"}}},
		page{rects: []portail.Rect{{X: 2, Y: 100, W: 10, H: 20}}},
	))
	got := problemsOf(ins, portail.ProblemOutsidePrintableArea)
	if len(got) != 1 || got[0].Page != 2 || len(got[0].Zones) != 1 {
		t.Fatalf("outside_printable_area %+v, want one on page 2 with one zone", got)
	}
	z := got[0].Zones[0]
	// The zone is the part of the box in the left band (x < 4 mm).
	if z.X < 1.5 || z.X > 2.5 || z.Y < 99 || z.Y > 101 || z.Y+z.H < 119 || z.Y+z.H > 121 || z.X+z.W > 4.5 {
		t.Errorf("zone %+v, want about x 2–4, y 100–120", z)
	}
}

func TestInspectTextAtTheMarginIsClean(t *testing.T) {
	// Text whose box starts right at 5 mm is inside the printable area.
	ins := mustInspect(t, letterPDF(t, page{texts: []textAt{{x: 5.2, y: 5.2, s: "Haut gauche"}}}))
	if p := problemsOf(ins, portail.ProblemOutsidePrintableArea); len(p) != 0 {
		t.Errorf("problems %+v, want none", p)
	}
}

func TestInspectTooManyPages(t *testing.T) {
	pages := make([]page, 5)
	ins, err := inspectData(t, letterPDF(t, pages...), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []portail.Problem{{Code: portail.ProblemTooManyPages, Values: []string{"5", "3"}}}
	if ins.Pages != 5 || !reflect.DeepEqual(ins.Problems, want) {
		t.Errorf("pages %d problems %+v, want 5 and %+v", ins.Pages, ins.Problems, want)
	}
}

func TestInspectRefusesWhatIsNotAReadablePDF(t *testing.T) {
	good := addressLetter(t)
	for name, data := range map[string][]byte{
		"empty":     {},
		"text":      []byte("Hello, this is not a PDF at all.\n"),
		"truncated": good[:len(good)/3],
		"header":    []byte("%PDF-1.7\n%%EOF\n"),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := inspectData(t, data, 60); !fileInvalid(err) {
				t.Errorf("err %v, want EINVALID on file", err)
			}
		})
	}
}
