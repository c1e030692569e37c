package portail_test

import (
	"testing"
	"time"

	"portail"
)

// TestPartnerEventApply checks the rule of each partner event on a letter
// in each status (SPEC §9 Wave-2 details 8).
func TestPartnerEventApply(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		from       portail.DocumentStatus
		registered bool
		event      portail.PartnerEvent
		next       portail.DocumentStatus
		repeat     bool
		code       string // "" when accepted
		field      string // the field error, for invalid
	}{
		{name: "printed", from: "processing", event: portail.PartnerEvent{Status: "printed"}, next: "printed"},
		{name: "posted after printed", from: "printed", event: portail.PartnerEvent{Status: "posted"}, next: "posted"},
		{name: "posted at once", from: "processing", event: portail.PartnerEvent{Status: "posted"}, next: "posted"},
		{name: "registered posted", from: "printed", registered: true, event: portail.PartnerEvent{Status: "posted", TrackingNumber: " RR123BE "}, next: "posted"},
		{name: "registered without number", from: "printed", registered: true, event: portail.PartnerEvent{Status: "posted"}, code: portail.EINVALID, field: "tracking_number"},
		{name: "failed", from: "processing", event: portail.PartnerEvent{Status: "failed", Detail: "paper jam"}, next: "failed"},
		{name: "failed after printed", from: "printed", event: portail.PartnerEvent{Status: "failed", Detail: "lost"}, next: "failed"},
		{name: "failed without reason", from: "printed", event: portail.PartnerEvent{Status: "failed", Detail: "  "}, code: portail.EINVALID, field: "detail"},
		{name: "returned", from: "posted", event: portail.PartnerEvent{Status: "returned", Detail: "moved away"}, next: "returned"},
		{name: "returned without reason", from: "posted", event: portail.PartnerEvent{Status: "returned"}, code: portail.EINVALID, field: "detail"},
		{name: "repeat printed", from: "printed", event: portail.PartnerEvent{Status: "printed"}, next: "printed", repeat: true},
		{name: "repeat posted", from: "posted", event: portail.PartnerEvent{Status: "posted"}, next: "posted", repeat: true},
		{name: "repeat failed", from: "failed", event: portail.PartnerEvent{Status: "failed", Detail: "again"}, next: "failed", repeat: true},
		{name: "repeat failed without its reason", from: "failed", event: portail.PartnerEvent{Status: "failed"}, next: "failed", repeat: true},
		{name: "repeat returned without its reason", from: "returned", event: portail.PartnerEvent{Status: "returned"}, next: "returned", repeat: true},
		{name: "printed after posted", from: "posted", event: portail.PartnerEvent{Status: "printed"}, code: portail.EINVALIDTRANSITION},
		{name: "returned before posted", from: "printed", event: portail.PartnerEvent{Status: "returned", Detail: "x"}, code: portail.EINVALIDTRANSITION},
		{name: "printed while waiting", from: "received", event: portail.PartnerEvent{Status: "printed"}, code: portail.EINVALIDTRANSITION},
		{name: "failed after returned", from: "returned", event: portail.PartnerEvent{Status: "failed", Detail: "x"}, code: portail.EINVALIDTRANSITION},
		{name: "posted after cancelled", from: "cancelled", event: portail.PartnerEvent{Status: "posted"}, code: portail.EINVALIDTRANSITION},
		{name: "received is not an event", from: "processing", event: portail.PartnerEvent{Status: "received"}, code: portail.EINVALID, field: "status"},
		{name: "unknown status", from: "processing", event: portail.PartnerEvent{Status: "lost"}, code: portail.EINVALID, field: "status"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &portail.Document{Status: tt.from, Options: portail.LetterOptions{Registered: tt.registered}}
			next, repeat, err := tt.event.Apply(d)
			if got := portail.ErrorCode(err); got != tt.code {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if tt.code != "" {
				if d.Status != tt.from {
					t.Errorf("refused event moved the letter to %s", d.Status)
				}
				if tt.field != "" {
					e := err.(*portail.Error)
					if len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
						t.Errorf("fields %+v, want %s", e.Fields, tt.field)
					}
				}
				return
			}
			if next != tt.next || repeat != tt.repeat {
				t.Errorf("next %s repeat %v, want %s %v", next, repeat, tt.next, tt.repeat)
			}
			if repeat {
				if d.FailureReason != "" || d.ReturnReason != "" || d.TrackingNumber != "" {
					t.Errorf("a repeat changed the letter: %+v", d)
				}
				return
			}
			if d.Status != tt.next {
				t.Errorf("letter status %s, want %s", d.Status, tt.next)
			}
			switch tt.next {
			case portail.DocumentFailed:
				if d.FailureReason == "" || d.FailureReason != tt.event.Detail {
					t.Errorf("failure reason %q", d.FailureReason)
				}
			case portail.DocumentReturned:
				if d.ReturnReason != tt.event.Detail {
					t.Errorf("return reason %q", d.ReturnReason)
				}
			case portail.DocumentPosted:
				if tt.registered && d.TrackingNumber != "RR123BE" {
					t.Errorf("tracking number %q", d.TrackingNumber)
				}
			}
		})
	}

	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	for _, at := range []struct {
		at   *time.Time
		want time.Time
	}{{nil, now}, {&past, past}, {&future, now}, {&now, now}} {
		if got := (portail.PartnerEvent{Status: "printed", At: at.at}).When(now); !got.Equal(at.want) {
			t.Errorf("When(%v) = %v, want %v", at.at, got, at.want)
		}
	}
}

func TestPartnerName(t *testing.T) {
	for name, ok := range map[string]bool{
		"Imprimerie Dupont": true, "": false, " x": false, "x ": false, "a\tb": false, "simulator": false, "Simulator": false,
		string(make([]rune, 101)): false,
	} {
		if err := portail.ValidatePartnerName(name); (err == nil) != ok {
			t.Errorf("ValidatePartnerName(%q) = %v", name, err)
		}
	}
	key, hash := portail.NewPartnerKey()
	if key[:4] != "ptp_" || hash != portail.HashToken(key) || hash == key {
		t.Errorf("key %q hash %q", key, hash)
	}
}
