package portail

import (
	"context"
	"time"
)

// EmailTemplate names an e-mail portail sends.
type EmailTemplate string

const (
	EmailInvitation        EmailTemplate = "invitation"         // C1: link to set a password
	EmailTemporaryPassword EmailTemplate = "temporary_password" // C2: username and temporary password
	EmailPasswordReset     EmailTemplate = "password_reset"     // C3–C5: link and recovery code
	EmailPasswordChanged   EmailTemplate = "password_changed"   // C10: notice to the user
	EmailAddressChanged    EmailTemplate = "email_changed"      // C10: notice to the former address
	EmailConfirmAddress    EmailTemplate = "email_confirm"      // link to the new address of a change of one's own
	EmailWebhookDisabled   EmailTemplate = "webhook_disabled"   // D10: an endpoint failed for a day and was disabled
	EmailMFAReset          EmailTemplate = "mfa_reset"          // C11: an admin removed the user's second factors
)

// EmailParams fill an e-mail template. Token, Link, Code and Password are
// secrets: they are erased from the outbox once the e-mail is delivered.
// The storage puts the link's token; the mail package makes the link from
// the public address and the page of the template when it renders the
// e-mail, so that neither the address nor the routes are stored.
type EmailParams struct {
	FullName string `json:"full_name,omitempty"`
	Username string `json:"username,omitempty"`
	Account  string `json:"account,omitempty"`
	NewEmail string `json:"new_email,omitempty"`
	Token    string `json:"token,omitempty"`
	// BaseURL and Link are what e-mails queued by earlier releases carry
	// (the public address, the whole link); they still render with them.
	BaseURL  string `json:"base_url,omitempty"`
	Link     string `json:"link,omitempty"`
	Code     string `json:"code,omitempty"`
	Password string `json:"password,omitempty"`
	Redacted bool   `json:"redacted,omitempty"`
	// Endpoint is the address of a webhook endpoint the e-mail is about.
	Endpoint string `json:"endpoint,omitempty"`
}

// Redact returns the params without their secrets.
func (p EmailParams) Redact() EmailParams {
	if p.Token != "" || p.Link != "" || p.Code != "" || p.Password != "" {
		p.Token, p.Link, p.Code, p.Password, p.Redacted = "", "", "", "", true
	}
	return p
}

// Email is one e-mail of the outbox (C8).
type Email struct {
	ID        int64
	AccountID int64
	UserID    int64
	To        string
	Template  EmailTemplate
	Language  string
	Params    EmailParams
	Status    string // pending, sent, failed
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
	// Claim is the delivery worker's hold on the e-mail, set by the
	// outbox's Claim; zero elsewhere.
	Claim Claim
}

// Outbox statuses.
const (
	EmailPending = "pending"
	EmailSent    = "sent"
	EmailFailed  = "failed" // gave up after the last retry
)

// OutboxService lets admins read the e-mails of their account, which is
// how an invitation is finished when no SMTP server is configured.
type OutboxService interface {
	// ListEmails returns a page of the account's e-mails, newest first (admins).
	ListEmails(ctx context.Context, limit int, cursor string) ([]*Email, string, error)
	// FindEmail returns one e-mail of the account (admins). ENOTFOUND.
	FindEmail(ctx context.Context, id int64) (*Email, error)
}
