package ui

import (
	"embed"
	"html/template"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"portail"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the page templates, per language: each page is the layout
// plus its own file and the partials, with "t" bound to the language's
// catalog. A page is parsed on its first use in a language and kept: the
// 3 languages × every page parsed at start held 13 MiB that a process
// serving only the API, or one language, never uses (BENCHMARKS.md,
// "Peer benchmark").
type pages struct {
	files    map[string]string // page name → its file
	partials []string

	mu     sync.Mutex // guards byLang
	byLang map[string]map[string]*template.Template
}

func mustParsePages() *pages {
	p := &pages{files: map[string]string{}, byLang: map[string]map[string]*template.Template{}}
	files, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	// Files named _*.html are partials every page may use: blocks, not
	// pages.
	if p.partials, err = fs.Glob(templatesFS, "templates/_*.html"); err != nil {
		panic(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name != "layout" && !strings.HasPrefix(name, "_") {
			p.files[name] = f
		}
	}
	return p
}

// get answers page name in lang, parsed on first use; false when there is
// no such page. The templates are embedded: one that does not parse is a
// build's mistake, and panics as it did at start.
func (p *pages) get(lang, name string) (*template.Template, bool) {
	f, ok := p.files[name]
	if !ok {
		return nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.byLang[lang][name]; ok {
		return t, true
	}
	if p.byLang[lang] == nil {
		p.byLang[lang] = map[string]*template.Template{}
	}
	t := template.New("layout.html").Funcs(templateFuncs(lang)).Funcs(letterSettingsFuncs(lang))
	t = template.Must(t.ParseFS(templatesFS, append([]string{"templates/layout.html", f}, p.partials...)...))
	p.byLang[lang][name] = t
	return t, true
}

func templateFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":    func(msg string, args ...any) string { return translate(lang, msg, args...) },
		"role": func(r portail.Role) string { return translate(lang, roleLabels[r]) },
		"status": func(s portail.UserStatus) string {
			return translate(lang, map[portail.UserStatus]string{portail.StatusInvited: "Invited", portail.StatusActive: "Active", portail.StatusInactive: "Inactive"}[s])
		},
		"module":  func(m portail.Module) string { return translate(lang, moduleLabels[m]) },
		"modules": func(s portail.ModuleSet) []portail.Module { return s.List() },
		"inList":  func(list, v string) bool { return slices.Contains(strings.Split(list, ","), v) },
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.UTC().Format("2006-01-02 15:04")
			case *time.Time:
				if v != nil {
					return v.UTC().Format("2006-01-02 15:04")
				}
			}
			return "—"
		},
		// money writes cents of a currency as the language does:
		// « 5,00 € », "€5.00".
		"money":          func(currency string, cents int) string { return formatMoney(lang, currency, cents) },
		"extraSeatCents": func() int { return portail.ExtraSeatCents },
		"list":           func(items ...string) []string { return items },
		// query marks a query string made by url.Values.Encode as safe to put
		// after "?" as it is.
		"query":   func(encoded string) template.URL { return template.URL(encoded) },
		"sortTh":  func(label string, l sortLink, class string) sortHeader { return sortHeader{label, l, class} },
		"country": func(code string) string { return countryName(lang, code) },
		"colon":   func() string { return colon(lang) },
		// field pairs a field's name with its error for the "ferr" template.
		"field": func(name string, errs map[string]string) fieldError { return fieldError{name, errs[name]} },
		// csvExcel is an export's query for its spreadsheet variant
		// (?format=excel: semicolons, BOM, headers in the user's language).
		"csvExcel": func(encoded string) string {
			if encoded == "" {
				return "format=excel"
			}
			return encoded + "&format=excel"
		},

		// when writes a moment of a letter in the zone the office is in
		// (letterZone), with the zone's name; the page's script writes it
		// again in the browser's zone (data-at). rfc3339 is the moment for
		// the script.
		"when": func(t any) string {
			if at := timeOf(t); at != nil {
				return at.In(letterZone).Format("02/01/2006 15:04 MST")
			}
			return "—"
		},
		"rfc3339": func(t any) string {
			if at := timeOf(t); at != nil {
				return at.UTC().Format(time.RFC3339)
			}
			return ""
		},
		"streetLines": streetLines,
		"int":         func(n int64) int { return int(n) },
		"defaults":    defaultsJSON,
		"sendAtField": func(value, at string, errs map[string]string) sendAtField {
			return sendAtField{Value: value, At: at, Err: fieldError{"send_at", errs["send_at"]}}
		},

		// weight writes grams as kilograms with the language's decimal
		// separator: 2,5 kg.
		"weight": func(grams int) string { return portail.FormatWeight(grams, lang) },
		// size writes a number of bytes with the language's units: 1,2 Mo.
		"size": func(n int64) string { return formatSize(lang, n) },
	}
}

