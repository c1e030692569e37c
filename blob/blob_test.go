package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"portail/blob"
)

func TestPutOpen(t *testing.T) {
	d := blob.Dir{Root: t.TempDir()}
	content := []byte("%PDF-1.4 hello %%EOF")
	key, size, err := d.Put(context.Background(), bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if key != hex.EncodeToString(sum[:]) || size != int64(len(content)) {
		t.Errorf("key %s size %d", key, size)
	}
	again, _, err := d.Put(context.Background(), bytes.NewReader(content))
	if err != nil || again != key {
		t.Errorf("second put: %s %v", again, err)
	}
	f, err := d.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, content) {
		t.Errorf("read %q", got)
	}
	if tmp, _ := os.ReadDir(filepath.Join(d.Root, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestPutFailingReaderStoresNothing(t *testing.T) {
	d := blob.Dir{Root: t.TempDir()}
	boom := errors.New("boom")
	_, _, err := d.Put(context.Background(), io.MultiReader(bytes.NewReader([]byte("partial")), errReader{boom}))
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	entries, _ := os.ReadDir(d.Root)
	for _, e := range entries {
		if e.Name() != "tmp" {
			t.Errorf("stored %s", e.Name())
		}
	}
	if tmp, _ := os.ReadDir(filepath.Join(d.Root, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestOpenRefusesMalformedKeys(t *testing.T) {
	d := blob.Dir{Root: t.TempDir()}
	for _, key := range []string{"", "../../etc/passwd", "zz" + string(bytes.Repeat([]byte("0"), 62))} {
		if _, err := d.Open(context.Background(), key); err == nil {
			t.Errorf("Open(%q) succeeded", key)
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
