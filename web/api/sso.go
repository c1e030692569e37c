package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"portail"
	"portail/web/request"
)

// Single sign-on (C13; SPEC §9 Identity, Wave-2 details 13).

func (s *Handler) ssoRoutes(handle func(pattern string, h http.HandlerFunc)) {
	handle("GET /api/v1/account/sso", s.authed(s.getSSO))
	handle("PUT /api/v1/account/sso", s.authed(s.putSSO))
	handle("DELETE /api/v1/account/sso", s.authed(s.deleteSSO))
	// Throttled like sign-in: it tells whether a username belongs to an
	// account that signs in by SSO (home-realm discovery).
	handle("GET /api/v1/auth/sso/start", s.limited(request.LimitLogin, s.startSSO))
}

type ssoJITJSON struct {
	DepartmentID int64    `json:"department_id"`
	Role         string   `json:"role"`
	Modules      []string `json:"modules"`
}

type ssoJSON struct {
	Issuer          string      `json:"issuer"`
	ClientID        string      `json:"client_id"`
	ClientSecretSet bool        `json:"client_secret_set"`
	Domains         []string    `json:"domains"`
	Required        bool        `json:"required"`
	JIT             *ssoJITJSON `json:"jit"`
	// RedirectURI is what to register at the provider.
	RedirectURI string `json:"redirect_uri"`
}

func (s *Handler) toSSOJSON(c *portail.SSOConnection) ssoJSON {
	out := ssoJSON{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecretSet: c.ClientSecretSet, Domains: c.Domains,
		Required: c.Required, RedirectURI: request.SSORedirectURL(s.site)}
	if out.Domains == nil {
		out.Domains = []string{}
	}
	if j := c.JIT; j != nil {
		out.JIT = &ssoJITJSON{DepartmentID: j.DepartmentID, Role: j.Role.String(), Modules: j.Modules.Strings()}
	}
	return out
}

func (s *Handler) ssoService() (portail.SSOService, error) {
	if s.SSO == nil {
		return nil, portail.ErrNotFound("Single sign-on")
	}
	return s.SSO, nil
}

func (s *Handler) getSSO(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	svc, err := s.ssoService()
	if err != nil {
		return err
	}
	c, err := svc.SSOSettings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSSOJSON(c))
}

// putSSO changes the settings partially, like PUT /account/subscription:
// an absent member is unchanged, "jit": null turns just-in-time creation
// off.
func (s *Handler) putSSO(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	svc, err := s.ssoService()
	if err != nil {
		return err
	}
	var req struct {
		Issuer       *string         `json:"issuer"`
		ClientID     *string         `json:"client_id"`
		ClientSecret *string         `json:"client_secret"`
		Domains      *[]string       `json:"domains"`
		Required     *bool           `json:"required"`
		JIT          json.RawMessage `json:"jit"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	u := portail.SSOUpdate{Issuer: req.Issuer, ClientID: req.ClientID, ClientSecret: req.ClientSecret, Domains: req.Domains, Required: req.Required}
	var v portail.Validation
	switch {
	case req.JIT == nil:
	case bytes.Equal(bytes.TrimSpace(req.JIT), []byte("null")):
		u.JITOff = true
	default:
		var j ssoJITJSON
		if err := decodeJSON(req.JIT, &j); err != nil {
			return nested(err, "jit")
		}
		role, ok := portail.ParseRole(j.Role)
		if !ok {
			v.Add("jit.role", "Choose a role: viewer, operator or department_admin.")
		}
		u.JIT = &portail.SSOJIT{DepartmentID: j.DepartmentID, Role: role, Modules: parseModules(j.Modules, &v, "jit.modules")}
	}
	if err := v.Err(); err != nil {
		return err
	}
	c, err := svc.UpdateSSO(r.Context(), u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSSOJSON(c))
}

// nested names the fields of a nested object's decoding errors under
// its member (jit.role).
func nested(err error, member string) error {
	var e *portail.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, portail.FieldError{Field: member + "." + f.Field, Message: f.Message})
	}
	if len(out.Fields) == 0 {
		out.Fields = []portail.FieldError{{Field: member, Message: "Expected an object or null."}}
	}
	return &out
}

func (s *Handler) deleteSSO(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	svc, err := s.ssoService()
	if err != nil {
		return err
	}
	if err := svc.DeleteSSO(r.Context()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// startSSO sends the browser to the provider of the login's account:
// 302, or 404 when the login does not sign in by SSO.
func (s *Handler) startSSO(w http.ResponseWriter, r *http.Request) error {
	to, err := request.BeginSSO(w, r, *s.Services, s.site, r.URL.Query().Get("login"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}
