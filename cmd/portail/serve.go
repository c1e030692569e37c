package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"portail"
	"portail/blob"
	"portail/jobs"
	"portail/mail"
	"portail/passkey"
	"portail/password"
	"portail/pdf"
	"portail/preflight"
	"portail/sqldb"
	"portail/sso"
	"portail/web"
)

// Config is everything serve needs, from flags and environment.
type Config struct {
	Addr            string
	DB              string
	SMTP            string
	BaseURL         string
	MailFrom        string
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	PasswordMinLen  int
	OutboxInterval  time.Duration
	OutboxRetry     time.Duration
	// ActivityRetention is how long the activity log keeps entries.
	ActivityRetention Days
	// DataDir holds the stored files (documents, labels) unless BlobStore
	// says otherwise, and the engine's cache; empty means the SQLite
	// file's directory, or "data" with PostgreSQL.
	DataDir string
	// BlobStore is where files are kept: file:DIR, or
	// s3://BUCKET?endpoint=URL&region=R (blob.OpenURL); empty is
	// DATA-DIR/blobs.
	BlobStore string
	// SweepEvery is how often the orphan sweeper runs (default one hour);
	// no flag sets it: tests do.
	SweepEvery time.Duration
	// MaxUpload caps an uploaded document; 0 means web.DefaultMaxUpload.
	MaxUpload Bytes
	// Simulator runs the built-in print-and-post simulator, which moves
	// documents and labels along their statuses every SimulatorInterval.
	Simulator         bool
	SimulatorInterval time.Duration
	// PartnerClaimTimeout is how long a print partner may hold a letter
	// without an event before it goes back to received.
	PartnerClaimTimeout time.Duration
	// MetricsToken opens /metrics to non-loopback scrapers that send it.
	MetricsToken string
	// Currency is the ISO 4217 code of seat prices (default EUR).
	Currency string
	// Tariff is the path of the letter tariff (JSON, portail.ReadTariff);
	// empty is portail.DefaultTariff in Currency.
	Tariff string
	// MaxPages is the most pages a letter may have; 0 is
	// portail.DefaultMaxPages.
	MaxPages int
	// TrustedProxies are the reverse proxies' networks, comma-separated
	// CIDRs: only from them is X-Forwarded-For believed.
	TrustedProxies string
	// Now is the clock of the database and the jobs; nil is time.Now.
	// No flag sets it: tests do.
	Now func() time.Time
	// EngineCache is where the PDF engine's compiled code is kept
	// between starts; empty is <data-dir>/cache/pdfium. Tests share one
	// across their sites.
	EngineCache string
	// Webhooks: see webhooks.go.
	webhookConfig
}

// Days is a duration flag that also takes whole days: "60d".
type Days time.Duration

func (d *Days) String() string { return time.Duration(*d).String() }

func (d *Days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return fmt.Errorf("want a positive number of days, like 60d")
		}
		*d = Days(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return fmt.Errorf("want a duration like 60d or 1440h")
	}
	*d = Days(v)
	return nil
}

// Duration returns d as a time.Duration.
func (d Days) Duration() time.Duration { return time.Duration(d) }

// Bytes is a size flag: a number of bytes, or with K, M or G (KB, KiB…)
// for binary multiples: "20MB" is 20 MiB.
type Bytes int64

func (b *Bytes) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *Bytes) Set(s string) error {
	num := strings.TrimRight(strings.ToUpper(strings.TrimSpace(s)), "IB")
	shift := 0
	switch {
	case strings.HasSuffix(num, "K"):
		shift = 10
	case strings.HasSuffix(num, "M"):
		shift = 20
	case strings.HasSuffix(num, "G"):
		shift = 30
	}
	if shift > 0 {
		num = num[:len(num)-1]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 || n > 1<<(62-shift) {
		return fmt.Errorf("want a size like 20MB, 512KB or a number of bytes")
	}
	*b = Bytes(n << shift)
	return nil
}

// Main is one serve process: its configuration, its listener and its portal;
// end-to-end tests run it in process on port 0.
type Main struct {
	Config Config
	Stdout io.Writer
	Logger *slog.Logger

	*portal  // built by Open
	listener net.Listener
	http     *http.Server
}

// job is background work that runs until its context ends.
type job interface {
	Name() string
	Run(ctx context.Context)
}

// NewMain returns a Main with the defaults.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
}

