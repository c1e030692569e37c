package portail

import "time"

// Retention of what portail keeps only for a while. The purge job
// (jobs/purge.go, sqldb/purge.go) deletes what is past these, in small
// batches, in one serve process at a time (a lease). The activity log has
// its own, configurable retention (DefaultActivityRetention, L2); e-mails
// still pending are never purged (without an SMTP server the outbox is how
// an admin reads them).
const (
	// SessionRetention: an ended or expired session is deleted this long
	// after it ended or expired. Until then the browser still learns why
	// it was signed out (session_replaced), and the row says where it was
	// used from.
	SessionRetention = 30 * 24 * time.Hour
	// TokenRetention: an invitation or reset link is deleted this long
	// after it was used or expired. A dead link answers token_invalid
	// whether its row exists or not; the week covers the recent-link
	// checks made on the rows (at most hours).
	TokenRetention = 7 * 24 * time.Hour
	// EmailRetention: a sent e-mail is deleted this long after it was
	// sent, a given-up one this long after its last attempt. Secrets leave
	// an e-mail as soon as it is sent (EmailParams.Redact); what remains
	// (address, name) goes with the row.
	EmailRetention = 30 * 24 * time.Hour
	// KnownDeviceRetention: a browser not signed in from for this long is
	// forgotten: the device cookie, renewed at each sign-in, lasts as long
	// (web/server.go), so such a browser no longer presents it.
	KnownDeviceRetention = 365 * 24 * time.Hour
	// WebhookRetention: a webhook delivery settled (delivered or given
	// up) is deleted with its attempts this long after its event, and the
	// event once no delivery of it is left: the delivery log of an
	// endpoint shows the last month.
	WebhookRetention = 30 * 24 * time.Hour
	// TmpFileRetention: a file of the blob store's tmp directory not
	// written to for this long was left by a crash: an upload in progress
	// writes continuously and a request's body must arrive within a
	// minute.
	TmpFileRetention = time.Hour
	// OrphanBlobGrace: a stored file (document, label PDF, proof) that no
	// row names is deleted this long after it was last put. A file is put
	// before the row naming it commits (a crash between leaves an orphan,
	// never a row without its file), and putting the same content again
	// renews its time, so the grace must outlast any upload's commit by
	// far. Replaced files and old proofs go the same way once no row
	// names them.
	OrphanBlobGrace = 24 * time.Hour
)

// Sign-in throttle counters need no constant here: a counter that has
// seen no failure for a day (ThrottleForgetAfter, throttle.go) is
// forgotten by the throttle itself, and the purge deletes it once forgotten and not
// locked.
