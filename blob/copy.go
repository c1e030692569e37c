package blob

import (
	"context"
	"fmt"
)

// Copied says what Copy did with a key.
type Copied int

const (
	CopyDone    Copied = iota // copied
	CopySkipped               // already in the destination, same size
	CopyMissing               // not in the source
)

// Copy copies the file of key from one store to another, unless the
// destination has it already with the same size (a key is its content's
// hash, so the same key and size is the same file): run again after an
// interruption, a copy takes up where it stopped. The copy is checked
// against its key.
func Copy(ctx context.Context, from, to Store, key string) (Copied, error) {
	src, err := from.Stat(ctx, key)
	if IsNotExist(err) {
		return CopyMissing, nil
	} else if err != nil {
		return 0, err
	}
	if dst, err := to.Stat(ctx, key); err == nil && dst.Size == src.Size {
		return CopySkipped, nil
	} else if err != nil && !IsNotExist(err) {
		return 0, err
	}
	f, err := from.Open(ctx, key)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	got, _, err := to.Put(ctx, f)
	if err != nil {
		return 0, err
	}
	if got != key {
		// The source's file is not what its name says: the copy is an
		// orphan the sweeper will take, and the key is reported.
		return 0, fmt.Errorf("blob %s: the source's file has the content of %s", key, got)
	}
	return CopyDone, nil
}
