package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"

	"golang.org/x/text/language"

	"portail"
)

// The UI speaks French, English and Dutch. Messages are written in English
// in the templates and the code; a catalog per language maps each English
// message to its translation (the French one uses the wording of the help
// pages users know). A message missing from a catalog shows in English,
// and a test lists every missing one.

//go:embed locales/*.json
var localesFS embed.FS

var catalogs = mustLoadCatalogs()

func mustLoadCatalogs() map[string]map[string]string {
	out := map[string]map[string]string{"en": {}}
	files, _ := localesFS.ReadDir("locales")
	for _, f := range files {
		b, err := localesFS.ReadFile("locales/" + f.Name())
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("locales/%s: %v", f.Name(), err))
		}
		out[strings.TrimSuffix(f.Name(), path.Ext(f.Name()))] = m
	}
	return out
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
func translate(lang, msg string, args ...any) string {
	if t := catalogs[lang][msg]; t != "" {
		msg = t
	} else if len(args) == 0 && strings.ContainsAny(msg, "0123456789") {
		// A message built with numbers ("Use at least 12 characters.")
		// is found under its pattern ("Use at least %d characters.").
		if t := catalogs[lang][numberless(msg)]; t != "" {
			var nums []any
			for _, n := range digits.FindAllString(msg, -1) {
				nums = append(nums, n)
			}
			return fmt.Sprintf(strings.ReplaceAll(t, "%d", "%s"), nums...)
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
