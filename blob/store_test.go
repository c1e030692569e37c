package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portail"
	"portail/blob"
	"portail/internal/s3test"
)

// stores gives each conformance test the two stores: a directory and a
// fresh bucket of a real S3 server.
func stores(t *testing.T, test func(t *testing.T, s blob.Store)) {
	t.Run("file", func(t *testing.T) {
		s, err := blob.OpenURL(context.Background(), "file:"+t.TempDir(), "")
		if err != nil {
			t.Fatal(err)
		}
		test(t, s)
	})
	t.Run("s3", func(t *testing.T) {
		s, err := blob.OpenURL(context.Background(), s3test.URL(t), "")
		if err != nil {
			t.Fatal(err)
		}
		test(t, s)
	})
}

// content is more than two of the S3 reader's blocks, so that reads at
// random cross their edges.
func content() []byte {
	b := make([]byte, 600<<10+123)
	for i := range b {
		b[i] = byte(i * 7 / 3)
	}
	return b
}

// TestStorePutOpen: the key is the SHA-256 of the content, the same
// content put twice is one key, and reading it back, whole, from an
// offset or at random, gives the content.
func TestStorePutOpen(t *testing.T) {
	stores(t, func(t *testing.T, s blob.Store) {
		ctx := context.Background()
		want := content()
		key, size, err := s.Put(ctx, bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		if key != blob.Key(want) || size != int64(len(want)) {
			t.Fatalf("Put = %s, %d", key, size)
		}
		// A reader that cannot seek (spooled first) gives the same key.
		again, _, err := s.Put(ctx, io.MultiReader(bytes.NewReader(want[:10]), bytes.NewReader(want[10:])))
		if err != nil || again != key {
			t.Fatalf("second Put = %s, %v", again, err)
		}
		f, err := s.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read %d bytes, %v", len(got), err)
		}
		if _, err := f.Seek(300<<10, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		part := make([]byte, 1000)
		if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, want[300<<10:300<<10+1000]) {
			t.Fatalf("read after seek: %v", err)
		}
		at, ok := f.(io.ReaderAt)
		if !ok {
			t.Fatal("the file is not an io.ReaderAt")
		}
		for _, off := range []int64{0, 256<<10 - 10, 512<<10 - 1, int64(len(want)) - 50} {
			n, err := at.ReadAt(part[:50], off)
			if n != 50 || (err != nil && err != io.EOF) || !bytes.Equal(part[:50], want[off:off+50]) {
				t.Errorf("ReadAt(%d) = %d, %v", off, n, err)
			}
		}
		if n, err := at.ReadAt(part, int64(len(want))-10); n != 10 || err != io.EOF {
			t.Errorf("ReadAt past the end = %d, %v; want 10, EOF", n, err)
		}
		info, err := s.Stat(ctx, key)
		if err != nil || info.Size != size || info.Key != key {
			t.Errorf("Stat = %+v, %v", info, err)
		}
	})
}

// TestStoreRange: a download through http.ServeContent answers a Range
// request with just those bytes (the PDF viewers' way).
func TestStoreRange(t *testing.T) {
	stores(t, func(t *testing.T, s blob.Store) {
		ctx := context.Background()
		want := content()
		key, _, err := s.Put(ctx, bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, err := s.Open(r.Context(), key)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer f.Close()
			http.ServeContent(w, r, "a.pdf", time.Time{}, f)
		}))
		defer ts.Close()
		req, _ := http.NewRequest("GET", ts.URL, nil)
		req.Header.Set("Range", "bytes=400000-400099")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		got, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusPartialContent || !bytes.Equal(got, want[400000:400100]) {
			t.Errorf("range answer %d with %d bytes", res.StatusCode, len(got))
		}
	})
}

