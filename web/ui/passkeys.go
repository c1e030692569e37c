package ui

import (
	"strconv"

	"portail"
)

// Passkeys on the pages (C11): the profile lists and removes them here;
// adding one and signing in with one are ceremonies the page's script
// (static/passkey.js) runs against the API, since only the browser can
// talk to the authenticator.

func (s *Handler) registerPasskeyPages() {
	s.handle("POST /profile/passkeys/{id}/remove", s.signedIn(s.removePasskey))
}

// passkeysView is the profile's passkey section.
type passkeysView struct {
	On    bool
	Items []*portail.Passkey
}

func (s *Handler) passkeysOf(p *page) (passkeysView, error) {
	if !s.PasskeysOn() {
		return passkeysView{}, nil
	}
	items, err := s.Passkeys.ListPasskeys(p.ctx)
	return passkeysView{On: true, Items: items}, err
}

func (s *Handler) removePasskey(p *page) {
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	if !s.PasskeysOn() {
		s.pageError(p, portail.ErrPasskeysOff)
		return
	}
	if err := s.Passkeys.RemovePasskey(p.ctx, id); err != nil {
		s.pageError(p, err)
		return
	}
	p.redirect("/profile?done=passkey_removed")
}
