package portail

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// LabelStatus is where a parcel stands (D2).
type LabelStatus string

const (
	LabelCreated   LabelStatus = "created"
	LabelInTransit LabelStatus = "in_transit"
	LabelDelivered LabelStatus = "delivered"
	LabelReturned  LabelStatus = "returned"
)

// LabelLifecycle is a parcel's life cycle: created → in_transit →
// delivered, or returned to the sender while in transit. Delivered and
// returned are final.
var LabelLifecycle = Lifecycle[LabelStatus]{
	Kind:     SubjectLabel,
	Statuses: []LabelStatus{LabelCreated, LabelInTransit, LabelDelivered, LabelReturned},
	Forward: map[LabelStatus]LabelStatus{
		LabelCreated:   LabelInTransit,
		LabelInTransit: LabelDelivered,
	},
	Otherwise: map[LabelStatus][]LabelStatus{
		LabelInTransit: {LabelReturned},
	},
}

// LabelStatuses lists every status in the order a parcel goes through.
var LabelStatuses = LabelLifecycle.Statuses

// Valid reports whether s is one of the statuses.
func (s LabelStatus) Valid() bool { return LabelLifecycle.Valid(s) }

// CanMoveTo reports whether a parcel may go from s to next.
func (s LabelStatus) CanMoveTo(next LabelStatus) bool { return LabelLifecycle.CanMove(s, next) }

// Final reports whether a parcel in s never moves again.
func (s LabelStatus) Final() bool { return LabelLifecycle.Final(s) }

// Address is a sender's or recipient's postal address.
type Address struct {
	Name        string `json:"name"`
	Company     string `json:"company"`
	Street      string `json:"street"`
	HouseNumber string `json:"house_number"`
	PostalCode  string `json:"postal_code"`
	City        string `json:"city"`
	Country     string `json:"country"` // ISO 3166-1 alpha-2, upper case
}

// Normalize trims every field and upper-cases the country code.
func (a *Address) Normalize() {
	for _, f := range []*string{&a.Name, &a.Company, &a.Street, &a.HouseNumber, &a.PostalCode, &a.City} {
		*f = strings.Join(strings.Fields(*f), " ")
	}
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if a.Country == "NL" {
		a.PostalCode = normalDutchPostalCode(a.PostalCode)
	}
}

// normalDutchPostalCode writes a Dutch postal code as the post office
// does, 1234 AB, whether it was typed 1234ab or 1234 ab; anything else is
// left for Validate to refuse.
func normalDutchPostalCode(s string) string {
	t := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(t) == 6 && allDigits(t[:4]) && t[4] >= 'A' && t[4] <= 'Z' && t[5] >= 'A' && t[5] <= 'Z' {
		return t[:4] + " " + t[4:]
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// postalFormats are the postal code shapes of the countries portail's
// customers send to most, checked so that a mistyped code is caught at the
// form rather than by the carrier; other countries keep the general rule.
// Each message names the shape with an example.
var postalFormats = map[string]struct {
	valid   func(string) bool
	message string
}{
	"BE": {digits(4), "A Belgian postal code has 4 digits, like 1000."},
	"LU": {digits(4), "A Luxembourg postal code has 4 digits, like 1009."},
	"FR": {digits(5), "A French postal code has 5 digits, like 75001."},
	"DE": {digits(5), "A German postal code has 5 digits, like 10115."},
	"NL": {func(s string) bool { return len(s) == 7 && normalDutchPostalCode(s) == s && s[0] != '0' },
		"A Dutch postal code has 4 digits and 2 letters, like 1016 DV."},
}

func digits(n int) func(string) bool {
	return func(s string) bool { return len(s) == n && allDigits(s) }
}

// PostalCodeProblem returns the message for a postal code that does not
// have its country's shape, or "" when it has it or the country has no
// known shape.
func PostalCodeProblem(country, code string) string {
	if f, ok := postalFormats[country]; ok && !f.valid(code) {
		return f.message
	}
	return ""
}

// Validate reports every problem, naming fields under prefix
// (recipient.postal_code).
func (a *Address) Validate(v *Validation, prefix string) {
	text := func(field, value string, required bool, max int) {
		switch {
		case value == "" && required:
			v.Add(prefix+"."+field, "Required.")
		case utf8.RuneCountInString(value) > max:
			v.Add(prefix+"."+field, fmt.Sprintf("At most %d characters.", max))
		case strings.ContainsFunc(value, unicode.IsControl):
			v.Add(prefix+"."+field, "Remove the control characters.")
		}
	}
	text("name", a.Name, true, 100)
	text("company", a.Company, false, 100)
	text("street", a.Street, true, 100)
	text("house_number", a.HouseNumber, true, 20)
	text("postal_code", a.PostalCode, true, 12)
	text("city", a.City, true, 100)
	if a.PostalCode != "" && strings.ContainsFunc(a.PostalCode, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == ' ' || r == '-')
	}) {
		v.Add(prefix+".postal_code", "Use letters, digits, spaces and dashes only.")
	} else if a.PostalCode != "" && utf8.RuneCountInString(a.PostalCode) <= 12 {
		if m := PostalCodeProblem(a.Country, a.PostalCode); m != "" {
			v.Add(prefix+".postal_code", m)
		}
	}
	if a.Country == "" {
		v.Add(prefix+".country", "Required.")
	} else if !ValidCountry(a.Country) {
		v.Add(prefix+".country", "Use an ISO 3166-1 alpha-2 country code, like FR, BE or NL.")
	}
}