// TestStoreMissingAndFailing: a key never stored is fs.ErrNotExist; a
// failing reader stores nothing; a malformed key is refused.
func TestStoreMissingAndFailing(t *testing.T) {
	stores(t, func(t *testing.T, s blob.Store) {
		ctx := context.Background()
		never := blob.Key([]byte("never stored"))
		if _, err := s.Open(ctx, never); !blob.IsNotExist(err) {
			t.Errorf("Open of a missing key: %v", err)
		}
		if _, err := s.Stat(ctx, never); !blob.IsNotExist(err) {
			t.Errorf("Stat of a missing key: %v", err)
		}
		boom := errors.New("boom")
		if _, _, err := s.Put(ctx, io.MultiReader(strings.NewReader("partial"), errReader{boom})); !errors.Is(err, boom) {
			t.Errorf("Put of a failing reader: %v", err)
		}
		n := 0
		if err := s.List(ctx, func(blob.Info) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("the store lists %d keys (%v) after a failed Put", n, err)
		}
		for _, key := range []string{"", "../../etc/passwd", "zz" + strings.Repeat("0", 62), strings.ToUpper(never)} {
			if _, err := s.Open(ctx, key); err == nil {
				t.Errorf("Open(%q) succeeded", key)
			}
		}
	})
}

// TestStoreListDelete: List gives every key with its size and time;
// Delete removes one, and deleting it again is no error.
func TestStoreListDelete(t *testing.T) {
	stores(t, func(t *testing.T, s blob.Store) {
		ctx := context.Background()
		before := time.Now().Add(-time.Minute)
		keys := map[string]int64{}
		for _, c := range []string{"one", "two", "three"} {
			key, size, err := s.Put(ctx, strings.NewReader(c))
			if err != nil {
				t.Fatal(err)
			}
			keys[key] = size
		}
		listed := map[string]int64{}
		err := s.List(ctx, func(i blob.Info) error {
			if i.ModTime.Before(before) {
				t.Errorf("%s written at %v", i.Key, i.ModTime)
			}
			listed[i.Key] = i.Size
			return nil
		})
		if err != nil || len(listed) != 3 {
			t.Fatalf("List = %v, %v", listed, err)
		}
		for k, n := range keys {
			if listed[k] != n {
				t.Errorf("%s listed with %d bytes, want %d", k, listed[k], n)
			}
		}
		victim := blob.Key([]byte("two"))
		if err := s.Delete(ctx, victim); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, victim); err != nil {
			t.Errorf("second Delete: %v", err)
		}
		if _, err := s.Stat(ctx, victim); !blob.IsNotExist(err) {
			t.Errorf("Stat after Delete: %v", err)
		}
		stop := errors.New("stop")
		if err := s.List(ctx, func(blob.Info) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("List does not stop at fn's error: %v", err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}

// TestS3Unreachable: a store nobody answers for is EUNAVAILABLE, for a
// read, a write and the ping alike.
func TestS3Unreachable(t *testing.T) {
	l := httptest.NewServer(http.NotFoundHandler())
	addr := l.URL
	l.Close() // nothing listens there now
	s, err := blob.OpenURL(context.Background(), "s3://bucket?endpoint="+addr+"&region=us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Open(ctx, blob.Key(nil)); portail.ErrorCode(err) != portail.EUNAVAILABLE {
		t.Errorf("Open: %v", err)
	}
	if _, _, err := s.Put(ctx, strings.NewReader("x")); portail.ErrorCode(err) != portail.EUNAVAILABLE {
		t.Errorf("Put: %v", err)
	}
	if err := s.Ping(ctx); portail.ErrorCode(err) != portail.EUNAVAILABLE {
		t.Errorf("Ping: %v", err)
	}
}

// TestOpenURL: the URLs serve takes, and the ones it refuses.
func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	for raw, want := range map[string]string{
		"":                "file:def",
		"file:/srv/blobs": "file:/srv/blobs",
		"file:///srv/b":   "file:/srv/b",
		"s3://bucket":     "s3://bucket",
		"s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1": "s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1",
	} {
		s, err := blob.OpenURL(ctx, raw, "def")
		if err != nil || s.String() != want {
			t.Errorf("OpenURL(%q) = %v, %v; want %s", raw, s, err, want)
		}
	}
	for _, raw := range []string{"file:", "http://x", "s3://", "s3://b/path", "s3://bkt?endpoint=ftp://x", "s3://b"} {
		if _, err := blob.OpenURL(ctx, raw, "def"); err == nil {
			t.Errorf("OpenURL(%q) succeeded", raw)
		}
	}
}
