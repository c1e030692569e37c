package portail

import (
	"regexp"
	"strconv"
	"strings"
)

// Detail is what an activity entry says of its change (L1), in order:
// words (a field that changed, without its value, or the words of a short
// sentence) and key=value pairs, a value being "old->new" for a change.
// The API and the CSV give it as its String, the text the log has always
// held: "role=viewer->operator department_id=3", "full_name email",
// "invitation accepted". A value that could be misread (one holding a
// " key=" or "->", or spaces at its ends, or starting with a quote) is
// written quoted, so that ParseDetail reads back what was written: a
// department renamed "team x=1" is name=Old->"team x=1". Ordinary values
// are written bare, as before.
type Detail []DetailItem

// DetailItem is one word or pair of a Detail.
type DetailItem struct {
	Key     string // the pair's key; "" for a word
	Value   string // the word, the pair's value, or a change's new value
	From    string // a change's old value
	Changed bool   // the pair is a change, From -> Value
}

// Word adds a word.
func (d Detail) Word(w string) Detail { return append(d, DetailItem{Value: w}) }

// Words adds each word of a short sentence.
func (d Detail) Words(s string) Detail {
	for _, w := range strings.Fields(s) {
		d = d.Word(w)
	}
	return d
}

// Add adds the pair key=value. Keys are lower-case words, as [a-z_]+.
func (d Detail) Add(key, value string) Detail { return append(d, DetailItem{Key: key, Value: value}) }

// Change adds the pair key=from->to.
func (d Detail) Change(key, from, to string) Detail {
	return append(d, DetailItem{Key: key, From: from, Value: to, Changed: true})
}

var (
	// detailPairStart is where a pair begins inside a text: a key and '='
	// after a space.
	detailPairStart = regexp.MustCompile(`\s[a-z_]+=`)
	detailKey       = regexp.MustCompile(`^[a-z_]+=`)
)

// String is the wire text of the detail.
func (d Detail) String() string {
	var b strings.Builder
	for i, it := range d {
		if i > 0 {
			b.WriteByte(' ')
		}
		if it.Key == "" {
			w := it.Value
			if w == "" || strings.ContainsFunc(w, isSpace) || w[0] == '"' || detailKey.MatchString(w) {
				w = strconv.Quote(w)
			}
			b.WriteString(w)
			continue
		}
		// A bare value runs to the next pair: a word after it would join
		// it, so the value before a word is quoted.
		beforeWord := i+1 < len(d) && d[i+1].Key == ""
		b.WriteString(it.Key + "=")
		if it.Changed {
			b.WriteString(detailValue(it.From, false) + "->" + detailValue(it.Value, beforeWord))
		} else {
			b.WriteString(detailValue(it.Value, beforeWord))
		}
	}
	return b.String()
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

// detailValue writes v bare when it reads back as itself.
func detailValue(v string, quote bool) string {
	if quote || strings.Contains(v, "->") || strings.HasPrefix(v, `"`) || strings.TrimSpace(v) != v ||
		detailPairStart.MatchString(v) {
		return strconv.Quote(v)
	}
	return v
}

// ParseDetail reads a detail's text: what String writes, and every text
// the log holds from before (read the way the log page always read it).
func ParseDetail(s string) Detail {
	var d Detail
	for {
		s = strings.TrimLeft(s, " \t\n\r\v\f")
		if s == "" {
			return d
		}
		if loc := detailKey.FindStringIndex(s); loc != nil {
			key := s[:loc[1]-1]
			v, rest := detailReadValue(s[loc[1]:], true)
			if after, ok := strings.CutPrefix(rest, "->"); ok {
				to, rest2 := detailReadValue(after, false)
				d, s = d.Change(key, v, to), rest2
			} else {
				d, s = d.Add(key, v), rest
			}
			continue
		}
		if w, rest, ok := detailQuoted(s, false); ok {
			d, s = d.Word(w), rest
			continue
		}
		end := strings.IndexFunc(s, isSpace)
		if end < 0 {
			end = len(s)
		}
		d, s = d.Word(s[:end]), s[end:]
	}
}

// detailReadValue reads a value at the start of s and returns the rest: a
// quoted one, or a bare one up to the next pair (and, for a change's old
// value, up to "->").
func detailReadValue(s string, old bool) (string, string) {
	if v, rest, ok := detailQuoted(s, old); ok {
		return v, rest
	}
	end := len(s)
	if loc := detailPairStart.FindStringIndex(s); loc != nil {
		end = loc[0]
	}
	if old {
		if i := strings.Index(s[:end], "->"); i >= 0 {
			end = i
		}
	}
	return strings.TrimSpace(s[:end]), s[end:]
}

// detailQuoted reads a quoted text at the start of s that ends where an
// item ends (at a space, the end, or "->" for a change's old value).
func detailQuoted(s string, old bool) (string, string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", s, false
	}
	rest := s[len(q):]
	if rest != "" && !strings.ContainsRune(" \t\n\r\v\f", rune(rest[0])) && !(old && strings.HasPrefix(rest, "->")) {
		return "", s, false
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return "", s, false
	}
	return v, rest, true
}
