// Package passkey is portail's WebAuthn relying party (C11): it wraps
// github.com/go-webauthn/webauthn to make the options of a ceremony and
// to verify what the authenticator answered. It holds no state: storage
// (sqldb) keeps the ceremonies and the credentials, asks this package
// between its transactions, as it asks package password, and acts under
// its locks on what the verification found.
package passkey

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"portail"
)

// Lifetime is how long a ceremony may wait for its answer: storage keeps
// a ceremony that long, and the browser is told the same.
const Lifetime = portail.PasskeyCeremonyLifetime

// RP is the relying party of one installation.
type RP struct {
	w *webauthn.WebAuthn
	// ID is the relying party id: the host of the base URL.
	ID string
}

// ErrOff says the base URL's host is an IP address: WebAuthn binds a
// credential to a domain name, so passkeys are off (SPEC §9 Wave-2
// details 11).
var ErrOff = errors.New("passkeys are off: the base URL's host is an IP address")

// New returns the relying party of the public address baseURL: its id is
// the URL's host, its one origin the URL's scheme, host and port.
// ErrOff when the host is an IP address.
func New(baseURL, name string) (*RP, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("passkeys: base URL %q has no host", baseURL)
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		return nil, ErrOff
	}
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: Lifetime, TimeoutUVD: Lifetime}
	w, err := webauthn.New(&webauthn.Config{
		RPID:                  host,
		RPDisplayName:         name,
		RPOrigins:             []string{u.Scheme + "://" + u.Host},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return &RP{w: w, ID: host}, nil
}

// Holder is a user as WebAuthn sees them: a random handle (never the
// row id), names shown by the authenticator, and their credentials as
// storage keeps them. A user's first passkey has no handle yet: its
// registration takes the one its ceremony chose.
type Holder struct {
	Handle      []byte
	Name        string // the username
	DisplayName string // the full name
	Records     []Record
}

// Record is a credential as storage keeps it: its id (base64url), the
// library's whole record as JSON, and what storage reads of it.
type Record struct {
	ID         string
	JSON       []byte
	SignCount  uint32
	Transports []string
}

func (h *Holder) WebAuthnID() []byte          { return h.Handle }
func (h *Holder) WebAuthnName() string        { return h.Name }
func (h *Holder) WebAuthnDisplayName() string { return h.DisplayName }

// WebAuthnCredentials decodes the records; one that does not decode is
// left out (it can then verify nothing).
func (h *Holder) WebAuthnCredentials() []webauthn.Credential {
	var out []webauthn.Credential
	for _, r := range h.Records {
		var c webauthn.Credential
		if json.Unmarshal(r.JSON, &c) == nil {
			out = append(out, c)
		}
	}
	return out
}

func record(c *webauthn.Credential) (*Record, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	r := &Record{ID: EncodeID(c.ID), JSON: b, SignCount: c.Authenticator.SignCount}
	for _, t := range c.Transport {
		r.Transports = append(r.Transports, string(t))
	}
	return r, nil
}

// NewHandle returns a random user handle of 32 bytes.
func NewHandle() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// Ceremony is what a begun ceremony leaves: the options for the browser
// (the JSON of navigator.credentials.create or get, {"publicKey": …}),
// the session data storage keeps, and its challenge, by which the answer
// finds it again.
type Ceremony struct {
	Options   json.RawMessage
	Session   []byte
	Challenge string
}

func ceremony(options any, s *webauthn.SessionData) (*Ceremony, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, err
	}
	sd, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return &Ceremony{Options: o, Session: sd, Challenge: s.Challenge}, nil
}

// BeginRegistration starts adding a passkey to h: a discoverable
// credential (it may later sign in without a password), none of h's
// credentials again.
func (rp *RP) BeginRegistration(h *Holder) (*Ceremony, error) {
	var exclude []protocol.CredentialDescriptor
	for _, c := range h.WebAuthnCredentials() {
		exclude = append(exclude, c.Descriptor())
	}
	opts, s, err := rp.w.BeginRegistration(h,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationPreferred,
		}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, err
	}
	return ceremony(opts, s)
}

