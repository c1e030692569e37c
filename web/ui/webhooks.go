package ui

import (
	"net/http"
	"strconv"
	"strings"

	"portail"
)

// The Webhooks pages (D10): an admin's endpoints, their delivery log.

func (s *Handler) registerWebhookPages() {
	s.handle("GET /webhooks", s.signedIn(s.webhooks))
	s.handle("POST /webhooks", s.signedIn(s.createWebhook))
	s.handle("GET /webhooks/{id}", s.signedIn(s.webhook))
	s.handle("POST /webhooks/{id}/enable", s.signedIn(s.enableWebhook(true)))
	s.handle("POST /webhooks/{id}/disable", s.signedIn(s.enableWebhook(false)))
	s.handle("POST /webhooks/{id}/delete", s.signedIn(s.deleteWebhook))
	s.handle("POST /webhooks/{id}/deliveries/{delivery_id}/resend", s.signedIn(s.resendWebhook))
}

var webhookFlashes = map[string]string{
	"enabled":  "The webhook is enabled again.",
	"disabled": "The webhook is disabled: no event is sent to it any more.",
	"deleted":  "The webhook was deleted.",
	"resent":   "The event will be sent again in a moment.",
}

// webhookEventLabels name the event types on the pages.
var webhookEventLabels = map[portail.WebhookEventType]string{
	portail.EventDocumentStatusChanged: "A document changes status",
	portail.EventLabelStatusChanged:    "A parcel label changes status",
	portail.EventUserCreated:           "A user is created",
	portail.EventUserUpdated:           "A user is changed",
	portail.EventUserDeactivated:       "A user is deactivated",
	portail.EventUserReactivated:       "A user is reactivated",
}

type webhookEvent struct {
	Type    string
	Label   string
	Checked bool
}

type webhooksData struct {
	Hooks []*portail.Webhook
	// Events are the checkboxes of the form.
	Events []webhookEvent
	// New is the endpoint just created, and Secret its secret, shown once.
	New    *portail.Webhook
	Secret string
}

func (s *Handler) webhooksAllowed(p *page) bool {
	if s.Webhooks == nil || !portail.Can(p.actor, portail.ActManageWebhooks, portail.Resource{AccountID: p.actor.AccountID}) {
		s.pageError(p, portail.ErrForbidden())
		return false
	}
	return true
}

func (s *Handler) webhooks(p *page) { s.renderWebhooks(p, http.StatusOK, nil, nil, "") }

func (s *Handler) renderWebhooks(p *page, status int, fail error, created *portail.Webhook, secret string) {
	if !s.webhooksAllowed(p) {
		return
	}
	v := p.view("Webhooks")
	v.Nav.Current = "webhooks"
	if f, ok := webhookFlashes[p.r.URL.Query().Get("done")]; ok {
		v.Flash = p.t(f)
	}
	checked := map[string]bool{}
	if fail != nil {
		status = p.failed(&v, fail)
		v.Form["url"] = p.r.PostFormValue("url")
		for _, e := range p.r.PostForm["events"] {
			checked[e] = true
		}
	}
	hooks, err := s.Webhooks.ListWebhooks(p.ctx)
	if err != nil {
		s.pageError(p, err)
		return
	}
	d := webhooksData{Hooks: hooks, New: created, Secret: secret}
	for _, t := range portail.WebhookEventTypes {
		d.Events = append(d.Events, webhookEvent{Type: string(t), Label: p.t(webhookEventLabels[t]), Checked: checked[string(t)]})
	}
	v.Data = d
	p.render(status, "webhooks", v)
}

func (s *Handler) createWebhook(p *page) {
	if !s.webhooksAllowed(p) {
		return
	}
	p.r.ParseForm()
	w, secret, err := s.Webhooks.CreateWebhook(p.ctx, portail.WebhookCreate{URL: strings.TrimSpace(p.r.PostFormValue("url")), Events: p.r.PostForm["events"]})
	if err != nil {
		s.renderWebhooks(p, 0, err, nil, "")
		return
	}
	// No redirect: the secret is shown on this answer, and only here.
	s.renderWebhooks(p, http.StatusCreated, nil, w, secret)
}

type webhookData struct {
	Hook   *portail.Webhook
	Labels map[portail.WebhookEventType]string
	Log    []*portail.WebhookAttempt
	Next   string
}

func (s *Handler) webhook(p *page) {
	if !s.webhooksAllowed(p) {
		return
	}
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	w, err := s.Webhooks.FindWebhook(p.ctx, id)
	if err != nil {
		s.pageError(p, err)
		return
	}
	log, next, err := s.Webhooks.WebhookAttempts(p.ctx, id, 0, p.r.URL.Query().Get("cursor"))
	if err != nil {
		s.pageError(p, err)
		return
	}
	v := p.view("Webhook")
	v.Nav.Current = "webhooks"
	if f, ok := webhookFlashes[p.r.URL.Query().Get("done")]; ok {
		v.Flash = p.t(f)
	}
	labels := map[portail.WebhookEventType]string{}
	for t, l := range webhookEventLabels {
		labels[t] = p.t(l)
	}
	v.Data = webhookData{Hook: w, Labels: labels, Log: log, Next: next}
	p.render(http.StatusOK, "webhook", v)
}

func (s *Handler) enableWebhook(on bool) func(p *page) {
	return func(p *page) {
		if !s.webhooksAllowed(p) {
			return
		}
		id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
		if _, err := s.Webhooks.UpdateWebhook(p.ctx, id, portail.WebhookUpdate{Enabled: &on}); err != nil {
			s.pageError(p, err)
			return
		}
		done := "disabled"
		if on {
			done = "enabled"
		}
		p.redirect("/webhooks/" + strconv.FormatInt(id, 10) + "?done=" + done)
	}
}

func (s *Handler) deleteWebhook(p *page) {
	if !s.webhooksAllowed(p) {
		return
	}
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	if err := s.Webhooks.DeleteWebhook(p.ctx, id); err != nil {
		s.pageError(p, err)
		return
	}
	p.redirect("/webhooks?done=deleted")
}

func (s *Handler) resendWebhook(p *page) {
	if !s.webhooksAllowed(p) {
		return
	}
	id, _ := strconv.ParseInt(p.r.PathValue("id"), 10, 64)
	did, _ := strconv.ParseInt(p.r.PathValue("delivery_id"), 10, 64)
	if err := s.Webhooks.ResendDelivery(p.ctx, id, did); err != nil {
		s.pageError(p, err)
		return
	}
	p.redirect("/webhooks/" + strconv.FormatInt(id, 10) + "?done=resent")
}
