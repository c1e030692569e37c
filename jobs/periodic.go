package jobs

import (
	"context"
	"log/slog"
	"time"
)

// periodically calls once at start and then every d until ctx ends,
// logging what fails as what: the loop of the simulator and of the leased
// housekeeping jobs.
func periodically(ctx context.Context, d time.Duration, once func(context.Context) error, logger *slog.Logger, what string) {
	for {
		if err := once(ctx); err != nil && ctx.Err() == nil {
			logger.Error(what, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

// drain is the loop of the work queues (outbox, webhooks): it works a
// batch, and the next one at once while batches come back full (more
// may be waiting), else waits d; failures are logged as what.
func drain(ctx context.Context, d time.Duration, batch int, once func(context.Context) (int, error), logger *slog.Logger, what string) {
	for {
		n, err := once(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Error(what, "err", err)
		}
		if n == batch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}
