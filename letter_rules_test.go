package portail

import (
	"slices"
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		country string
		want    Recipient // Lines not compared unless set
		missing []string
	}{
		{"be plain", []string{"Jean Dupont", "Rue de la Loi 16", "1000 Bruxelles"}, "BE",
			Recipient{Name: "Jean Dupont", PostalCode: "1000", City: "Bruxelles", Country: "BE"}, nil},
		{"be box", []string{"Marie Peeters", "Avenue Louise 54 bte 3", "1050 Ixelles", "Belgique"}, "FR",
			Recipient{Name: "Marie Peeters", PostalCode: "1050", City: "Ixelles", Country: "BE"}, nil},
		{"be bus nl", []string{"Jan Janssens", "Meir 12 bus 4", "2000 Antwerpen", "België"}, "BE",
			Recipient{Name: "Jan Janssens", PostalCode: "2000", City: "Antwerpen", Country: "BE"}, nil},
		{"be prefix", []string{"SPRL Durand", "Chaussée de Louvain 430", "B-1030 Schaerbeek"}, "BE",
			Recipient{Name: "SPRL Durand", PostalCode: "1030", City: "Schaerbeek", Country: "BE"}, nil},
		{"be english", []string{"Acme Europe NV", "Attn. Finance", "Kortrijksesteenweg 1", "9000 Gent", "Belgium"}, "NL",
			Recipient{Name: "Acme Europe NV", PostalCode: "9000", City: "Gent", Country: "BE"}, nil},
		{"be german", []string{"Herr Schmitz", "Kirchstraße 5", "4700 Eupen", "Belgien"}, "DE",
			Recipient{Name: "Herr Schmitz", PostalCode: "4700", City: "Eupen", Country: "BE"}, nil},
		{"be spaces", []string{"  Luc   Martin ", "", "Rue   Haute 7", "  5000   Namur  "}, "BE",
			Recipient{Name: "Luc Martin", Lines: []string{"Luc Martin", "Rue Haute 7", "5000 Namur"}, PostalCode: "5000", City: "Namur", Country: "BE"}, nil},
		{"be iso line", []string{"Sophie Leroy", "Place Saint-Lambert 1", "4000 Liège", "BE"}, "FR",
			Recipient{Name: "Sophie Leroy", PostalCode: "4000", City: "Liège", Country: "BE"}, nil},
		{"be bilingual", []string{"SPF Finances", "Boulevard du Roi Albert II 33", "1030 Bruxelles", "Belgique / België"}, "FR",
			Recipient{Name: "SPF Finances", PostalCode: "1030", City: "Bruxelles", Country: "BE"}, nil},
		{"be care of", []string{"Pierre Lambert", "c/o Cabinet Dumont", "Rue de la Loi 16", "1000 Bruxelles"}, "BE",
			Recipient{Name: "Pierre Lambert", PostalCode: "1000", City: "Bruxelles", Country: "BE"}, nil},
		{"be attention", []string{"Société Générale de Belgique SA", "À l'attention de Mme Claes", "Rue Royale 30", "1000 Bruxelles"}, "BE",
			Recipient{Name: "Société Générale de Belgique SA", PostalCode: "1000", City: "Bruxelles", Country: "BE"}, nil},
		{"be no code", []string{"Jean Dupont", "Rue de la Loi 16", "Bruxelles"}, "BE",
			Recipient{Name: "Jean Dupont", City: "Bruxelles", Country: "BE"}, []string{"postal_code"}},
		{"be code only", []string{"Jean Dupont", "Rue de la Loi 16", "1000"}, "BE",
			Recipient{Name: "Jean Dupont", Country: "BE"}, []string{"postal_code", "city"}},
		{"be name only", []string{"Jean Dupont"}, "BE",
			Recipient{Name: "Jean Dupont", Country: "BE"}, []string{"postal_code", "city"}},
		{"empty", nil, "BE", Recipient{Country: "BE"}, []string{"postal_code", "city"}},
		{"fr default be", []string{"Claire Martin", "12 rue de Rivoli", "75001 Paris"}, "BE",
			Recipient{Name: "Claire Martin", Country: "BE"}, []string{"postal_code", "city"}},
		{"fr line", []string{"Claire Martin", "12 rue de Rivoli", "75001 Paris", "France"}, "BE",
			Recipient{Name: "Claire Martin", PostalCode: "75001", City: "Paris", Country: "FR"}, nil},
		{"fr cedex", []string{"Banque de France", "Service courrier", "31 rue Croix-des-Petits-Champs", "75001 PARIS CEDEX 01", "FRANCE"}, "BE",
			Recipient{Name: "Banque de France", PostalCode: "75001", City: "PARIS CEDEX 01", Country: "FR"}, nil},
		{"fr account", []string{"M. Paul Bernard", "Bâtiment B", "8 avenue Jean Jaurès", "69007 Lyon"}, "FR",
			Recipient{Name: "M. Paul Bernard", PostalCode: "69007", City: "Lyon", Country: "FR"}, nil},
		{"fr dutch", []string{"Hôtel du Nord", "102 quai de Jemmapes", "75010 Paris", "Frankrijk"}, "NL",
			Recipient{Name: "Hôtel du Nord", PostalCode: "75010", City: "Paris", Country: "FR"}, nil},
		{"fr german", []string{"Weingut Müller", "3 rue du Vignoble", "F-67000 Strasbourg", "Frankreich"}, "DE",
			Recipient{Name: "Weingut Müller", PostalCode: "67000", City: "Strasbourg", Country: "FR"}, nil},
		{"nl plain", []string{"Anne de Vries", "Keizersgracht 123", "1016 DV Amsterdam", "Nederland"}, "BE",
			Recipient{Name: "Anne de Vries", PostalCode: "1016 DV", City: "Amsterdam", Country: "NL"}, nil},
		{"nl tight", []string{"Bakkerij Jansen B.V.", "t.a.v. de heer Bos", "Oudegracht 45", "3511AB  UTRECHT"}, "NL",
			Recipient{Name: "Bakkerij Jansen B.V.", PostalCode: "3511 AB", City: "UTRECHT", Country: "NL"}, nil},
		{"nl french", []string{"Philips Nederland", "Boschdijk 525", "5621 JG Eindhoven", "Pays-Bas"}, "BE",
			Recipient{Name: "Philips Nederland", PostalCode: "5621 JG", City: "Eindhoven", Country: "NL"}, nil},
		{"nl english", []string{"Tom Visser", "Coolsingel 40", "3011 AD Rotterdam", "The Netherlands"}, "BE",
			Recipient{Name: "Tom Visser", PostalCode: "3011 AD", City: "Rotterdam", Country: "NL"}, nil},
		{"nl german", []string{"Jaap Smit", "Lange Voorhout 9", "2514 EA Den Haag", "Niederlande"}, "DE",
			Recipient{Name: "Jaap Smit", PostalCode: "2514 EA", City: "Den Haag", Country: "NL"}, nil},
		{"nl holland lower", []string{"Els Bakker", "Markt 1", "1234ab haarlem", "Holland"}, "BE",
			Recipient{Name: "Els Bakker", PostalCode: "1234 AB", City: "haarlem", Country: "NL"}, nil},
		{"de plain", []string{"Max Mustermann", "Unter den Linden 77", "10117 Berlin", "Deutschland"}, "BE",
			Recipient{Name: "Max Mustermann", PostalCode: "10117", City: "Berlin", Country: "DE"}, nil},
		{"de prefix", []string{"Firma Schulz GmbH", "z. Hd. Frau Weber", "Königsallee 10", "D-40212 Düsseldorf", "Allemagne"}, "BE",
			Recipient{Name: "Firma Schulz GmbH", PostalCode: "40212", City: "Düsseldorf", Country: "DE"}, nil},
		{"de dutch", []string{"Klaus Becker", "Domkloster 4", "50667 Köln", "Duitsland"}, "BE",
			Recipient{Name: "Klaus Becker", PostalCode: "50667", City: "Köln", Country: "DE"}, nil},
		{"de english", []string{"Lena Fischer", "Marienplatz 8", "80331 München", "GERMANY"}, "BE",
			Recipient{Name: "Lena Fischer", PostalCode: "80331", City: "München", Country: "DE"}, nil},
		{"de account", []string{"Jonas Wolf", "Hauptstraße 1", "69117 Heidelberg"}, "DE",
			Recipient{Name: "Jonas Wolf", PostalCode: "69117", City: "Heidelberg", Country: "DE"}, nil},
		{"lu prefix", []string{"Banque Internationale", "69 route d'Esch", "L-2953 Luxembourg", "Luxembourg"}, "BE",
			Recipient{Name: "Banque Internationale", PostalCode: "2953", City: "Luxembourg", Country: "LU"}, nil},
		{"lu plain", []string{"Marc Weber", "12 rue de l'Église", "1009 Luxembourg", "Luxemburg"}, "BE",
			Recipient{Name: "Marc Weber", PostalCode: "1009", City: "Luxembourg", Country: "LU"}, nil},
		{"lu account no line", []string{"Anna Muller", "5 Grand-Rue", "L-9050 Ettelbruck"}, "LU",
			Recipient{Name: "Anna Muller", PostalCode: "9050", City: "Ettelbruck", Country: "LU"}, nil},
		{"ch general", []string{"Hans Meier", "Bahnhofstrasse 10", "8001 Zürich", "Suisse"}, "BE",
			Recipient{Name: "Hans Meier", PostalCode: "8001", City: "Zürich", Country: "CH"}, nil},
		{"ch prefix", []string{"Hans Meier", "Bahnhofstrasse 10", "CH-8001 Zürich", "Schweiz"}, "BE",
			Recipient{Name: "Hans Meier", PostalCode: "8001", City: "Zürich", Country: "CH"}, nil},
		{"es", []string{"Lucía García", "Calle de Alcalá 50", "28014 Madrid", "Espagne"}, "BE",
			Recipient{Name: "Lucía García", PostalCode: "28014", City: "Madrid", Country: "ES"}, nil},
		{"it", []string{"Marco Rossi", "Via del Corso 12", "00186 Roma", "Italië"}, "BE",
			Recipient{Name: "Marco Rossi", PostalCode: "00186", City: "Roma", Country: "IT"}, nil},
		{"gb", []string{"Jane Smith", "10 Downing Street", "London SW1A 2AA", "Royaume-Uni"}, "BE",
			Recipient{Name: "Jane Smith", PostalCode: "SW1A 2AA", City: "London", Country: "GB"}, nil},
		{"gb own line", []string{"John Brown", "1 High Street", "Manchester", "M1 1AE", "United Kingdom"}, "BE",
			Recipient{Name: "John Brown", PostalCode: "M1 1AE", City: "Manchester", Country: "GB"}, nil},
		{"street number not a code", []string{"Claire Martin", "12 rue de Rivoli", "Espagne"}, "BE",
			Recipient{Name: "Claire Martin", Country: "ES"}, []string{"postal_code", "city"}},
		{"country only", []string{"Jean Dupont", "Belgique"}, "FR",
			Recipient{Name: "Jean Dupont", Country: "BE"}, []string{"postal_code", "city"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, missing := ParseAddress(tt.lines, tt.country)
			if !slices.Equal(missing, tt.missing) {
				t.Errorf("missing = %q, want %q", missing, tt.missing)
			}
			if got.Name != tt.want.Name || got.PostalCode != tt.want.PostalCode || got.City != tt.want.City || got.Country != tt.want.Country {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if tt.want.Lines != nil && !slices.Equal(got.Lines, tt.want.Lines) {
				t.Errorf("lines = %q, want %q", got.Lines, tt.want.Lines)
			}
		})
	}
	if len(tests) < 30 {
		t.Fatal("the table needs at least 30 addresses")
	}
}

