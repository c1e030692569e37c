package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/jobs"
	"portail/secret"
	"portail/sqldb"
)

// webhookConfig is what serve needs for webhooks (D10) and for the
// secrets kept at rest (Wave-2 details 12).
type webhookConfig struct {
	// SecretKeyFile holds the key that seals stored secrets; empty on
	// SQLite makes one in the data directory, and is refused on
	// PostgreSQL (processes sharing a database must share its key).
	SecretKeyFile string
	// WebhookAllowPrivate lets deliveries reach loopback and private
	// addresses, and endpoints be http (tests, closed networks).
	WebhookAllowPrivate bool
	// WebhookRetry is the first wait after a failed delivery.
	WebhookRetry time.Duration
	// WebhookInterval is how often to look for due deliveries.
	WebhookInterval time.Duration
	// SSOAllowPrivate lets the requests to single sign-on providers
	// (discovery, keys, token, user info) reach loopback and private
	// addresses (tests, a provider inside a closed network).
	SSOAllowPrivate bool
}

func (c *webhookConfig) webhookFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", env("PORTAIL_SECRET_KEY_FILE", ""),
		"file of the key that encrypts stored secrets (webhook secrets): 64 hex digits; required with PostgreSQL, made in the data directory on SQLite when empty (env PORTAIL_SECRET_KEY_FILE)")
	allow, _ := strconv.ParseBool(env("PORTAIL_WEBHOOK_ALLOW_PRIVATE", "false"))
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", allow,
		"let webhook deliveries reach loopback and private addresses, and accept http endpoints (tests, closed networks; env PORTAIL_WEBHOOK_ALLOW_PRIVATE)")
	fs.DurationVar(&c.WebhookRetry, "webhook-retry", portail.DefaultWebhookRetry, "first wait before retrying a failed webhook delivery; it doubles with each failure, for about a day")
	fs.DurationVar(&c.WebhookInterval, "webhook-interval", 2*time.Second, "how often to look for webhook deliveries to make")
	ssoPrivate, _ := strconv.ParseBool(env("PORTAIL_SSO_ALLOW_PRIVATE", "false"))
	fs.BoolVar(&c.SSOAllowPrivate, "sso-allow-private", ssoPrivate,
		"let the requests to single sign-on providers reach loopback and private addresses (tests, a provider in a closed network; env PORTAIL_SSO_ALLOW_PRIVATE)")
}

// secretKeys loads the key of --secret-key-file, or on SQLite the one of
// the data directory, made there the first time (mode 0600).
func (c Config) secretKeys() (*secret.Keys, error) {
	if c.SecretKeyFile != "" {
		return secret.LoadFile(c.SecretKeyFile)
	}
	if isPostgres(c.DB) {
		return nil, errors.New("--secret-key-file (or PORTAIL_SECRET_KEY_FILE) is required with PostgreSQL: every serve process " +
			"of the database must seal and open stored secrets with the same key. Make one with " +
			"`head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /etc/portail/secret.key`, keep it mode 0600 and give it to each process")
	}
	path := filepath.Join(c.dataDir(), "secret.key")
	k, err := secret.LoadOrCreate(path)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	return k, nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// webhooks builds the webhook service of the portal.
func (a *portal) webhooks(cfg Config, db *sqldb.DB, keys *secret.Keys) *sqldb.WebhookService {
	a.Webhooks = sqldb.NewWebhookService(db, keys)
	a.Webhooks.AllowHTTP = cfg.WebhookAllowPrivate
	return a.Webhooks
}

// webhookJob is the delivery worker every serve process runs.
func (c webhookConfig) webhookJob(store *sqldb.WebhookService, logger *slog.Logger, now func() time.Time) job {
	return &jobs.Webhooks{Store: store, Logger: logger, Interval: c.WebhookInterval, FirstRetry: c.WebhookRetry,
		AllowPrivate: c.WebhookAllowPrivate, Now: now}
}
