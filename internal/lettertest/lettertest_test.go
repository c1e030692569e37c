package lettertest_test

import (
	"bytes"
	"context"
	"testing"

	"portail"
	"portail/internal/lettertest"
)

// TestLetters: the letters the tests send are what their names say, as
// the real engine and the rules read them.
func TestLetters(t *testing.T) {
	for name, c := range map[string]struct {
		pdf  []byte
		want []portail.ProblemCode
	}{
		"Letter":    {lettertest.Letter(2), nil},
		"Small":     {lettertest.Small("note"), nil},
		"Named":     {lettertest.Named("n"), nil},
		"NoAddress": {lettertest.NoAddress(), []portail.ProblemCode{portail.ProblemAddressNotFound}},
		"MarginInk": {lettertest.MarginInk(), []portail.ProblemCode{portail.ProblemOutsidePrintableArea}},
		"Letter215": {lettertest.Letter215(), []portail.ProblemCode{portail.ProblemPageSize}},
	} {
		t.Run(name, func(t *testing.T) {
			in, err := lettertest.Reader().Inspect(context.Background(), bytes.NewReader(c.pdf), int64(len(c.pdf)), 60)
			if err != nil {
				t.Fatal(err)
			}
			q, err := portail.Assess(in, portail.DefaultLetterOptions(), nil, "BE", portail.DefaultTariff("EUR"))
			if err != nil {
				t.Fatal(err)
			}
			var got []portail.ProblemCode
			for _, p := range q.Problems {
				if p.Page != 0 || len(got) == 0 || got[len(got)-1] != p.Code {
					got = append(got, p.Code)
				}
			}
			if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
				t.Errorf("problems %+v, want %v", q.Problems, c.want)
			}
			if c.want == nil && (q.Recipient == nil || q.Recipient.City != "Liège") {
				t.Errorf("recipient %+v", q.Recipient)
			}
		})
	}
	if n := len(lettertest.Small("a fairly long note to see the size")); n > 2048 {
		t.Errorf("Small is %d bytes", n)
	}
}