// ParseFlags reads the flags, each defaulting to its environment variable.
func (m *Main) ParseFlags(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &m.Config
	fs.StringVar(&c.Addr, "addr", env("PORTAIL_ADDR", "127.0.0.1:8080"), "address to listen on (env PORTAIL_ADDR)")
	fs.StringVar(&c.DB, "db", env("PORTAIL_DB", defaultDB), "database: a SQLite file path (or sqlite:PATH) or a postgres:// URL (env PORTAIL_DB)")
	fs.StringVar(&c.SMTP, "smtp", env("PORTAIL_SMTP", ""), "SMTP server, smtp://[user:pass@]host:port; empty keeps e-mails in the outbox (env PORTAIL_SMTP)")
	fs.StringVar(&c.BaseURL, "base-url", env("PORTAIL_BASE_URL", ""), "public address, the only source of links in e-mails (env PORTAIL_BASE_URL; default http://ADDR)")
	fs.StringVar(&c.MailFrom, "mail-from", env("PORTAIL_MAIL_FROM", "portail <no-reply@localhost>"), "sender of e-mails (env PORTAIL_MAIL_FROM)")
	fs.StringVar(&c.Currency, "currency", env("PORTAIL_CURRENCY", portail.DefaultCurrency), "ISO 4217 code of the prices, as GET /account and the account page show them (env PORTAIL_CURRENCY)")
	fs.StringVar(&c.Tariff, "tariff", env("PORTAIL_TARIFF", ""), "letter tariff, a JSON file of prices in cents of --currency, VAT excluded; empty keeps the defaults (env PORTAIL_TARIFF)")
	maxPages, perr := strconv.Atoi(env("PORTAIL_MAX_PAGES", strconv.Itoa(portail.DefaultMaxPages)))
	if perr != nil {
		return fmt.Errorf("PORTAIL_MAX_PAGES: want a number of pages")
	}
	fs.IntVar(&c.MaxPages, "max-pages", maxPages, "most pages a letter may have (env PORTAIL_MAX_PAGES)")
	fs.StringVar(&c.EngineCache, "engine-cache", env("PORTAIL_ENGINE_CACHE", ""), "where the PDF engine's compiled code is kept between starts (derived data); empty is DATA-DIR/cache/pdfium (env PORTAIL_ENGINE_CACHE)")
	fs.StringVar(&c.MetricsToken, "metrics-token", env("PORTAIL_METRICS_TOKEN", ""), "bearer token for /metrics from other hosts; without it /metrics answers loopback only (env PORTAIL_METRICS_TOKEN)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("PORTAIL_TRUSTED_PROXIES", ""), "reverse proxies in front of portail, comma-separated CIDRs like 127.0.0.1/32,10.0.0.0/8: from them only, X-Forwarded-For names the client (env PORTAIL_TRUSTED_PROXIES; default none)")
	fs.DurationVar(&c.SessionIdle, "session-idle", portail.DefaultSessionIdle, "end sessions unused this long")
	fs.DurationVar(&c.SessionLifetime, "session-lifetime", portail.DefaultSessionLifetime, "end sessions this old")
	fs.IntVar(&c.PasswordMinLen, "password-min-length", password.DefaultMinLength, "minimum password length")
	fs.DurationVar(&c.OutboxInterval, "outbox-interval", 2*time.Second, "how often to look for e-mails to send")
	c.ActivityRetention = Days(portail.DefaultActivityRetention)
	if v, ok := os.LookupEnv("PORTAIL_ACTIVITY_RETENTION"); ok {
		if err := c.ActivityRetention.Set(v); err != nil {
			return fmt.Errorf("PORTAIL_ACTIVITY_RETENTION: %w", err)
		}
	}
	fs.Var(&c.ActivityRetention, "activity-retention", "how long to keep the activity log, like 60d (env PORTAIL_ACTIVITY_RETENTION)")
	fs.StringVar(&c.BlobStore, "blob-store", env("PORTAIL_BLOB_STORE", ""), "where documents, label PDFs and proofs are kept: file:DIR, or s3://BUCKET?endpoint=URL&region=R with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; several serve processes share one bucket (env PORTAIL_BLOB_STORE; default file:DATA-DIR/blobs)")
	fs.StringVar(&c.DataDir, "data-dir", env("PORTAIL_DATA_DIR", ""), "directory of stored documents and labels (env PORTAIL_DATA_DIR; default: the SQLite file's directory, or data)")
	c.MaxUpload = web.DefaultMaxUpload
	if v, ok := os.LookupEnv("PORTAIL_MAX_UPLOAD"); ok {
		if err := c.MaxUpload.Set(v); err != nil {
			return fmt.Errorf("PORTAIL_MAX_UPLOAD: %w", err)
		}
	}
	fs.Var(&c.MaxUpload, "max-upload", "largest document upload, like 20MB (env PORTAIL_MAX_UPLOAD)")
	simulator, err := strconv.ParseBool(env("PORTAIL_SIMULATOR", "true"))
	if err != nil {
		return fmt.Errorf("PORTAIL_SIMULATOR: want true or false")
	}
	interval, err := time.ParseDuration(env("PORTAIL_SIMULATOR_INTERVAL", "5s"))
	if err != nil {
		return fmt.Errorf("PORTAIL_SIMULATOR_INTERVAL: %w", err)
	}
	fs.BoolVar(&c.Simulator, "simulator", simulator, "run the built-in print-and-post simulator, which moves documents and labels along their statuses (env PORTAIL_SIMULATOR)")
	fs.DurationVar(&c.SimulatorInterval, "simulator-interval", interval, "how long the simulator leaves an item in each status (env PORTAIL_SIMULATOR_INTERVAL)")
	fs.DurationVar(&c.PartnerClaimTimeout, "partner-claim-timeout", 24*time.Hour, "how long a print partner may hold a letter without reporting on it before it goes back to received")
	fs.DurationVar(&c.OutboxRetry, "outbox-retry", 5*time.Second, "first wait before retrying a failed e-mail; it doubles with each failure")
	c.webhookFlags(fs)
	return fs.Parse(args)
}

// Open listens, then builds the portal; it does not serve yet, so that the
// address is known (port 0 in tests).
func (m *Main) Open(ctx context.Context) error {
	if c := m.Config.Currency; c != "" && !portail.ValidCurrency(c) {
		return fmt.Errorf("--currency %q: want an ISO 4217 code such as EUR", c)
	}
	// A bad tariff or page limit stops serve before it listens, naming
	// the field.
	if _, err := m.Config.tariff(); err != nil {
		return err
	}
	if n := m.Config.MaxPages; n < 0 || n > MaxMaxPages {
		return fmt.Errorf("--max-pages %d: want a number of pages from 1 to %d", n, MaxMaxPages)
	}
	// A malformed network stops serve before it listens.
	proxies, err := web.ParseTrustedProxies(m.Config.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return err
	}
	m.listener = ln
	// Password hashes take password.Concurrency() Ps at most, on threads
	// of a lower priority; a P per core besides serves every other
	// request during a login storm, and the system runs those threads
	// first (password.hasher; BENCHMARKS.md, "Sign-in under load").
	// GOMAXPROCS in the environment is the operator's choice and wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + password.Concurrency())
	}
	base := m.Config.BaseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	baseURL, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (baseURL.Scheme != "http" && baseURL.Scheme != "https") || baseURL.Host == "" {
		return fmt.Errorf("--base-url %q: want http(s)://host[:port]", base)
	}
	if m.portal, err = newPortal(ctx, m.Config, baseURL, proxies, m.Logger); err != nil {
		return err
	}
	m.http = &http.Server{Handler: m.Server.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}

	// First run: an empty database gets a one-time link to the setup page.
	token, err := m.auth.CreateSetupToken(ctx)
	if err != nil {
		return err
	}
	// The address and the setup link are the first lines serve writes,
	// before any log line: they are what the person who typed the command
	// waits for.
	if addr := "http://" + ln.Addr().String(); addr == baseURL.String() {
		fmt.Fprintf(m.Stdout, "portail is serving on %s\n", addr)
	} else {
		fmt.Fprintf(m.Stdout, "portail is serving on %s (public address %s)\n", addr, baseURL)
	}
	if token != "" {
		fmt.Fprintf(m.Stdout, "No account yet: open this one-time link to create the first account and its admin:\n    %s/setup?token=%s\n", baseURL, token)
	}
	m.portal.announce(m.Config, m.Stdout, m.Logger)
	return nil
}

