package portail_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"portail"
)

// TestNormalizeKey is the table of look-alike identities (U2): each form a
// person could type, or an attacker could register, for the same name or
// address has one key; ordinary names keep theirs.
func TestNormalizeKey(t *testing.T) {
	tests := []struct {
		name string
		in   []string // every form must give want
		want string
	}{
		{"ascii unchanged", []string{"jdupont", "  jdupont ", "JDupont"}, "jdupont"},
		{"ascii e-mail unchanged", []string{"j.dupont@example.com", "J.Dupont@Example.COM"}, "j.dupont@example.com"},
		{"accented name", []string{"élodie", "Élodie", "e\u0301lodie", "E\u0301LODIE"}, "élodie"},
		{"fullwidth", []string{"ａｄｍｉｎ", "ＡＤＭＩＮ", "admin"}, "admin"},
		{"math bold", []string{"𝐚𝐝𝐦𝐢𝐧", "𝐀𝐃𝐌𝐈𝐍"}, "admin"},
		{"sharp s", []string{"straße", "STRASSE", "strasse", "Straẞe"}, "strasse"},
		{"final sigma", []string{"ΟΔΥΣΣΕΥΣ", "οδυσσευς", "οδυσσευσ"}, "οδυσσευσ"},
		{"ligature", []string{"ﬁlou", "filou"}, "filou"},
		{"invisible characters", []string{"ad\u200bmin", "ad\u00admin", "\ufeffadmin"}, "admin"},
		{"fullwidth at sign", []string{"admin＠example.com"}, "admin@example.com"},
		{"IDN domain", []string{"müller@müller.de", "Müller@MÜLLER.DE", "müller@xn--mller-kva.de", "MÜLLER@XN--MLLER-KVA.DE", "mu\u0308ller@mu\u0308ller.de"}, "müller@xn--mller-kva.de"},
		{"fullwidth domain", []string{"a@ｅｘａｍｐｌｅ.com", "a@EXAMPLE.com"}, "a@example.com"},
		{"sharp s domain", []string{"a@straße.de", "a@xn--strae-oqa.de", "a@strasse.de"}, "a@strasse.de"},
		{"last at sign", []string{`"x@y"@example.com`}, `"x@y"@example.com`},
		// Bounded work: no identity is this long, so it names nobody; a
		// domain longer than an address can be is only folded.
		{"over-long input", []string{strings.Repeat("a", 9000), "a@" + strings.Repeat("例", 3000)}, ""},
		{"over-long domain", []string{"a@" + strings.Repeat("É", 130) + ".de"}, "a@" + strings.Repeat("é", 130) + ".de"},
	}
	for _, tt := range tests {
		for _, in := range tt.in {
			if got := portail.NormalizeKey(in); got != tt.want {
				t.Errorf("%s: NormalizeKey(%q) = %q, want %q", tt.name, in, got, tt.want)
			}
		}
	}
	// Look-alikes the key does not fold (other scripts) are distinct keys;
	// validation refuses the mixed ones (TestMixedScripts).
	for _, s := range []string{"аdmin", "αdmin", "admіn"} {
		if portail.NormalizeKey(s) == "admin" {
			t.Errorf("NormalizeKey(%q) = admin: another script's letter must not fold into Latin", s)
		}
	}
}

// TestNormalizeKeyIdempotent: the key of a key is itself, so that a key
// can be stored, looked up and keyed again (the throttle keys a login
// already keyed).
func TestNormalizeKeyIdempotent(t *testing.T) {
	for _, s := range normalizeSeeds {
		k := portail.NormalizeKey(s)
		if kk := portail.NormalizeKey(k); kk != k {
			t.Errorf("NormalizeKey(NormalizeKey(%q)) = %q, want %q", s, kk, k)
		}
	}
}

var normalizeSeeds = []string{
	"", " ", "admin", "ａｄｍｉｎ", "𝐚𝐝𝐦𝐢𝐧", "straße", "ΟΔΥΣΣΕΥΣ", "аdmin", "ﬁlou", "ad\u200bmin",
	"müller@xn--mller-kva.de", "Müller@müller.de", "a@straße.de", "a@xn--strae-oqa.de", "a@xn--zz", "a@xn--",
	"a@.", "@", "a@b@c", "a@ｅｘａｍｐｌｅ。com", "x@-bad-.com", "x@a_b.com", "\xff@\xfe", "ǅ", "ﬀ@ﬀ.de",
	"ΐ", "İstanbul@İstanbul.tr", "\u0345", "ᾈ", "a@\u200d.de", "a@xn--x-xn--y.de",
}

