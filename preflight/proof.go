package preflight

import (
	"context"
	"io"

	"portail"
)

// Proof renders page of the file with the printable area, the window and
// the problems drawn over it (D8).
func (r *Reader) Proof(ctx context.Context, file io.ReaderAt, size int64, page int, window portail.Window, problems []portail.Problem) ([]byte, error) {
	return nil, portail.ErrNotFound("Page")
}
