package api

import (
	"net/http"
	"time"

	"portail"
	"portail/web/request"
)

// The account's SCIM tokens (C14, SPEC §9 Wave-2 details 14): admins
// create them with the defaults of the users a directory creates without
// portail's extension, list them with their last use, revoke them.

func (s *Handler) scimTokenRoutes(handle func(pattern string, h http.HandlerFunc)) {
	handle("GET /api/v1/account/scim-tokens", s.authed(s.listSCIMTokens))
	handle("POST /api/v1/account/scim-tokens", s.authed(s.createSCIMToken))
	handle("DELETE /api/v1/account/scim-tokens/{id}", s.authed(s.revokeSCIMToken))
}

type scimDefaultsJSON struct {
	Role         string   `json:"role"`
	DepartmentID *int64   `json:"department_id"`
	Modules      []string `json:"modules"`
}

type scimTokenJSON struct {
	ID         int64            `json:"id"`
	Name       string           `json:"name"`
	Token      string           `json:"token,omitempty"` // only in the answer to its creation
	Defaults   scimDefaultsJSON `json:"defaults"`
	CreatedAt  time.Time        `json:"created_at"`
	LastUsedAt *time.Time       `json:"last_used_at"`
}

func toSCIMTokenJSON(t *portail.SCIMToken) scimTokenJSON {
	return scimTokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt,
		Defaults: scimDefaultsJSON{Role: t.Defaults.Role.String(), DepartmentID: optID(t.Defaults.DepartmentID),
			Modules: t.Defaults.Modules.Strings()}}
}

func (s *Handler) listSCIMTokens(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	if s.SCIMTokens == nil {
		return portail.ErrNotFound("Resource")
	}
	tokens, err := s.SCIMTokens.ListSCIMTokens(r.Context())
	if err != nil {
		return err
	}
	items := make([]scimTokenJSON, len(tokens))
	for i, t := range tokens {
		items[i] = toSCIMTokenJSON(t)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": nil})
}

func (s *Handler) createSCIMToken(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	if s.SCIMTokens == nil {
		return portail.ErrNotFound("Resource")
	}
	var req struct {
		Name     string           `json:"name"`
		Defaults scimDefaultsJSON `json:"defaults"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	var v portail.Validation
	c := portail.SCIMTokenCreate{Name: req.Name}
	c.Defaults.Role, _ = portail.ParseRole(req.Defaults.Role) // an unknown role fails Validate with a field error
	if req.Defaults.DepartmentID != nil {
		c.Defaults.DepartmentID = *req.Defaults.DepartmentID
	}
	c.Defaults.Modules = parseModules(req.Defaults.Modules, &v, "defaults.modules")
	if err := v.Err(); err != nil {
		return portail.JoinInvalid(c.Validate(), err)
	}
	t, token, err := s.SCIMTokens.CreateSCIMToken(r.Context(), c)
	if err != nil {
		return err
	}
	j := toSCIMTokenJSON(t)
	j.Token = token
	return writeJSON(w, http.StatusCreated, j)
}

func (s *Handler) revokeSCIMToken(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	if s.SCIMTokens == nil {
		return portail.ErrNotFound("Resource")
	}
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := s.SCIMTokens.RevokeSCIMToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