// FuzzNormalizeKey: whatever a login field receives, the key neither
// panics, nor yields invalid UTF-8 from valid input, and is a fixed point.
func FuzzNormalizeKey(f *testing.F) {
	for _, s := range normalizeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := portail.NormalizeKey(s)
		if utf8.ValidString(s) && !utf8.ValidString(k) {
			t.Fatalf("NormalizeKey(%q) = %q: invalid UTF-8", s, k)
		}
		if kk := portail.NormalizeKey(k); kk != k {
			t.Fatalf("NormalizeKey(%q) = %q, but NormalizeKey of that = %q", s, k, kk)
		}
		if k != strings.TrimSpace(k) {
			t.Fatalf("NormalizeKey(%q) = %q: not trimmed", s, k)
		}
	})
}

// TestMixedScripts: a username, or an e-mail address's local part or
// domain label, whose letters come from more than one script is refused
// with a message on the field; one script, or a script with the Latin
// letters it is written with (Japanese), passes.
func TestMixedScripts(t *testing.T) {
	user := func(username, email string) portail.UserCreate {
		return portail.UserCreate{Username: username, FullName: "X", Email: email, Role: portail.RoleAdmin}
	}
	for _, tt := range []struct {
		username, email string
		field           string // "" when valid
	}{
		{"admin", "admin@example.com", ""},
		{"ivan", "ivan@пример.рф", ""},           // each part in one script
		{"иван", "иван@example.com", ""},         // all Cyrillic
		{"οδυσσευς", "odysseus@example.com", ""}, // all Greek
		{"ｊｄｕｐｏｎｔ", "jdupont@example.com", ""},   // fullwidth Latin is Latin
		{"やまだ太郎", "taro@example.jp", ""},         // Hiragana with Han: Japanese
		{"user.2024", "user@example.com", ""},
		{"аdmin", "a@example.com", "username"}, // Cyrillic а, Latin dmin
		{"αdmin", "a@example.com", "username"}, // Greek α
		{"admіn", "a@example.com", "username"}, // Ukrainian і
		{"𝐚дмин", "a@example.com", "username"}, // mathematical a is Latin once keyed
		{"ok", "𝐚дмин@example.com", "email"},
		{"ok", "аdmin@example.com", "email"}, // Cyrillic а in the local part
		{"ok", "admin@exаmple.com", "email"}, // … in a domain label
		{"ok", "admin@xn--exmple-4nf.com", "email"},
	} {
		c := user(tt.username, tt.email)
		err := c.Validate()
		got := ""
		if e, ok := err.(*portail.Error); ok && len(e.Fields) > 0 {
			got = e.Fields[0].Field
		}
		if got != tt.field {
			t.Errorf("Validate(%q, %q) = %v, want a problem on %q", tt.username, tt.email, err, tt.field)
		}
	}
}

// TestEmailDomainValid: a domain IDNA refuses is not an e-mail address,
// whichever form it is typed in.
func TestEmailDomainValid(t *testing.T) {
	for _, s := range []string{"a@a_b.com", "a@-x.com", "a@xn--zz.com", "a@ex\u200bample.com"} {
		c := portail.UserCreate{Username: "ok", FullName: "X", Email: s, Role: portail.RoleAdmin}
		err := c.Validate()
		if e, ok := err.(*portail.Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "email" {
			t.Errorf("Validate(email %q) = %v, want a problem on email", s, err)
		}
	}
	for _, s := range []string{"a@müller.de", "a@xn--mller-kva.de", "a.b-c+d@sub.example.co.uk"} {
		c := portail.UserCreate{Username: "ok", FullName: "X", Email: s, Role: portail.RoleAdmin}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(email %q) = %v, want nil", s, err)
		}
	}
}

// BenchmarkNormalizeKey: the cost of a key by the shape of the login,
// reported as a ratio to a plain name's measured in the same run; the
// worst shapes are a full-length CJK domain (punycode) and an over-long
// input (refused before any work).
func BenchmarkNormalizeKey(b *testing.B) {
	shapes := []struct{ name, in string }{
		{"plain", "j.dupont@example.com"},
		{"unicode", "Élodie.Müller@Bücher.de"},
		{"cjk-domain-254", "a@" + strings.Repeat("例", 84)},
		{"over-long", strings.Repeat("ａ", 1<<18)},
	}
	took := make([]time.Duration, len(shapes))
	for b.Loop() {
		for i, sh := range shapes {
			start := time.Now()
			for range 20 {
				portail.NormalizeKey(sh.in)
			}
			took[i] += time.Since(start)
		}
	}
	for i, sh := range shapes[1:] {
		b.ReportMetric(float64(took[i+1])/float64(took[0]), sh.name+"/plain")
	}
}