// countries are the ISO 3166-1 alpha-2 codes of the officially assigned
// countries (iso-codes 4.15).
const countries = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE
BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK
TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW`

// CountryCodes returns the ISO 3166-1 alpha-2 codes, sorted.
func CountryCodes() []string { return strings.Fields(countries) }

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 code.
func ValidCountry(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return false
	}
	i := strings.Index(countries, code)
	return i >= 0 && i%3 == 0 // codes sit every three characters
}

// MaxWeightGrams is the heaviest parcel a label is made for.
const MaxWeightGrams = 31500

// LabelCreate is what a department admin or admin fills in (D2).
type LabelCreate struct {
	DepartmentID int64
	Sender       Address
	Recipient    Address
	WeightGrams  int
	// Language is the one the PDF is printed in, the creator's: the page's
	// language, or an API caller's own. Empty or unknown prints in
	// DefaultLanguage.
	Language string
}

// Normalize trims what the user typed.
func (c *LabelCreate) Normalize() {
	c.Sender.Normalize()
	c.Recipient.Normalize()
}

// Validate reports every field problem at once.
func (c *LabelCreate) Validate() error {
	var v Validation
	if c.DepartmentID <= 0 {
		v.Add("department_id", "Choose a department.")
	}
	c.Sender.Validate(&v, "sender")
	c.Recipient.Validate(&v, "recipient")
	if c.WeightGrams <= 0 || c.WeightGrams > MaxWeightGrams {
		v.Add("weight_grams", fmt.Sprintf("Give a weight between 1 and %d grams.", MaxWeightGrams))
	}
	return v.Err()
}

// Label is a parcel label: a tracking number, the addresses and a PDF.
type Label struct {
	ID             int64
	AccountID      int64
	DepartmentID   int64
	CreatorID      int64
	CreatorName    UserName // of CreatorID, when read back
	TrackingNumber string
	Sender         Address
	Recipient      Address
	WeightGrams    int
	Status         LabelStatus
	PDFKey         string // where the PDF lives in the BlobStore
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Resource returns the label as the policy sees it: labels belong to the
// parcels module.
func (l *Label) Resource() Resource {
	return Resource{AccountID: l.AccountID, DepartmentID: l.DepartmentID, OwnerID: l.CreatorID, Module: ModuleParcels}
}

// LabelFilter selects labels of a list.
type LabelFilter struct {
	Status       LabelStatus
	DepartmentID int64
	From         *time.Time // created at or after
	To           *time.Time // created before
	Limit        int
	Cursor       string
}

// Validate checks the filter's values.
func (f *LabelFilter) Validate() error {
	var v Validation
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "Use created, in_transit, delivered or returned.")
	}
	validateRange(&v, f.From, f.To, f.Limit)
	ValidateCursor(&v, f.Cursor)
	return v.Err()
}

// LabelDefaults are what a new label of a department starts from: the
// department's default sender, the last senders its labels used and the
// account's country.
type LabelDefaults struct {
	Sender        *Address // nil when the department has none
	RecentSenders []Address
	Country       string
}

// MaxRecentSenders is how many of the last senders the label form offers.
const MaxRecentSenders = 5

// LabelRenderer draws a label's PDF in a language (fr, nl, en).
type LabelRenderer func(l *Label, lang string) ([]byte, error)

// LabelService creates and reads parcel labels. Every method takes the
// caller from ctx and asks the policy; a label the caller may not see is
// ENOTFOUND.
type LabelService interface {
	// CreateLabel gives the parcel a tracking number, stores its PDF and
	// records it as created with a manual_order entry. EINVALID,
	// EFORBIDDEN.
	CreateLabel(ctx context.Context, c LabelCreate) (*Label, error)
	// ListLabels returns a page of the labels the caller may see, newest
	// first. EINVALID.
	ListLabels(ctx context.Context, f LabelFilter) ([]*Label, string, error)
	// FindLabel returns one label and logs the status view as a fetch,
	// unless a page polls it (Caller.Polled). ENOTFOUND.
	FindLabel(ctx context.Context, id int64) (*Label, error)
	// OpenLabelPDF returns a label with its PDF and logs the download as a
	// fetch; the caller closes the PDF. ENOTFOUND.
	OpenLabelPDF(ctx context.Context, id int64) (*Label, io.ReadSeekCloser, error)
	// LabelDefaults returns what a new label of the department starts
	// from, for whoever may create labels there. ENOTFOUND, EFORBIDDEN.
	LabelDefaults(ctx context.Context, departmentID int64) (*LabelDefaults, error)
	// LabelHistory returns a page of the label's changes, oldest first.
	// ENOTFOUND, EINVALID.
	LabelHistory(ctx context.Context, id int64, limit int, cursor string) ([]*Change, string, error)
}

// The UPU S10 identifier of an item: two service letters, an 8-digit
// serial, its check digit and the issuing country, as in RR473124829GB.

// S10Service are the service indicator letters of portail's parcels
// ("C" starts the parcel range of S10).
const S10Service = "CP"

// MaxS10Serial is the largest serial of 8 digits.
const MaxS10Serial = 99_999_999

var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// S10CheckDigit computes the check digit of an 8-digit serial: the digits
// weighted 8 6 4 2 3 5 9 7, summed; 11 minus the sum modulo 11, where 10
// becomes 0 and 11 becomes 5.
func S10CheckDigit(serial int) int {
	sum := 0
	for i := 7; i >= 0; i-- {
		sum += serial % 10 * s10Weights[i]
		serial /= 10
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 0
	case 11:
		return 5
	default:
		return c
	}
}

// S10 returns the identifier of serial for the service letters and the
// country.
func S10(service string, serial int, country string) string {
	return fmt.Sprintf("%s%08d%d%s", service, serial, S10CheckDigit(serial), country)
}

// ValidS10 reports whether s is a well-formed S10 identifier whose check
// digit is right.
func ValidS10(s string) bool {
	if len(s) != 13 {
		return false
	}
	for _, i := range []int{0, 1, 11, 12} {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	serial := 0
	for _, c := range s[2:10] {
		if c < '0' || c > '9' {
			return false
		}
		serial = serial*10 + int(c-'0')
	}
	return s[10] >= '0' && s[10] <= '9' && int(s[10]-'0') == S10CheckDigit(serial)
}

// ParseWeight reads a weight as people type it: "2,5 kg", "2.5 kg",
// "2500 g", "2 500 g", "0,85" — a decimal comma or point, kilograms or
// grams, case and spaces aside. A number without a unit is in kilograms,
// the unit printed on labels; one that is too heavy for kilograms but would
// be a fine number of grams is refused with a message asking for the unit
// rather than guessed. It returns the weight in grams, or a message for the
// field.
func ParseWeight(s string) (int, string) {
	s = strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u202f' // the narrow no-break space of French thousands
	}), ""))
	if s == "" {
		return 0, "Required."
	}
	unit := ""
	for _, u := range []struct{ suffix, unit string }{{"kilos", "kg"}, {"kilo", "kg"}, {"kg", "kg"}, {"grammes", "g"},
		{"gram", "g"}, {"gr", "g"}, {"g", "g"}} {
		if strings.HasSuffix(s, u.suffix) {
			s, unit = strings.TrimSuffix(s, u.suffix), u.unit
			break
		}
	}
	whole, frac, hasPoint := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if !allDigits(whole) && !(whole == "" && hasPoint) || hasPoint && !allDigits(frac) || len(whole) > 9 {
		return 0, "Give a weight such as 2.5 kg or 850 g."
	}
	n := 0
	for _, c := range whole {
		n = n*10 + int(c-'0')
	}
	grams := 0
	switch unit {
	case "g":
		if strings.Trim(frac, "0") != "" {
			return 0, "Give whole grams."
		}
		grams = n
	default: // kilograms
		frac = strings.TrimRight(frac, "0")
		if len(frac) > 3 {
			return 0, "Give whole grams."
		}
		f := 0
		for i := 0; i < 3; i++ {
			f *= 10
			if i < len(frac) {
				f += int(frac[i] - '0')
			}
		}
		if n > MaxWeightGrams/1000 && unit == "" && n <= MaxWeightGrams && f == 0 {
			return 0, "Add the unit: kg or g."
		}
		if n > MaxWeightGrams {
			return 0, weightRange()
		}
		grams = n*1000 + f
	}
	if grams <= 0 || grams > MaxWeightGrams {
		return 0, weightRange()
	}
	return grams, ""
}

func weightRange() string { return "Give a weight between 1 g and 31.5 kg." }

// FormatWeight writes grams as kilograms the way lang writes decimals:
// 2,5 kg in French and Dutch, 2.5 kg in English.
func FormatWeight(grams int, lang string) string {
	s := strconv.Itoa(grams / 1000)
	if f := strings.TrimRight(fmt.Sprintf("%03d", grams%1000), "0"); f != "" {
		sep := ","
		if lang == "en" {
			sep = "."
		}
		s += sep + f
	}
	return s + "\u00a0kg"
}
