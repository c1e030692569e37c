package api

import (
	"encoding/json"
	"net/http"
	"time"

	"portail"
	"portail/web/request"
)

// Second factors (C11): the second step of a sign-in, the caller's own
// factors, an admin's reset and the account's requirement.

// mfaRoutes registers the routes of second factors. The /me/mfa routes
// stay open to a user who must enrol (authedEnrol).
func (s *Handler) mfaRoutes(handle func(pattern string, h http.HandlerFunc)) {
	handle("POST /api/v1/auth/mfa", s.limited(request.LimitLogin, s.secondStep))
	handle("GET /api/v1/me/mfa", s.authedEnrol(s.listFactors))
	handle("DELETE /api/v1/me/mfa", s.authedEnrol(s.removeFactors))
	handle("DELETE /api/v1/me/mfa/{id}", s.authedEnrol(s.removeFactor))
	handle("POST /api/v1/me/mfa/totp", s.authedEnrol(s.startTOTP))
	handle("POST /api/v1/me/mfa/totp/confirm", s.authedEnrol(s.confirmTOTP))
	handle("POST /api/v1/me/mfa/recovery-codes", s.authedEnrol(s.newRecoveryCodes))
	handle("POST /api/v1/users/{id}/mfa-reset", s.authed(s.resetMFA))
	handle("GET /api/v1/account/security", s.authed(s.getAccountSecurity))
	handle("PUT /api/v1/account/security", s.authed(s.putAccountSecurity))
}

// signInJSON is the answer of every sign-in step: with a session (and
// its cookie), or waiting for the second factor (no cookie).
func (s *Handler) writeSignIn(w http.ResponseWriter, in *portail.SignIn) error {
	if in.MFARequired() {
		return writeJSON(w, http.StatusOK, map[string]any{"mfa_required": true, "mfa_token": in.MFAToken,
			"methods": in.Methods, "mfa_enrolment_required": false})
	}
	s.site.Cookies().SetSession(w, in.Token)
	return writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(in.User),
		"password_change_required": in.User.PasswordChangeRequired, "mfa_required": false,
		"mfa_enrolment_required": in.MFAEnrolmentRequired})
}

// secondStep is POST /auth/mfa. {mfa_token, webauthn} (an assertion) is
// the passkeys' way through the same token; without it, code is a TOTP
// code or a recovery code.
func (s *Handler) secondStep(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		MFAToken string          `json:"mfa_token"`
		Code     string          `json:"code"`
		WebAuthn json.RawMessage `json:"webauthn"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if req.MFAToken == "" {
		return portail.Invalid("mfa_token", "Sign in with your password first.")
	}
	// Passkeys: a request with "webauthn" is completed here by the
	// WebAuthn assertion (SPEC §9 Wave-2 details 11).
	if len(req.WebAuthn) > 0 {
		return s.passkeyStep(w, r, req.MFAToken, req.WebAuthn)
	}
	if req.Code == "" {
		return portail.Invalid("code", "Type the code of your authenticator app, or a recovery code.")
	}
	in, err := s.MFA.CompleteMFA(request.Anonymous(r), portail.SecondStep{Token: req.MFAToken, Code: req.Code, Device: request.KnownDevice(r)})
	if err != nil {
		return err
	}
	return s.writeSignIn(w, in)
}

type factorJSON struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func (s *Handler) listFactors(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	fs, err := s.MFA.Factors(r.Context())
	if err != nil {
		return err
	}
	items := make([]factorJSON, 0, len(fs))
	for _, f := range fs {
		items = append(items, factorJSON{ID: f.ID, Kind: string(f.Kind), Name: f.Name, CreatedAt: f.CreatedAt, LastUsedAt: f.LastUsedAt})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (s *Handler) startTOTP(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	e, err := s.MFA.StartTOTP(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"secret": e.Secret, "otpauth_url": e.URL})
}

func (s *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	codes, err := s.MFA.ConfirmTOTP(r.Context(), req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

func (s *Handler) newRecoveryCodes(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	codes, err := s.MFA.NewRecoveryCodes(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

func (s *Handler) removeFactors(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		Password string `json:"password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.MFA.RemoveFactors(r.Context(), req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) removeFactor(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := s.MFA.RemoveFactor(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) resetMFA(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := s.MFA.ResetMFA(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) getAccountSecurity(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	req, err := s.MFA.MFARequirement(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"mfa_required": string(req)})
}

func (s *Handler) putAccountSecurity(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		MFARequired string `json:"mfa_required"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.MFA.SetMFARequirement(r.Context(), portail.MFARequirement(req.MFARequired)); err != nil {
		return err
	}
	return s.getAccountSecurity(w, r, me)
}
