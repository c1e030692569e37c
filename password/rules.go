package password

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"portail"
)

// DefaultMinLength is the default minimum length, in characters.
const DefaultMinLength = 12

// MaxLength bounds the work of hashing: NIST asks to allow at least 64
// characters, and ASVS 2.1.2 to refuse more than 128.
const MaxLength = 128

// Rules checks a new password (NIST SP 800-63B): long enough, not too long
// to hash, not containing the username. Any Unicode is allowed and nothing
// about its composition is demanded.
type Rules struct {
	MinLength int
}

// Check returns EINVALID with every rule pw breaks, one message each on
// field, so that a form says them all at once instead of one per try.
func (r Rules) Check(field, pw, username string) error {
	var v portail.Validation
	r.add(&v, field, pw, username)
	return v.Err()
}

// add records on v every rule pw breaks.
func (r Rules) add(v *portail.Validation, field, pw, username string) {
	minLen := r.MinLength
	if minLen <= 0 {
		minLen = DefaultMinLength
	}
	if !utf8.ValidString(pw) {
		v.Add(field, "The password is not valid text.")
		return
	}
	switch n := utf8.RuneCountInString(pw); {
	case n < minLen:
		v.Add(field, "Use at least "+strconv.Itoa(minLen)+" characters; a passphrase of several words is easy to remember.")
	case n > MaxLength:
		v.Add(field, "Use at most "+strconv.Itoa(MaxLength)+" characters.")
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		v.Add(field, "The password must not contain your username.")
	}
	if isCommon(pw) {
		v.Add(field, "This password is too common: attackers try it first. Choose another.")
	}
}

// commonTxt lists common passwords, one a line, lowercase, deduplicated:
// the passwords dictionary of the npm package @zxcvbn-ts/language-common
// 4.1.3 (MIT, see common_LICENSE.txt), 49,233 entries. To refresh it:
//
//	cd /tmp && npm pack @zxcvbn-ts/language-common && tar xzf zxcvbn-ts-language-common-*.tgz
//	jq -r '.[]' package/src/passwords.json | awk '{l=tolower($0)} !seen[l]++ {print l}' > $REPO/password/common.txt
//
// (package/dist holds the same list in a compressed form; src has plain
// JSON) and update the version here and in common_LICENSE.txt.
//
//go:embed common.txt
var commonTxt string

// commonSet is built on first use rather than at init: it takes about
// 10 ms and 1.7 MB (BenchmarkCommonSetLoad), which programs that never
// check a new password (tools, tests of other packages) need not pay. The
// keys share the embedded string's memory.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(commonTxt, "\n")+1)
	for line := range strings.Lines(commonTxt) {
		if line = strings.TrimSpace(line); line != "" {
			set[line] = struct{}{}
		}
	}
	return set
})

// isCommon reports whether pw, compared without regard to case, is in the
// list of common passwords.
func isCommon(pw string) bool {
	_, ok := commonSet()[strings.ToLower(pw)]
	return ok
}
