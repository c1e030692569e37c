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
