// Package blob keeps file contents (documents, label PDFs, proofs) each
// under the SHA-256 of its content: the same file sent twice is stored
// once, and a key names its content for ever. Two stores: a directory
// (Dir, the embedded default) and an S3 object store (S3, shared by
// several serve processes on several hosts); OpenURL picks one from the
// --blob-store URL.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"portail"
)

// Store is a blob store with what housekeeping (the orphan sweeper,
// `portail blobs migrate`, /readyz) needs besides portail.BlobStore.
type Store interface {
	portail.BlobStore
	// Stat tells a key's size and last write; a key not stored is an
	// error that errors.Is fs.ErrNotExist.
	Stat(ctx context.Context, key string) (Info, error)
	// List calls fn for every stored key, in no set order, until fn
	// fails.
	List(ctx context.Context, fn func(Info) error) error
	// Delete removes a key; a key not stored is no error.
	Delete(ctx context.Context, key string) error
	// Ping fails while the store cannot be reached.
	Ping(ctx context.Context) error
	// String names the store as a URL without secrets, for logs.
	String() string
}

// Info is what a store knows of a key.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time // the last Put of that content
}

var (
	_ Store = Dir{}
	_ Store = (*S3)(nil)
)

// OpenURL opens the store a --blob-store URL names: file:DIR, or
// s3://BUCKET?endpoint=URL&region=R with the credentials of the usual
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (SPEC §9 Command line). An
// empty URL is def, a directory.
func OpenURL(ctx context.Context, raw, def string) (Store, error) {
	if raw == "" {
		return Dir{Root: def}, nil
	}
	if dir, ok := strings.CutPrefix(raw, "file:"); ok {
		dir = strings.TrimPrefix(dir, "//") // file:///abs and file:rel alike
		if dir == "" {
			return nil, fmt.Errorf("--blob-store %q: want file:DIR", raw)
		}
		return Dir{Root: dir}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" {
		return nil, fmt.Errorf("--blob-store %q: want file:DIR or s3://BUCKET?endpoint=URL&region=R", raw)
	}
	return OpenS3(ctx, u)
}

// Key returns the key of content.
func Key(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// validKey keeps keys to what Put makes, so that no key reaches outside
// the store's directory or bucket.
func validKey(key string) bool {
	if len(key) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(key)
	return err == nil && strings.ToLower(key) == key
}

func malformed(key string) error { return fmt.Errorf("blob: malformed key %q", key) }

// missing says a key is not stored (errors.Is fs.ErrNotExist), with the
// store's own words.
func missing(key string, cause error) error {
	return fmt.Errorf("blob %s is missing: %w (%v)", key, fs.ErrNotExist, cause)
}

// errUnavailable is what a caller sees while the object store cannot be
// reached: a 503 with Retry-After, since the request itself was fine.
var errUnavailable = &portail.Error{Code: portail.EUNAVAILABLE,
	Message: "The service is unavailable for a moment. Try again shortly.", RetryAfter: 5}

// unavailable marks err as the store being unreachable, keeping the cause
// for the logs.
func unavailable(err error) error { return fmt.Errorf("%w: %w", errUnavailable, err) }

// IsNotExist reports whether err says a key is not stored.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

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
