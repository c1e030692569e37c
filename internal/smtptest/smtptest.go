// Package smtptest runs a real SMTP server on loopback for tests and
// parses what it receives: the e-mails portail actually sends.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received e-mail, parsed.
type Message struct {
	From, To  string
	Subject   string
	MessageID string
	Text      string
	HTML      string
	Raw       []byte
}

// Server is an SMTP server on 127.0.0.1 that keeps what it receives.
type Server struct {
	Addr string // host:port

	mu       sync.Mutex
	messages []Message
	srv      *smtp.Server
	ln       net.Listener
	arrived  chan struct{}
	delay    time.Duration
}

// Start starts a server on a free port; it stops when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{arrived: make(chan struct{}, 1000)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	tb.Cleanup(s.Stop)
	return s
}

// SetDelay makes the server slow: it waits d before answering each
// message's MAIL FROM, the way a loaded relay keeps a client waiting. A
// client that gives up during the wait has sent nothing.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// URL is the server's address as portail's --smtp flag takes it.
func (s *Server) URL() string { return "smtp://" + s.Addr }

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the server: portail's deliveries then fail, as in an outage.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Restart serves again on the same address after Stop.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after Close
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.Fatal(err)
	}
	s.serve(ln)
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until a message to the address whose subject contains
// subject arrives, and returns the newest such message.
func (s *Server) WaitFor(tb testing.TB, to, subject string, timeout time.Duration) Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		for i := len(msgs) - 1; i >= 0; i-- {
			if strings.EqualFold(msgs[i].To, to) && strings.Contains(msgs[i].Subject, subject) {
				return msgs[i]
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no e-mail to %s with subject %q within %s (got %d messages)", to, subject, timeout, len(msgs))
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Count returns how many messages went to the address.
func (s *Server) Count(to string) int {
	n := 0
	for _, m := range s.Messages() {
		if strings.EqualFold(m.To, to) {
			n++
		}
	}
	return n
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s        *Server
	from, to string
}

func (x *session) AuthPlain(username, password string) error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.s.mu.Lock()
	d := x.s.delay
	x.s.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return err
	}
	m.From, m.To = x.from, x.to
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, m)
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}
func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }

// Parse reads a MIME message into its subject and text and HTML parts.
func Parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	m := Message{Subject: subject, MessageID: msg.Header.Get("Message-Id"), Raw: raw}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func walk(contentType, encoding string, body io.Reader, m *Message) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = newBase64(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
	case "text/html":
		m.HTML = string(b)
	}
	return nil
}

var linkRe = regexp.MustCompile(`https?://\S+`)

// Link returns the first link of the text part that contains path.
func (m Message) Link(path string) string {
	for _, l := range linkRe.FindAllString(m.Text, -1) {
		if strings.Contains(l, path) {
			return l
		}
	}
	return ""
}

// After returns the line that follows the line equal to label in the text
// part, e.g. the temporary password after "Password:".
func (m Message) After(label string) string {
	lines := strings.Split(m.Text, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == label && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	return ""
}
