package sqldb

import (
	"context"
	"errors"
	"io"

	"portail"
)

// The letter routes of DocumentService; written by the letters work.

var errLetterPending = errors.New("letters: not written yet")

func (s *DocumentService) QuoteDocument(ctx context.Context, c portail.DocumentCreate, content io.Reader) (*portail.LetterQuote, error) {
	return nil, errLetterPending
}

func (s *DocumentService) ChangeDocument(ctx context.Context, id int64, c portail.DocumentChange) (*portail.Document, error) {
	return nil, errLetterPending
}

func (s *DocumentService) QuoteChange(ctx context.Context, id int64, c portail.DocumentChange) (*portail.LetterQuote, error) {
	return nil, errLetterPending
}

func (s *DocumentService) ReplaceDocumentFile(ctx context.Context, id int64, name string, content io.Reader) (*portail.Document, error) {
	return nil, errLetterPending
}

func (s *DocumentService) CancelDocument(ctx context.Context, id int64) (*portail.Document, error) {
	return nil, errLetterPending
}

func (s *DocumentService) DocumentProof(ctx context.Context, id int64, page int) ([]byte, error) {
	return nil, errLetterPending
}
