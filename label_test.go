package portail

import (
	"io"
	"testing"
)

// TestS10 checks the check digit against identifiers worked out by hand
// with the weights 8 6 4 2 3 5 9 7 (the sums are in the comments).
func TestS10(t *testing.T) {
	for _, c := range []struct {
		serial, want int
	}{
		{47312482, 9}, // the UPU S10 standard's example RR473124829GB: 200 mod 11 = 2, 11-2
		{12345678, 5}, // EA123456785US: 8+12+12+8+15+30+63+56 = 204, 204 mod 11 = 6, 11-6
		{87654321, 6}, // 64+42+24+10+12+15+18+7 = 192, 192 mod 11 = 5, 11-5
		{10000000, 3}, // 8, 11-8
		{1, 4},        // 7, 11-7
		{8, 0},        // 56 mod 11 = 1, 11-1 = 10 → 0
		{0, 5},        // 0, 11-0 = 11 → 5
	} {
		if got := S10CheckDigit(c.serial); got != c.want {
			t.Errorf("S10CheckDigit(%08d) = %d, want %d", c.serial, got, c.want)
		}
	}
	if got := S10("RR", 47312482, "GB"); got != "RR473124829GB" {
		t.Errorf("S10 = %s", got)
	}
	for s, want := range map[string]bool{
		"RR473124829GB": true,
		"EA123456785US": true,
		"EE876543216CA": true,
		"EE876543217CA": false, // wrong check digit
		"CP000000080FR": true,
		"RR47312482GB":  false, // too short
		"rr473124829GB": false,
		"RR4731248X9GB": false,
		"RR473124829G1": false,
	} {
		if ValidS10(s) != want {
			t.Errorf("ValidS10(%s) = %v, want %v", s, !want, want)
		}
	}
}

func TestValidCountry(t *testing.T) {
	for code, want := range map[string]bool{"FR": true, "BE": true, "NL": true, "ZW": true, "AD": true,
		"XX": false, "fr": false, "F": false, "FRA": false, "DB": false, "EU": false, "": false} {
		if ValidCountry(code) != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, !want, want)
		}
	}
}

func TestLabelCreateValidate(t *testing.T) {
	addr := Address{Name: "A", Street: "Rue", HouseNumber: "1", PostalCode: "75001", City: "Paris", Country: "fr"}
	c := LabelCreate{DepartmentID: 1, Sender: addr, Recipient: addr, WeightGrams: 500}
	c.Recipient.PostalCode = "75<01"
	c.Recipient.Country = "XX"
	c.Sender.Name = "  "
	c.Normalize()
	err := c.Validate()
	e, ok := err.(*Error)
	if !ok || e.Code != EINVALID {
		t.Fatalf("err %v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{"sender.name", "recipient.postal_code", "recipient.country"}
	if len(fields) != len(want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
	for i := range want {
		if fields[i] != want[i] {
			t.Errorf("fields %v, want %v", fields, want)
		}
	}
	if c.Sender.Country != "FR" {
		t.Errorf("country not upper-cased: %q", c.Sender.Country)
	}
}

func TestPDFReader(t *testing.T) {
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'x'
	}
	for name, c := range map[string]struct {
		content string
		ok      bool
	}{
		"minimal":          {"%PDF-1.7\n%%EOF\n", true},
		"long":             {"%PDF-1.4\n" + string(long) + "%%EOF", true},
		"padding after":    {"%PDF-1.4\n%%EOF" + string(long[:900]), true},
		"EOF too far":      {"%PDF-1.4\n%%EOF" + string(long[:2000]), false},
		"no header":        {"hello %%EOF", false},
		"header late":      {" %PDF-1.4 %%EOF", false},
		"no EOF":           {"%PDF-1.4\n" + string(long), false},
		"empty":            {"", false},
		"header only":      {"%PDF", false},
		"EOF across reads": {"%PDF-1.4\n" + string(long[:4000]) + "%%EOF", true},
	} {
		t.Run(name, func(t *testing.T) {
			r := PDFReader(&slowReader{s: c.content})
			var err error
			buf := make([]byte, 700)
			for err == nil {
				_, err = r.Read(buf)
			}
			if c.ok && err != io.EOF {
				t.Errorf("refused: %v", err)
			}
			if !c.ok && ErrorCode(err) != EINVALID {
				t.Errorf("accepted (%v)", err)
			}
		})
	}
}

// slowReader yields at most 3 bytes at a time, so that the checks must
// work across reads.
type slowReader struct{ s string }

func (r *slowReader) Read(b []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), 3)], r.s)
	r.s = r.s[n:]
	return n, nil
}

