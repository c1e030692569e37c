// Package blob keeps file contents, documents and label PDFs, on the file
// system, each under the SHA-256 of its content: the same file sent twice
// is stored once, and a key names its content for ever.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"portail"
)

// Dir stores blobs under a directory, as ab/cdef… (the key's first two hex
// digits name a subdirectory, so that no directory grows too large).
type Dir struct{ Root string }

var _ portail.BlobStore = Dir{}

// Put copies r to a temporary file, syncs it and renames it to its key: a
// blob is either whole or absent, even after a crash.
func (d Dir) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	tmpDir := filepath.Join(d.Root, "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return "", 0, err
	}
	f, err := os.CreateTemp(tmpDir, "put-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return "", 0, err
	}
	if err := f.Sync(); err != nil {
		return "", 0, err
	}
	if err := f.Close(); err != nil {
		return "", 0, err
	}
	key := hex.EncodeToString(h.Sum(nil))
	final := d.path(key)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return "", 0, err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return "", 0, err
	}
	// The rename is durable only once the directory holding it is synced.
	if dir, err := os.Open(filepath.Dir(final)); err == nil {
		err = dir.Sync()
		dir.Close()
		if err != nil {
			return "", 0, err
		}
	}
	return key, size, nil
}

// Open opens the blob of key.
func (d Dir) Open(key string) (io.ReadSeekCloser, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("blob: malformed key %q", key)
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blob %s is missing: %w", key, err)
	}
	return f, err
}

func (d Dir) path(key string) string { return filepath.Join(d.Root, key[:2], key[2:]) }

// validKey keeps keys to what Put makes, so that no key reaches outside
// the directory.
func validKey(key string) bool {
	if len(key) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(key)
	return err == nil
}

// ctxReader stops a long copy when its context ends (a client that hung up).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
