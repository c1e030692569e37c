package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"portail"
	"portail/internal/smtptest"
	"portail/internal/testdb"
	"portail/jobs"
	"portail/mail"
	"portail/secret"
	"portail/sqldb"
)

// BenchmarkWebhookDelivery measures webhook deliveries per second to a
// local HTTP sink against, in the same run and on the same database, the
// outbox's e-mails per second to the loopback SMTP server: each
// iteration creates 100 users, which queues 100 invitations and 100
// user.created deliveries, then drains the outbox, then the webhooks,
// each with its own worker as serve runs it.
func BenchmarkWebhookDelivery(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			db, err := sqldb.Open(ctx, testdb.DSN(b, dialect))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			acct, admin, err := sqldb.NewAuthService(db).Setup(ctx, portail.Setup{AccountName: "Bench", Plan: portail.PlanEnterprise,
				Modules: portail.AllModules, AdminUsername: "benchadmin", AdminEmail: "benchadmin@example.com"})
			if err != nil {
				b.Fatal(err)
			}
			as := portail.WithCaller(ctx, portail.Caller{Actor: admin.Actor(acct.Modules)})
			extra := 10000
			if _, err := sqldb.NewAccountService(db).UpdateSubscription(as, portail.SubscriptionUpdate{ExtraSeats: &extra}); err != nil {
				b.Fatal(err)
			}
			keys, _ := secret.New(bytes.Repeat([]byte{3}, secret.KeySize))
			hooks := sqldb.NewWebhookService(db, keys)
			hooks.AllowHTTP = true
			var received atomic.Int64
			sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				received.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			b.Cleanup(sink.Close)
			if _, _, err := hooks.CreateWebhook(as, portail.WebhookCreate{URL: sink.URL, Events: []string{"user.created"}}); err != nil {
				b.Fatal(err)
			}
			smtp := smtptest.Start(b)
			mailer, err := mail.NewSMTP(smtp.URL()+"?tls=none", "portail <no-reply@example.com>")
			if err != nil {
				b.Fatal(err)
			}
			quiet := slog.New(slog.DiscardHandler)
			outbox := &jobs.Delivery{Outbox: sqldb.NewOutboxService(db), Mailer: mailer, Logger: quiet}
			webhooks := &jobs.Webhooks{Store: hooks, Logger: quiet, AllowPrivate: true}
			drain := func(runOnce func(context.Context) (int, error)) time.Duration {
				start := time.Now()
				for {
					n, err := runOnce(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if n == 0 {
						return time.Since(start)
					}
				}
			}
			drain(outbox.RunOnce) // the setup's e-mail to the admin
			const n = 100
			users := sqldb.NewUserService(db)
			var mailTime, hookTime time.Duration
			made := 0
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				if made+n > extra {
					b.Fatal("out of seats: run with a smaller -benchtime, like 20x")
				}
				for range n {
					made++
					if _, err := users.CreateUser(as, portail.UserCreate{Username: fmt.Sprintf("bench%05d", made), FullName: "Bench",
						Email: fmt.Sprintf("bench%05d@example.com", made), Role: portail.RoleAdmin}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				mailTime += drain(outbox.RunOnce)
				hookTime += drain(webhooks.RunOnce)
			}
			b.StopTimer()
			if got := len(smtp.Messages()); got != made+1 {
				b.Fatalf("the SMTP server received %d e-mails, want %d", got, made+1)
			}
			if got := received.Load(); got != int64(made) {
				b.Fatalf("the sink received %d deliveries, want %d", got, made)
			}
			b.ReportMetric(float64(made)/mailTime.Seconds(), "emails/s")
			b.ReportMetric(float64(made)/hookTime.Seconds(), "webhooks/s")
		})
	}
}
