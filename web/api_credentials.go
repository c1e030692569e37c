package web

import (
	"context"
	"net/http"
	"time"

	"portail"
	"portail/mail"
)

func (s *Server) apiForgot(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Login string `json:"login"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.forgot(r, req.Login)
	w.WriteHeader(http.StatusAccepted)
}

// forgot queues the work of a "forgot password" request for after the
// answer: the answer then takes the same time whether or not the login
// exists, and says nothing either way (C4). When the queue is full the
// request is dropped, and the answer is the same.
func (s *Server) forgot(r *http.Request, login string) {
	ctx := context.WithoutCancel(anonymous(r))
	if !s.background.submit(func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := s.Credentials.ForgotPassword(ctx, login); err != nil {
			s.Logger.Error("forgot password", "err", err)
		}
	}) {
		s.background.logDrop(s.Logger, "forgot password")
	}
}

func (s *Server) apiReset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token       string `json:"token"`
		Code        string `json:"code"`
		NewPassword string `json:"new_password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.Credentials.ResetPassword(anonymous(r), req.Token, req.Code, req.NewPassword); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiAcceptInvitation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token       string `json:"token"`
		NewPassword string `json:"new_password"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.Credentials.AcceptInvitation(anonymous(r), req.Token, req.NewPassword); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiConfirmEmail confirms a change of one's own address with the token of
// the link sent to the new address; no session is needed, since the link
// proves the mailbox and the request proved the password.
func (s *Server) apiConfirmEmail(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token string `json:"token"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.Credentials.ConfirmEmailChange(anonymous(r), req.Token); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSendReset(w http.ResponseWriter, r *http.Request, me *portail.User) {
	s.accepted(w, r, s.Credentials.SendPasswordReset)
}

func (s *Server) apiResendInvitation(w http.ResponseWriter, r *http.Request, me *portail.User) {
	s.accepted(w, r, s.Credentials.ResendInvitation)
}

func (s *Server) accepted(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id int64) error) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := fn(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
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

func (s *Server) apiListKeys(w http.ResponseWriter, r *http.Request, me *portail.User) {
	keys, err := s.Credentials.ListAPIKeys(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items := make([]apiKeyJSON, len(keys))
	for i, k := range keys {
		items[i] = toAPIKeyJSON(k)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Server) apiCreateKey(w http.ResponseWriter, r *http.Request, me *portail.User) {
	var req struct {
		Name string `json:"name"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	k, key, err := s.Credentials.CreateAPIKey(r.Context(), req.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	j := toAPIKeyJSON(k)
	j.Key = key
	writeJSON(w, http.StatusCreated, j)
}

func (s *Server) apiRevokeKey(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.Credentials.RevokeAPIKey(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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
}

func toEmailJSON(e *portail.Email, withText bool, base string) emailJSON {
	m, _ := mail.Render(e, base)
	j := emailJSON{ID: e.ID, To: e.To, Subject: m.Subject, Template: string(e.Template), Status: e.Status,
		Attempts: e.Attempts, LastError: e.LastError, CreatedAt: e.CreatedAt, SentAt: e.SentAt}
	if withText {
		j.Text = m.Text
	}
	return j
}

func (s *Server) apiListOutbox(w http.ResponseWriter, r *http.Request, me *portail.User) {
	var v portail.Validation
	limit := int(queryInt(r.URL.Query().Get("limit"), "limit", &v))
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	emails, next, err := s.Outbox.ListEmails(r.Context(), limit, r.URL.Query().Get("cursor"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items := make([]emailJSON, len(emails))
	for i, e := range emails {
		items[i] = toEmailJSON(e, false, s.BaseURL.String())
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) apiGetOutbox(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := s.Outbox.FindEmail(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toEmailJSON(e, true, s.BaseURL.String()))
}
