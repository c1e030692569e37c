package ui

import (
	"portail"
	"slices"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// country is one choice of the country select, named in the page's
// language.
type country struct{ Code, Name string }

// countryName names a country code in lang; an unknown code stays a code.
func countryName(lang, code string) string {
	if r, err := language.ParseRegion(code); err == nil {
		if n := display.Regions(language.Make(lang)).Name(r); n != "" {
			return n
		}
	}
	return code
}

// countries lists the countries by their name in lang, made once per
// language when a label form first asks for it.
func countries(lang string) []country { return countriesByLang[lang]() }

var countriesByLang = func() map[string]func() []country {
	m := map[string]func() []country{}
	for _, lang := range portail.Languages {
		m[lang] = sync.OnceValue(func() []country {
			codes := portail.CountryCodes()
			out := make([]country, 0, len(codes))
			for _, c := range codes {
				out = append(out, country{Code: c, Name: countryName(lang, c)})
			}
			col := collate.New(language.Make(lang))
			slices.SortFunc(out, func(a, b country) int { return col.CompareString(a.Name, b.Name) })
			return out
		})
	}
	return m
}()