// announce says what the operator of a new process should know, once the
// address and the setup link are printed.
func (a *portal) announce(cfg Config, stdout io.Writer, logger *slog.Logger) {
	if cfg.SMTP == "" {
		fmt.Fprintln(stdout, "No SMTP server (--smtp): e-mails stay in the outbox; read them with `portail outbox list` or on the Outbox page.")
	}
	if a.passkeysOff != "" {
		logger.Info("passkeys are off: the base URL's host is an IP address", "base_url", a.passkeysOff)
	}
	for _, c := range a.DB.KeyCollisions() {
		logger.Warn("two users now share one identity key: an admin must resolve it", "column", c.Column,
			"kept_user_id", c.Kept, "renamed_user_id", c.Renamed, "key", c.Key, "detail", c.String())
	}
}

// portal is what one serve process runs, wired from its Config: the
// database, the services over it, the web server and the background jobs.
// newPortal is the only place that wires them, for `portail serve` and for
// every end-to-end test alike.
type portal struct {
	DB     *sqldb.DB
	Server *web.Server
	// Outbox and Processing are the queues the jobs work through; tests
	// read and move them with the same services.
	Outbox     *sqldb.OutboxService
	Processing *sqldb.ProcessingService
	// Webhooks is the webhook delivery queue.
	Webhooks *sqldb.WebhookService
	// Tariff is the letter tariff in force, read from cfg.
	Tariff  *portail.Tariff
	auth    *sqldb.AuthService
	jobs    []job
	letters *preflight.Reader // the PDF engine, started by the first letter read: uploads wait for it, /readyz does not
	// passkeysOff is the base URL when its host is an IP address.
	passkeysOff string
}

