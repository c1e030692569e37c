package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Dir stores blobs under a directory, as ab/cdef… (the key's first two hex
// digits name a subdirectory, so that no directory grows too large).
type Dir struct{ Root string }

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
func (d Dir) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	if !validKey(key) {
		return nil, malformed(key)
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, missing(key, err)
	}
	return f, err
}

// Stat tells a key's size and last write.
func (d Dir) Stat(_ context.Context, key string) (Info, error) {
	if !validKey(key) {
		return Info{}, malformed(key)
	}
	fi, err := os.Stat(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return Info{}, missing(key, err)
	} else if err != nil {
		return Info{}, err
	}
	return Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// List walks the two levels of key directories (tmp is not one: its
// name is not two hex digits).
func (d Dir) List(ctx context.Context, fn func(Info) error) error {
	dirs, err := os.ReadDir(d.Root)
	if errors.Is(err, os.ErrNotExist) {
		return nil // nothing was ever stored
	} else if err != nil {
		return err
	}
	for _, sub := range dirs {
		if !sub.IsDir() || len(sub.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(d.Root, sub.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			key := sub.Name() + f.Name()
			if !f.Type().IsRegular() || !validKey(key) {
				continue
			}
			fi, err := f.Info()
			if errors.Is(err, os.ErrNotExist) {
				continue // deleted meanwhile
			} else if err != nil {
				return err
			}
			if err := fn(Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete removes a key's file.
func (d Dir) Delete(_ context.Context, key string) error {
	if !validKey(key) {
		return malformed(key)
	}
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Ping fails when the directory cannot be made or read.
func (d Dir) Ping(context.Context) error {
	if err := os.MkdirAll(d.Root, 0o750); err != nil {
		return err
	}
	_, err := os.Stat(d.Root)
	return err
}

func (d Dir) String() string { return "file:" + d.Root }

func (d Dir) path(key string) string { return filepath.Join(d.Root, key[:2], key[2:]) }
