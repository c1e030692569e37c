package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3 stores blobs as the objects of one bucket of an S3-compatible object
// store, each named by its key. The S3 protocol is minio-go's: one module
// with few dependencies (gocloud.dev's s3blob pulls the whole AWS SDK),
// whose Core client gives the plain ranged GET a seekable, streaming
// reader needs.
type S3 struct {
	client *minio.Client
	core   minio.Core
	bucket string
	name   string // the URL without secrets
}

// s3Timeout bounds how long one request waits to connect or for the
// answer's headers: a store that went away answers unavailable soon,
// never a request held for minutes.
const s3Timeout = 10 * time.Second

// OpenS3 opens the bucket of an s3://BUCKET?endpoint=URL&region=R URL;
// without endpoint, AWS S3 itself. Credentials are the environment's
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). It does
// not contact the store: /readyz does (Ping).
func OpenS3(_ context.Context, u *url.URL) (*S3, error) {
	bucket := u.Host
	if bucket == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("--blob-store %s: want s3://BUCKET?endpoint=URL&region=R", u.Redacted())
	}
	if err := s3utils.CheckValidBucketName(bucket); err != nil {
		return nil, fmt.Errorf("--blob-store %s: %w", u.Redacted(), err)
	}
	q := u.Query()
	region := q.Get("region")
	host, secure := "s3.amazonaws.com", true
	lookup := minio.BucketLookupAuto
	if e := q.Get("endpoint"); e != "" {
		eu, err := url.Parse(e)
		if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
			return nil, fmt.Errorf("--blob-store: endpoint %q: want http(s)://host[:port]", e)
		}
		// Other stores than AWS name the bucket in the path.
		host, secure, lookup = eu.Host, eu.Scheme == "https", minio.BucketLookupPath
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: s3Timeout, KeepAlive: 30 * time.Second}).DialContext,
		ResponseHeaderTimeout: s3Timeout,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   s3Timeout,
	}
	client, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewEnvAWS(),
		Secure:       secure,
		Region:       region,
		BucketLookup: lookup,
		Transport:    transport,
		MaxRetries:   2, // a store that is down answers unavailable in seconds
	})
	if err != nil {
		return nil, fmt.Errorf("--blob-store %s: %w", u.Redacted(), err)
	}
	name := (&url.URL{Scheme: "s3", Host: bucket, RawQuery: q.Encode()}).String()
	return &S3{client: client, core: minio.Core{Client: client}, bucket: bucket, name: name}, nil
}

func (s *S3) String() string { return s.name }

// Put hashes the content first (the key is its SHA-256), then uploads it
// under its key: an object appears whole or not at all. A seekable reader
// (the spooled upload, a label's bytes) is read twice; any other is
// spooled to a temporary file. The same content put again is uploaded
// again, which renews its time: the sweeper's grace runs from the last
// Put, so it never takes a file a row is about to name.
func (s *S3) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		f, err := os.CreateTemp("", "portail-put-*")
		if err != nil {
			return "", 0, err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := io.Copy(f, ctxReader{ctx, r}); err != nil {
			return "", 0, err
		}
		rs = f
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", 0, err
		}
	}
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	size, err := io.Copy(h, ctxReader{ctx, rs})
	if err != nil {
		return "", 0, err
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return "", 0, err
	}
	key := hex.EncodeToString(h.Sum(nil))
	_, err = s.client.PutObject(ctx, s.bucket, key, io.LimitReader(ctxReader{ctx, rs}, size), size,
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return "", 0, s3err(key, err)
	}
	return key, size, nil
}

// Open asks the object's size (one HEAD, so that a missing or unreachable
// object fails here and not in the middle of an answer) and returns a
// reader that fetches only what is read.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return &s3File{s: s, ctx: ctx, key: key, size: info.Size}, nil
}

// Stat asks the object's size and time.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if !validKey(key) {
		return Info{}, malformed(key)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s3err(key, err)
	}
	return Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}, nil
}

