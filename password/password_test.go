package password

import (
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"portail"
)

func TestHashVerify(t *testing.T) {
	pw := "correct horse battery staple"
	h := Hash(pw)
	if !Verify(h, pw) {
		t.Fatalf("Verify(Hash(%q), %q) = false", pw, pw)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", pw + " "} {
		if Verify(h, wrong) {
			t.Errorf("Verify accepted wrong password %q", wrong)
		}
	}
}

func TestHashUnicode(t *testing.T) {
	pw := "mot de passe très sûr 🔒 élève"
	if h := Hash(pw); !Verify(h, pw) || Verify(h, "mot de passe tres sur 🔒 eleve") {
		t.Error("Unicode password does not round trip exactly")
	}
}

func TestHashSalted(t *testing.T) {
	a, b := Hash("same password twice"), Hash("same password twice")
	if a == b {
		t.Fatalf("two hashes of the same password are equal: %s", a)
	}
	if !Verify(a, "same password twice") || !Verify(b, "same password twice") {
		t.Error("salted hashes do not verify")
	}
}

func TestHashFormat(t *testing.T) {
	h := Hash("some password here")
	parts := strings.Split(h, "$")
	if len(parts) != 6 {
		t.Fatalf("PHC string %q has %d parts, want 6", h, len(parts))
	}
	if parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=19456,t=2,p=1" {
		t.Errorf("PHC string %q: want $argon2id$v=19$m=19456,t=2,p=1$…", h)
	}
	m, tt, p, salt, key, err := decode(h)
	if err != nil || m != 19456 || tt != 2 || p != 1 || len(salt) != saltLen || len(key) != keyLen {
		t.Errorf("decode(%q) = m=%d t=%d p=%d salt=%d key=%d err=%v", h, m, tt, p, len(salt), len(key), err)
	}
}

// A hash with other parameters (older or stronger settings) still verifies.
func TestVerifyOtherParams(t *testing.T) {
	// Made by Hash with m=8192,t=3,p=2 and a 24-byte key.
	salt := []byte("0123456789abcdef")
	key := derive([]byte("older settings pw"), salt, 8192, 3, 2, 24)
	h := "$argon2id$v=19$m=8192,t=3,p=2$" + b64(salt) + "$" + b64(key)
	if !Verify(h, "older settings pw") || Verify(h, "older settings pW") {
		t.Errorf("hash with other parameters does not verify: %s", h)
	}
}

func b64(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }

func TestVerifyMalformed(t *testing.T) {
	pw := "the right password"
	h := Hash(pw)
	parts := strings.Split(h, "$")
	with := func(i int, s string) string {
		p := append([]string(nil), parts...)
		p[i] = s
		return strings.Join(p, "$")
	}
	// Flip one character of the key and of the salt: still valid base64,
	// wrong bytes.
	flip := func(s string) string {
		c := byte('A')
		if s[0] == 'A' {
			c = 'B'
		}
		return string(c) + s[1:]
	}
	cases := map[string]string{
		"empty":            "",
		"garbage":          "not a hash at all",
		"dollars":          "$$$$$",
		"truncated":        h[:len(h)-10],
		"extra part":       h + "$AAAA",
		"bcrypt":           "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"argon2i":          with(1, "argon2i"),
		"version 16":       with(2, "v=16"),
		"version text":     with(2, "v=x"),
		"params text":      with(3, "m=a,t=b,p=c"),
		"params missing":   with(3, ""),
		"params negative":  with(3, "m=-1,t=2,p=1"),
		"t zero":           with(3, "m=19456,t=0,p=1"),
		"p zero":           with(3, "m=19456,t=2,p=0"),
		"p overflow":       with(3, "m=19456,t=2,p=256"),
		"m huge":           with(3, "m=4294967295,t=2,p=1"),
		"t huge":           with(3, "m=19456,t=4294967295,p=1"),
		"m above bound":    with(3, "m=262145,t=2,p=1"),
		"t above bound":    with(3, "m=19456,t=17,p=1"),
		"m below 8p":       with(3, "m=7,t=2,p=1"),
		"salt bad base64":  with(4, "!!!!"),
		"salt empty":       with(4, ""),
		"key bad base64":   with(5, "!!!!"),
		"key empty":        with(5, ""),
		"key short":        with(5, "AAAA"),
		"key tampered":     with(5, flip(parts[5])),
		"salt tampered":    with(4, flip(parts[4])),
		"params tampered":  with(3, "m=19456,t=3,p=1"),
		"key padded":       with(5, parts[5]+"="),
		"key one byte off": with(5, parts[5][:len(parts[5])-1]),
	}
	for name, enc := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Verify(%q) panicked: %v", enc, r)
				}
			}()
			if Verify(enc, pw) {
				t.Errorf("Verify(%q) = true", enc)
			}
		})
	}
	if !Verify(h, pw) {
		t.Error("the untampered hash no longer verifies")
	}
}

