package secret_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portail/secret"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, secret.KeySize) }

func TestRoundTrip(t *testing.T) {
	k, err := secret.New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"", "whsec_abc", strings.Repeat("é", 500)} {
		sealed, err := k.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		if plain != "" && strings.Contains(sealed, plain) {
			t.Fatalf("sealed text shows the secret: %q", sealed)
		}
		if !strings.HasPrefix(sealed, secret.KeyID(key(1))+":") {
			t.Fatalf("sealed %q does not start with its key id", sealed)
		}
		got, err := k.Open(sealed)
		if err != nil || got != plain {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	a, _ := k.Seal("same")
	b, _ := k.Seal("same")
	if a == b {
		t.Fatal("two seals of one secret are equal: the nonce is not fresh")
	}
}

func TestRotation(t *testing.T) {
	old, _ := secret.New(key(1))
	sealed, _ := old.Seal("kept")
	rotated, err := secret.New(key(2), key(1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed); err != nil || got != "kept" {
		t.Fatalf("an older key's ciphertext: %q, %v", got, err)
	}
	fresh, _ := rotated.Seal("new")
	if !strings.HasPrefix(fresh, secret.KeyID(key(2))+":") {
		t.Fatalf("rotated keys seal with the new key: %q", fresh)
	}
	if _, err := old.Open(fresh); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("a key id not loaded: %v, want ErrUnknownKey", err)
	}
}

func TestTampered(t *testing.T) {
	k, _ := secret.New(key(1))
	other, _ := secret.New(key(3))
	sealed, _ := k.Seal("whsec_value")
	id, body, _ := strings.Cut(sealed, ":")
	flipped := []byte(body)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == body[len(body)/2] {
		t.Fatal("no change")
	}
	for name, s := range map[string]string{
		"flipped":   id + ":" + string(flipped),
		"truncated": id + ":" + body[:8],
		"no prefix": body,
		"bad b64":   id + ":!!!",
		// the other key's id on our ciphertext: the id is bound as
		// additional data, and the other key cannot open it anyway
		"swapped id": secret.KeyID(key(3)) + ":" + body,
	} {
		if _, err := k.Open(s); err == nil {
			t.Errorf("%s: opened", name)
		}
		if name == "swapped id" {
			if _, err := other.Open(s); !errors.Is(err, secret.ErrCorrupt) {
				t.Errorf("swapped id with the other key: %v, want ErrCorrupt", err)
			}
		}
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	k, err := secret.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	sealed, _ := k.Seal("x")
	again, err := secret.LoadOrCreate(path) // read, not made anew
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(sealed); err != nil || got != "x" {
		t.Fatalf("second load opens the first's ciphertext: %q, %v", got, err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	if _, err := secret.LoadFile(bad); err == nil {
		t.Fatal("a file without a key loaded")
	}
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("# current first\n"+hex.EncodeToString(key(5))+"\n"+hex.EncodeToString(key(6))+"\n"), 0o600)
	k, err := secret.LoadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := k.Seal("y")
	if !strings.HasPrefix(s, secret.KeyID(key(5))) {
		t.Fatalf("first line is the current key: %q", s)
	}
	if _, err := secret.LoadFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing file loaded")
	}
}
