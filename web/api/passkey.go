package api

import (
	"encoding/json"
	"net/http"
	"strconv"
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
	handle("POST /api/v1/me/mfa/webauthn", s.authed(s.beginPasskeyRegistration))
	handle("POST /api/v1/me/mfa/webauthn/confirm", s.authed(s.confirmPasskey))
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

// factorJSON is an item of GET /me/mfa; a passkey's id is prefixed with
// its kind, so that one id names one factor across kinds.
type factorJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func passkeyFactorJSON(p *portail.Passkey) factorJSON {
	return factorJSON{ID: portail.FactorWebAuthn + "-" + strconv.FormatInt(p.ID, 10), Kind: portail.FactorWebAuthn,
		Name: p.Name, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt}
}

func (s *Handler) beginPasskeyRegistration(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(w, r, &req); err != nil {
			return err
		}
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
	p, err := pk.FinishPasskeyRegistration(r.Context(), req.Name, req.Credential)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, passkeyFactorJSON(p))
}

func (s *Handler) passkeyOptions(w http.ResponseWriter, r *http.Request) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	opts, err := pk.BeginPasskeySignIn(request.Anonymous(r))
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
	u, token, err := pk.PasskeySignIn(request.Anonymous(r), req.Assertion, request.KnownDevice(r))
	if err != nil {
		return err
	}
	s.site.Cookies().SetSession(w, token)
	// A passkey is both factors: no second step is due.
	return writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(u), "password_change_required": u.PasswordChangeRequired,
		"mfa_required": false, "mfa_enrolment_required": false})
}
