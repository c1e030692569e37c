package jobs

import (
	"context"
	"log/slog"
	"time"
)

// ClaimStore is what the claim timeout needs of the database.
type ClaimStore interface {
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReturnStale sends the letters claimed with no event for timeout
	// back to received.
	ReturnStale(ctx context.Context, timeout time.Duration) (int, error)
}

// ClaimTimeout gives back the letters a print partner claimed and then
// said nothing about for Timeout (SPEC §9 Wave-2 details 8), so that a
// partner that went away does not keep them. Every serve process runs
// it; a lease lets one at a time do the work.
type ClaimTimeout struct {
	Store   ClaimStore
	Timeout time.Duration
	Every   time.Duration // how often to look (default one minute)
	Holder  string
	Logger  *slog.Logger
}

// Name names the job in logs and in its lease.
func (c *ClaimTimeout) Name() string { return "partner-claim-timeout" }

func (c *ClaimTimeout) every() time.Duration {
	if c.Every <= 0 {
		return time.Minute
	}
	return c.Every
}

// Run looks every Every until ctx ends.
func (c *ClaimTimeout) Run(ctx context.Context) {
	periodically(ctx, c.every(), func(ctx context.Context) error {
		_, err := c.RunOnce(ctx)
		return err
	}, c.Logger, "partner claim timeout")
}

// RunOnce returns the stale claims if this process holds the lease, and
// says how many.
func (c *ClaimTimeout) RunOnce(ctx context.Context) (int, error) {
	ok, err := c.Store.TryLease(ctx, c.Name(), c.Holder, c.every())
	if err != nil || !ok {
		return 0, err
	}
	n, err := c.Store.ReturnStale(ctx, c.Timeout)
	if n > 0 {
		c.Logger.Info("stale partner claims returned", "letters", n, "timeout", c.Timeout)
	}
	return n, err
}
