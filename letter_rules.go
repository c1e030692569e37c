package portail

import (
	"io"
)

// The letter rules below are filled in by the letters work: the address
// parser (D5), the tariff and the price (D6), the judgement of an
// inspection (D4–D6) and the problem messages.

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
	PriceCents  int64
	Currency    string
}

// Assess judges an inspected letter with its options and a typed
// recipient (nil for none) against the tariff: the recipient read from
// the chosen window's zone, parsed with country as the country when no
// line names one; a typed recipient over an empty or incomplete window
// (then AddressPage); the address problems; the sheets, the weight and
// the price. A typed recipient over a complete address is EINVALID on
// field "recipient"; a typed recipient with bad fields is EINVALID on
// "recipient.FIELD".
func Assess(in *Inspection, o LetterOptions, typed *Recipient, country string, t *Tariff) (*LetterQuote, error) {
	panic("letters: Assess is not written yet")
}

// ParseAddress reads a recipient from the lines of an address block, name
// first: the postal code and city (formats of BE, FR, NL, DE, LU and a
// general one), a country line in French, Dutch, English or German or an
// ISO code, else country. It returns the parts it could not find
// ("postal_code", "city"): none for a complete address.
func ParseAddress(lines []string, country string) (r Recipient, missing []string) {
	panic("letters: ParseAddress is not written yet")
}

// Tariff is the installation's price list for letters, in the smallest
// unit of Currency, VAT excluded (D6, SPEC §9 Wave-2 details 5).
type Tariff struct {
	Currency string `json:"currency"`
}

// DefaultTariff is the tariff without a --tariff file.
func DefaultTariff(currency string) *Tariff {
	panic("letters: DefaultTariff is not written yet")
}

// ReadTariff reads a tariff file (JSON); an invalid one is an error that
// names the bad field.
func ReadTariff(r io.Reader) (*Tariff, error) {
	panic("letters: ReadTariff is not written yet")
}

// Message renders the problem in lang (fr, nl or en).
func (p Problem) Message(lang string) string {
	panic("letters: Problem.Message is not written yet")
}
