package portail

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseAddress: whatever the lines of a window, the parser answers
// without panicking, the name is the first line, and what it reports
// missing is exactly what it left empty.
func FuzzParseAddress(f *testing.F) {
	f.Add("Jean Dupont\nRue de la Loi 16\n1000 Bruxelles", "BE")
	f.Add("Anne\nKeizersgracht 1\n1016dv  amsterdam\nPays-Bas", "BE")
	f.Add("Jane\n10 Downing Street\nLondon SW1A 2AA\nUK", "FR")
	f.Add("\n\n   \n", "")
	f.Add("A\nB / C\nCH-8001 Zürich\nSuisse / Schweiz", "DE")
	f.Fuzz(func(t *testing.T, text, country string) {
		lines := strings.Split(text, "\n")
		r, missing := ParseAddress(lines, country)
		norm := normalLines(lines)
		if !slices.Equal(r.Lines, norm) {
			t.Fatalf("lines %q, want %q", r.Lines, norm)
		}
		if len(norm) > 0 && r.Name != norm[0] {
			t.Fatalf("name %q, first line %q", r.Name, norm[0])
		}
		if slices.Contains(missing, "postal_code") != (r.PostalCode == "") || slices.Contains(missing, "city") != (r.City == "") {
			t.Fatalf("missing %q for %+v", missing, r)
		}
		for _, m := range missing {
			if m != "postal_code" && m != "city" {
				t.Fatalf("missing %q", m)
			}
		}
	})
}