func TestPostalCodeByCountry(t *testing.T) {
	for _, tc := range []struct {
		country, code, want string // want: the code kept, or "" when refused
	}{
		{"BE", "1000", "1000"}, {"BE", "100", ""}, {"BE", "10000", ""}, {"BE", "1000 AB", ""}, {"BE", "B-1000", ""},
		{"LU", "1009", "1009"}, {"LU", "10090", ""},
		{"FR", "75001", "75001"}, {"FR", "7500", ""}, {"FR", "75 001", ""}, {"FR", "2A004", ""},
		{"DE", "10115", "10115"}, {"DE", "1011", ""},
		{"NL", "1016 DV", "1016 DV"}, {"NL", "1016dv", "1016 DV"}, {"NL", "1016 dv", "1016 DV"}, {"NL", "1016", ""},
		{"NL", "0123 AB", ""}, {"NL", "1016 D", ""}, {"NL", "10165 DV", ""},
		{"GB", "SW1A 1AA", "SW1A 1AA"}, {"US", "10001-1234", "10001-1234"}, // no shape known: the general rule
	} {
		a := Address{Name: "A", Street: "S", HouseNumber: "1", PostalCode: tc.code, City: "C", Country: tc.country}
		a.Normalize()
		var v Validation
		a.Validate(&v, "recipient")
		err := v.Err()
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s %q accepted", tc.country, tc.code)
		case tc.want == "" && (len(err.(*Error).Fields) != 1 || err.(*Error).Fields[0].Field != "recipient.postal_code"):
			t.Errorf("%s %q: %v, want one error on recipient.postal_code", tc.country, tc.code, err.(*Error).Fields)
		case tc.want != "" && err != nil:
			t.Errorf("%s %q refused: %v", tc.country, tc.code, err.(*Error).Fields)
		case tc.want != "" && a.PostalCode != tc.want:
			t.Errorf("%s %q kept as %q, want %q", tc.country, tc.code, a.PostalCode, tc.want)
		}
	}
}

func TestParseWeight(t *testing.T) {
	for _, tc := range []struct {
		in    string
		grams int // 0: refused
	}{
		{"2,5 kg", 2500}, {"2.5 kg", 2500}, {"2500 g", 2500}, {"2 500 g", 2500}, {"2\u202f500 g", 2500}, {"2,5", 2500},
		{"2,5kg", 2500}, {"2,5 KG", 2500}, {"0,85 kg", 850}, {",5 kg", 500}, {"850 g", 850}, {"850 gr", 850},
		{"1 g", 1}, {"31,5 kg", 31500}, {"31500 g", 31500}, {"3 kilos", 3000}, {"1,2345 kg", 0}, {"1,2340 kg", 1234},
		{"2500", 0}, {"31,6 kg", 0}, {"31501 g", 0}, {"0 g", 0}, {"0,0004 kg", 0}, {"2,5 g", 0}, {"2,0 g", 2},
		{"", 0}, {"kg", 0}, {"-1 kg", 0}, {"1e3 g", 0}, {"2,5,1 kg", 0}, {"99999999999999999999 g", 0}, {"2 lb", 0},
	} {
		got, msg := ParseWeight(tc.in)
		if got != tc.grams || (got == 0) != (msg != "") {
			t.Errorf("ParseWeight(%q) = %d, %q; want %d", tc.in, got, msg, tc.grams)
		}
	}
	if _, msg := ParseWeight("2500"); msg != "Add the unit: kg or g." {
		t.Errorf("a bare 2500 says %q", msg)
	}
}

func TestFormatWeight(t *testing.T) {
	for _, tc := range []struct {
		grams      int
		lang, want string
	}{{2500, "fr", "2,5\u00a0kg"}, {2500, "nl", "2,5\u00a0kg"}, {2500, "en", "2.5\u00a0kg"}, {850, "fr", "0,85\u00a0kg"},
		{3000, "fr", "3\u00a0kg"}, {1, "fr", "0,001\u00a0kg"}} {
		if got := FormatWeight(tc.grams, tc.lang); got != tc.want {
			t.Errorf("FormatWeight(%d, %s) = %q, want %q", tc.grams, tc.lang, got, tc.want)
		}
	}
}