// colon ends a label: French typography puts a (non-breaking) space
// before it.
func colon(lang string) string {
	if lang == "fr" {
		return "\u00a0:"
	}
	return ":"
}

type fieldError struct{ Name, Msg string }

// sendAtField is the later-start input of a letter's form.
type sendAtField struct {
	Value string
	At    string // the stored start (RFC 3339), which the script writes in the browser's zone
	Err   fieldError
}

func timeOf(t any) *time.Time {
	switch v := t.(type) {
	case time.Time:
		return &v
	case *time.Time:
		return v
	}
	return nil
}

// streetLines are the lines of a typed recipient between its name and its
// postal code and city line, one a line, for the recipient form.
func streetLines(r *portail.Recipient) string {
	if r == nil || len(r.Lines) < 2 {
		return ""
	}
	var out []string
	for _, l := range r.Lines[1:] {
		if r.PostalCode != "" && strings.Contains(l, r.PostalCode) {
			break
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// sortHeader is a sortable column header of a list.
type sortHeader struct {
	Label string
	Link  sortLink
	Class string
}

var roleLabels = map[portail.Role]string{portail.RoleViewer: "Viewer", portail.RoleOperator: "Operator",
	portail.RoleDepartmentAdmin: "Department admin", portail.RoleAdmin: "Admin"}

var moduleLabels = map[portail.Module]string{portail.ModuleMail: "Mail", portail.ModuleParcels: "Parcels", portail.ModuleClassic: "Classic"}

func formatMoney(lang, currency string, cents int) string {
	whole, frac := cents/100, cents%100
	s := strconv.Itoa(whole) + "." + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
	sym, ok := currencySymbols[currency]
	if !ok {
		sym = currency
	}
	switch {
	case lang == "en" && ok:
		return sym + s
	case lang == "en":
		return sym + " " + s
	case lang == "nl":
		return sym + " " + strings.Replace(s, ".", ",", 1)
	}
	return strings.Replace(s, ".", ",", 1) + "\u00a0" + sym
}

// currencySymbols are the signs of the usual currencies; another is
// written by its code.
var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}

// sizeUnits are the units of file sizes in each language: the French
// octet (o, Ko, Mo), the Dutch and English bytes.
var sizeUnits = map[string][3]string{"fr": {"o", "Ko", "Mo"}, "nl": {"bytes", "kB", "MB"}, "en": {"bytes", "KiB", "MiB"}}

// formatSize writes n bytes for people: whole bytes below a kilobyte, else
// kilo- or megabytes (binary multiples, as the upload limit is given) with
// at most one decimal, in the language's decimal separator.
func formatSize(lang string, n int64) string {
	units, ok := sizeUnits[lang]
	if !ok {
		units = sizeUnits["en"]
	}
	nbsp := "\u00a0"
	if n < 1<<10 {
		return strconv.FormatInt(n, 10) + nbsp + units[0]
	}
	unit, div := units[1], int64(1<<10)
	if n >= 1<<20 {
		unit, div = units[2], 1<<20
	}
	tenths := (n*10 + div/2) / div
	s := strconv.FormatInt(tenths/10, 10)
	if tenths%10 != 0 {
		sep := ","
		if lang == "en" {
			sep = "."
		}
		s += sep + strconv.FormatInt(tenths%10, 10)
	}
	return s + nbsp + unit
}