// BeginLogin starts the second step of h's sign-in: any of h's
// credentials, user presence enough (the password was the first factor).
func (rp *RP) BeginLogin(h *Holder) (*Ceremony, error) {
	opts, s, err := rp.w.BeginLogin(h, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, err
	}
	return ceremony(opts, s)
}

// BeginDiscoverable starts a passwordless sign-in: the authenticator
// chooses the credential, and must verify its user (a PIN, a
// fingerprint), since the passkey stands alone.
func (rp *RP) BeginDiscoverable() (*Ceremony, error) {
	opts, s, err := rp.w.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, err
	}
	return ceremony(opts, s)
}

// Attestation is a parsed answer to navigator.credentials.create.
type Attestation struct {
	Challenge string
	parsed    *protocol.ParsedCredentialCreationData
}

// ParseAttestation reads the PublicKeyCredential JSON a browser gives
// after navigator.credentials.create.
func ParseAttestation(data []byte) (*Attestation, error) {
	p, err := protocol.ParseCredentialCreationResponseBytes(data)
	if err != nil {
		return nil, refusal(err)
	}
	return &Attestation{Challenge: p.Response.CollectedClientData.Challenge, parsed: p}, nil
}

// Assertion is a parsed answer to navigator.credentials.get.
type Assertion struct {
	Challenge    string
	CredentialID string // base64url, as storage keys credentials
	UserHandle   []byte
	parsed       *protocol.ParsedCredentialAssertionData
}

// ParseAssertion reads the PublicKeyCredential JSON a browser gives
// after navigator.credentials.get.
func ParseAssertion(data []byte) (*Assertion, error) {
	p, err := protocol.ParseCredentialRequestResponseBytes(data)
	if err != nil {
		return nil, refusal(err)
	}
	return &Assertion{Challenge: p.Response.CollectedClientData.Challenge, CredentialID: EncodeID(p.RawID),
		UserHandle: p.Response.UserHandle, parsed: p}, nil
}

// FinishRegistration verifies an attestation against its ceremony's
// session data and returns the new credential.
func (rp *RP) FinishRegistration(h *Holder, session []byte, a *Attestation) (*Record, error) {
	var s webauthn.SessionData
	if err := json.Unmarshal(session, &s); err != nil {
		return nil, err
	}
	if len(h.Handle) == 0 {
		h.Handle = s.UserID
	}
	c, err := rp.w.CreateCredential(h, s, a.parsed)
	if err != nil {
		return nil, refusal(err)
	}
	return record(c)
}

// FinishLogin verifies an assertion by one of h's credentials against its
// ceremony's session data (discoverable or not: the session says which).
// It returns the credential as updated (sign count, flags). A sign count
// that did not grow (a cloned authenticator, or a replay) is refused.
func (rp *RP) FinishLogin(h *Holder, session []byte, a *Assertion) (*Record, error) {
	var s webauthn.SessionData
	if err := json.Unmarshal(session, &s); err != nil {
		return nil, err
	}
	var c *webauthn.Credential
	var err error
	if len(s.UserID) == 0 {
		_, c, err = rp.w.ValidatePasskeyLogin(func(_, _ []byte) (webauthn.User, error) { return h, nil }, s, a.parsed)
	} else {
		c, err = rp.w.ValidateLogin(h, s, a.parsed)
	}
	if err != nil {
		return nil, refusal(err)
	}
	if c.Authenticator.CloneWarning {
		return nil, ErrSignCount
	}
	return record(c)
}

// ErrSignCount refuses an assertion whose signature counter did not grow.
var ErrSignCount = &Refusal{Reason: "sign count did not increase"}

// Refusal is a ceremony's answer that does not verify: the client's
// fault, never the server's.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return "passkey refused: " + r.Reason }

func refusal(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		reason := pe.Details
		if reason == "" {
			reason = pe.Type
		}
		return &Refusal{Reason: reason}
	}
	return &Refusal{Reason: err.Error()}
}

// EncodeID is the text form of a credential id (base64url, no padding).
func EncodeID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }
