// The stored files the rows name (documents, label PDFs, proofs): what the
// orphan sweeper must keep and what `portail blobs migrate` copies.

package sqldb

import (
	"context"
	"strings"
)

// blobColumns are the columns that name a key of the blob store; a new
// one must be added here, or the sweeper would delete its files.
var blobColumns = []struct{ table, column string }{
	{"documents", "blob_key"},
	{"labels", "pdf_key"},
	{"document_proofs", "blob_key"},
}

// ReferencedBlobs tells which of keys some row names, as of one snapshot.
func (db *DB) ReferencedBlobs(ctx context.Context, keys []string) (map[string]bool, error) {
	found := map[string]bool{}
	if len(keys) == 0 {
		return found, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ")
	var parts []string
	var args []any
	for _, c := range blobColumns {
		parts = append(parts, `SELECT `+c.column+` FROM `+c.table+` WHERE `+c.column+` IN (`+marks+`)`)
		for _, k := range keys {
			args = append(args, k)
		}
	}
	err := db.readTx(ctx, func(tx *Tx) error {
		named, err := column[string](tx, strings.Join(parts, ` UNION `), args...)
		for _, k := range named {
			found[k] = true
		}
		return err
	})
	return found, err
}

// BlobKeys calls fn for every key some row names, each once, in key
// order; fn runs outside any transaction (it may copy a file for a
// while), a page of keys at a time.
func (db *DB) BlobKeys(ctx context.Context, fn func(key string) error) error {
	var parts []string
	for _, c := range blobColumns {
		parts = append(parts, `SELECT `+c.column+` AS k FROM `+c.table+` WHERE `+c.column+` > ?`)
	}
	q := `SELECT k FROM (` + strings.Join(parts, ` UNION `) + `) keys ORDER BY k LIMIT 500`
	after := ""
	for {
		var page []string
		err := db.readTx(ctx, func(tx *Tx) (err error) {
			page, err = column[string](tx, q, after, after, after)
			return err
		})
		if err != nil {
			return err
		}
		for _, k := range page {
			if err := fn(k); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1]
	}
}
