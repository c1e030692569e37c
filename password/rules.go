package password

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"portail"
)

// DefaultMinLength is the default minimum length, in characters.
const DefaultMinLength = 12

// MaxLength bounds the work of hashing; NIST asks to allow at least 64.
const MaxLength = 256

// Rules checks a new password (NIST SP 800-63B): long enough, not too long
// to hash, not containing the username. Any Unicode is allowed and nothing
// about its composition is demanded.
type Rules struct {
	MinLength int
}

// Check returns EINVALID with a message on field when pw breaks a rule.
func (r Rules) Check(field, pw, username string) error {
	minLen := r.MinLength
	if minLen <= 0 {
		minLen = DefaultMinLength
	}
	var v portail.Validation
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		v.Add(field, "The password is not valid text.")
	case n < minLen:
		v.Add(field, "Use at least "+strconv.Itoa(minLen)+" characters; a passphrase of several words is easy to remember.")
	case n > MaxLength:
		v.Add(field, "Use at most "+strconv.Itoa(MaxLength)+" characters.")
	case username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)):
		v.Add(field, "The password must not contain your username.")
	case isCommon(pw):
		v.Add(field, "This password is too common: attackers try it first. Choose another.")
	}
	return v.Err()
}

// isCommon is replaced by the list of common passwords.
func isCommon(pw string) bool { return false }
