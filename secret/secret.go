// Package secret encrypts the secrets portail must read back (webhook
// signing secrets, and later TOTP and SSO secrets) before they are stored
// (SPEC §9 Wave-2 details 12). AES-256-GCM from the standard library; each
// ciphertext starts with the id of its key, so that a new key can be added
// while rows sealed with the old one are still read.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// Keys seals with its current key and opens with any key it knows.
type Keys struct {
	current string
	aeads   map[string]cipher.AEAD
}

// ErrUnknownKey is the answer for a ciphertext sealed by a key not loaded.
var ErrUnknownKey = errors.New("secret: sealed with a key this installation does not have")

// ErrCorrupt is the answer for a ciphertext that does not open: altered,
// truncated, or not one of ours.
var ErrCorrupt = errors.New("secret: ciphertext does not open")

// New returns Keys sealing with key; further keys only open. A key's id
// is derived from the key itself (its SHA-256, shortened), so rotating is
// adding a key, never naming one.
func New(key []byte, older ...[]byte) (*Keys, error) {
	k := &Keys{aeads: map[string]cipher.AEAD{}}
	for i, raw := range append([][]byte{key}, older...) {
		if len(raw) != KeySize {
			return nil, fmt.Errorf("secret: a key is %d bytes, not %d", KeySize, len(raw))
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(raw)
		k.aeads[id] = aead
		if i == 0 {
			k.current = id
		}
	}
	return k, nil
}

// KeyID names a key in the ciphertexts it seals.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// Seal encrypts plain: "KEYID:" then base64 of nonce and ciphertext. The
// key id is also the additional data, so a prefix swapped in cannot open.
func (k *Keys) Seal(plain string) (string, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(k.current))
	return k.current + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal wrote. ErrUnknownKey, ErrCorrupt.
func (k *Keys) Open(sealed string) (string, error) {
	id, body, ok := strings.Cut(sealed, ":")
	if !ok {
		return "", ErrCorrupt
	}
	aead := k.aeads[id]
	if aead == nil {
		return "", ErrUnknownKey
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", ErrCorrupt
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}

// LoadFile reads a key file: the key as 64 hex digits (or 44 base64
// characters), then any older keys, one a line, still accepted to open.
func LoadFile(path string) (*Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	var keys [][]byte
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := hex.DecodeString(line)
		if err != nil || len(key) != KeySize {
			key, err = base64.StdEncoding.DecodeString(line)
		}
		if err != nil || len(key) != KeySize {
			return nil, fmt.Errorf("secret key file %s: each line is a %d-byte key in hex (64 digits) or base64", path, KeySize)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("secret key file %s holds no key", path)
	}
	return New(keys[0], keys[1:]...)
}

// LoadOrCreate reads path, or, when it does not exist, writes a new
// random key there first (mode 0600, never overwriting): how an SQLite
// installation gets its key in its data directory.
func LoadOrCreate(path string) (*Keys, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		key := make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) { // another process made it first: read theirs
			return nil, err
		}
		if err == nil {
			_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return nil, werr
			}
		}
	}
	return LoadFile(path)
}
