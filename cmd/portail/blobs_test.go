package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portail"
	"portail/blob"
	"portail/internal/lettertest"
	"portail/internal/s3test"
	"portail/internal/testdb"
	"portail/jobs"
)

// serveWith starts another serve process of the site with more flags
// (another --data-dir: another host).
func (s *site) serveWith(flags ...string) *Main {
	s.t.Helper()
	saved := s.opts.Flags
	s.opts.Flags = append(slices.Clone(saved), flags...)
	defer func() { s.opts.Flags = saved }()
	return s.serve()
}

// fetch sends a GET with headers (name, value…) and returns the answer and
// its body.
func (c *client) fetch(t *testing.T, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.exchange(t, req)
}

// sendFile sends a multipart form, the fields (name, value…) then the
// part file, and returns the answer and its body.
func (c *client) sendFile(t *testing.T, method, path, name string, content []byte, fields ...string) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(method, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.exchange(t, req)
}

// exchange sends req, with the client's key if it has one, and returns
// the answer and its body.
func (c *client) exchange(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// storedKeys lists a store's keys.
func storedKeys(t *testing.T, url string) []string {
	t.Helper()
	st, err := blob.OpenURL(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := st.List(context.Background(), func(i blob.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestTwoHostsOneBucket (I4): two serve processes with different data
// directories, as on two hosts, on one PostgreSQL and one S3 bucket. A
// letter uploaded through one is downloaded (whole and by a Range
// request), proofed and claimed by a print partner through the other,
// a label made through one is downloaded through the other, and nothing is written to either data directory's blobs.
func TestTwoHostsOneBucket(t *testing.T) {
	bucket := s3test.URL(t)
	s := startSite(t, siteOptions{Dialect: "postgres", Plan: "gold", Flags: []string{"--blob-store", bucket}})
	otherDir := t.TempDir()
	second := s.serveWith("--data-dir", otherDir)

	boss := s.client()
	boss.login("boss", adminPassword).must(t, 200)
	dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
	boss.noLetterWait(t)
	id := boss.uploadPDF(t, dept, "letter.pdf")
	want := lettertest.Letter(1)

	there := *boss // the same session, through the other process
	there.base = second.URL()
	path := "/api/v1/documents/" + strconv.FormatInt(id, 10)
	res, got := there.fetch(t, path+"/file")
	if res.StatusCode != 200 || !bytes.Equal(got, want) {
		t.Fatalf("download through the other process: %d, %d bytes of %d", res.StatusCode, len(got), len(want))
	}
	res, got = there.fetch(t, path+"/file", "Range", "bytes=100-199")
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(got, want[100:200]) ||
		res.Header.Get("Content-Range") != "bytes 100-199/"+strconv.Itoa(len(want)) {
		t.Fatalf("range through the other process: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Range"), len(got))
	}
	res, proof := there.fetch(t, path+"/proof?page=1")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("proof through the other process: %d %s", res.StatusCode, proof)
	}
	// The proof rendered by the second process is kept in the bucket:
	// the first serves the same picture.
	if res, again := boss.fetch(t, path+"/proof?page=1"); res.StatusCode != 200 || !bytes.Equal(again, proof) {
		t.Fatalf("proof through the first process: %d, same %v", res.StatusCode, bytes.Equal(again, proof))
	}

	partner := s.addPartner(t, "Imprimerie", second)
	claimed := partner.do("POST", "/api/v1/partner/claims", map[string]int{"limit": 10}).must(t, 200)
	items, _ := claimed.body["items"].([]any)
	if len(items) != 1 || int64(items[0].(map[string]any)["id"].(float64)) != id {
		t.Fatalf("claims: %s", claimed.raw)
	}
	res, print := partner.fetch(t, "/api/v1/partner/documents/"+strconv.FormatInt(id, 10)+"/file")
	if res.StatusCode != 200 || !bytes.HasPrefix(print, []byte("%PDF")) {
		t.Fatalf("print file through the other process: %d %.100s", res.StatusCode, print)
	}

	addr := map[string]string{"name": "Ann", "street": "Main", "house_number": "1", "postal_code": "1000", "city": "Brussels", "country": "BE"}
	label := boss.do("POST", "/api/v1/labels", map[string]any{"department_id": dept, "sender": addr, "recipient": addr,
		"weight_grams": 250}).must(t, 201).id()
	res, pdf := there.fetch(t, "/api/v1/labels/"+strconv.FormatInt(label, 10)+"/pdf")
	if res.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("label PDF through the other process: %d", res.StatusCode)
	}

	if keys := storedKeys(t, bucket); len(keys) != 3 {
		t.Errorf("the bucket holds %d files, want the letter, its proof and the label", len(keys))
	}
	for _, dir := range []string{s.dataDir, otherDir} {
		if _, err := os.Stat(filepath.Join(dir, "blobs")); !os.IsNotExist(err) {
			t.Errorf("%s/blobs exists (%v): files went to the local disk", dir, err)
		}
	}
}

// TestBlobsMigrate: `portail blobs migrate` copies an installation's
// files from its directory to a bucket and says how many; run again it
// copies nothing; after a file went missing it copies just that one; a
// process on the bucket with an empty data directory then serves them.
// From a directory (SQLite) and from another bucket (PostgreSQL).
func TestBlobsMigrate(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			bucket := s3test.URL(t)
			// SQLite: from the data directory (the default store);
			// PostgreSQL: from one bucket to another.
			var flags []string
			from := ""
			if dialect == "postgres" {
				from = s3test.URL(t)
				flags = []string{"--blob-store", from}
			}
			s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Flags: flags})
			if from == "" {
				from = "file:" + filepath.Join(s.dataDir, "blobs")
			}
			boss := s.client()
			boss.login("boss", adminPassword).must(t, 200)
			dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
			a := boss.uploadPDF(t, dept, "a.pdf")
			boss.fetch(t, "/api/v1/documents/"+strconv.FormatInt(a, 10)+"/proof?page=1")
			migrate := func() string {
				t.Helper()
				var out bytes.Buffer
				args := []string{"blobs", "migrate", "--db", s.dsn, "--data-dir", s.dataDir, "--to", bucket}
				if dialect == "postgres" {
					args = append(args, "--from", from)
				}
				if err := run(context.Background(), args, strings.NewReader(""), &out, io.Discard); err != nil {
					t.Fatalf("migrate: %v (%s)", err, out.String())
				}
				return strings.TrimSpace(out.String())
			}
			if got := migrate(); got != "2 copied, 0 already there, 0 missing from "+from {
				t.Errorf("first run: %q", got)
			}
			if got := migrate(); got != "0 copied, 2 already there, 0 missing from "+from {
				t.Errorf("second run: %q", got)
			}
			st, _ := blob.OpenURL(context.Background(), bucket, "")
			keys := storedKeys(t, bucket)
			if err := st.Delete(context.Background(), keys[0]); err != nil {
				t.Fatal(err)
			}
			if got := migrate(); got != "1 copied, 1 already there, 0 missing from "+from {
				t.Errorf("after a loss: %q", got)
			}
			var out bytes.Buffer
			err := run(context.Background(), []string{"blobs", "migrate", "--db", s.dsn, "--from", bucket, "--to", bucket}, strings.NewReader(""), &out, io.Discard)
			if err == nil {
				t.Error("a migration onto its own store ran")
			}

			moved := s.serveWith("--blob-store", bucket, "--data-dir", t.TempDir())
			there := *boss
			there.base = moved.URL()
			if res, got := there.fetch(t, "/api/v1/documents/"+strconv.FormatInt(a, 10)+"/file"); res.StatusCode != 200 || !bytes.Equal(got, lettertest.Letter(1)) {
				t.Fatalf("download after the switch: %d", res.StatusCode)
			}
		})
	}
}

