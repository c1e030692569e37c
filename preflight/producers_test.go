package preflight

import (
	"reflect"
	"testing"

	"portail"
)

// Letters from other writers than gopdf (see testdata/README.md).
func TestInspectOtherProducers(t *testing.T) {
	namur := []string{"Monsieur Pierre Lambert", "Avenue des Tilleuls 27", "5100 Jambes"}
	for _, tt := range []struct {
		file  string
		pages int
		lines []string
		bleed int // the page with ink at the right edge, 0 for none
	}{
		{"chromium-clean.pdf", 1, namur, 0},
		{"chromium-bleed.pdf", 2, namur, 2},
		{"cairo-bleed.pdf", 2, namur, 2},
		{"libreoffice-letter.pdf", 1, []string{"Famille Janssens-Martin", "Rue Haute 144", "1000 Bruxelles"}, 0},
	} {
		t.Run(tt.file, func(t *testing.T) {
			ins := mustInspect(t, readTestdata(t, tt.file))
			if ins.Pages != tt.pages {
				t.Errorf("pages %d, want %d", ins.Pages, tt.pages)
			}
			if got := ins.Windows[portail.WindowRight]; !reflect.DeepEqual(got, tt.lines) {
				t.Errorf("right window %q, want %q", got, tt.lines)
			}
			if got := ins.Windows[portail.WindowLeft]; len(got) != 0 {
				t.Errorf("left window %q, want nothing", got)
			}
			var others []portail.Problem
			for _, p := range ins.Problems {
				if p.Code != portail.ProblemOutsidePrintableArea {
					others = append(others, p)
				}
			}
			if len(others) != 0 {
				t.Errorf("problems %+v, want none", others)
			}
			ink := problemsOf(ins, portail.ProblemOutsidePrintableArea)
			if tt.bleed == 0 {
				if len(ink) != 0 {
					t.Errorf("outside_printable_area %+v on a clean letter", ink)
				}
				return
			}
			// The box is 12 × 30 mm against the right edge, 150 mm down.
			if len(ink) != 1 || ink[0].Page != tt.bleed || len(ink[0].Zones) != 1 {
				t.Fatalf("outside_printable_area %+v, want one zone on page %d", ink, tt.bleed)
			}
			z := ink[0].Zones[0]
			if z.X < 205 || z.X+z.W < 209 || z.Y < 149 || z.Y > 151 || z.Y+z.H < 179 || z.Y+z.H > 181 {
				t.Errorf("zone %+v, want the band x 206–210, y 150–180", z)
			}
		})
	}
}
