// Webhooks (D10, SPEC §9 Wave-2 details 9): an account's admins subscribe
// endpoints to events; each event is a row written in the transaction of
// the change that caused it, then delivered, signed, by a job.

package portail

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WebhookEventType names what happened.
type WebhookEventType string

const (
	EventDocumentStatusChanged WebhookEventType = "document.status_changed"
	EventLabelStatusChanged    WebhookEventType = "label.status_changed"
	EventUserCreated           WebhookEventType = "user.created"
	EventUserUpdated           WebhookEventType = "user.updated"
	EventUserDeactivated       WebhookEventType = "user.deactivated"
	EventUserReactivated       WebhookEventType = "user.reactivated"
)

// WebhookEventTypes are every type an endpoint can subscribe to, in the
// order pages show them.
var WebhookEventTypes = []WebhookEventType{EventDocumentStatusChanged, EventLabelStatusChanged,
	EventUserCreated, EventUserUpdated, EventUserDeactivated, EventUserReactivated}

// MaxWebhookURL bounds an endpoint's address.
const MaxWebhookURL = 2000

// Webhook is an endpoint subscribed to some of its account's events.
type Webhook struct {
	ID             int64
	AccountID      int64
	URL            string
	Events         []WebhookEventType
	Enabled        bool
	DisabledReason string // why deliveries stopped, when they did by themselves
	CreatedAt      time.Time
}

// Subscribed reports whether w takes events of type t.
func (w *Webhook) Subscribed(t WebhookEventType) bool { return slices.Contains(w.Events, t) }

// WebhookCreate is what an admin gives to subscribe an endpoint.
type WebhookCreate struct {
	URL    string
	Events []string
}

// WebhookUpdate changes an endpoint; a nil field stays as it is.
// Enabling again clears the disabled reason and the failure streak.
type WebhookUpdate struct {
	URL     *string
	Events  *[]string
	Enabled *bool
}

// WebhookAttempt is one line of an endpoint's delivery log: one attempt
// of one delivery (the event for that endpoint). ID is the delivery's, the
// id a resend names.
type WebhookAttempt struct {
	ID         int64
	EventID    string
	EventType  WebhookEventType
	Attempt    int
	StatusCode int // 0 when no answer came (refused, timed out)
	Error      string
	At         time.Time
}

// WebhookEvent is an event as it is delivered: Data is the JSON of the
// item (and from/to for a status change).
type WebhookEvent struct {
	ID        string
	AccountID int64
	Type      WebhookEventType
	CreatedAt time.Time
	Data      json.RawMessage
}

// Body is the JSON every endpoint receives for e.
func (e *WebhookEvent) Body() ([]byte, error) {
	return json.Marshal(struct {
		ID        string           `json:"id"`
		Type      WebhookEventType `json:"type"`
		CreatedAt time.Time        `json:"created_at"`
		AccountID int64            `json:"account_id"`
		Data      json.RawMessage  `json:"data"`
	}{e.ID, e.Type, e.CreatedAt.UTC(), e.AccountID, e.Data})
}

// WebhookDelivery is a delivery a worker claimed: the event for one
// endpoint, with what signing needs.
type WebhookDelivery struct {
	ID        int64
	Webhook   Webhook
	Secret    string // the endpoint's signing secret, opened
	Event     WebhookEvent
	Attempts  int // counting the one being made
	CreatedAt time.Time
	Claim     Claim
}

// WebhookOutcome is what one attempt gave.
type WebhookOutcome struct {
	StatusCode int
	Error      string
}

// OK reports a 2xx answer: the delivery is done and never repeated.
func (o WebhookOutcome) OK() bool { return o.StatusCode >= 200 && o.StatusCode < 300 }

// WebhookService manages an account's endpoints (admins: ActManageWebhooks).
type WebhookService interface {
	ListWebhooks(ctx context.Context) ([]*Webhook, error)
	FindWebhook(ctx context.Context, id int64) (*Webhook, error)
	// CreateWebhook answers the endpoint and its secret, which is shown
	// this once.
	CreateWebhook(ctx context.Context, c WebhookCreate) (*Webhook, string, error)
	UpdateWebhook(ctx context.Context, id int64, u WebhookUpdate) (*Webhook, error)
	DeleteWebhook(ctx context.Context, id int64) error
	// WebhookAttempts lists an endpoint's delivery log, newest first.
	WebhookAttempts(ctx context.Context, id int64, limit int, cursor string) ([]*WebhookAttempt, string, error)
	// ResendDelivery makes a delivery due again now: a new attempt of the
	// same event (same event id).
	ResendDelivery(ctx context.Context, webhookID, deliveryID int64) error
}

