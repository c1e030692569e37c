package ui

import (
	"embed"
	"html/template"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"portail"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the parsed templates, per language: each page is the layout
// plus its own file, with "t" bound to the language's catalog.
type pages struct {
	byLang map[string]map[string]*template.Template
}

func mustParsePages() *pages {
	p := &pages{byLang: map[string]map[string]*template.Template{}}
	files, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	// Files named _*.html are partials every page may use: blocks, not
	// pages.
	partials, err := fs.Glob(templatesFS, "templates/_*.html")
	if err != nil {
		panic(err)
	}
	for _, lang := range portail.Languages {
		p.byLang[lang] = map[string]*template.Template{}
		for _, f := range files {
			name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
			if name == "layout" || strings.HasPrefix(name, "_") {
				continue
			}
			t := template.New("layout.html").Funcs(templateFuncs(lang)).Funcs(letterSettingsFuncs(lang))
			p.byLang[lang][name] = template.Must(t.ParseFS(templatesFS, append([]string{"templates/layout.html", f}, partials...)...))
		}
	}
	return p
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
