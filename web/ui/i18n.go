package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"portail"
)

// The UI speaks French, English and Dutch. Messages are written in English
// in the templates and the code; a catalog per language maps each English
// message to its translation (the French one uses the wording of the help
// pages users know). A message missing from a catalog shows in English,
// and a test lists every missing one.
//
// A message that shows a count with a noun ("%d users") is translated,
// in English too, by its CLDR plural forms instead of one text:
// {"one": "%d utilisateur", "other": "%d utilisateurs"}. The form is
// chosen by golang.org/x/text/feature/plural from the message's last
// number, so French says « 0 utilisateur » and « 1 utilisateur », Dutch
// and English "0 users" and "1 user". Plain messages stay one string: the
// catalogs remain the English→translation maps everyone edits.

//go:embed locales/*.json
var localesFS embed.FS

// loadCatalogs reads the plain messages and the counted ones, per
// language, on the first page drawn: a process that serves only the API
// never holds them (1.6 MB and 40 ms at start; BENCHMARKS.md).
var loadCatalogs = sync.OnceValues(mustLoadCatalogs)

// catalogs holds the plain messages, per language.
func catalogs() map[string]map[string]string { c, _ := loadCatalogs(); return c }

// plurals holds the counted messages, per language.
func plurals() map[string]map[string]forms { _, p := loadCatalogs(); return p }

// forms are the translations of a counted message, by CLDR plural form.
type forms map[plural.Form]string

// formNames are the keys of a counted message's translations in the JSON
// catalogs, as CLDR names them.
var formNames = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

func mustLoadCatalogs() (map[string]map[string]string, map[string]map[string]forms) {
	out := map[string]map[string]string{"en": {}}
	pl := map[string]map[string]forms{"en": {}}
	files, _ := localesFS.ReadDir("locales")
	for _, f := range files {
		b, err := localesFS.ReadFile("locales/" + f.Name())
		if err != nil {
			panic(err)
		}
		raw := map[string]json.RawMessage{}
		if err := json.Unmarshal(b, &raw); err != nil {
			panic(fmt.Sprintf("locales/%s: %v", f.Name(), err))
		}
		lang := strings.TrimSuffix(f.Name(), path.Ext(f.Name()))
		m, p := map[string]string{}, map[string]forms{}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) == nil {
				m[k] = s
				continue
			}
			var byName map[string]string
			if err := json.Unmarshal(v, &byName); err != nil {
				panic(fmt.Sprintf("locales/%s: %q is neither a text nor plural forms: %v", f.Name(), k, err))
			}
			fs := forms{}
			for name, text := range byName {
				form, ok := formNames[name]
				if !ok {
					panic(fmt.Sprintf("locales/%s: %q: %q is not a CLDR plural form", f.Name(), k, name))
				}
				fs[form] = text
			}
			p[k] = fs
		}
		out[lang], pl[lang] = m, p
	}
	return out, pl
}

// pluralForm is the CLDR cardinal form of the whole number n in lang.
func pluralForm(lang string, n int) plural.Form {
	if n < 0 {
		n = -n
	}
	return plural.Cardinal.MatchPlural(language.Make(lang), n, 0, 0, 0, 0)
}

// pick returns the form of fs for n in lang, else its "other".
func (fs forms) pick(lang string, n int) string {
	if t := fs[pluralForm(lang, n)]; t != "" {
		return t
	}
	return fs[plural.Other]
}

// matcher matches Accept-Language against portail.Languages, in their
// order, so the index it returns is one of them.
var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(portail.Languages))
	for i, l := range portail.Languages {
		tags[i] = language.Make(l)
	}
	return language.NewMatcher(tags)
}()

// langCookie remembers the language chosen on the sign-in pages.
const langCookie = "portail_lang"

// negotiate picks the page's language: the signed-in user's setting, else
// a ?lang= choice or its cookie, else the browser's Accept-Language, else
// French.
func negotiate(r *http.Request, me *portail.User) string {
	if me != nil && portail.ValidLanguage(me.Language) {
		return me.Language
	}
	if l := r.URL.Query().Get("lang"); portail.ValidLanguage(l) {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && portail.ValidLanguage(c.Value) {
		return c.Value
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return portail.DefaultLanguage
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return portail.DefaultLanguage
	}
	return portail.Languages[i]
}

// translate returns the message in lang, formatted with args.
// A counted message takes the plural form of its last integer argument.
func translate(lang, msg string, args ...any) string {
	cat, pl := loadCatalogs()
	if fs := pl[lang][msg]; fs != nil {
		n := 0
		for _, a := range args {
			if i, ok := a.(int); ok {
				n = i
			}
		}
		msg = fs.pick(lang, n)
	} else if t := cat[lang][msg]; t != "" {
		msg = t
	} else if len(args) == 0 && strings.ContainsAny(msg, "0123456789") {
		// A message built with numbers ("Use at least 12 characters.")
		// is found under its pattern ("Use at least %d characters.").
		key := numberless(msg)
		t := cat[lang][key]
		nums := digits.FindAllString(msg, -1)
		if fs := pl[lang][key]; fs != nil {
			n, _ := strconv.Atoi(nums[len(nums)-1])
			t = fs.pick(lang, n)
		}
		if t != "" {
			var vals []any
			for _, n := range nums {
				vals = append(vals, n)
			}
			return fmt.Sprintf(strings.ReplaceAll(t, "%d", "%s"), vals...)
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

var digits = regexp.MustCompile(`[0-9]+`)

// numberless replaces the numbers of a message with %d.
func numberless(msg string) string { return digits.ReplaceAllString(msg, "%d") }
