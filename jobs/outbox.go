// Package jobs holds portail's background work: named jobs that every
// serve process runs, that coordinate through the database, and that stop
// when their context ends.
package jobs

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"portail"
	"portail/mail"
)

// Outbox is the storage side of e-mail delivery.
type Outbox interface {
	// Claim leases up to n due e-mails, each carrying its claim.
	Claim(ctx context.Context, n int, lease time.Duration) ([]*portail.Email, error)
	// Renew, MarkSent and MarkFailed act only while e's claim holds the
	// e-mail, and answer portail.ErrClaimLost, changing nothing, once
	// another worker has claimed it.
	Renew(ctx context.Context, e *portail.Email, lease time.Duration) error
	MarkSent(ctx context.Context, e *portail.Email) error
	MarkFailed(ctx context.Context, e *portail.Email, cause error, retry time.Time) error
}

// Delivery sends the outbox's e-mails (C8). Every serve process runs one;
// claims in the database make each e-mail go out through one process, and
// a lease that runs out (a process died mid-send) makes it due again.
//
// A batch is claimed at once but sent one e-mail after the other, and a
// slow SMTP server can make the batch outlast its lease: the e-mails not
// reached yet are then claimed by another process. So each e-mail's claim
// is renewed just before its send, which must end before the renewed
// lease does; an e-mail whose renewal fails belongs
// to someone else and is skipped, and so is the outcome of a send whose
// claim was lost anyway (a process stalled): it is logged, never written.
type Delivery struct {
	Outbox Outbox
	Mailer mail.Mailer
	Logger *slog.Logger
	// BaseURL is the public address the e-mails' links start with.
	BaseURL string
	// Interval between polls when the outbox is empty.
	Interval time.Duration
	// MaxAttempts before an e-mail is given up as failed.
	MaxAttempts int
	// RetryBase is the first wait after a failure (default 5 s); each
	// further failure doubles it.
	RetryBase time.Duration
	// Lease is how long a claim holds an e-mail (default 2 min).
	Lease time.Duration
	// SendTimeout bounds one send (default 1 min), and never exceeds
	// three quarters of Lease: the rest records the outcome.
	SendTimeout time.Duration
	Now         func() time.Time
}

const (
	batchSize   = 20
	lease       = 2 * time.Minute
	sendTimeout = time.Minute
)

// Name names the job in logs.
func (d *Delivery) Name() string { return "outbox-delivery" }

// Run delivers until ctx ends.
func (d *Delivery) Run(ctx context.Context) {
	interval := d.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	drain(ctx, interval, batchSize, d.RunOnce, d.Logger, "outbox delivery")
}

// RunOnce claims and sends one batch; it returns how many were claimed.
func (d *Delivery) RunOnce(ctx context.Context) (int, error) {
	emails, err := d.Outbox.Claim(ctx, batchSize, d.lease())
	if err != nil {
		return 0, err
	}
	for _, e := range emails {
		if ctx.Err() != nil {
			break // the rest stays claimed until its lease runs out
		}
		err := d.deliver(ctx, e)
		if errors.Is(err, portail.ErrClaimLost) {
			d.Logger.Warn("e-mail claimed by another worker; left to it", "id", e.ID)
			continue
		}
		if err != nil {
			return len(emails), err
		}
	}
	return len(emails), nil
}

func (d *Delivery) deliver(ctx context.Context, e *portail.Email) error {
	l := d.lease()
	if err := d.Outbox.Renew(ctx, e, l); err != nil {
		return err
	}
	// The send ends before the claim just renewed can run out, leaving
	// the rest of the lease to record the outcome.
	timeout := min(d.sendTimeout(), l*3/4)
	msg, err := mail.Render(e, d.BaseURL)
	if err == nil {
		sendCtx, cancel := context.WithTimeout(ctx, timeout)
		err = d.Mailer.Send(sendCtx, msg)
		cancel()
	}
	if err == nil {
		if err := d.Outbox.MarkSent(context.WithoutCancel(ctx), e); err != nil {
			if errors.Is(err, portail.ErrClaimLost) {
				d.Logger.Error("e-mail sent after its claim was lost: it may go out twice", "id", e.ID, "template", e.Template)
			}
			return err
		}
		d.Logger.Info("e-mail sent", "id", e.ID, "template", e.Template)
		return nil
	}
	retry := time.Time{}
	if e.Attempts < d.maxAttempts() {
		retry = d.now().Add(Backoff(d.RetryBase, e.Attempts))
	}
	d.Logger.Warn("e-mail not sent", "id", e.ID, "attempt", e.Attempts, "err", err, "retry_at", retry)
	return d.Outbox.MarkFailed(context.WithoutCancel(ctx), e, err, retry)
}

func (d *Delivery) sendTimeout() time.Duration {
	if d.SendTimeout > 0 {
		return d.SendTimeout
	}
	return sendTimeout
}

func (d *Delivery) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return lease
}

func (d *Delivery) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return 15 // about a day of retries
}

func (d *Delivery) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Backoff is the wait after the nth failed attempt: first (5 s when 0)
// doubling up to two hours, with jitter so that retries of many e-mails
// spread out.
func Backoff(first time.Duration, attempt int) time.Duration {
	if first <= 0 {
		first = 5 * time.Second
	}
	base := first << min(max(attempt-1, 0), 11)
	base = min(base, 2*time.Hour)
	return base + rand.N(base/4+1)
}
