package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"portail/blob"
	"portail/sqldb"
)

const blobsUsage = "usage: portail blobs migrate [--db …] [--from URL] --to URL"

// runBlobs is `portail blobs migrate`: it copies every file the database
// names from one blob store to another (a directory to a bucket, one
// bucket to another), so that serve can then switch its --blob-store.
// It is idempotent and resumable: a file already in the destination with
// the same size is skipped. serve may keep running meanwhile; the files
// it stores after the copy began are copied by running it again just
// before the switch.
func runBlobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		return errors.New(blobsUsage)
	}
	fs := flag.NewFlagSet("blobs migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", env("PORTAIL_DB", defaultDB), "database: a SQLite file path (or sqlite:PATH) or a postgres:// URL (env PORTAIL_DB)")
	dataDir := fs.String("data-dir", env("PORTAIL_DATA_DIR", ""), "serve's --data-dir, for the default --from (env PORTAIL_DATA_DIR)")
	from := fs.String("from", env("PORTAIL_BLOB_STORE", ""), "the store to copy from, file:DIR or s3://BUCKET?endpoint=URL&region=R (default serve's: env PORTAIL_BLOB_STORE, else file:DATA-DIR/blobs)")
	to := fs.String("to", "", "the store to copy to, file:DIR or s3://BUCKET?endpoint=URL&region=R")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *to == "" || fs.NArg() != 0 {
		return errors.New(blobsUsage)
	}
	cfg := Config{DB: *db, DataDir: *dataDir}
	src, err := blob.OpenURL(ctx, *from, filepath.Join(cfg.dataDir(), "blobs"))
	if err != nil {
		return err
	}
	dst, err := blob.OpenURL(ctx, *to, "")
	if err != nil {
		return err
	}
	if src.String() == dst.String() {
		return fmt.Errorf("--from and --to are the same store, %s", src)
	}
	for _, s := range []blob.Store{src, dst} {
		if err := s.Ping(ctx); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	d, err := sqldb.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer d.Close()
	var counts [3]int
	var missing []string
	err = d.BlobKeys(ctx, func(key string) error {
		c, err := blob.Copy(ctx, src, dst, key)
		if err != nil {
			return err
		}
		counts[c]++
		if c == blob.CopyMissing {
			missing = append(missing, key)
		}
		return nil
	})
	fmt.Fprintf(stdout, "%d copied, %d already there, %d missing from %s\n", counts[blob.CopyDone], counts[blob.CopySkipped], counts[blob.CopyMissing], src)
	if err != nil {
		return fmt.Errorf("stopped: %w (run it again to go on)", err)
	}
	for _, k := range missing {
		fmt.Fprintf(stderr, "missing: %s\n", k)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d files the database names are not in %s", len(missing), src)
	}
	return nil
}
