package api

import (
	"encoding/json"
	"net/http"
	"time"

	"portail"
	"portail/web/request"
)

// Passkeys (C11; SPEC §9 Wave-2 details 11). Options are the JSON the
// browser gives to navigator.credentials.create or get ({"publicKey":
// …}); answers are the PublicKeyCredential JSON it returns (its
// toJSON()). The ceremony is found again by the challenge the answer
// signed: no other handle travels.

func (s *Handler) passkeyRoutes(handle func(pattern string, h http.HandlerFunc)) {
	// Open to a user who must enrol: a passkey is a second factor.
	handle("POST /api/v1/me/mfa/webauthn", s.authedEnrol(s.beginPasskeyRegistration))
	handle("POST /api/v1/me/mfa/webauthn/confirm", s.authedEnrol(s.confirmPasskey))
	handle("POST /api/v1/auth/passkey/options", s.limited(request.LimitLogin, s.passkeyOptions))
	handle("POST /api/v1/auth/passkey", s.limited(request.LimitLogin, s.passkeySignIn))
}

// passkeys is the service, or the refusal of an installation without.
func (s *Handler) passkeys() (portail.PasskeyService, error) {
	if !s.PasskeysOn() {
		return nil, portail.ErrPasskeysOff
	}
	return s.Passkeys, nil
}

// addedPasskeyJSON is the new passkey as an item of GET /me/mfa (its id
// is its factor's), with the recovery codes of a first factor, shown
// this once.
type addedPasskeyJSON struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	Name          string     `json:"name"`
	CreatedAt     time.Time  `json:"created_at"`
	LastUsedAt    *time.Time `json:"last_used_at"`
	RecoveryCodes []string   `json:"recovery_codes,omitempty"`
}

func (s *Handler) beginPasskeyRegistration(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := readOptionalJSON(w, r, &req); err != nil {
		return err
	}
	opts, err := pk.BeginPasskeyRegistration(r.Context(), req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, opts)
}

func (s *Handler) confirmPasskey(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	var req struct {
		Name       string          `json:"name"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	p, codes, err := pk.FinishPasskeyRegistration(r.Context(), req.Name, req.Credential)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, addedPasskeyJSON{ID: p.ID, Kind: string(portail.FactorWebAuthn), Name: p.Name,
		CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt, RecoveryCodes: codes})
}

func (s *Handler) passkeyOptions(w http.ResponseWriter, r *http.Request) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	// With the token of a password step, the options are for that
	// user's second step; without, for a passwordless sign-in.
	var req struct {
		MFAToken string `json:"mfa_token"`
	}
	if err := readOptionalJSON(w, r, &req); err != nil {
		return err
	}
	var opts json.RawMessage
	if req.MFAToken != "" {
		opts, err = pk.BeginPasskeyStep(request.Anonymous(r), req.MFAToken)
	} else {
		opts, err = pk.BeginPasskeySignIn(request.Anonymous(r))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, opts)
}

func (s *Handler) passkeySignIn(w http.ResponseWriter, r *http.Request) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	var req struct {
		Assertion json.RawMessage `json:"assertion"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	// A passkey is both factors: no second step is due.
	in, err := pk.PasskeySignIn(request.Anonymous(r), req.Assertion, request.KnownDevice(r))
	if err != nil {
		return err
	}
	return s.writeSignIn(w, in)
}

// passkeyStep is POST /auth/mfa {mfa_token, webauthn}: the second step by
// a passkey, whose options POST /auth/passkey/options {mfa_token} gave.
func (s *Handler) passkeyStep(w http.ResponseWriter, r *http.Request, token string, assertion json.RawMessage) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	in, err := pk.CompletePasskeyStep(request.Anonymous(r), token, assertion, request.KnownDevice(r))
	if err != nil {
		return err
	}
	return s.writeSignIn(w, in)
}

// readOptionalJSON is readJSON for a body that may be left out: none
// leaves v as it is.
func readOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return readJSON(w, r, v)
}
