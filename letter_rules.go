package portail

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// LetterQuote is what a letter comes to with its options: what Assess
// makes of an inspection (POST /documents/quote answers it).
type LetterQuote struct {
	Pages       int
	Sheets      int // the address sheet included
	Options     LetterOptions
	Recipient   *Recipient // as read from the window, or as typed; nil when neither
	AddressPage bool       // a typed recipient is printed on a sheet of its own, in front
	Problems    []Problem  // the inspection's and the address's
	WeightGrams int
	// Priced reports whether PriceCents is a price: false for a document
	// that was never inspected, or one with too many pages to weigh (its
	// problem says so; it is priced once fixed).
	Priced     bool
	PriceCents int64
	Currency   string
}

// Assess judges an inspected letter with its options and a typed
// recipient (nil for none) against the tariff: the recipient read from
// the chosen window's zone, parsed with country as the country when no
// line names one; a typed recipient over an empty or incomplete window
// (then AddressPage); the address problems; the sheets, the weight and
// the price. A typed recipient over a complete address is EINVALID on
// field "recipient"; a typed recipient with bad fields is EINVALID on
// "recipient.FIELD".
//
// A nil inspection (a document stored before letters were inspected) is
// a quote of its options alone: no pages, no problems, not priced; what
// was never read cannot be judged, and guessing would put a wrong price
// on it. A letter with too many pages is not priced either: its weight
// would be that of pages that are not going to be printed. A letter too
// heavy for the tariff's postage is EINVALID on "file".
func Assess(in *Inspection, o LetterOptions, typed *Recipient, country string, t *Tariff) (*LetterQuote, error) {
	var v Validation
	o.Validate(&v, "options")
	if typed != nil {
		c := *typed
		c.Lines = append([]string(nil), typed.Lines...)
		c.Normalize()
		ValidateRecipient(&v, &c, "recipient", country)
		typed = &c
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	q := &LetterQuote{Options: o}
	if t != nil {
		q.Currency = t.Currency
	}
	if in == nil {
		return q, nil
	}
	q.Pages = in.Pages
	q.Problems = append(q.Problems, in.Problems...)
	zone := o.Window.Zone()
	lines := normalLines(in.Windows[o.Window])
	switch r, missing := ParseAddress(lines, country); {
	case len(lines) == 0 && typed != nil, len(missing) > 0 && typed != nil:
		q.Recipient, q.AddressPage = typed, true
	case len(lines) == 0:
		q.Problems = append(q.Problems, Problem{Code: ProblemAddressNotFound, Page: 1, Zones: []Rect{zone}})
	case len(missing) > 0:
		q.Recipient = &r
		q.Problems = append(q.Problems, Problem{Code: ProblemAddressIncomplete, Page: 1, Zones: []Rect{zone}, Values: missing})
	case typed != nil:
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{"recipient",
			"The window already shows an address; a typed recipient would replace nothing. Remove it, or remove the address from page 1."}}}
	default:
		q.Recipient = &r
	}
	if t == nil {
		return q, nil
	}
	for _, p := range q.Problems {
		if p.Code == ProblemTooManyPages {
			return q, nil
		}
	}
	sheets, grams, cents, err := t.Price(o, q.Pages, q.AddressPage)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == EINVALID {
			return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{"file", e.Message}}}
		}
		return nil, err
	}
	q.Sheets, q.WeightGrams, q.PriceCents, q.Priced = sheets, grams, cents, true
	return q, nil
}

