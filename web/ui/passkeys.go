package ui

import (
	"portail"
)

// Passkeys on the pages (C11). Adding one (on the second-factor page)
// and signing in with one (the sign-in page, and the second step after
// a password) are ceremonies the page's script, static/passkey.js, runs
// with the browser, which alone talks to the authenticator: it asks the
// API for the options and gives it the answer, except in the second
// step, whose form posts the answer here like a code. The list and the
// removal are the second factors' (mfa.go).

// passkeyStep completes the second step with a passkey's answer.
func (s *Handler) passkeyStep(p *page, token, assertion, device string) (*portail.SignIn, error) {
	if !s.PasskeysOn() {
		return nil, portail.ErrPasskeysOff
	}
	return s.Passkeys.CompletePasskeyStep(p.ctx, token, []byte(assertion), device)
}