// TestOrphanSweep: the files no row names go once older than the grace,
// with the lease letting one process sweep: a crash's orphan, the file a
// new one replaced, the proof of the old version (its row purged first);
// the letter's file stays and downloads. SQLite on a directory,
// PostgreSQL on a bucket.
func TestOrphanSweep(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			store := "file:" + filepath.Join(t.TempDir(), "blobs")
			if dialect == "postgres" {
				store = s3test.URL(t)
			}
			var offset atomic.Int64
			s := startSite(t, siteOptions{Dialect: dialect, Plan: "gold", Flags: []string{"--blob-store", store},
				Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
			ctx := context.Background()
			boss := s.client()
			boss.login("boss", adminPassword).must(t, 200)
			dept := boss.do("POST", "/api/v1/departments", map[string]string{"name": "Post room"}).must(t, 201).id()
			id := boss.uploadPDF(t, dept, "a.pdf")
			path := "/api/v1/documents/" + strconv.FormatInt(id, 10)
			if res, _ := boss.fetch(t, path+"/proof?page=1"); res.StatusCode != 200 {
				t.Fatalf("proof: %d", res.StatusCode)
			}
			replacement := lettertest.Letter(2)
			if res, body := boss.sendFile(t, "PUT", path+"/file", "b.pdf", replacement); res.StatusCode != 200 {
				t.Fatalf("replace: %d %s", res.StatusCode, body)
			}
			st, err := blob.OpenURL(ctx, store, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.Put(ctx, strings.NewReader("a crash between put and commit")); err != nil {
				t.Fatal(err)
			}
			if n := len(storedKeys(t, store)); n != 4 {
				t.Fatalf("%d files stored, want the two letters, a proof and the orphan", n)
			}

			// The site's own sweeper (its process holds the lease) and
			// another process's, on the site's clock.
			var own *jobs.OrphanSweep
			for _, j := range s.main.jobs {
				if o, ok := j.(*jobs.OrphanSweep); ok {
					own = o
				}
			}
			other := &jobs.OrphanSweep{Store: s.main.DB, Blobs: st, Holder: "other", Logger: slog.New(slog.DiscardHandler), Now: own.Now}
			if n, err := own.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("a sweep within the grace deleted %d (%v)", n, err)
			}
			if _, err := s.main.DB.PurgeExpired(ctx, time.Now(), 0); err != nil {
				t.Fatal(err)
			}
			offset.Store(int64(portail.OrphanBlobGrace + time.Minute))
			n, err := own.RunOnce(ctx)
			if err != nil || n != 3 {
				t.Fatalf("the sweep past the grace deleted %d (%v), want 3", n, err)
			}
			if n, err := other.RunOnce(ctx); err != nil || n != -1 {
				t.Fatalf("a second process swept too: %d, %v", n, err)
			}
			offset.Store(0)
			if keys := storedKeys(t, store); len(keys) != 1 || keys[0] != blob.Key(replacement) {
				t.Fatalf("left %v, want the letter's file %s", keys, blob.Key(replacement))
			}
			if res, got := boss.fetch(t, path+"/file"); res.StatusCode != 200 || !bytes.Equal(got, replacement) {
				t.Fatalf("download after the sweep: %d", res.StatusCode)
			}
			// Its proof is rendered again, for the new version.
			if res, _ := boss.fetch(t, path+"/proof?page=1"); res.StatusCode != 200 {
				t.Fatalf("proof after the sweep: %d", res.StatusCode)
			}
		})
	}
}
