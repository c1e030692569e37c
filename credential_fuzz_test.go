package portail

import (
	"strings"
	"testing"
)

// FuzzNormalizeRecoveryCode: a recovery code typed back from an e-mail is
// read the same whatever its case and dash, and whatever else is typed
// either normalises to exactly 8 characters of the alphabet or is refused.
func FuzzNormalizeRecoveryCode(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH", "abcd-efgh", "ABCDEFGH", "0123-4567", "oIlL-0011", "ABCD EFGH",
		"ABCD-EFG", "ABCD-EFGHJ", "ABCD-EFGU", "ıııı-ıııı", "ſſſſ-ſſſſ", "", "--------", "\x00BCD-EFGH"} {
		f.Add(s, []byte("01234567"))
	}
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		n := NormalizeRecoveryCode(s)
		if n != "" {
			if len(n) != 8 || strings.Trim(n, crockford) != "" {
				t.Fatalf("NormalizeRecoveryCode(%q) = %q: not 8 characters of the alphabet", s, n)
			}
			if again := NormalizeRecoveryCode(n); again != n {
				t.Fatalf("not idempotent: %q → %q → %q", s, n, again)
			}
			dashed := n[:4] + "-" + n[4:]
			if got := NormalizeRecoveryCode(strings.ToLower(dashed)); got != n {
				t.Fatalf("the shown form %q in lower case normalises to %q, want %q", dashed, got, n)
			}
			if HashRecoveryCode("token", s) != HashRecoveryCode("token", dashed) {
				t.Fatalf("%q and %q are the same code but hash apart", s, dashed)
			}
		}

		// Every code the alphabet can make is accepted with or without its
		// dash, in any case, and reads back as itself.
		if len(raw) < 8 {
			return
		}
		b := make([]byte, 8)
		for i := range b {
			b[i] = crockford[raw[i]&31]
		}
		code := string(b)
		for _, typed := range []string{code, code[:4] + "-" + code[4:], strings.ToLower(code), strings.ToLower(code[:4]) + "-" + code[4:]} {
			if got := NormalizeRecoveryCode(typed); got != code {
				t.Fatalf("NormalizeRecoveryCode(%q) = %q, want %q", typed, got, code)
			}
		}
	})
}

// FuzzNewRecoveryCode would be random; the generated format is checked
// here once against the normaliser instead.
func TestNewRecoveryCodeNormalizes(t *testing.T) {
	for range 100 {
		c := NewRecoveryCode()
		if len(c) != 9 || c[4] != '-' || NormalizeRecoveryCode(c) != c[:4]+c[5:] {
			t.Fatalf("NewRecoveryCode() = %q does not read back", c)
		}
	}
}
