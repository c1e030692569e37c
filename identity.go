package portail

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormalizeKey is the form in which usernames, e-mail addresses and the
// logins typed to sign in are compared and uniquely indexed (U2), so that
// two spellings a person reads as one name are one key:
//
//   - Unicode compatibility forms are folded (NFKC): fullwidth "ａｄｍｉｎ",
//     mathematical "𝐚𝐝𝐦𝐢𝐧" and the ligature "ﬁ" are "admin" and "fi";
//   - case is fully folded, not merely lowered: "ß" is "ss", a final sigma
//     is a sigma;
//   - invisible characters (format characters such as a zero-width space
//     or a soft hyphen, variation selectors) are dropped;
//   - an e-mail address's domain, after the last "@", is in its IDNA ASCII
//     form, so that "müller.de" and "xn--mller-kva.de" are one domain.
//
// Letters of other scripts that merely look Latin (Cyrillic "а") are not
// folded: no table of look-alikes stays complete. Validation refuses
// instead a username or address that mixes scripts (mixedScripts).
//
// The key is a fixed point, NormalizeKey(NormalizeKey(s)) ==
// NormalizeKey(s), so that a key can be keyed again (FuzzNormalizeKey).
func NormalizeKey(s string) string {
	if len(s) > maxKeyInput {
		return ""
	}
	s = foldKey(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	return s[:at+1] + domainKey(s[at+1:])
}

// maxKeyInput bounds the work of a key, since logins come from anyone: an
// input longer than any identity can be (an e-mail address has at most 254
// bytes, which NFKC expands at most elevenfold) has the empty key, which
// names nobody and is its own key.
const maxKeyInput = 8 << 10

// maxDomain is the longest domain an e-mail address can hold (validation
// refuses longer addresses). IDNA's punycode costs time quadratic in a
// label's length, so a longer domain keeps its folded form.
const maxDomain = 254

// foldKey is NFKC with full case folding and without invisible
// characters, trimmed, repeated until nothing changes: one pass can
// compose what another then folds (NFKC_Casefold is closed the same way).
func foldKey(s string) string {
	if isPlainKey(s) {
		return s
	}
	for range 4 {
		t := norm.NFKC.String(s)
		t = cases.Fold().String(t) // a Caser holds state: one per call
		t = strings.Map(dropInvisible, t)
		t = strings.TrimSpace(norm.NFKC.String(t))
		if t == s {
			break
		}
		s = t
	}
	return s
}

// isPlainKey reports whether s is already its own key: lower-case ASCII
// letters, digits and punctuation, trimmed. Most logins are, and skip the
// Unicode machinery.
func isPlainKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// dropInvisible removes the characters that render as nothing: format
// characters (zero-width space and joiners, soft hyphen, byte order mark,
// bidirectional controls), variation selectors and the other default
// ignorable code points.
func dropInvisible(r rune) rune {
	if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || r == utf8.RuneError {
		return -1
	}
	return r
}

// domainKey is the key of an e-mail domain already folded by foldKey: its
// ASCII-compatible form, for a domain no longer than an address can be. A
// label typed in punycode is decoded and folded first, so that
// "xn--strae-oqa.de" and "straße.de" (folded "strasse.de") meet. A domain
// IDNA refuses keeps its folded form: it cannot be a new address
// (validation refuses it), yet an old one must keep a key.
func domainKey(d string) string {
	if (isPlainKey(d) && !strings.Contains(d, "xn--")) || len(d) > maxDomain {
		return d
	}
	if u, err := idna.Punycode.ToUnicode(d); err == nil && u != d {
		d = foldKey(u)
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return d
	}
	return a
}

// validDomain reports whether IDNA accepts the domain for lookup.
func validDomain(d string) bool {
	_, err := idna.Lookup.ToASCII(d)
	return err == nil
}

// mixedScripts reports whether s mixes scripts beyond what one language
// writes, the "highly restrictive" level of Unicode's security mechanisms
// for identifiers (UTS #39, section 5.2): one script, or Latin with the
// scripts of Japanese (Han, Hiragana, Katakana), Korean (Han, Hangul) or
// Chinese (Han, Bopomofo). Characters common to every script (digits,
// punctuation, fullwidth forms' counterparts) and combining marks go with
// any. So "аdmin" with a Cyrillic "а" is mixed, "иван" and "山田taro" are
// not.
func mixedScripts(s string) bool {
	latin, cjkSeen := false, false
	cjk := jpan | kore | hanb // the CJK languages every CJK letter so far fits
	var single *unicode.RangeTable
	for _, r := range s {
		t, set := scriptOf(r)
		switch {
		case t == nil && set == 0: // common or inherited
			continue
		case t == unicode.Latin:
			latin = true
		case t == nil:
			cjkSeen = true
			if cjk &= set; cjk == 0 {
				return true
			}
		case single == nil:
			single = t
		case single != t:
			return true
		}
		if single != nil && (latin || cjkSeen) {
			return true
		}
	}
	return false
}

// The CJK languages a Han, kana, Hangul or Bopomofo letter is written in.
const (
	jpan = 1 << iota // Han, Hiragana, Katakana
	kore             // Han, Hangul
	hanb             // Han, Bopomofo
)

// scriptOf returns the script of r, or for a CJK letter the languages it
// is written in; neither for a character of every script.
func scriptOf(r rune) (*unicode.RangeTable, int) {
	switch {
	case r < 0x80:
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return unicode.Latin, 0
		}
		return nil, 0
	case unicode.In(r, unicode.Common, unicode.Inherited):
		return nil, 0
	case unicode.Is(unicode.Han, r):
		return nil, jpan | kore | hanb
	case unicode.In(r, unicode.Hiragana, unicode.Katakana):
		return nil, jpan
	case unicode.Is(unicode.Hangul, r):
		return nil, kore
	case unicode.Is(unicode.Bopomofo, r):
		return nil, hanb
	}
	for _, t := range frequentScripts {
		if unicode.Is(t, r) {
			return t, 0
		}
	}
	for _, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return t, 0
		}
	}
	return nil, 0 // unassigned: validation refuses it as no letter
}

// frequentScripts are looked up first: Latin and the scripts whose
// letters pass for Latin ones.
var frequentScripts = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee}
