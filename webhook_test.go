package portail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"portail"
)

func TestValidateWebhookURL(t *testing.T) {
	for _, c := range []struct {
		url       string
		allowHTTP bool
		ok        bool
	}{
		{"https://hooks.example.com/portail", false, true},
		{"https://hooks.example.com:8443/p?x=1", false, true},
		{"http://hooks.example.com/portail", false, false},
		{"http://127.0.0.1:8080/hook", true, true},
		{"ftp://example.com/", true, false},
		{"", false, false},
		{"   ", false, false},
		{"hooks.example.com/portail", false, false},
		{"https://", false, false},
		{"https://user:pw@example.com/", false, false},
		{"https://example.com/" + strings.Repeat("a", portail.MaxWebhookURL), false, false},
		{"https://example.com/" + strings.Repeat("a", portail.MaxWebhookURL-len("https://example.com/")), false, true},
	} {
		err := portail.ValidateWebhookURL(c.url, c.allowHTTP)
		if (err == nil) != c.ok {
			t.Errorf("ValidateWebhookURL(%.40q, %v) = %v, want ok %v", c.url, c.allowHTTP, err, c.ok)
		}
		var pe *portail.Error
		if err != nil && (!errors.As(err, &pe) || pe.Code != portail.EINVALID || pe.Fields[0].Field != "url") {
			t.Errorf("%q: want a field error on url, got %v", c.url, err)
		}
	}
}

func TestParseWebhookEvents(t *testing.T) {
	got, err := portail.ParseWebhookEvents([]string{"user.created", "document.status_changed", "user.created"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != portail.EventDocumentStatusChanged || got[1] != portail.EventUserCreated {
		t.Fatalf("got %v: folded, in the order of WebhookEventTypes", got)
	}
	for _, bad := range [][]string{nil, {}, {"user.deleted"}, {"user.created", ""}} {
		if _, err := portail.ParseWebhookEvents(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := portail.ParseWebhookEvents(func() (s []string) {
		for _, t := range portail.WebhookEventTypes {
			s = append(s, string(t))
		}
		return
	}()); err != nil {
		t.Fatalf("every type: %v", err)
	}
}

func TestWebhookRetryAt(t *testing.T) {
	created := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		first   time.Duration
		attempt int
		jitter  float64
		now     time.Duration // since created
		want    time.Duration // wait from now; -1 = given up
	}{
		{"first failure", 30 * time.Second, 1, 0, 0, 30 * time.Second},
		{"second doubles", 30 * time.Second, 2, 0, time.Minute, time.Minute},
		{"fifth", 30 * time.Second, 5, 0, time.Hour, 8 * time.Minute},
		{"half jitter adds an eighth", 30 * time.Second, 1, 0.5, 0, 30*time.Second + 3750*time.Millisecond},
		{"jitter clamps", 30 * time.Second, 1, 7, 0, 30*time.Second + 7500*time.Millisecond},
		{"capped at two hours", 30 * time.Second, 12, 0, 2 * time.Hour, 2 * time.Hour},
		{"huge attempt does not overflow", 30 * time.Second, 400, 0, 2 * time.Hour, 2 * time.Hour},
		{"default first", 0, 1, 0, 0, portail.DefaultWebhookRetry},
		{"last retry at a day", 30 * time.Second, 20, 0, 23 * time.Hour, time.Hour},
		{"given up after a day", 30 * time.Second, 21, 0, 24 * time.Hour, -1},
		{"short first wait in tests", 10 * time.Millisecond, 3, 0, 0, 40 * time.Millisecond},
	} {
		at, ok := portail.WebhookRetryAt(c.first, c.attempt, c.jitter, created, created.Add(c.now))
		if c.want < 0 {
			if ok {
				t.Errorf("%s: retried at %v, want given up", c.name, at)
			}
			continue
		}
		if !ok || at.Sub(created.Add(c.now)) != c.want {
			t.Errorf("%s: wait %v (ok %v), want %v", c.name, at.Sub(created.Add(c.now)), ok, c.want)
		}
	}
	// The whole schedule from the default: a few dozen attempts over
	// about a day, then given up.
	now, n := created, 1
	for {
		at, ok := portail.WebhookRetryAt(portail.DefaultWebhookRetry, n, 0.5, created, now)
		if !ok {
			break
		}
		now, n = at, n+1
	}
	if now.Sub(created) != portail.WebhookRetryFor || n < 10 || n > 40 {
		t.Fatalf("schedule: %d attempts over %v", n, now.Sub(created))
	}
}

func TestWebhookFailing(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if portail.WebhookFailing(time.Time{}, now) {
		t.Error("an endpoint not failing is disabled")
	}
	if portail.WebhookFailing(now.Add(-23*time.Hour), now) {
		t.Error("disabled before a day")
	}
	if !portail.WebhookFailing(now.Add(-24*time.Hour), now) {
		t.Error("failing for a day and still enabled")
	}
}

func TestSign(t *testing.T) {
	// A fixed vector, computed independently:
	// printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
	const want = "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
	got := portail.Sign("whsec_test", 1700000000, []byte(`{"a":1}`))
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	now := time.Unix(1700000000, 0)
	h := portail.SignatureHeader("whsec_test", 1700000000, []byte(`{"a":1}`))
	if h != "t=1700000000,v1="+got {
		t.Fatalf("header %q", h)
	}
	if !portail.VerifySignature("whsec_test", h, []byte(`{"a":1}`), now, 5*time.Minute) {
		t.Fatal("own signature does not verify")
	}
	for name, c := range map[string]struct {
		secret, header, body string
		now                  time.Time
	}{
		"other secret": {"whsec_other", h, `{"a":1}`, now},
		"other body":   {"whsec_test", h, `{"a":2}`, now},
		"too old":      {"whsec_test", h, `{"a":1}`, now.Add(10 * time.Minute)},
		"no t":         {"whsec_test", "v1=" + got, `{"a":1}`, now},
		"garbage":      {"whsec_test", "nonsense", `{"a":1}`, now},
	} {
		if portail.VerifySignature(c.secret, c.header, []byte(c.body), c.now, 5*time.Minute) {
			t.Errorf("%s: verified", name)
		}
	}
}