// collapse trims s and makes every run of white space one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// normalLines collapses every line and drops the empty ones.
func normalLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if l = collapse(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ParseAddress reads a recipient from the lines of an address block, name
// first: the postal code and city (formats of BE, FR, NL, DE, LU and a
// general one), a country line in French, Dutch, English or German or an
// ISO code, else country. It returns the parts it could not find
// ("postal_code", "city"): none for a complete address.
//
// The lines are kept as read, white space collapsed and empty ones
// dropped. Only the last line may be a country line, and only the line
// above it (or the last, without one) or one higher may hold the postal
// code, searched from the bottom: a street line such as "12 rue de
// Rivoli" sits above the city and is never reached first. The country
// decides the shape: a Belgian address must have a Belgian code, so that
// "75001 Paris" under a Belgian default is reported incomplete rather
// than posted to a Belgian code that does not exist.
func ParseAddress(lines []string, country string) (r Recipient, missing []string) {
	r.Lines = normalLines(lines)
	r.Country = strings.ToUpper(strings.TrimSpace(country))
	if len(r.Lines) == 0 {
		return r, []string{"postal_code", "city"}
	}
	r.Name = r.Lines[0]
	end := len(r.Lines) // the lines before end may hold the postal code
	if end > 1 {
		if c, ok := CountryOfLine(r.Lines[end-1]); ok {
			r.Country = c
			end--
		}
	}
	// The postal line is the bottom one or the one above it (a Dutch or
	// German block may end with a PO box line under the city rarely, but
	// never two lines under it); line 0 is the name.
	if r.Country == "GB" {
		r.PostalCode, r.City = britishPostalLines(r.Lines[1:end])
	}
	for i := end - 1; r.PostalCode == "" && i >= 1 && i >= end-2; i-- {
		if code, city, ok := postalLine(r.Country, r.Lines[i]); ok {
			r.PostalCode, r.City = code, city
		}
	}
	if r.PostalCode == "" {
		missing = append(missing, "postal_code")
		// A bottom line without a digit, below a street line, is most
		// likely the city whose code is missing.
		if end >= 3 && !strings.ContainsFunc(r.Lines[end-1], unicode.IsDigit) {
			r.City = r.Lines[end-1]
		}
	}
	if r.City == "" {
		missing = append(missing, "city")
	}
	return r, missing
}

// postalShapes are the postal-code-and-city lines of the countries
// portail's customers send to most, with the country prefix some senders
// still write (B-1000, L-1009, F-75001, D-10115, NL-1016 DV).
var postalShapes = map[string]*regexp.Regexp{
	"BE": regexp.MustCompile(`^(?i:B-?)?(\d{4}) (\D.*)$`),
	"LU": regexp.MustCompile(`^(?i:L-?)?(\d{4}) (\D.*)$`),
	"FR": regexp.MustCompile(`^(?i:F-?)?(\d{5}) (\D.*)$`),
	"DE": regexp.MustCompile(`^(?i:D-?)?(\d{5}) (\D.*)$`),
	"NL": regexp.MustCompile(`^(?i:NL-?)?([1-9]\d{3}) ?([A-Za-z]{2}) (\D.*)$`),
}

// generalShape is a line starting with a code of digits (and letters,
// dashes) then a city: 8001 Zürich, 28001 Madrid, 00184 Roma, A-1010
// Wien, CH-8001 Zürich. The code needs three digits, so that neither a
// word nor a house number ("12 rue de Rivoli") is taken for one.
var generalShape = regexp.MustCompile(`^(?:[A-Za-z]{1,3}-)?([0-9A-Za-z][0-9A-Za-z-]{1,9}) (\D.*)$`)

func postalLine(country, line string) (code, city string, ok bool) {
	if re, known := postalShapes[country]; known {
		m := re.FindStringSubmatch(line)
		switch {
		case m == nil:
			return "", "", false
		case len(m) == 4:
			return m[1] + " " + strings.ToUpper(m[2]), m[3], true
		}
		return m[1], m[2], true
	}
	m := generalShape.FindStringSubmatch(line)
	if m == nil || countDigits(m[1]) < 3 {
		return "", "", false
	}
	return strings.ToUpper(m[1]), m[2], true
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// britishPostcode is a UK postcode (SW1A 1AA, M1 1AE, EC1A 1BB), which
// comes after the town, on its line or alone on the next one.
var britishPostcode = regexp.MustCompile(`^(?i)(?:(.+) )?([A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2})$`)

func britishPostalLines(lines []string) (code, city string) {
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-2; i-- {
		m := britishPostcode.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		city = m[1]
		if city == "" && i > 0 {
			city = lines[i-1]
		}
		return strings.ToUpper(m[2]), city
	}
	return "", ""
}

// countryNames maps a country's name in French, Dutch, English and
// German (folded: lower case, no accents, dashes as spaces) to its ISO
// code: the European countries letters go to, and a few beyond.
var countryNames = func() map[string]string {
	names := map[string][]string{
		"BE": {"belgique", "belgie", "belgium", "belgien", "royaume de belgique", "koninkrijk belgie"},
		"FR": {"france", "frankrijk", "frankreich", "republique francaise"},
		"NL": {"pays bas", "nederland", "netherlands", "the netherlands", "niederlande", "holland", "koninkrijk der nederlanden"},
		"DE": {"allemagne", "duitsland", "germany", "deutschland", "bundesrepublik deutschland"},
		"LU": {"luxembourg", "luxemburg", "grand duche de luxembourg", "groothertogdom luxemburg", "grand duchy of luxembourg", "grossherzogtum luxemburg"},
		"CH": {"suisse", "zwitserland", "switzerland", "schweiz"},
		"AT": {"autriche", "oostenrijk", "austria", "osterreich", "oesterreich"},
		"ES": {"espagne", "spanje", "spain", "spanien", "espana"},
		"PT": {"portugal"},
		"IT": {"italie", "italy", "italien", "italia"},
		"GB": {"royaume uni", "verenigd koninkrijk", "united kingdom", "uk", "vereinigtes konigreich", "grande bretagne", "groot brittannie", "great britain", "grossbritannien"},
		"IE": {"irlande", "ierland", "ireland", "irland"},
		"DK": {"danemark", "denemarken", "denmark", "danemark"},
		"SE": {"suede", "zweden", "sweden", "schweden"},
		"NO": {"norvege", "noorwegen", "norway", "norwegen"},
		"FI": {"finlande", "finland", "finnland"},
		"IS": {"islande", "ijsland", "iceland", "island"},
		"PL": {"pologne", "polen", "poland"},
		"CZ": {"tchequie", "republique tcheque", "tsjechie", "czech republic", "czechia", "tschechien"},
		"SK": {"slovaquie", "slowakije", "slovakia", "slowakei"},
		"HU": {"hongrie", "hongarije", "hungary", "ungarn"},
		"SI": {"slovenie", "slovenia", "slowenien"},
		"HR": {"croatie", "kroatie", "croatia", "kroatien"},
		"RO": {"roumanie", "roemenie", "romania", "rumanien"},
		"BG": {"bulgarie", "bulgarije", "bulgaria", "bulgarien"},
		"GR": {"grece", "griekenland", "greece", "griechenland"},
		"CY": {"chypre", "cyprus", "zypern"},
		"MT": {"malte", "malta"},
		"EE": {"estonie", "estland", "estonia"},
		"LV": {"lettonie", "letland", "latvia", "lettland"},
		"LT": {"lituanie", "litouwen", "lithuania", "litauen"},
		"MC": {"monaco"},
		"LI": {"liechtenstein"},
		"AD": {"andorre", "andorra"},
		"SM": {"saint marin", "san marino"},
		"VA": {"vatican", "vaticaanstad", "vatican city", "vatikanstadt"},
		"TR": {"turquie", "turkije", "turkey", "turkiye", "turkei"},
		"UA": {"ukraine", "oekraine"},
		"US": {"etats unis", "verenigde staten", "united states", "united states of america", "usa", "vereinigte staaten"},
		"CA": {"canada", "kanada"},
		"MA": {"maroc", "marokko", "morocco"},
	}
	m := map[string]string{}
	for code, ns := range names {
		for _, n := range ns {
			m[n] = code
		}
	}
	return m
}()

// folder is built per call: a transform.Chain keeps state between calls
// and is not safe for concurrent use.
func folder() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// foldName is how country lines are compared: lower case, accents
// removed, dashes, dots and apostrophes as spaces.
func foldName(s string) string {
	f, _, err := transform.String(folder(), strings.ToLower(s))
	if err != nil {
		f = strings.ToLower(s)
	}
	f = strings.NewReplacer("-", " ", ".", " ", "'", " ", "’", " ", "ß", "ss").Replace(f)
	return collapse(f)
}

// CountryOfLine reports the country a line names alone: a name in French,
// Dutch, English or German, an ISO 3166-1 alpha-2 code, or a bilingual
// line whose parts name one country ("Belgique / België").
func CountryOfLine(line string) (string, bool) {
	line = collapse(line)
	if len(line) == 2 {
		if c := strings.ToUpper(line); ValidCountry(c) {
			return c, true
		}
	}
	if c, ok := countryNames[foldName(line)]; ok {
		return c, true
	}
	parts := strings.FieldsFunc(line, func(r rune) bool { return r == '/' || r == '–' })
	if len(parts) < 2 {
		parts = strings.Split(line, " - ")
	}
	if len(parts) < 2 {
		return "", false
	}
	found := ""
	for _, p := range parts {
		c, ok := countryNames[foldName(p)]
		if !ok || found != "" && c != found {
			return "", false
		}
		found = c
	}
	return found, true
}

// Recipient input limits (SPEC §9 Wave-2 details 3): the address page
// prints the block in the window's 85 × 45 mm inside a 5 mm inset, seven
// lines 5 mm apart; the posts' sorting machines read lines of at most 38
// characters (the limit of the French and Belgian address standards), and
// 38 characters of the address page's font fit the 75 mm left.
const (
	RecipientMinLines   = 3
	RecipientMaxLines   = 7
	RecipientLineLength = 38
)

// Normalize collapses the white space of every field and line, drops the
// empty lines and upper-cases the country (a Dutch postal code is written
// 1234 AB).
func (r *Recipient) Normalize() {
	r.Name, r.PostalCode, r.City = collapse(r.Name), collapse(r.PostalCode), collapse(r.City)
	r.Lines = normalLines(r.Lines)
	r.Country = strings.ToUpper(strings.TrimSpace(r.Country))
	if r.Country == "NL" {
		r.PostalCode = normalDutchPostalCode(r.PostalCode)
	}
}

// ValidateRecipient reports every problem of a typed recipient,
// normalized, naming fields under prefix (recipient.lines): name, lines
// (3 to 8 of at most 60 characters), postal code and city are required;
// the country defaults to country (the account's). The lines are what is
// printed, so they must agree with the fields: the first line is the
// name, and the postal-code-and-city line — the last one, or the one
// before a country line — holds the postal code and the city.
func ValidateRecipient(v *Validation, r *Recipient, prefix string, country string) {
	if r.Country == "" {
		r.Country = strings.ToUpper(strings.TrimSpace(country))
		if r.Country == "NL" {
			r.PostalCode = normalDutchPostalCode(r.PostalCode)
		}
	}
	text := func(field, value string, max int) {
		switch {
		case value == "":
			v.Add(prefix+"."+field, "Required.")
		case utf8.RuneCountInString(value) > max:
			v.Add(prefix+"."+field, fmt.Sprintf("At most %d characters.", max))
		case strings.ContainsFunc(value, unicode.IsControl):
			v.Add(prefix+"."+field, "Remove the control characters.")
		}
	}
	text("name", r.Name, RecipientLineLength)
	text("postal_code", r.PostalCode, 12)
	text("city", r.City, RecipientLineLength)
	switch {
	case r.Country == "":
		v.Add(prefix+".country", "Required.")
	case !ValidCountry(r.Country):
		v.Add(prefix+".country", "Use an ISO 3166-1 alpha-2 country code, like BE, FR or NL.")
	case r.PostalCode != "":
		if m := PostalCodeProblem(r.Country, r.PostalCode); m != "" {
			v.Add(prefix+".postal_code", m)
		}
	}
	switch n := len(r.Lines); {
	case n < RecipientMinLines:
		v.Add(prefix+".lines", "Give at least 3 lines: the name, the street and the postal code with the city.")
		return
	case n > RecipientMaxLines:
		v.Add(prefix+".lines", fmt.Sprintf("At most %d lines fit in the envelope's window.", RecipientMaxLines))
		return
	}
	for i, l := range r.Lines {
		switch {
		case utf8.RuneCountInString(l) > RecipientLineLength:
			v.Add(fmt.Sprintf("%s.lines.%d", prefix, i), fmt.Sprintf("At most %d characters a line, to fit in the envelope's window.", RecipientLineLength))
		case strings.ContainsFunc(l, unicode.IsControl):
			v.Add(fmt.Sprintf("%s.lines.%d", prefix, i), "Remove the control characters.")
		}
	}
	if r.Name != "" && !strings.EqualFold(r.Lines[0], r.Name) {
		v.Add(prefix+".lines", "The first line must be the name.")
	}
	last := len(r.Lines) - 1
	if _, ok := CountryOfLine(r.Lines[last]); ok {
		last--
	}
	postal := strings.ToLower(r.Lines[last])
	if r.PostalCode != "" && r.City != "" &&
		!(strings.Contains(postal, strings.ToLower(r.PostalCode)) || strings.Contains(strings.ReplaceAll(postal, " ", ""), strings.ToLower(strings.ReplaceAll(r.PostalCode, " ", "")))) ||
		r.City != "" && !strings.Contains(postal, strings.ToLower(r.City)) {
		v.Add(prefix+".lines", "The last line (or the one before the country) must hold the postal code and the city.")
	}
}

// Tariff is the installation's price list for letters, in the smallest
// unit of Currency, VAT excluded (D6, SPEC §9 Wave-2 details 5).
type Tariff struct {
	Currency string `json:"currency"`
	// Printing is per printed side: a duplex sheet printed on both sides
	// costs two sides.
	BlackWhiteSideCents int64 `json:"black_white_side_cents"`
	ColorSideCents      int64 `json:"color_side_cents"`
	SheetCents          int64 `json:"sheet_cents"` // the paper
	SheetGrams          int   `json:"sheet_grams"`
	// Envelopes by the sheets they hold, smallest first: the letter goes
	// in the first that holds its sheets.
	Envelopes []EnvelopeStep `json:"envelopes"`
	// Postage by product, each by weight steps, lightest first.
	Postage         map[Postage][]WeightStep `json:"postage"`
	RegisteredCents int64                    `json:"registered_cents"` // on top of the postage
}

// EnvelopeStep is an envelope, for letters of at most UpToSheets sheets.
type EnvelopeStep struct {
	UpToSheets int   `json:"up_to_sheets"`
	Cents      int64 `json:"cents"`
	Grams      int   `json:"grams"`
}

// WeightStep is the postage of a letter of at most UpToGrams.
type WeightStep struct {
	UpToGrams int   `json:"up_to_grams"`
	Cents     int64 `json:"cents"`
}

// DefaultTariff is the tariff without a --tariff file: Belgian prices,
// VAT excluded, in cents of currency (an installation that bills in
// another currency should bring its own file; the figures are kept).
// Printing and paper are a print shop's usual prices; the envelopes a DL
// window envelope (up to 6 sheets folded in three) and a C4 window
// envelope beyond; the postage bpost's 2025 steps for non-prior letters
// with prior about 25 % dearer, and the registered surcharge on top.
func DefaultTariff(currency string) *Tariff {
	return &Tariff{
		Currency:            currency,
		BlackWhiteSideCents: 9,
		ColorSideCents:      29,
		SheetCents:          3,
		SheetGrams:          5, // A4 at 80 g/m²
		Envelopes: []EnvelopeStep{
			{UpToSheets: 6, Cents: 9, Grams: 5},
			{UpToSheets: 125, Cents: 35, Grams: 30},
		},
		Postage: map[Postage][]WeightStep{
			PostageNonPrior: {{50, 145}, {100, 290}, {350, 580}, {1000, 870}, {2000, 1160}},
			PostagePrior:    {{50, 181}, {100, 363}, {350, 725}, {1000, 1088}, {2000, 1450}},
		},
		RegisteredCents: 690,
	}
}

// ReadTariff reads a tariff file (JSON); an invalid one is an error that
// names the bad field. Fields it does not know are refused, so that a
// misspelt one is not silently priced at zero.
func ReadTariff(r io.Reader) (*Tariff, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var t Tariff
	if err := dec.Decode(&t); err != nil {
		return nil, &Error{Code: EINVALID, Message: "The tariff is not valid JSON: " + err.Error()}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate reports every bad field of the tariff.
func (t *Tariff) Validate() error {
	var v Validation
	if len(t.Currency) != 3 || strings.ToUpper(t.Currency) != t.Currency || strings.ContainsFunc(t.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		v.Add("currency", "Use an ISO 4217 code in capitals, like EUR.")
	}
	cents := func(field string, c int64) {
		if c < 0 {
			v.Add(field, "A price cannot be negative.")
		}
	}
	cents("black_white_side_cents", t.BlackWhiteSideCents)
	cents("color_side_cents", t.ColorSideCents)
	cents("sheet_cents", t.SheetCents)
	cents("registered_cents", t.RegisteredCents)
	if t.SheetGrams <= 0 {
		v.Add("sheet_grams", "A sheet weighs at least 1 gram.")
	}
	if len(t.Envelopes) == 0 {
		v.Add("envelopes", "Give at least one envelope.")
	}
	for i, e := range t.Envelopes {
		f := "envelopes." + strconv.Itoa(i)
		if e.UpToSheets <= 0 || i > 0 && e.UpToSheets <= t.Envelopes[i-1].UpToSheets {
			v.Add(f+".up_to_sheets", "Give more sheets than the envelope before, at least 1.")
		}
		cents(f+".cents", e.Cents)
		if e.Grams < 0 {
			v.Add(f+".grams", "A weight cannot be negative.")
		}
	}
	for p := range t.Postage {
		if !p.Valid() {
			v.Add("postage."+string(p), "Use prior or non_prior.")
		}
	}
	for _, p := range []Postage{PostageNonPrior, PostagePrior} {
		steps := t.Postage[p]
		f := "postage." + string(p)
		if len(steps) == 0 {
			v.Add(f, "Give at least one weight step.")
		}
		for i, s := range steps {
			g := f + "." + strconv.Itoa(i)
			if s.UpToGrams <= 0 || i > 0 && s.UpToGrams <= steps[i-1].UpToGrams {
				v.Add(g+".up_to_grams", "Give more grams than the step before, at least 1.")
			}
			cents(g+".cents", s.Cents)
		}
	}
	return v.Err()
}

// Price is what a letter of pages uploaded pages costs with o, and an
// address sheet in front when addressPage: the sheets (pages simplex, or
// half of them rounded up duplex, plus the address sheet), the weight
// (the sheets and the envelope that holds them) and the price (printing
// by printed side in colour or black and white — the address sheet is
// one black side —, the paper, the envelope, the postage of the weight's
// step and product, and the registered surcharge). A letter with no
// pages, or too many sheets for any envelope, or too heavy for the
// postage, is EINVALID with a message saying so.
func (t *Tariff) Price(o LetterOptions, pages int, addressPage bool) (sheets, grams int, cents int64, err error) {
	if pages < 1 {
		return 0, 0, 0, Errorf(EINVALID, "A letter has at least one page.")
	}
	sheets = pages
	if o.Duplex {
		sheets = (pages + 1) / 2
	}
	side := t.BlackWhiteSideCents
	if o.Color {
		side = t.ColorSideCents
	}
	cents = int64(pages) * side
	if addressPage {
		sheets++
		cents += t.BlackWhiteSideCents
	}
	cents += int64(sheets) * t.SheetCents
	var env *EnvelopeStep
	for i := range t.Envelopes {
		if sheets <= t.Envelopes[i].UpToSheets {
			env = &t.Envelopes[i]
			break
		}
	}
	if env == nil {
		return sheets, 0, 0, Errorf(EINVALID, "A letter of %d sheets fits in no envelope of the tariff.", sheets)
	}
	grams = sheets*t.SheetGrams + env.Grams
	cents += env.Cents
	postage := o.Postage
	if postage == "" {
		postage = PostageNonPrior
	}
	steps := t.Postage[postage]
	i := 0
	for i < len(steps) && grams > steps[i].UpToGrams {
		i++
	}
	if i == len(steps) {
		return sheets, grams, 0, Errorf(EINVALID, "A letter of %d g is too heavy to be posted as a letter.", grams)
	}
	cents += steps[i].Cents
	if o.Registered {
		cents += t.RegisteredCents
	}
	return sheets, grams, cents, nil
}

// Apply returns s with the update's fields and the changes for the
// activity entry (none when nothing changes).
func (s AccountSettings) Apply(u AccountSettingsUpdate) (AccountSettings, Detail) {
	next := s
	setIf(&next.LetterCancellationMinutes, u.LetterCancellationMinutes)
	if u.Country != nil {
		next.Country = strings.ToUpper(strings.TrimSpace(*u.Country))
	}
	var changes Detail
	changes = appendChange(changes, "letter_cancellation_minutes", s.LetterCancellationMinutes, next.LetterCancellationMinutes)
	changes = appendChange(changes, "country", s.Country, next.Country)
	return next, changes
}
