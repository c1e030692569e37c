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
