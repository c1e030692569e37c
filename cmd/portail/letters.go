package main

import (
	"context"
	"fmt"
	"io"

	"portail"
)

// startingReader is the letter reader while the PDF engine starts in the
// background: compiling its WebAssembly takes a while, which serve does
// not make /readyz or the first pages wait for. Only the calls that read
// a PDF (an upload, a proof) wait for it, as long as their request lasts.
type startingReader struct {
	ready  chan struct{}
	reader portail.LetterReader
	err    error
}

// startReader starts newReader in the background.
func startReader(newReader func() (portail.LetterReader, error)) *startingReader {
	s := &startingReader{ready: make(chan struct{})}
	go func() {
		defer close(s.ready)
		s.reader, s.err = newReader()
		if s.err != nil {
			s.err = fmt.Errorf("PDF engine: %w", s.err)
		}
	}()
	return s
}

var _ portail.LetterReader = (*startingReader)(nil)

func (s *startingReader) wait(ctx context.Context) (portail.LetterReader, error) {
	select {
	case <-s.ready:
		return s.reader, s.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *startingReader) Inspect(ctx context.Context, file io.ReaderAt, size int64, maxPages int) (*portail.Inspection, error) {
	r, err := s.wait(ctx)
	if err != nil {
		return nil, err
	}
	return r.Inspect(ctx, file, size, maxPages)
}

func (s *startingReader) Proof(ctx context.Context, file io.ReaderAt, size int64, page int, window portail.Window, problems []portail.Problem) ([]byte, error) {
	r, err := s.wait(ctx)
	if err != nil {
		return nil, err
	}
	return r.Proof(ctx, file, size, page, window, problems)
}

func (s *startingReader) AddressProof(ctx context.Context, rc portail.Recipient, window portail.Window) ([]byte, error) {
	r, err := s.wait(ctx)
	if err != nil {
		return nil, err
	}
	return r.AddressProof(ctx, rc, window)
}

// Close stops the engine once it has started.
func (s *startingReader) Close() error {
	<-s.ready
	if c, ok := s.reader.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// newLetterReader starts the PDF engine.
func newLetterReader() (portail.LetterReader, error) {
	return nil, fmt.Errorf("not built yet")
}
