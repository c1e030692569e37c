package mail

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends messages through an SMTP server named by a URL:
// smtp://[user:pass@]host:port (STARTTLS when the server offers it) or
// smtps://… (TLS from the start); ?tls=none forbids TLS.
type SMTP struct {
	From string
	opts []gomail.Option
	host string
}

// NewSMTP parses the server URL.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("SMTP URL %q: want smtp://[user:pass@]host:port", rawURL)
	}
	host, portStr, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, portStr = u.Host, ""
	}
	s := &SMTP{From: from, host: host}
	s.opts = append(s.opts, gomail.WithTimeout(connTimeout))
	switch u.Scheme {
	case "smtp":
		if portStr == "" {
			portStr = "587"
		}
		policy := gomail.TLSOpportunistic
		if u.Query().Get("tls") == "none" {
			policy = gomail.NoTLS
		}
		s.opts = append(s.opts, gomail.WithTLSPortPolicy(policy))
	case "smtps":
		if portStr == "" {
			portStr = "465"
		}
		s.opts = append(s.opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP URL %q: scheme must be smtp or smtps", rawURL)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("SMTP URL %q: bad port", rawURL)
	}
	s.opts = append(s.opts, gomail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	return s, nil
}

// connTimeout bounds each phase of a conversation with the server.
const connTimeout = 20 * time.Second

// Send delivers one message in its own connection, within ctx's deadline:
// the outbox worker's claim on the e-mail lasts only so long.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	opts := s.opts
	if dl, ok := ctx.Deadline(); ok {
		// The client's context bounds only the dial; its timeout bounds
		// each of the two phases that follow (greeting and
		// authentication, then the message), so each phase gets half of
		// what is left.
		left := time.Until(dl) / 2
		if left <= 0 {
			return context.DeadlineExceeded
		}
		if left < connTimeout {
			opts = append(slices.Clip(opts), gomail.WithTimeout(left))
		}
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("sender %q: %w", s.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID + "@portail")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}