// newPortal opens the database of cfg and wires the services, the server and
// the jobs; links in e-mails and pages are on baseURL, and X-Forwarded-For
// is believed from proxies only (both parsed from cfg by Open, which checks
// them before it listens). The caller closes it.
func newPortal(ctx context.Context, cfg Config, baseURL *url.URL, proxies []netip.Prefix, logger *slog.Logger) (*portal, error) {
	keys, err := cfg.secretKeys()
	if err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	if cfg.Now != nil {
		db.Now = cfg.Now
	}
	a := &portal{DB: db, Outbox: sqldb.NewOutboxService(db), Processing: sqldb.NewProcessingService(db)}
	rules := password.Rules{MinLength: cfg.PasswordMinLen}
	a.auth = sqldb.NewAuthService(db)
	a.auth.Idle, a.auth.Lifetime, a.auth.Rules = cfg.SessionIdle, cfg.SessionLifetime, rules
	creds := sqldb.NewCredentialService(db)
	creds.Rules = rules
	blobs, err := cfg.blobs(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if a.Tariff, err = cfg.tariff(); err != nil {
		db.Close()
		return nil, err
	}
	// The engine compiled once is kept beside the files: a restart starts
	// it in a fraction of the time.
	cache := cfg.EngineCache
	if cache == "" {
		cache = filepath.Join(cfg.dataDir(), "cache", "pdfium")
	}
	a.letters = preflight.New(preflight.Config{CacheDir: cache, OnStart: engineStarting})
	letters := sqldb.Letters{Reader: a.letters, Tariff: a.Tariff, MaxPages: cfg.maxPages()}
	// Passkeys need the base URL's host to be a name (a relying party
	// id); on an IP address they are off, and the pages do not offer them.
	rp, err := passkey.New(baseURL.String(), "portail")
	if errors.Is(err, passkey.ErrOff) {
		a.passkeysOff = baseURL.String() // said by announce, after the first lines
	} else if err != nil {
		db.Close()
		return nil, err
	}
	mfa := sqldb.NewMFAService(db, a.auth, keys)
	scimService := sqldb.NewSCIMService(db)
	a.Server = web.NewServer(web.Services{
		Auth:         a.auth,
		Users:        sqldb.NewUserService(db),
		Departments:  sqldb.NewDepartmentService(db),
		Accounts:     sqldb.NewAccountService(db),
		Credentials:  creds,
		Outbox:       a.Outbox,
		Activity:     sqldb.NewActivityService(db),
		Documents:    sqldb.NewDocumentService(db, blobs, letters),
		Labels:       sqldb.NewLabelService(db, blobs, pdf.Label),
		Reports:      sqldb.NewReportService(db),
		Webhooks:     a.webhooks(cfg, db, keys),
		Partners:     sqldb.NewPartnerService(db).WithFiles(blobs, a.letters),
		Sessions:     sqldb.NewSessionService(a.auth),
		MFA:          mfa,
		SSO:          sqldb.NewSSOService(a.auth, keys), // sessions as the password sign-in's (C13)
		RelyingParty: &sso.RelyingParty{Client: providerClient(cfg.SSOAllowPrivate)},
		Passkeys:     sqldb.NewPasskeyService(db, rp, mfa),
		SCIMTokens:   scimService,
		SCIM:         scimService,
	}, baseURL, logger)
	a.Server.MaxUpload = int64(cfg.MaxUpload)
	a.Server.Ready = func(ctx context.Context) error {
		var errs []error
		if err := db.Ping(ctx); err != nil {
			errs = append(errs, &web.Unready{What: "database", Err: err})
		}
		if err := blobs.Ping(ctx); err != nil {
			errs = append(errs, &web.Unready{What: "object store", Err: err})
		}
		return errors.Join(errs...)
	}
	a.Server.MetricsToken = cfg.MetricsToken
	a.Server.Currency = cfg.Currency
	a.Server.Tariff, a.Server.MaxPages = a.Tariff, cfg.maxPages()
	a.Server.TrustedProxies = proxies
	a.Server.CountOutbox(a.Outbox.CountUnsent)
	a.Server.Mailing, a.Server.Simulating = cfg.SMTP != "", cfg.Simulator

	keep := cfg.ActivityRetention
	if keep <= 0 {
		keep = Days(portail.DefaultActivityRetention)
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d/%p", host, os.Getpid(), a)
	a.jobs = append(a.jobs, &jobs.Retention{Store: db, Keep: keep.Duration(), Holder: holder, Logger: logger, Now: db.Now},
		&jobs.Purge{Store: db, Tmp: tmpSweeper(blobs), Holder: holder, Logger: logger, Now: db.Now},
		&jobs.OrphanSweep{Store: db, Blobs: blobs, Every: cfg.SweepEvery, Holder: holder, Logger: logger, Now: db.Now})
	if cfg.Simulator {
		a.jobs = append(a.jobs, &jobs.Simulator{Store: a.Processing, Partners: sqldb.NewPartnerService(db), Interval: cfg.SimulatorInterval,
			FailureRate: 0.05, Logger: logger, Now: db.Now})
	}
	a.jobs = append(a.jobs, cfg.webhookJob(a.Webhooks, logger, db.Now))
	a.jobs = append(a.jobs, &jobs.ClaimTimeout{Store: struct {
		*sqldb.DB
		*sqldb.PartnerService
	}{db, sqldb.NewPartnerService(db)}, Timeout: cfg.partnerClaimTimeout(), Every: min(cfg.partnerClaimTimeout()/4, time.Minute), Holder: holder, Logger: logger})
	if cfg.SMTP != "" {
		mailer, err := mail.NewSMTP(cfg.SMTP, cfg.MailFrom)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.jobs = append(a.jobs, &jobs.Delivery{Outbox: a.Outbox, Mailer: mailer, Logger: logger, BaseURL: baseURL.String(), Now: db.Now,
			Interval: cfg.OutboxInterval, RetryBase: cfg.OutboxRetry})
	}
	return a, nil
}

// Close releases the database and the PDF engine.
func (a *portal) Close() error { return errors.Join(a.DB.Close(), a.letters.Close()) }

// blobs opens the blob store of --blob-store.
func (c Config) blobs(ctx context.Context) (blob.Store, error) {
	return blob.OpenURL(ctx, c.BlobStore, filepath.Join(c.dataDir(), "blobs"))
}

// tmpSweeper is the store's temporary files to sweep, if it has any: a
// directory keeps them under tmp; the S3 store spools to the system's
// temporary directory and removes its file itself.
func tmpSweeper(s blob.Store) jobs.TmpSweeper {
	if d, ok := s.(blob.Dir); ok {
		return d
	}
	return nil
}

// dataDir is where stored files go: --data-dir, else beside the SQLite
// file, else "data".
func (c Config) dataDir() string {
	if c.DataDir != "" {
		return c.DataDir
	}
	if db := c.DB; !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
		return filepath.Dir(strings.TrimPrefix(db, "sqlite:"))
	}
	return "data"
}

// URL is the address the server listens on.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Run serves until ctx ends, then shuts down gracefully.
func (m *Main) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.http.Serve(m.listener) }()
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, j := range m.jobs {
		wg.Go(func() {
			m.Logger.Info("job started", "job", j.Name())
			j.Run(jobsCtx)
		})
	}
	defer func() { stopJobs(); wg.Wait() }()
	m.Logger.Info("serving", "addr", m.listener.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m.Logger.Info("shutting down")
	if err := m.http.Shutdown(shutdown); err != nil {
		return err
	}
	m.Server.Wait()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close releases the portal.
func (m *Main) Close() error {
	if m.portal != nil {
		return m.portal.Close()
	}
	return nil
}

// Serve opens, runs until ctx ends, and closes.
func (m *Main) Serve(ctx context.Context) error {
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	return m.Run(ctx)
}

// MaxMaxPages bounds --max-pages: the preflight reads every page of a
// letter, and a letter of more sheets fits in no envelope.
const MaxMaxPages = 500

// maxPages is the page limit of a letter.
func (c Config) maxPages() int {
	if c.MaxPages <= 0 {
		return portail.DefaultMaxPages
	}
	return c.MaxPages
}

// tariff reads the --tariff file, or gives the defaults in the currency;
// a bad file is an error that names it and every bad field.
func (c Config) tariff() (*portail.Tariff, error) {
	currency := c.Currency
	if currency == "" {
		currency = portail.DefaultCurrency
	}
	if c.Tariff == "" {
		return portail.DefaultTariff(currency), nil
	}
	f, err := os.Open(c.Tariff)
	if err != nil {
		return nil, fmt.Errorf("--tariff: %w", err)
	}
	defer f.Close()
	t, err := portail.ReadTariff(f)
	if err != nil {
		var e *portail.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			var b strings.Builder
			for i, fe := range e.Fields {
				if i > 0 {
					b.WriteString("; ")
				}
				fmt.Fprintf(&b, "%s: %s", fe.Field, fe.Message)
			}
			return nil, fmt.Errorf("--tariff %s: %s", c.Tariff, b.String())
		}
		return nil, fmt.Errorf("--tariff %s: %s", c.Tariff, portail.ErrorMessage(err))
	}
	if t.Currency != currency {
		return nil, fmt.Errorf("--tariff %s: currency: the tariff is in %s, the prices (--currency) in %s", c.Tariff, t.Currency, currency)
	}
	return t, nil
}

// partnerClaimTimeout is the flag's value, the default when unset (a
// Config made in code).
func (c Config) partnerClaimTimeout() time.Duration {
	if c.PartnerClaimTimeout > 0 {
		return c.PartnerClaimTimeout
	}
	return 24 * time.Hour
}
