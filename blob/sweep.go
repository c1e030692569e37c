package blob

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// SweepTmp removes the files of the tmp directory last written before
// before: what a Put interrupted by a crash left (a Put that fails removes
// its own file). A Put in progress writes its file as the bytes arrive, so
// a cutoff well past any upload's duration never takes a live one. It
// returns how many files it removed.
func (d Dir) SweepTmp(before time.Time) (int, error) {
	dir := filepath.Join(d.Root, "tmp")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // nothing was ever stored
	} else if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // renamed into place, or swept by another process
		} else if err != nil {
			errs = append(errs, err)
			continue
		}
		if !info.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		} else if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}
