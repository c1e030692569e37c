package api

import (
	"net/http"
	"time"

	"portail"
	"portail/web/request"
)

// Sessions in sight (C12, SPEC §9 Identity): one's own browser sessions
// and API keys, and a managed user's.

type sessionJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt *time.Time `json:"last_seen_at"`
	IP         string     `json:"ip"`
	UserAgent  string     `json:"user_agent"`
	Current    bool       `json:"current"`
	// Name is an API key's name, to tell keys apart; null for a browser.
	Name *string `json:"name"`
}

func sessionsJSON(items []*portail.SessionItem) []sessionJSON {
	out := make([]sessionJSON, len(items))
	for i, it := range items {
		out[i] = sessionJSON{ID: it.ItemID(), Kind: string(it.Kind), CreatedAt: it.CreatedAt, LastSeenAt: it.LastSeenAt,
			IP: it.IP, UserAgent: it.UserAgent, Current: it.Current}
		if it.Kind == portail.SessionAPIKey {
			out[i].Name = &it.Name
		}
	}
	return out
}

func (s *Handler) listMySessions(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	limit, cursor, err := request.Page(r.URL.Query())
	if err != nil {
		return err
	}
	items, next, err := s.Sessions.ListMySessions(r.Context(), limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(sessionsJSON(items), next))
}

func (s *Handler) endMySession(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	if err := s.Sessions.EndMySession(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) listUserSessions(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	limit, cursor, err := request.Page(r.URL.Query())
	if err != nil {
		return err
	}
	items, next, err := s.Sessions.ListUserSessions(r.Context(), id, limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(sessionsJSON(items), next))
}

func (s *Handler) signOutUser(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := s.Sessions.SignOut(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