func TestCountryOfLine(t *testing.T) {
	for line, want := range map[string]string{
		"Belgique": "BE", "BELGIË": "BE", "belgie": "BE", "Belgium": "BE", "Belgien": "BE",
		"Pays-Bas": "NL", "Pays Bas": "NL", "Nederland": "NL", "Niederlande": "NL",
		"Allemagne": "DE", "Duitsland": "DE", "Deutschland": "DE", "Luxemburg": "LU",
		"Zwitserland": "CH", "Royaume-Uni": "GB", "Österreich": "AT", "nl": "NL", "FR": "FR",
		"Belgique - België": "BE",
	} {
		if got, ok := CountryOfLine(line); !ok || got != want {
			t.Errorf("CountryOfLine(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
	for _, line := range []string{"Bruxelles", "1000 Bruxelles", "XX", "Belgique / France", "Rue de la Loi 16", ""} {
		if got, ok := CountryOfLine(line); ok {
			t.Errorf("CountryOfLine(%q) = %q, want none", line, got)
		}
	}
}

func validRecipient() Recipient {
	return Recipient{Name: "Jean Dupont", Lines: []string{"Jean Dupont", "Rue de la Loi 16", "1000 Bruxelles"}, PostalCode: "1000", City: "Bruxelles"}
}

func recipientFields(r Recipient, country string) []string {
	r.Normalize()
	var v Validation
	ValidateRecipient(&v, &r, "recipient", country)
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidateRecipient(t *testing.T) {
	long := strings.Repeat("x", 61)
	tests := []struct {
		name    string
		change  func(*Recipient)
		country string
		want    []string
	}{
		{"valid", func(*Recipient) {}, "BE", nil},
		{"country line", func(r *Recipient) { r.Lines = append(r.Lines, "Belgique"); r.Country = "be" }, "FR", nil},
		{"country defaults to the account's", func(r *Recipient) {}, "FR", []string{"recipient.postal_code"}},
		{"dutch code normalized", func(r *Recipient) {
			*r = Recipient{Name: "Anne", Lines: []string{"Anne", "Keizersgracht 1", "1016DV Amsterdam"}, PostalCode: "1016dv", City: "Amsterdam", Country: "NL"}
		}, "BE", nil},
		{"nothing", func(r *Recipient) { *r = Recipient{} }, "BE",
			[]string{"recipient.name", "recipient.postal_code", "recipient.city", "recipient.lines"}},
		{"two lines", func(r *Recipient) { r.Lines = []string{"Jean Dupont", "1000 Bruxelles"} }, "BE", []string{"recipient.lines"}},
		{"nine lines", func(r *Recipient) {
			r.Lines = []string{"Jean Dupont", "a", "b", "c", "d", "e", "f", "g", "1000 Bruxelles"}
		}, "BE", []string{"recipient.lines"}},
		{"long line", func(r *Recipient) { r.Lines[1] = long }, "BE", []string{"recipient.lines.1"}},
		{"control", func(r *Recipient) { r.Lines[1] = "Rue\x01" }, "BE", []string{"recipient.lines.1"}},
		{"name not first", func(r *Recipient) { r.Name = "Marie Dupont" }, "BE", []string{"recipient.lines"}},
		{"city not on the line", func(r *Recipient) { r.City = "Ixelles" }, "BE", []string{"recipient.lines"}},
		{"code not on the line", func(r *Recipient) { r.PostalCode = "1050" }, "BE", []string{"recipient.lines"}},
		{"bad code", func(r *Recipient) { r.PostalCode = "100"; r.Lines[2] = "100 Bruxelles" }, "BE", []string{"recipient.postal_code"}},
		{"bad country", func(r *Recipient) { r.Country = "ZZ" }, "BE", []string{"recipient.country"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRecipient()
			tt.change(&r)
			if got := recipientFields(r, tt.country); !slices.Equal(got, tt.want) {
				t.Errorf("fields = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTariffPrice(t *testing.T) {
	tf := DefaultTariff("EUR")
	if err := tf.Validate(); err != nil {
		t.Fatalf("the default tariff is invalid: %v", err)
	}
	base := DefaultLetterOptions() // duplex, non prior, right
	price := func(o LetterOptions, pages int, addr bool) (int, int, int64) {
		t.Helper()
		s, g, c, err := tf.Price(o, pages, addr)
		if err != nil {
			t.Fatalf("Price(%+v, %d, %v): %v", o, pages, addr, err)
		}
		return s, g, c
	}
	// 3 pages duplex: 2 sheets, 10 g + 5 g envelope, ≤ 50 g: 3×9 + 2×3 + 9 + 145.
	s, g, c := price(base, 3, false)
	if s != 2 || g != 15 || c != 27+6+9+145 {
		t.Fatalf("base = %d sheets %d g %d cents", s, g, c)
	}
	with := func(f func(*LetterOptions)) LetterOptions { o := base; f(&o); return o }
	_, _, color := price(with(func(o *LetterOptions) { o.Color = true }), 3, false)
	_, _, prior := price(with(func(o *LetterOptions) { o.Postage = PostagePrior }), 3, false)
	_, _, reg := price(with(func(o *LetterOptions) { o.Registered = true }), 3, false)
	ss, _, simplex := price(with(func(o *LetterOptions) { o.Duplex = false }), 3, false)
	as, _, addr := price(base, 3, true)
	if color <= c || prior <= c || reg != c+690 || simplex <= c || ss != 3 || as != 3 || addr <= c {
		t.Errorf("colour %d, prior %d, registered %d, simplex %d (%d sheets), address page %d (%d sheets); base %d",
			color, prior, reg, simplex, ss, addr, as, c)
	}
	if color-c != 3*(29-9) {
		t.Errorf("colour adds %d, want 60 (3 sides)", color-c)
	}
	if addr-c != 9+3 {
		t.Errorf("the address sheet adds %d, want a black side and a sheet (12)", addr-c)
	}
	// Weight steps: 9 sheets simplex = 45 g + 5 g envelope = 50 g: still
	// the first step; 10 sheets: 7 sheets over the DL envelope → C4.
	nd := with(func(o *LetterOptions) { o.Duplex = false })
	if _, g, c1 := price(nd, 6, false); g != 35 || c1 != 6*9+6*3+9+145 {
		t.Errorf("6 sheets: %d g %d cents", g, c1)
	}
	if _, g, c1 := price(nd, 7, false); g != 65 || c1 != 7*9+7*3+35+290 {
		t.Errorf("7 sheets: %d g %d cents (C4 envelope, second step)", g, c1)
	}
	if _, g, _ := price(nd, 64, false); g != 350 {
		t.Errorf("64 sheets: %d g, want 350 (the step's bound)", g)
	} else if _, _, c1 := price(nd, 64, false); c1 != 64*9+64*3+35+580 {
		t.Errorf("64 sheets = %d", c1)
	}
	if _, g, c1 := price(nd, 65, false); g != 355 || c1 != 65*9+65*3+35+870 {
		t.Errorf("65 sheets: %d g %d cents", g, c1)
	}
	if _, _, _, err := tf.Price(nd, 200, false); ErrorCode(err) != EINVALID {
		t.Errorf("200 sheets: %v, want EINVALID", err)
	}
	if _, _, _, err := tf.Price(base, 0, false); ErrorCode(err) != EINVALID {
		t.Errorf("no pages: %v", err)
	}
	heavy := DefaultTariff("EUR")
	heavy.Postage[PostageNonPrior] = []WeightStep{{20, 100}}
	if _, _, _, err := heavy.Price(base, 10, false); ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "heavy") {
		t.Errorf("too heavy: %v", err)
	}
	// Duplex of an odd count rounds up; of one page, one sheet.
	if s, _, _ := price(base, 1, false); s != 1 {
		t.Errorf("1 page duplex = %d sheets", s)
	}
}

func TestReadTariff(t *testing.T) {
	good := `{"currency":"EUR","black_white_side_cents":10,"color_side_cents":30,"sheet_cents":2,"sheet_grams":5,
		"envelopes":[{"up_to_sheets":5,"cents":8,"grams":5},{"up_to_sheets":100,"cents":30,"grams":25}],
		"postage":{"non_prior":[{"up_to_grams":50,"cents":150}],"prior":[{"up_to_grams":50,"cents":190}]},
		"registered_cents":700}`
	tf, err := ReadTariff(strings.NewReader(good))
	if err != nil || tf.RegisteredCents != 700 || len(tf.Envelopes) != 2 || tf.Postage[PostagePrior][0].Cents != 190 {
		t.Fatalf("ReadTariff = %+v, %v", tf, err)
	}
	for name, tt := range map[string]struct{ body, field string }{
		"not json":    {`{`, ""},
		"unknown":     {`{"currency":"EUR","colour_side_cents":3}`, ""},
		"currency":    {strings.Replace(good, `"EUR"`, `"eur"`, 1), "currency"},
		"negative":    {strings.Replace(good, `"color_side_cents":30`, `"color_side_cents":-1`, 1), "color_side_cents"},
		"grams":       {strings.Replace(good, `"sheet_grams":5`, `"sheet_grams":0`, 1), "sheet_grams"},
		"envelopes":   {strings.Replace(good, `"up_to_sheets":100`, `"up_to_sheets":5`, 1), "envelopes.1.up_to_sheets"},
		"no prior":    {strings.Replace(good, `,"prior":[{"up_to_grams":50,"cents":190}]`, ``, 1), "postage.prior"},
		"odd postage": {strings.Replace(good, `"prior":`, `"express":[],"prior":`, 1), "postage.express"},
		"step order":  {strings.Replace(good, `[{"up_to_grams":50,"cents":150}]`, `[{"up_to_grams":50,"cents":150},{"up_to_grams":40,"cents":1}]`, 1), "postage.non_prior.1.up_to_grams"},
	} {
		_, err := ReadTariff(strings.NewReader(tt.body))
		if ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
			continue
		}
		if tt.field != "" && !hasField(err, tt.field) {
			t.Errorf("%s: %v does not name %s", name, err, tt.field)
		}
	}
}

func hasField(err error, field string) bool {
	e, ok := err.(*Error)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestAssess(t *testing.T) {
	tf := DefaultTariff("EUR")
	o := DefaultLetterOptions()
	complete := []string{"Jean Dupont", "Rue de la Loi 16", "1000 Bruxelles"}
	insp := func(right []string, problems ...Problem) *Inspection {
		return &Inspection{Pages: 3, Problems: problems, Windows: map[Window][]string{WindowRight: right, WindowLeft: nil}}
	}
	typed := &Recipient{Name: "Marie Claes", Lines: []string{"Marie Claes", "Meir 1", "2000 Antwerpen"}, PostalCode: "2000", City: "Antwerpen"}

	q, err := Assess(insp(complete), o, nil, "BE", tf)
	if err != nil || len(q.Problems) != 0 || q.Recipient == nil || q.Recipient.City != "Bruxelles" || q.AddressPage || !q.Priced || q.Sheets != 2 || q.Currency != "EUR" {
		t.Fatalf("complete: %+v, %v", q, err)
	}
	_, _, want, _ := tf.Price(o, 3, false)
	if q.PriceCents != want || q.WeightGrams != 15 {
		t.Errorf("price %d (%d g), want %d", q.PriceCents, q.WeightGrams, want)
	}

	// The left window is empty: address_not_found with the left zone.
	left := o
	left.Window = WindowLeft
	q, err = Assess(insp(complete), left, nil, "BE", tf)
	if err != nil || len(q.Problems) != 1 || q.Problems[0].Code != ProblemAddressNotFound || q.Problems[0].Page != 1 ||
		!slices.Equal(q.Problems[0].Zones, []Rect{WindowLeft.Zone()}) || q.Recipient != nil {
		t.Fatalf("empty window: %+v, %v", q, err)
	}
	// Typed over the empty window: address page, one more sheet, dearer.
	q2, err := Assess(insp(complete), left, typed, "BE", tf)
	if err != nil || len(q2.Problems) != 0 || !q2.AddressPage || q2.Recipient.Name != "Marie Claes" || q2.Recipient.Country != "BE" || q2.Sheets != 3 || q2.PriceCents <= q.PriceCents {
		t.Fatalf("typed over empty: %+v, %v", q2, err)
	}
	if typed.Country != "" {
		t.Error("Assess changed the caller's recipient")
	}
	// Incomplete: the problem names what is missing; typed replaces it.
	q, err = Assess(insp([]string{"Jean Dupont", "Rue de la Loi 16"}), o, nil, "BE", tf)
	if err != nil || len(q.Problems) != 1 || q.Problems[0].Code != ProblemAddressIncomplete ||
		!slices.Equal(q.Problems[0].Values, []string{"postal_code", "city"}) || !slices.Equal(q.Problems[0].Zones, []Rect{WindowRight.Zone()}) || q.Recipient == nil {
		t.Fatalf("incomplete: %+v, %v", q, err)
	}
	q, err = Assess(insp([]string{"Jean Dupont", "Rue de la Loi 16"}), o, typed, "BE", tf)
	if err != nil || len(q.Problems) != 0 || !q.AddressPage || q.Recipient.City != "Antwerpen" {
		t.Fatalf("typed over incomplete: %+v, %v", q, err)
	}
	// Typed over a complete address: refused on recipient.
	if _, err := Assess(insp(complete), o, typed, "BE", tf); !hasField(err, "recipient") {
		t.Errorf("typed over complete: %v", err)
	}
	// Bad typed fields and bad options are named.
	bad := *typed
	bad.Lines = bad.Lines[:2]
	if _, err := Assess(insp(nil), Window("").optionsFor(o), &bad, "BE", tf); !hasField(err, "recipient.lines") || !hasField(err, "options.window") {
		t.Errorf("bad input: %v", err)
	}
	// The inspection's problems come first; too many pages is not priced.
	size := Problem{Code: ProblemPageSize, Page: 2, Values: []string{"215.9 × 279.4"}}
	q, err = Assess(insp(complete, size), o, nil, "BE", tf)
	if err != nil || len(q.Problems) != 1 || q.Problems[0].Code != ProblemPageSize || !q.Priced {
		t.Fatalf("page size: %+v, %v", q, err)
	}
	many := insp(complete, Problem{Code: ProblemTooManyPages, Values: []string{"75", "60"}})
	many.Pages = 75
	q, err = Assess(many, o, nil, "BE", tf)
	if err != nil || q.Priced || q.PriceCents != 0 || len(q.Problems) != 1 {
		t.Fatalf("too many pages: %+v, %v", q, err)
	}
	// Too heavy for the tariff without a too_many_pages problem: "file".
	small := DefaultTariff("EUR")
	small.Postage[PostageNonPrior] = []WeightStep{{10, 100}}
	if _, err := Assess(insp(complete), o, nil, "BE", small); !hasField(err, "file") {
		t.Errorf("too heavy: %v", err)
	}
	// No inspection: a quote of the options alone.
	q, err = Assess(nil, o, nil, "BE", tf)
	if err != nil || q.Priced || len(q.Problems) != 0 || q.Recipient != nil || q.Options != o {
		t.Fatalf("nil inspection: %+v, %v", q, err)
	}
}

// optionsFor returns o with the window w, for the tests of bad options.
func (w Window) optionsFor(o LetterOptions) LetterOptions { o.Window = w; return o }

func TestAccountSettingsApply(t *testing.T) {
	s := AccountSettings{LetterCancellationMinutes: 15, Country: "BE"}
	m, c := 30, "fr"
	next, changes := s.Apply(AccountSettingsUpdate{LetterCancellationMinutes: &m, Country: &c})
	if next.LetterCancellationMinutes != 30 || next.Country != "FR" || len(changes) != 2 {
		t.Errorf("Apply = %+v, %v", next, changes)
	}
	if _, changes := s.Apply(AccountSettingsUpdate{}); len(changes) != 0 {
		t.Errorf("an empty update changes %v", changes)
	}
}

func TestProblemMessage(t *testing.T) {
	problems := []Problem{
		{Code: ProblemPageSize, Page: 2, Values: []string{"215.9 × 279.4"}},
		{Code: ProblemTooManyPages, Values: []string{"75", "60"}},
		{Code: ProblemOutsidePrintableArea, Page: 2},
		{Code: ProblemOutsidePrintableArea},
		{Code: ProblemAddressNotFound, Page: 1, Zones: []Rect{WindowLeft.Zone()}},
		{Code: ProblemAddressNotFound, Page: 1, Zones: []Rect{WindowRight.Zone()}},
		{Code: ProblemAddressIncomplete, Page: 1, Values: []string{"postal_code"}},
		{Code: ProblemAddressIncomplete, Page: 1, Values: []string{"postal_code", "city"}},
		{Code: ProblemFontNotEmbedded, Page: 3, Values: []string{"Calibri"}},
		{Code: ProblemFontNotEmbedded, Values: []string{"Calibri"}},
		{Code: "something_new", Page: 4},
	}
	for _, lang := range append(slices.Clone(Languages), "de", "") {
		for _, p := range problems {
			m := p.Message(lang)
			if m == "" || strings.Contains(m, "%") || strings.Contains(m, "?") || strings.Contains(m, "!(") || strings.Contains(m, "_") && p.Code != "something_new" {
				t.Errorf("%s %s: %q", lang, p.Code, m)
			}
		}
	}
	if got := (Problem{Code: ProblemOutsidePrintableArea, Page: 2}).Message("fr"); got != "La page 2 dépasse la zone imprimable : rien ne peut être imprimé à moins de 5 mm du bord. Déplacez ou réduisez ce qui touche le bord, puis remplacez le fichier." {
		t.Errorf("fr: %q", got)
	}
	if got := (Problem{Code: ProblemPageSize, Page: 2, Values: []string{"215.9 × 279.4"}}).Message("nl"); !strings.Contains(got, "Pagina 2 meet 215,9 × 279,4 mm") {
		t.Errorf("nl: %q", got)
	}
	if got := (Problem{Code: ProblemAddressNotFound, Zones: []Rect{WindowLeft.Zone()}}).Message("en"); !strings.Contains(got, "left window") {
		t.Errorf("en left: %q", got)
	}
	if got := (Problem{Code: ProblemAddressIncomplete, Values: []string{"city"}}).Message("en"); !strings.Contains(got, "the city is missing") {
		t.Errorf("en city: %q", got)
	}
	if de, fr := (Problem{Code: ProblemTooManyPages, Values: []string{"75", "60"}}).Message("de"), (Problem{Code: ProblemTooManyPages, Values: []string{"75", "60"}}).Message("fr"); de != fr {
		t.Errorf("an unknown language is not French: %q", de)
	}
}

func TestDepartmentUpdateLetterDefaults(t *testing.T) {
	u := DepartmentUpdate{SetLetterDefaults: true, LetterDefaults: &LetterOptions{Postage: "express", Window: WindowLeft}}
	if err := u.Validate(); !hasField(err, "letter_defaults.postage") {
		t.Errorf("bad defaults: %v", err)
	}
	u.LetterDefaults = nil
	if err := u.Validate(); err != nil {
		t.Errorf("removing the defaults: %v", err)
	}
}
