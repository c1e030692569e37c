package api

import (
	"net/http"
	"strconv"
	"time"

	"portail"
	"portail/web/request"
)

// webhookRoutes registers the webhook routes (D10, admins).
func (s *Handler) webhookRoutes(handle func(pattern string, h http.HandlerFunc)) {
	handle("GET /api/v1/webhooks", s.authed(s.webhooks(s.listWebhooks)))
	handle("POST /api/v1/webhooks", s.authed(s.webhooks(s.createWebhook)))
	handle("GET /api/v1/webhooks/{id}", s.authed(s.webhooks(s.getWebhook)))
	handle("PATCH /api/v1/webhooks/{id}", s.authed(s.webhooks(s.patchWebhook)))
	handle("DELETE /api/v1/webhooks/{id}", s.authed(s.webhooks(s.deleteWebhook)))
	handle("GET /api/v1/webhooks/{id}/deliveries", s.authed(s.webhooks(s.webhookDeliveries)))
	handle("POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/resend", s.authed(s.webhooks(s.resendDelivery)))
}

// webhooks answers 404 when the installation runs without webhooks (a
// test server given no webhook service).
func (s *Handler) webhooks(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, me *portail.User) error {
		if s.Webhooks == nil {
			return portail.ErrNotFound("Webhook")
		}
		return h(w, r, me)
	}
}

type webhookJSON struct {
	ID             int64                      `json:"id"`
	URL            string                     `json:"url"`
	Events         []portail.WebhookEventType `json:"events"`
	Secret         string                     `json:"secret,omitempty"` // only in the answer to its creation
	CreatedAt      time.Time                  `json:"created_at"`
	Enabled        bool                       `json:"enabled"`
	DisabledReason string                     `json:"disabled_reason"`
}

func toWebhookJSON(wh *portail.Webhook) webhookJSON {
	return webhookJSON{ID: wh.ID, URL: wh.URL, Events: wh.Events, CreatedAt: wh.CreatedAt, Enabled: wh.Enabled, DisabledReason: wh.DisabledReason}
}

type webhookAttemptJSON struct {
	ID         int64     `json:"id"`
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	Attempt    int       `json:"attempt"`
	StatusCode *int      `json:"status_code"` // null when no answer came
	Error      string    `json:"error"`
	At         time.Time `json:"at"`
}

func (s *Handler) listWebhooks(w http.ResponseWriter, r *http.Request, _ *portail.User) error {
	list, err := s.Webhooks.ListWebhooks(r.Context())
	if err != nil {
		return err
	}
	items := make([]webhookJSON, len(list))
	for i, wh := range list {
		items[i] = toWebhookJSON(wh)
	}
	return writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Handler) getWebhook(w http.ResponseWriter, r *http.Request, _ *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	wh, err := s.Webhooks.FindWebhook(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWebhookJSON(wh))
}

func (s *Handler) createWebhook(w http.ResponseWriter, r *http.Request, _ *portail.User) error {
	var req struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	wh, sec, err := s.Webhooks.CreateWebhook(r.Context(), portail.WebhookCreate{URL: req.URL, Events: req.Events})
	if err != nil {
		return err
	}
	out := toWebhookJSON(wh)
	out.Secret = sec
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(wh.ID, 10))
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Handler) patchWebhook(w http.ResponseWriter, r *http.Request, _ *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	var req struct {
		URL     *string   `json:"url"`
		Events  *[]string `json:"events"`
		Enabled *bool     `json:"enabled"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	wh, err := s.Webhooks.UpdateWebhook(r.Context(), id, portail.WebhookUpdate{URL: req.URL, Events: req.Events, Enabled: req.Enabled})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWebhookJSON(wh))
}

func (s *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request, _ *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := s.Webhooks.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) webhookDeliveries(w http.ResponseWriter, r *http.Request, _ *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	limit, cursor, err := request.Page(r.URL.Query())
	if err != nil {
		return err
	}
	log, next, err := s.Webhooks.WebhookAttempts(r.Context(), id, limit, cursor)
	if err != nil {
		return err
	}
	items := make([]webhookAttemptJSON, len(log))
	for i, a := range log {
		items[i] = webhookAttemptJSON{ID: a.ID, EventID: a.EventID, EventType: string(a.EventType), Attempt: a.Attempt, Error: a.Error, At: a.At}
		if a.StatusCode != 0 {
			code := a.StatusCode
			items[i].StatusCode = &code
		}
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Handler) resendDelivery(w http.ResponseWriter, r *http.Request, _ *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	did, err := strconv.ParseInt(r.PathValue("delivery_id"), 10, 64)
	if err != nil || did <= 0 {
		return portail.ErrNotFound("Delivery")
	}
	if err := s.Webhooks.ResendDelivery(r.Context(), id, did); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
