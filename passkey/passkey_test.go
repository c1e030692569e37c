package passkey_test

import (
	"errors"
	"testing"

	"portail/internal/webauthntest"
	"portail/passkey"
)

func TestNewOffOnIPAddress(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:8080", "https://[::1]", "http://192.0.2.7"} {
		if _, err := passkey.New(base, "portail"); !errors.Is(err, passkey.ErrOff) {
			t.Errorf("%s: got %v, want ErrOff", base, err)
		}
	}
	rp, err := passkey.New("https://portail.example.com/", "portail")
	if err != nil || rp.ID != "portail.example.com" {
		t.Fatalf("got %v, %v", rp, err)
	}
}

// TestCeremonies runs the ceremonies against the software authenticator:
// a registration, a discoverable sign-in, a second step, and the
// refusals of a foreign origin and a sign count that did not grow.
func TestCeremonies(t *testing.T) {
	rp, err := passkey.New("http://localhost:8080", "portail")
	if err != nil {
		t.Fatal(err)
	}
	auth := &webauthntest.Authenticator{Origin: "http://localhost:8080"}
	h := &passkey.Holder{Handle: passkey.NewHandle(), Name: "ana", DisplayName: "Ana"}
	reg, err := rp.BeginRegistration(h)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.Create(reg.Options)
	if err != nil {
		t.Fatal(err)
	}
	att, err := passkey.ParseAttestation(resp)
	if err != nil {
		t.Fatal(err)
	}
	if att.Challenge != reg.Challenge {
		t.Fatalf("challenge %q, want %q", att.Challenge, reg.Challenge)
	}
	cred, err := rp.FinishRegistration(h, reg.Session, att)
	if err != nil {
		t.Fatal(err)
	}
	h.Records = []passkey.Record{*cred}

	login := func(begin func() (*passkey.Ceremony, error)) (*passkey.Record, error) {
		t.Helper()
		c, err := begin()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := auth.Get(c.Options)
		if err != nil {
			t.Fatal(err)
		}
		a, err := passkey.ParseAssertion(resp)
		if err != nil {
			t.Fatal(err)
		}
		if a.CredentialID != cred.ID || a.Challenge != c.Challenge {
			t.Fatalf("assertion names %q, %q", a.CredentialID, a.Challenge)
		}
		return rp.FinishLogin(h, c.Session, a)
	}
	got, err := login(rp.BeginDiscoverable)
	if err != nil {
		t.Fatal(err)
	}
	if got.SignCount != 1 {
		t.Errorf("sign count %d, want 1", got.SignCount)
	}
	h.Records = []passkey.Record{*got}
	if _, err := login(func() (*passkey.Ceremony, error) { return rp.BeginLogin(h) }); err != nil {
		t.Fatal(err)
	}
	auth.Credentials[0].Count = 0 // a clone: the counter goes back
	var r *passkey.Refusal
	if _, err := login(rp.BeginDiscoverable); !errors.As(err, &r) {
		t.Errorf("regressed sign count: got %v, want a refusal", err)
	}
	auth.Origin = "http://evil.example"
	if _, err := login(rp.BeginDiscoverable); !errors.As(err, &r) {
		t.Errorf("foreign origin: got %v, want a refusal", err)
	}
}
