package blob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portail/blob"
)

// TestSweepTmp: files a crash left in tmp go once older than the cutoff;
// a recent one (a Put in progress) and the stored blobs stay.
func TestSweepTmp(t *testing.T) {
	d := blob.Dir{Root: t.TempDir()}
	if n, err := d.SweepTmp(time.Now()); err != nil || n != 0 {
		t.Fatalf("sweep of a store never written = %d, %v", n, err)
	}
	key, _, err := d.Put(context.Background(), strings.NewReader("kept"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(d.Root, "tmp")
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	files := map[string]time.Time{
		"put-crashed": now.Add(-2 * time.Hour),
		"put-old":     now.Add(-time.Hour - time.Second),
		"put-live":    now.Add(-time.Minute),
	}
	for name, mtime := range files {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	n, err := d.SweepTmp(now.Add(-time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("SweepTmp = %d, %v; want 2 files removed", n, err)
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 1 || left[0].Name() != "put-live" {
		t.Errorf("tmp holds %v, want only put-live", left)
	}
	if r, err := d.Open(context.Background(), key); err != nil {
		t.Errorf("the stored blob is gone: %v", err)
	} else {
		r.Close()
	}
}
