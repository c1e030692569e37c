package api

import (
	"context"
	"net/http"
	"time"

	"portail"
	"portail/mail"
	"portail/web/request"
)

func (s *Handler) forgot(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Login string `json:"login"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	s.site.Forgot(r, req.Login)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Handler) reset(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Token       string `json:"token"`
		Code        string `json:"code"`
		NewPassword string `json:"new_password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Credentials.ResetPassword(request.Anonymous(r), req.Token, req.Code, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Token       string `json:"token"`
		NewPassword string `json:"new_password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Credentials.AcceptInvitation(request.Anonymous(r), req.Token, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// confirmEmail confirms a change of one's own address with the token of
// the link sent to the new address; no session is needed, since the link
// proves the mailbox and the request proved the password.
func (s *Handler) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Token string `json:"token"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.Credentials.ConfirmEmailChange(request.Anonymous(r), req.Token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) sendReset(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	return s.accepted(w, r, s.Credentials.SendPasswordReset)
}

func (s *Handler) resendInvitation(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	return s.accepted(w, r, s.Credentials.ResendInvitation)
}

func (s *Handler) accepted(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id int64) error) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := fn(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// --- API keys ---

type apiKeyJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Key        string     `json:"key,omitempty"`
}

func toAPIKeyJSON(k *portail.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt}
}

func (s *Handler) listKeys(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	keys, err := s.Credentials.ListAPIKeys(r.Context())
	if err != nil {
		return err
	}
	items := make([]apiKeyJSON, len(keys))
	for i, k := range keys {
		items[i] = toAPIKeyJSON(k)
	}
	return writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Handler) createKey(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	k, key, err := s.Credentials.CreateAPIKey(r.Context(), req.Name)
	if err != nil {
		return err
	}
	j := toAPIKeyJSON(k)
	j.Key = key
	return writeJSON(w, http.StatusCreated, j)
}

func (s *Handler) revokeKey(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := s.Credentials.RevokeAPIKey(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- outbox ---

type emailJSON struct {
	ID        int64      `json:"id"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Template  string     `json:"template"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
	Text      string     `json:"text,omitempty"`
	HTML      string     `json:"html,omitempty"`
}

func toEmailJSON(e *portail.Email, withText bool, base string) emailJSON {
	m, _ := mail.Render(e, base)
	j := emailJSON{ID: e.ID, To: e.To, Subject: m.Subject, Template: string(e.Template), Status: e.Status,
		Attempts: e.Attempts, LastError: e.LastError, CreatedAt: e.CreatedAt, SentAt: e.SentAt}
	if withText {
		j.Text, j.HTML = m.Text, m.HTML
	}
	return j
}

func (s *Handler) listOutbox(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	limit, cursor, err := request.Page(r.URL.Query())
	if err != nil {
		return err
	}
	emails, next, err := s.Outbox.ListEmails(r.Context(), limit, cursor)
	if err != nil {
		return err
	}
	items := make([]emailJSON, len(emails))
	for i, e := range emails {
		items[i] = toEmailJSON(e, false, s.site.BaseURL())
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Handler) getOutbox(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	e, err := s.Outbox.FindEmail(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toEmailJSON(e, true, s.site.BaseURL()))
}
