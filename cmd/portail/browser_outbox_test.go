package main

import (
	"net/http"
	"strings"
	"testing"
)

// outboxWithoutSMTP: with no SMTP server, the admin reads in the outbox
// that nothing leaves and how to configure a server, sees the invitation
// as the invitee would (its HTML part, in a sandboxed frame) and follows
// its link with one click.
func outboxWithoutSMTP(t *testing.T, s *site, b *tab) {
	api := s.client()
	api.login("boss", adminPassword).must(t, 200)
	api.do("POST", "/api/v1/users", map[string]any{"username": "ann", "full_name": "Ann Lee", "email": "ann@acme.test", "role": "admin"}).must(t, 201)

	if st := b.login("boss", adminPassword); st != http.StatusOK {
		b.Fatalf("sign in answered %d", st)
	}
	if st := b.Open("/outbox"); st != http.StatusOK {
		b.Fatalf("/outbox answered %d", st)
	}
	b.WantText("h1", "Boîte d'envoi")
	b.WantText("#no-smtp", "Aucun serveur SMTP n'est configuré", "PORTAIL_SMTP", "--smtp")
	if strings.Contains(b.Text("table#outbox"), "En attente") {
		b.Errorf("without SMTP the outbox still says its e-mails wait: %q", b.Text("table#outbox"))
	}
	if st := b.Submit(`table#outbox a[href^="/outbox/"]`); st != http.StatusOK {
		b.Fatalf("the e-mail answered %d", st)
	}
	if got := b.FrameText("/html"); !strings.Contains(got, "Ann Lee") {
		b.Errorf("the frame shows %q, want the invitation as Ann receives it", got)
	}
	if st := b.Submit(`#mail-text a[href*="/invitation?token="]`); st != http.StatusOK {
		b.Fatalf("the invitation link answered %d", st)
	}
	b.WantPath("/invitation")
}