func TestVerifyNothing(t *testing.T) {
	VerifyNothing("anything at all") // must neither panic nor block
}

// Hash waits for a free hasher: with every hasher held it blocks, and it
// proceeds as soon as one is free.
func TestConcurrencyBound(t *testing.T) {
	if want := max(1, runtime.GOMAXPROCS(0)-1); Concurrency() != want {
		t.Errorf("Concurrency() = %d, want GOMAXPROCS-1 (at least 1) = %d", Concurrency(), want)
	}
	Hash("start the hashers")
	// A job whose answer nobody reads holds its hasher.
	held := make([]chan []byte, Concurrency())
	for i := range held {
		held[i] = make(chan []byte)
		hashJobs <- hashJob{pw: []byte("x"), salt: make([]byte, saltLen), m: 8, t: 1, p: 1, n: keyLen, key: held[i]}
	}
	done := make(chan string)
	go func() { done <- Hash("waiting for a hasher") }()
	select {
	case <-done:
		t.Fatal("Hash ran while every hasher was held")
	case <-time.After(200 * time.Millisecond):
	}
	<-held[0]
	select {
	case h := <-done:
		if !Verify(h, "waiting for a hasher") {
			t.Error("hash made after waiting does not verify")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Hash did not proceed once a hasher was free")
	}
	for _, c := range held[1:] {
		<-c
	}
}

func TestCommonList(t *testing.T) {
	set := commonSet()
	if len(set) < 10000 {
		t.Fatalf("common list has %d entries, want at least 10000", len(set))
	}
	for w := range set {
		if w != strings.ToLower(w) || w != strings.TrimSpace(w) || w == "" {
			t.Fatalf("entry %q is not a trimmed lowercase password", w)
		}
	}
	for _, w := range []string{"password", "123456", "qwerty", "password1234", "qwertyuiop12", "administrator"} {
		if !isCommon(w) {
			t.Errorf("isCommon(%q) = false", w)
		}
	}
	if !isCommon("PassWord1234") {
		t.Error("isCommon is case-sensitive")
	}
	if isCommon("mot de passe très sûr 🔒 élève") {
		t.Error("isCommon accepted an uncommon passphrase")
	}
}

func TestRules(t *testing.T) {
	long := strings.Repeat("abcdefghij", 10) // 100 characters
	tests := []struct {
		name     string
		rules    Rules
		pw, user string
		ok       bool
	}{
		{"default minimum, 11 chars", Rules{}, "tangerine42", "", false},
		{"default minimum, 12 chars", Rules{}, "tangerine42!", "", true},
		{"default minimum counts characters not bytes", Rules{}, "éééééééééée", "", false}, // 11 chars, 22 bytes
		{"configured minimum, below", Rules{MinLength: 16}, "tangerine42!xyz", "", false},
		{"configured minimum, at", Rules{MinLength: 16}, "tangerine42!xyzw", "", true},
		{"configured minimum lower than default", Rules{MinLength: 8}, "tang3rine", "", true},
		{"empty", Rules{}, "", "", false},
		{"passphrase of 100 chars", Rules{}, long, "", true},
		{"unicode", Rules{}, "mot de passe très sûr 🔒 élève", "", true},
		{"128 chars", Rules{}, strings.Repeat("é", 128), "", true},
		{"129 chars", Rules{}, strings.Repeat("é", 129), "", false},
		{"1000 chars", Rules{}, strings.Repeat("a", 1000), "", false},
		{"invalid UTF-8", Rules{}, "tangerine42!\xff\xfe", "", false},
		{"contains username", Rules{}, "xx-jdupont-2024-xx", "jdupont", false},
		{"contains username, other case", Rules{}, "my name is JDupont ok", "jdupont", false},
		{"contains username given in capitals", Rules{}, "my name is jdupont ok", "JDUPONT", false},
		{"unicode username any case", Rules{}, "bonjour ÉLODIE et merci", "élodie", false},
		{"does not contain username", Rules{}, "tangerine42!", "jdupont", true},
		{"common", Rules{}, "password1234", "", false},
		{"common, capitals", Rules{}, "PASSWORD1234", "", false},
		{"common, mixed case", Rules{}, "QwertyUiop12", "", false},
		{"common", Rules{}, "1qaz2wsx3edc", "", false},
		{"common", Rules{}, "administrator", "", false},
		{"common", Rules{}, "123456789012", "", false},
		{"common with a lower configured minimum", Rules{MinLength: 6}, "password", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rules.Check("new_password", tt.pw, tt.user)
			if tt.ok {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			if code := portail.ErrorCode(err); code != portail.EINVALID {
				t.Fatalf("Check(%q) code = %q, want %q (err %v)", tt.pw, code, portail.EINVALID, err)
			}
			var e *portail.Error
			if !errors.As(err, &e) || len(e.Fields) == 0 {
				t.Fatalf("Check(%q) fields = %+v, want messages on new_password", tt.pw, e)
			}
			for _, f := range e.Fields {
				if f.Field != "new_password" || f.Message == "" {
					t.Fatalf("Check(%q) fields = %+v, want messages on new_password", tt.pw, e)
				}
			}
		})
	}
}

func TestRulesFieldName(t *testing.T) {
	for _, field := range []string{"password", "new_password", "users[2].password"} {
		err := Rules{}.Check(field, "short", "")
		var e *portail.Error
		if !errors.As(err, &e) || len(e.Fields) == 0 {
			t.Fatalf("Check on field %q: fields = %+v", field, e)
		}
		for _, f := range e.Fields {
			if f.Field != field {
				t.Errorf("Check on field %q: fields = %+v", field, e)
			}
		}
	}
}

func TestRulesMessages(t *testing.T) {
	// Every rule broken is said, one message each.
	msg := func(r Rules, pw, user string) string {
		var e *portail.Error
		if !errors.As(r.Check("pw", pw, user), &e) || len(e.Fields) == 0 {
			t.Fatalf("Check(%q) did not fail", pw)
		}
		var all []string
		for _, f := range e.Fields {
			all = append(all, f.Message)
		}
		return strings.Join(all, " | ")
	}
	for _, c := range []struct {
		r        Rules
		pw, user string
		want     string
	}{
		{Rules{}, "short", "", "at least 12 characters"},
		{Rules{MinLength: 20}, "tangerine42!", "", "at least 20 characters"},
		{Rules{}, strings.Repeat("a", 300), "", "at most 128 characters"},
		{Rules{}, "hello jdupont hello", "jdupont", "username"},
		{Rules{}, "password1234", "", "too common"},
		// Short and common: both at once, not one per try.
		{Rules{}, "password", "", "at least 12 characters"},
		{Rules{}, "password", "", "too common"},
		{Rules{}, "jdupont", "jdupont", "username"},
		{Rules{}, "jdupont", "jdupont", "at least 12"},
	} {
		if m := msg(c.r, c.pw, c.user); !strings.Contains(m, c.want) {
			t.Errorf("Check(%.20q) message %q, want it to contain %q", c.pw, m, c.want)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Hash("correct horse battery staple")
	}
}

func BenchmarkVerify(b *testing.B) {
	h := Hash("correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if !Verify(h, "correct horse battery staple") {
			b.Fatal("Verify failed")
		}
	}
}

// BenchmarkHashParallel runs 4 × GOMAXPROCS goroutines; the hashers keep
// the hashes in flight to Concurrency(), so ns/op is at best BenchmarkHash's
// divided by Concurrency() (memory bandwidth and other load make it worse),
// and memory stays within Concurrency() × 19 MiB however many goroutines ask.
func BenchmarkHashParallel(b *testing.B) {
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ReportMetric(float64(Concurrency()), "hashers")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			Hash("correct horse battery staple")
		}
	})
}

// BenchmarkCommonSetLoad measures building the common-password set, the
// cost that sync.OnceValue defers from init to the first Check.
func BenchmarkCommonSetLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		set := make(map[string]struct{}, strings.Count(commonTxt, "\n")+1)
		for line := range strings.Lines(commonTxt) {
			if line = strings.TrimSpace(line); line != "" {
				set[line] = struct{}{}
			}
		}
	}
}

func BenchmarkIsCommon(b *testing.B) {
	commonSet()
	b.ReportAllocs()
	for b.Loop() {
		isCommon("Mot de passe très sûr")
	}
}
