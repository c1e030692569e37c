package argon2

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	upstream "golang.org/x/crypto/argon2"
)

// The RFC 9106 test vector of Argon2id (section 5.3), as x/crypto's tests
// have it, on both block implementations.
func TestRFC9106(t *testing.T) {
	defer func(sse4 bool) { useSSE4 = sse4 }(useSSE4)
	want, _ := hex.DecodeString("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")
	for _, sse4 := range []bool{useSSE4, false} {
		useSSE4 = sse4
		password := bytes.Repeat([]byte{0x01}, 32)
		salt := bytes.Repeat([]byte{0x02}, 16)
		secret := bytes.Repeat([]byte{0x03}, 8)
		data := bytes.Repeat([]byte{0x04}, 12)
		for range 2 { // the second one on a pooled arena
			if got := deriveKey(argon2id, password, salt, secret, data, 3, 32, 4, 32); !bytes.Equal(got, want) {
				t.Fatalf("SSE4 %v: %x, want %x", sse4, got, want)
			}
		}
	}
}

// x/crypto's Argon2id vectors (password "password", salt "somesalt").
var vectors = []struct {
	time, memory uint32
	threads      uint8
	hash         string
}{
	{1, 64, 1, "655ad15eac652dc59f7170a7332bf49b8469be1fdb9c28bb"},
	{2, 64, 1, "068d62b26455936aa6ebe60060b0a65870dbfa3ddf8d41f7"},
	{2, 64, 2, "350ac37222f436ccb5c0972f1ebd3bf6b958bf2071841362"},
	{3, 256, 2, "4668d30ac4187e6878eedeacf0fd83c5a0a30db2cc16ef0b"},
	{4, 4096, 4, "145db9733a9f4ee43edf33c509be96b934d505a4efb33c5a"},
	{4, 1024, 8, "8dafa8e004f8ea96bf7c0f93eecf67a6047476143d15577f"},
	{2, 64, 3, "4a15b31aec7c2590b87d1f520be7d96f56658172deaa3079"},
	{3, 1024, 6, "1640b932f4b60e272f5d2207b9a9c626ffa1bd88d2349016"},
}

func TestVectors(t *testing.T) {
	for i, v := range vectors {
		want, _ := hex.DecodeString(v.hash)
		if got := IDKey([]byte("password"), []byte("somesalt"), v.time, v.memory, v.threads, uint32(len(want))); !bytes.Equal(got, want) {
			t.Errorf("vector %d: %x, want %x", i, got, want)
		}
	}
}

// TestSameAsUpstream: random passwords, salts and parameters, in an order
// that hands each hash an arena a hash of another size used before
// (larger, smaller, the same), give x/crypto's keys; so do the
// password package's parameters, twice in a row.
func TestSameAsUpstream(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	type params struct {
		time, memory uint32
		threads      uint8
	}
	cases := []params{{2, 19 * 1024, 1}, {2, 19 * 1024, 1}, {1, 64, 1}, {3, 4096, 4}, {2, 19 * 1024, 1}, {1, 8192, 2}}
	for range 20 {
		cases = append(cases, params{1 + r.Uint32N(3), 8 * (1 + r.Uint32N(512)), uint8(1 + r.UintN(4))})
	}
	for i, c := range cases {
		pw, salt := random(int(r.UintN(64))), random(8+int(r.UintN(24)))
		keyLen := 16 + r.Uint32N(48)
		want := upstream.IDKey(pw, salt, c.time, c.memory, c.threads, keyLen)
		if got := IDKey(pw, salt, c.time, c.memory, c.threads, keyLen); !bytes.Equal(got, want) {
			t.Fatalf("case %d %+v: %x, want %x", i, c, got, want)
		}
	}
}

// BenchmarkIDKey: the password package's parameters; allocs/op and B/op
// show the arena reused (x/crypto's allocates 19 MiB each time).
func BenchmarkIDKey(b *testing.B) {
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			IDKey([]byte("password"), []byte("somesaltsomesalt"), 2, 19*1024, 1, 32)
		}
	})
	b.Run("upstream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			upstream.IDKey([]byte("password"), []byte("somesaltsomesalt"), 2, 19*1024, 1, 32)
		}
	})
}
