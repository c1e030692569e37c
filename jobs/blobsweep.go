package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"portail"
	"portail/blob"
)

// SweepStore is what the orphan sweeper needs of the database.
type SweepStore interface {
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReferencedBlobs tells which of keys some row names.
	ReferencedBlobs(ctx context.Context, keys []string) (map[string]bool, error)
}

// SweptBlobs is what the sweeper needs of the blob store.
type SweptBlobs interface {
	List(ctx context.Context, fn func(blob.Info) error) error
	Stat(ctx context.Context, key string) (blob.Info, error)
	Delete(ctx context.Context, key string) error
}

// OrphanSweep deletes the stored files no row names, once older than
// portail.OrphanBlobGrace: what a crash between a Put and its commit left,
// the files of replaced letters and the pictures of old proofs. Every
// serve process runs it; a lease lets one at a time sweep the one shared
// store.
//
// A file is put before the row naming it commits, and putting the same
// content again renews the file's time: a file younger than the grace is
// never taken, so a row about to name it finds it there.
type OrphanSweep struct {
	Store  SweepStore
	Blobs  SweptBlobs
	Grace  time.Duration // 0: portail.OrphanBlobGrace
	Every  time.Duration // how often to sweep (default one hour)
	Holder string        // this process's name in the lease
	Logger *slog.Logger
	Now    func() time.Time
}

// Name names the job in logs and in its lease.
func (s *OrphanSweep) Name() string { return "blob-sweep" }

// Run sweeps at start and then every s.Every until ctx ends.
func (s *OrphanSweep) Run(ctx context.Context) {
	periodically(ctx, s.every(), func(ctx context.Context) error {
		_, err := s.RunOnce(ctx)
		return err
	}, s.Logger, "blob sweep")
}

// sweepBatch is how many keys one question to the database names.
const sweepBatch = 300

// RunOnce sweeps if this process holds the lease, and returns how many
// files it deleted (-1 without the lease).
func (s *OrphanSweep) RunOnce(ctx context.Context) (int, error) {
	ok, err := s.Store.TryLease(ctx, s.Name(), s.Holder, s.every())
	if err != nil || !ok {
		return -1, err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	grace := s.Grace
	if grace <= 0 {
		grace = portail.OrphanBlobGrace
	}
	cutoff := now.Add(-grace)
	deleted := 0
	var batch []string
	sweep := func() error {
		refs, err := s.Store.ReferencedBlobs(ctx, batch)
		if err != nil {
			return err
		}
		var errs []error
		for _, k := range batch {
			if refs[k] {
				continue
			}
			// Put again since it was listed (a row about to name it)?
			// Then it stays: the window left is this Stat to the Delete.
			if i, err := s.Blobs.Stat(ctx, k); blob.IsNotExist(err) {
				continue
			} else if err != nil {
				errs = append(errs, err)
				continue
			} else if !i.ModTime.Before(cutoff) {
				continue
			}
			if err := s.Blobs.Delete(ctx, k); err != nil {
				errs = append(errs, err)
				continue
			}
			deleted++
		}
		batch = batch[:0]
		return errors.Join(errs...)
	}
	err = s.Blobs.List(ctx, func(i blob.Info) error {
		if !i.ModTime.Before(cutoff) {
			return nil
		}
		if batch = append(batch, i.Key); len(batch) == sweepBatch {
			return sweep()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = sweep()
	}
	if deleted > 0 {
		s.Logger.Info("orphan files deleted", "files", deleted)
	}
	return deleted, err
}

func (s *OrphanSweep) every() time.Duration {
	if s.Every > 0 {
		return s.Every
	}
	return time.Hour
}