// List lists the bucket's objects; objects not named like keys (put
// there by something else) are not the store's and are left out.
func (s *S3) List(ctx context.Context, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing when fn fails
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			return s3err("", oi.Err)
		}
		if !validKey(oi.Key) {
			continue
		}
		if err := fn(Info{Key: oi.Key, Size: oi.Size, ModTime: oi.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Delete removes an object.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return malformed(key)
	}
	return s3err(key, s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
}

// Ping asks whether the bucket exists.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s3err("", err)
	}
	if !ok {
		return fmt.Errorf("blob: bucket %s does not exist", s.bucket)
	}
	return nil
}

// s3err tells a missing key (fs.ErrNotExist) and an unreachable store
// (EUNAVAILABLE) from other failures, by the client's error types.
func s3err(key string, err error) error {
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case resp.Code == minio.NoSuchKey || (key != "" && resp.StatusCode == http.StatusNotFound):
		return missing(key, err)
	case errors.As(err, &netErr), errors.As(err, &urlErr), errors.Is(err, io.ErrUnexpectedEOF),
		resp.StatusCode >= 500:
		return unavailable(err)
	}
	return err
}

// s3File reads an object as it is asked: Read streams from the current
// offset (one ranged GET, kept open while reads follow each other), ReadAt
// fetches aligned blocks and keeps a few, for the PDF engine that reads a
// file at random in small pieces.
type s3File struct {
	s    *S3
	ctx  context.Context
	key  string
	size int64

	pos  int64
	body io.ReadCloser // open at pos, or nil

	mu     sync.Mutex
	blocks map[int64][]byte // by block index
	order  []int64          // oldest first
}

const (
	s3Block  = 256 << 10
	s3Blocks = 8 // 2 MiB at most per open file
)

// get opens a ranged GET of [off, end] (end < 0: to the end).
func (f *s3File) get(off, end int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	var err error
	switch {
	case end >= 0:
		err = opts.SetRange(off, end)
	case off > 0:
		err = opts.SetRange(off, 0) // minio-go's "from off to the end"
	} // else the whole object
	if err != nil {
		return nil, err
	}
	body, _, _, err := f.s.core.GetObject(f.ctx, f.s.bucket, f.key, opts)
	if err != nil {
		return nil, s3err(f.key, err)
	}
	return body, nil
}

func (f *s3File) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	if f.body == nil {
		body, err := f.get(f.pos, -1)
		if err != nil {
			return 0, err
		}
		f.body = body
	}
	n, err := f.body.Read(p)
	f.pos += int64(n)
	if err == io.EOF && f.pos < f.size {
		err = unavailable(io.ErrUnexpectedEOF)
	} else if err != nil && err != io.EOF {
		err = s3err(f.key, err)
	}
	return n, err
}

func (f *s3File) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.size
	}
	if offset < 0 {
		return 0, errors.New("blob: seek before the start")
	}
	if offset != f.pos && f.body != nil {
		f.body.Close()
		f.body = nil
	}
	f.pos = offset
	return offset, nil
}

func (f *s3File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("blob: read before the start")
	}
	n := 0
	for n < len(p) {
		at := off + int64(n)
		if at >= f.size {
			return n, io.EOF
		}
		b, err := f.block(at / s3Block)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], b[at%s3Block:])
	}
	return n, nil
}

// block returns block i of the object, fetched once while it stays among
// the last few used.
func (f *s3File) block(i int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.blocks[i]; ok {
		return b, nil
	}
	end := min((i+1)*s3Block, f.size) - 1
	body, err := f.get(i*s3Block, end)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	b := make([]byte, end-i*s3Block+1)
	if _, err := io.ReadFull(body, b); err != nil {
		return nil, s3err(f.key, err)
	}
	if f.blocks == nil {
		f.blocks = map[int64][]byte{}
	}
	if len(f.order) == s3Blocks {
		delete(f.blocks, f.order[0])
		f.order = f.order[1:]
	}
	f.blocks[i], f.order = b, append(f.order, i)
	return b, nil
}

func (f *s3File) Close() error {
	if f.body != nil {
		err := f.body.Close()
		f.body = nil
		return err
	}
	return nil
}
