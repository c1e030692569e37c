package portail

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzAddress: normalising an address is idempotent, and an address that
// validates holds only what a label can print: no control characters,
// the field lengths, a postal code of ASCII letters, digits, spaces and
// dashes, and a real country code. Every problem names a field of the
// address under its prefix.
func FuzzAddress(f *testing.F) {
	f.Add("Jeanne Dupont", "ACME", "Rue de la Loi", "16", "1000", "Bruxelles", "be")
	f.Add("  Jan  ", "", "Kerkstraat", "1 bus 2", "1234 AB", "Amsterdam", " nl ")
	f.Add("Émile", "", "Straße", "7a", "SW1A 1AA", "London", "GB")
	f.Add("x\x00", "\u202e", "\t", "", "75-001", "Paris", "FR")
	f.Add("a", "b", "c", "d", "１２３", "e", "ZZ")
	f.Add("a", "b", "c", "d", "12\u00a034", "e", "AD")
	f.Fuzz(func(t *testing.T, name, company, street, house, postal, city, country string) {
		a := Address{Name: name, Company: company, Street: street, HouseNumber: house, PostalCode: postal, City: city, Country: country}
		a.Normalize()
		b := a
		b.Normalize()
		if b != a {
			t.Fatalf("Normalize is not idempotent: %+v then %+v", a, b)
		}
		var v Validation
		a.Validate(&v, "recipient")
		err := v.Err()
		if err != nil {
			for _, fe := range err.(*Error).Fields {
				switch strings.TrimPrefix(fe.Field, "recipient.") {
				case "name", "company", "street", "house_number", "postal_code", "city", "country":
				default:
					t.Fatalf("field error on %q", fe.Field)
				}
			}
			return
		}
		for field, value := range map[string]string{"name": a.Name, "company": a.Company, "street": a.Street,
			"house_number": a.HouseNumber, "postal_code": a.PostalCode, "city": a.City, "country": a.Country} {
			if strings.ContainsFunc(value, unicode.IsControl) {
				t.Fatalf("%s %q accepted with a control character", field, value)
			}
		}
		if a.Name == "" || a.Street == "" || a.HouseNumber == "" || a.PostalCode == "" || a.City == "" {
			t.Fatalf("a required field is empty: %+v", a)
		}
		if utf8.RuneCountInString(a.HouseNumber) > 20 || len(a.PostalCode) > 12 || utf8.RuneCountInString(a.Name) > 100 ||
			utf8.RuneCountInString(a.Street) > 100 || utf8.RuneCountInString(a.City) > 100 || utf8.RuneCountInString(a.Company) > 100 {
			t.Fatalf("a field is over its length: %+v", a)
		}
		if strings.Trim(a.PostalCode, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -") != "" {
			t.Fatalf("postal code %q accepted", a.PostalCode)
		}
		if !ValidCountry(a.Country) || !strings.Contains(" "+strings.Join(CountryCodes(), " ")+" ", " "+a.Country+" ") {
			t.Fatalf("country %q accepted", a.Country)
		}
	})
}

// FuzzValidCountry: the substring lookup agrees with the list.
func FuzzValidCountry(f *testing.F) {
	for _, s := range []string{"FR", "BE", "F", "FRA", "fr", "D\nB", "E B", "  ", "ZZ", "WZ", "DB"} {
		f.Add(s)
	}
	codes := map[string]bool{}
	for _, c := range CountryCodes() {
		codes[c] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := ValidCountry(s); got != codes[s] {
			t.Fatalf("ValidCountry(%q) = %v, the list says %v", s, got, codes[s])
		}
	})
}

// FuzzS10: every identifier portail can issue is valid, and every string
// ValidS10 accepts is exactly the identifier of its own parts (the check
// digit is never taken on trust).
func FuzzS10(f *testing.F) {
	f.Add("RR473124829GB", 47312482, "CP", "FR")
	f.Add("EA123456785US", 0, "CP", "BE")
	f.Add("CP999999995FR", MaxS10Serial, "XX", "NL")
	f.Add("CP00000000\x00FR", 1, "CP", "FR")
	f.Add("cp473124829gb", -1, "C", "F")
	f.Fuzz(func(t *testing.T, s string, serial int, service, country string) {
		if ValidS10(s) {
			var n int
			for _, c := range s[2:10] {
				n = n*10 + int(c-'0')
			}
			if want := S10(s[:2], n, s[11:]); want != s {
				t.Fatalf("ValidS10(%q) but its parts make %q", s, want)
			}
		}
		if serial < 0 || serial > MaxS10Serial || !isUpper2(service) || !isUpper2(country) {
			return
		}
		id := S10(service, serial, country)
		if !ValidS10(id) {
			t.Fatalf("S10(%q, %d, %q) = %q is not valid", service, serial, country, id)
		}
		// A wrong check digit is always refused.
		for d := byte('0'); d <= '9'; d++ {
			if d != id[10] && ValidS10(id[:10]+string(d)+id[11:]) {
				t.Fatalf("%q accepted with check digit %c", id, d)
			}
		}
	})
}

func isUpper2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