// ValidateWebhookURL checks an endpoint's address: https, unless the
// installation allows private networks (tests, closed networks), where
// http is accepted too.
func ValidateWebhookURL(raw string, allowHTTP bool) error {
	var v Validation
	u, err := url.Parse(raw)
	switch {
	case strings.TrimSpace(raw) == "":
		v.Add("url", "Give the endpoint's address.")
	case len(raw) > MaxWebhookURL:
		v.Add("url", fmt.Sprintf("Use at most %d characters.", MaxWebhookURL))
	case err != nil || u.Host == "" || u.Hostname() == "" || !u.IsAbs():
		v.Add("url", "Give a full address, like https://example.com/hooks.")
	case u.User != nil:
		v.Add("url", "Leave names and passwords out of the address; the signature authenticates.")
	case u.Scheme != "https" && !(allowHTTP && u.Scheme == "http"):
		v.Add("url", "Use an https address.")
	}
	return v.Err()
}

// ParseWebhookEvents checks the event types of a subscription: at least
// one, each known; duplicates fold. The answer is in WebhookEventTypes
// order.
func ParseWebhookEvents(in []string) ([]WebhookEventType, error) {
	var v Validation
	if len(in) == 0 {
		v.Add("events", "Choose at least one event.")
	}
	for _, s := range in {
		if !slices.Contains(WebhookEventTypes, WebhookEventType(s)) {
			v.Add("events", fmt.Sprintf("%q is not an event type.", s))
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out []WebhookEventType
	for _, t := range WebhookEventTypes {
		if slices.Contains(in, string(t)) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Validate checks a subscription.
func (c WebhookCreate) Validate(allowHTTP bool) ([]WebhookEventType, error) {
	errURL := ValidateWebhookURL(c.URL, allowHTTP)
	events, errEvents := ParseWebhookEvents(c.Events)
	return events, JoinInvalid(errURL, errEvents)
}

// WebhookRetryFor is how long a delivery is retried (about a day), and
// how long an endpoint may keep failing before it is disabled.
const WebhookRetryFor = 24 * time.Hour

// DefaultWebhookRetry is the first wait after a failure.
const DefaultWebhookRetry = 30 * time.Second

// maxWebhookWait caps one wait, so a long outage is still tried a few
// times an hour near its end.
const maxWebhookWait = 2 * time.Hour

// WebhookRetryAt is when a delivery that failed its attempt-th attempt
// (1 for the first) is tried again: first, doubling, capped at two hours,
// plus a jitter of up to a quarter (jitter in [0, 1), random in the
// worker, fixed in tests) so the retries of many deliveries spread out.
// The last retry falls at created + WebhookRetryFor; a delivery failing
// then is given up (ok false).
func WebhookRetryAt(first time.Duration, attempt int, jitter float64, created, now time.Time) (time.Time, bool) {
	end := created.Add(WebhookRetryFor)
	if !now.Before(end) {
		return time.Time{}, false
	}
	if first <= 0 {
		first = DefaultWebhookRetry
	}
	wait := maxWebhookWait
	if n := max(attempt-1, 0); n < 30 && first<<n < maxWebhookWait && first<<n > 0 {
		wait = first << n
	}
	wait += time.Duration(float64(wait) / 4 * min(max(jitter, 0), 1))
	at := now.Add(wait)
	if at.After(end) {
		at = end
	}
	return at, true
}

// WebhookFailing reports whether an endpoint whose deliveries have failed
// since failingSince (no 2xx since) is to be disabled now.
func WebhookFailing(failingSince, now time.Time) bool {
	return !failingSince.IsZero() && now.Sub(failingSince) >= WebhookRetryFor
}

// Sign is the v1 signature of a delivery: hex HMAC-SHA256 with the
// endpoint's secret over the timestamp, a dot and the body.
func Sign(secret string, t int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(t, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// SignatureHeader is the Portail-Signature header's value.
func SignatureHeader(secret string, t int64, body []byte) string {
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + Sign(secret, t, body)
}

// VerifySignature checks a Portail-Signature header as a receiver does:
// a v1 matches and t is within tolerance of now.
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var t int64 = -1
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				t = n
			}
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if t < 0 || now.Sub(time.Unix(t, 0)).Abs() > tolerance {
		return false
	}
	want := Sign(secret, t, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}
