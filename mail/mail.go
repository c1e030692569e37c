// Package mail renders portail's e-mails (HTML and plain text, in French,
// English and Dutch) and sends them over SMTP.
package mail

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"unicode/utf8"

	"portail"
)

// Message is a rendered e-mail.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// ID makes the Message-ID stable across retries, so a receiving server
	// can recognise a message delivered twice after a crash.
	ID string
}

// Mailer sends one message.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// linkPages are the pages the links of the e-mails open, before the token.
var linkPages = map[portail.EmailTemplate]string{
	portail.EmailInvitation:     "/invitation?token=",
	portail.EmailPasswordReset:  "/reset-password?token=",
	portail.EmailConfirmAddress: "/confirm-email?token=",
}

// Render turns an outbox e-mail into a message in the recipient's
// language (French when it has none of ours); base is the public address
// its links start with. An e-mail queued by an earlier release carries its
// whole link and its address, which it keeps.
func Render(e *portail.Email, base string) (Message, error) {
	lang := e.Language
	if _, ok := catalogue[lang]; !ok {
		lang = portail.DefaultLanguage
	}
	t, ok := catalogue[lang][e.Template]
	if !ok {
		return Message{}, fmt.Errorf("no e-mail template %q", e.Template)
	}
	p := e.Params
	base = strings.TrimSuffix(base, "/")
	if base == "" {
		base = p.BaseURL
	}
	secret := func(s string) string {
		if s == "" && p.Redacted {
			return redactedNote[lang]
		}
		return s
	}
	link := p.Link
	if page, ok := linkPages[e.Template]; ok && link == "" && p.Token != "" {
		link = base + page + url.QueryEscape(p.Token)
	}
	link = secret(link)
	if e.Template == portail.EmailTemporaryPassword && base != "" {
		link = base + "/login"
	}
	if e.Template == portail.EmailWebhookDisabled && base != "" {
		link = base + "/webhooks"
	}
	r := strings.NewReplacer("{name}", p.FullName, "{username}", p.Username, "{account}", p.Account, "{de_account}", frenchDe(p.Account),
		"{link}", link, "{code}", secret(p.Code), "{password}", secret(p.Password), "{new_email}", p.NewEmail, "{base}", base,
		"{endpoint}", p.Endpoint)

	var text, html strings.Builder
	html.WriteString(`<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8"><title>`)
	html.WriteString(template.HTMLEscapeString(r.Replace(t.Subject)))
	html.WriteString(`</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b1f24">`)
	para := func(s string) {
		s = r.Replace(s)
		text.WriteString(s + "\n\n")
		html.WriteString("<p>" + strings.ReplaceAll(template.HTMLEscapeString(s), "\n", "<br>\n") + "</p>\n")
	}
	for _, s := range t.Intro {
		para(s)
	}
	if t.Button != "" && link != "" {
		colon := ":"
		if lang == "fr" {
			colon = " :" // French typography
		}
		text.WriteString(t.Button + colon + "\n" + link + "\n\n")
		if p.Redacted && e.Template != portail.EmailTemporaryPassword {
			html.WriteString("<p>" + template.HTMLEscapeString(t.Button) + ": " + template.HTMLEscapeString(link) + "</p>\n")
		} else {
			html.WriteString(`<p><a href="` + template.HTMLEscapeString(link) + `" style="display:inline-block;padding:.6em 1.2em;background:#0b5cad;color:#fff;text-decoration:none;border-radius:4px">` +
				template.HTMLEscapeString(t.Button) + "</a></p>\n")
		}
	}
	for _, s := range t.After {
		para(s)
	}
	text.WriteString("-- \nportail\n")
	html.WriteString("<p style=\"color:#555\">portail</p></body></html>\n")
	return Message{To: e.To, Subject: r.Replace(t.Subject), Text: text.String(), HTML: html.String(),
		ID: fmt.Sprintf("outbox-%d", e.ID)}, nil
}

// frenchDe writes French « de » before a name, elided before a vowel as
// French always writes it: « d’Imprimerie Dupont », « d’Acme », « de
// Banque Martin ». An h is left alone: whether it is mute cannot be told
// from a company's name, and « de Hachette » is never wrong to read.
func frenchDe(name string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name))
	if strings.ContainsRune("aeiouyàâäéèêëîïôöùûüÿæœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÆŒ", r) {
		return "d’" + name
	}
	return "de " + name
}
