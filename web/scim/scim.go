// Package scim serves SCIM 2.0 provisioning (RFC 7643, RFC 7644; C14) at
// /scim/v2: a company's directory (Entra ID, Okta, Keycloak…) creates,
// updates and deactivates an account's users and maps its groups to the
// account's departments, with a token an admin of the account created.
// It is a third face beside the API and the pages, standing like them on
// web/request and the domain: every change goes through the services and
// the policy, as the token's provisioning caller.
package scim

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"portail"
	"portail/web/request"
)

// Prefix is where SCIM is served (SPEC §9 Wave-2 details 14).
const Prefix = "/scim/v2"

// maxBody bounds a request's body: a user or a group's change is small,
// a group's whole membership a few hundred ids.
const maxBody = 1 << 20

// Handler serves SCIM over the services.
type Handler struct {
	Tokens portail.SCIMTokenService
	SCIM   portail.SCIMService
	Site   request.Site
}

// Routes registers the SCIM routes with handle.
func (h *Handler) Routes(handle func(pattern string, hf http.HandlerFunc)) {
	routes := map[string]func(w http.ResponseWriter, r *http.Request) error{
		"GET /ServiceProviderConfig": h.serviceProviderConfig,
		"GET /Schemas":               h.schemas,
		"GET /Schemas/{id}":          h.schema,
		"GET /ResourceTypes":         h.resourceTypes,
		"GET /ResourceTypes/{id}":    h.resourceType,
		"GET /Users":                 h.listUsers,
		"POST /Users":                h.createUser,
		"GET /Users/{id}":            h.getUser,
		"PUT /Users/{id}":            h.replaceUser,
		"PATCH /Users/{id}":          h.patchUser,
		"DELETE /Users/{id}":         h.deleteUser,
		"GET /Groups":                h.listGroups,
		"POST /Groups":               h.createGroup,
		"GET /Groups/{id}":           h.getGroup,
		"PUT /Groups/{id}":           h.replaceGroup,
		"PATCH /Groups/{id}":         h.patchGroup,
		"DELETE /Groups/{id}":        h.deleteGroup,
		"/":                          func(http.ResponseWriter, *http.Request) error { return notFound() },
	}
	for pattern, fn := range routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "", pattern
		}
		full := strings.TrimSpace(method + " " + Prefix + path)
		handle(full, h.serve(fn))
	}
}

// serve authenticates the token, runs fn and writes its error as SCIM's
// error body.
func (h *Handler) serve(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r, err := h.authenticate(r)
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			err = fn(w, r)
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	}
}

// authenticate returns r carrying the token's provisioning caller.
func (h *Handler) authenticate(r *http.Request) (*http.Request, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return r, &scimError{status: http.StatusUnauthorized, detail: "Use Authorization: Bearer <SCIM token>."}
	}
	c, _, err := h.Tokens.AuthenticateSCIM(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return r, err
	}
	c.IP, c.UserAgent = request.ClientIP(r), r.UserAgent()
	return r.WithContext(portail.WithCaller(r.Context(), c)), nil
}

// base is the address of the SCIM root, which resources' locations start
// with.
func (h *Handler) base() string { return strings.TrimSuffix(h.Site.BaseURL(), "/") + Prefix }

// scimError is an RFC 7644 §3.12 error.
type scimError struct {
	status   int
	scimType string
	detail   string
}

func (e *scimError) Error() string { return e.detail }

func invalidValue(field, msg string) error {
	return &scimError{status: http.StatusBadRequest, scimType: "invalidValue", detail: field + ": " + msg}
}

func invalidSyntax(msg string) error {
	return &scimError{status: http.StatusBadRequest, scimType: "invalidSyntax", detail: msg}
}

func notFound() error {
	return &scimError{status: http.StatusNotFound, detail: "Resource not found."}
}

// asSCIM turns a service's error into SCIM's: a name taken is
// uniqueness, the seats a 409 whose detail names the plan and the limit,
// a username changed mutability, a refused field invalidValue.
func asSCIM(err error) *scimError {
	var se *scimError
	if errors.As(err, &se) {
		return se
	}
	var e *portail.Error
	if !errors.As(err, &e) {
		return &scimError{status: http.StatusInternalServerError, detail: "Internal error."}
	}
	detail := e.Message
	if len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = f.Field + ": " + f.Message
		}
		detail = strings.Join(parts, " ")
	}
	switch e.Code {
	case portail.EINVALID:
		return &scimError{status: http.StatusBadRequest, scimType: "invalidValue", detail: detail}
	case portail.EUSERNAMETAKEN, portail.EEMAILTAKEN:
		return &scimError{status: http.StatusConflict, scimType: "uniqueness", detail: detail}
	case portail.ECONFLICT:
		t := ""
		if len(e.Fields) > 0 {
			t = "uniqueness" // a department's name
		}
		return &scimError{status: http.StatusConflict, scimType: t, detail: detail}
	case portail.ESEATLIMIT:
		return &scimError{status: http.StatusConflict, detail: e.Message}
	case portail.EUSERNAMEIMMUTABLE:
		return &scimError{status: http.StatusBadRequest, scimType: "mutability", detail: e.Message}
	case portail.ENOTFOUND:
		return &scimError{status: http.StatusNotFound, detail: e.Message}
	case portail.EFORBIDDEN:
		return &scimError{status: http.StatusForbidden, detail: e.Message}
	case portail.EUNAUTHENTICATED:
		return &scimError{status: http.StatusUnauthorized, detail: e.Message}
	case portail.ETOOLARGE:
		return &scimError{status: http.StatusRequestEntityTooLarge, detail: e.Message}
	case portail.EUNAVAILABLE:
		return &scimError{status: http.StatusServiceUnavailable, detail: e.Message}
	}
	return &scimError{status: http.StatusInternalServerError, detail: "Internal error."}
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	se := asSCIM(err)
	if se.status >= 500 {
		h.Site.Logger().Error("scim", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if se.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="portail SCIM"`)
	}
	body := map[string]any{"schemas": []string{errorSchema}, "status": strconv.Itoa(se.status), "detail": se.detail}
	if se.scimType != "" {
		body["scimType"] = se.scimType
	}
	writeJSON(w, se.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// readDoc decodes a request's JSON object, numbers kept exact.
func readDoc(r *http.Request) (doc, error) {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &scimError{status: http.StatusRequestEntityTooLarge, detail: "The body is too large."}
		}
		return nil, invalidSyntax("The body is not a JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidSyntax("The body holds more than one JSON value.")
	}
	return fold(m).(doc), nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound()
	}
	return id, nil
}

// page reads startIndex (1-based, below 1 is 1) and count (0 to
// SCIMMaxCount; default portail.DefaultPageSize) (RFC 7644 §3.4.2.4).
func page(r *http.Request) (start, count int, err error) {
	start, count = 1, portail.DefaultPageSize
	q := r.URL.Query()
	if s := q.Get("startIndex"); s != "" {
		if start, err = strconv.Atoi(s); err != nil {
			return 0, 0, invalidValue("startIndex", "Use a number.")
		}
		start = max(start, 1)
	}
	if s := q.Get("count"); s != "" {
		if count, err = strconv.Atoi(s); err != nil {
			return 0, 0, invalidValue("count", "Use a number.")
		}
		count = min(max(count, 0), portail.SCIMMaxCount)
	}
	return start, count, nil
}

func listResponse(items []any, total, start int) map[string]any {
	return map[string]any{"schemas": []string{listSchema}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(items), "Resources": items}
}

// equality reads a filter of one equality, attr eq "value", or for a
// multi-valued attribute attr[value eq "v"] and attr.value eq "v":
// the filters directories send to find what they provisioned.
func equality(raw string) (attr, value string, err error) {
	bad := &scimError{status: http.StatusBadRequest, scimType: "invalidFilter",
		detail: `portail filters by one equality: userName eq "…", emails.value eq "…", externalId eq "…", displayName eq "…".`}
	e, perr := filter.ParseFilter([]byte(raw))
	if perr != nil {
		return "", "", bad
	}
	var a *filter.AttributeExpression
	switch t := e.(type) {
	case *filter.AttributeExpression:
		a = t
	case *filter.ValuePath:
		inner, ok := t.ValueFilter.(*filter.AttributeExpression)
		if !ok || !strings.EqualFold(inner.AttributePath.AttributeName, "value") {
			return "", "", bad
		}
		a = &filter.AttributeExpression{AttributePath: filter.AttributePath{AttributeName: t.AttributePath.AttributeName,
			SubAttribute: &inner.AttributePath.AttributeName}, Operator: inner.Operator, CompareValue: inner.CompareValue}
	default:
		return "", "", bad
	}
	s, ok := a.CompareValue.(string)
	if a.Operator != filter.EQ || !ok {
		return "", "", bad
	}
	attr = strings.ToLower(a.AttributePath.AttributeName)
	if sub := a.AttributePath.SubAttributeName(); sub != "" {
		attr += "." + strings.ToLower(sub)
	}
	return attr, s, nil
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	start, count, err := page(r)
	if err != nil {
		return err
	}
	f := portail.SCIMUserFilter{Start: start, Count: count}
	if raw := r.URL.Query().Get("filter"); raw != "" {
		attr, value, err := equality(raw)
		if err != nil {
			return err
		}
		switch attr {
		case "username":
			f.UserName = value
		case "emails", "emails.value":
			f.Email = value
		case "externalid":
			f.ExternalID = value
		case "id":
			return h.oneUser(w, r, value, start)
		default:
			return &scimError{status: http.StatusBadRequest, scimType: "invalidFilter", detail: "portail filters users by userName, emails.value, externalId or id."}
		}
		if value == "" {
			return writeList(w, nil, 0, start)
		}
	}
	users, total, err := h.SCIM.ListSCIMUsers(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]any, len(users))
	for i, u := range users {
		items[i] = shown(userDoc(u, h.base()))
	}
	return writeList(w, items, total, start)
}

// oneUser answers a filter by id: a list of that user, or of none.
func (h *Handler) oneUser(w http.ResponseWriter, r *http.Request, value string, start int) error {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return writeList(w, nil, 0, start)
	}
	u, err := h.SCIM.FindSCIMUser(r.Context(), id)
	if portail.ErrorCode(err) == portail.ENOTFOUND {
		return writeList(w, nil, 0, start)
	} else if err != nil {
		return err
	}
	return writeList(w, []any{shown(userDoc(u, h.base()))}, 1, start)
}

func writeList(w http.ResponseWriter, items []any, total, start int) error {
	if items == nil {
		items = []any{}
	}
	writeJSON(w, http.StatusOK, listResponse(items, total, start))
	return nil
}

func (h *Handler) writeUser(w http.ResponseWriter, status int, u *portail.SCIMUser) error {
	d := userDoc(u, h.base())
	if status == http.StatusCreated {
		w.Header().Set("Location", d.sub("meta").str("location"))
	}
	writeJSON(w, status, shown(d))
	return nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := h.SCIM.FindSCIMUser(r.Context(), id)
	if err != nil {
		return err
	}
	return h.writeUser(w, http.StatusOK, u)
}

// readUser reads a user POST or PUT.
func readUser(r *http.Request) (portail.SCIMUserInput, error) {
	d, err := readDoc(r)
	if err != nil {
		return portail.SCIMUserInput{}, err
	}
	return userInput(d, nil)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error {
	in, err := readUser(r)
	if err != nil {
		return err
	}
	u, err := h.SCIM.CreateSCIMUser(r.Context(), in)
	if err != nil {
		return err
	}
	return h.writeUser(w, http.StatusCreated, u)
}

func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := readUser(r)
	if err != nil {
		return err
	}
	u, err := h.SCIM.ReplaceSCIMUser(r.Context(), id, in)
	if err != nil {
		return err
	}
	return h.writeUser(w, http.StatusOK, u)
}

// patchUser applies the operations to the user as portail shows them,
// then replaces the user with the result: the same checks as a PUT, in
// one transaction that refuses the replace (409) if the user changed
// since it was read.
func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	body, err := readDoc(r)
	if err != nil {
		return err
	}
	ops, err := readOperations(body)
	if err != nil {
		return err
	}
	u, err := h.SCIM.FindSCIMUser(r.Context(), id)
	if err != nil {
		return err
	}
	before := userDoc(u, h.base())
	d := fold(userDoc(u, h.base())).(doc) // a copy the operations change
	if err := applyOperations(d, ops); err != nil {
		return err
	}
	in, err := userInput(d, before)
	if err != nil {
		return err
	}
	in.Base = u
	if u, err = h.SCIM.ReplaceSCIMUser(r.Context(), id, in); err != nil {
		return err
	}
	return h.writeUser(w, http.StatusOK, u)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.SCIM.DeactivateSCIMUser(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// withMembers reports whether the answer lists the members: not when
// excludedAttributes names them, as Entra ID asks when it looks a group
// up.
func withMembers(r *http.Request) bool {
	for _, a := range strings.Split(r.URL.Query().Get("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(a), "members") {
			return false
		}
	}
	return true
}

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request) error {
	start, count, err := page(r)
	if err != nil {
		return err
	}
	name := ""
	if raw := r.URL.Query().Get("filter"); raw != "" {
		attr, value, err := equality(raw)
		if err != nil {
			return err
		}
		switch attr {
		case "displayname":
			name = value
		case "id":
			id, _ := strconv.ParseInt(value, 10, 64)
			g, err := h.SCIM.FindSCIMGroup(r.Context(), id)
			if portail.ErrorCode(err) == portail.ENOTFOUND || id <= 0 {
				return writeList(w, nil, 0, start)
			} else if err != nil {
				return err
			}
			return writeList(w, []any{shown(groupDoc(g, h.base(), withMembers(r)))}, 1, start)
		default:
			return &scimError{status: http.StatusBadRequest, scimType: "invalidFilter", detail: "portail filters groups by displayName or id."}
		}
		if strings.TrimSpace(name) == "" {
			return writeList(w, nil, 0, start)
		}
	}
	groups, total, err := h.SCIM.ListSCIMGroups(r.Context(), name, start, count)
	if err != nil {
		return err
	}
	items := make([]any, len(groups))
	for i, g := range groups {
		items[i] = shown(groupDoc(g, h.base(), withMembers(r)))
	}
	return writeList(w, items, total, start)
}

func (h *Handler) writeGroup(w http.ResponseWriter, r *http.Request, status int, g *portail.SCIMGroup) error {
	d := groupDoc(g, h.base(), withMembers(r))
	if status == http.StatusCreated {
		w.Header().Set("Location", d.sub("meta").str("location"))
	}
	writeJSON(w, status, shown(d))
	return nil
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	g, err := h.SCIM.FindSCIMGroup(r.Context(), id)
	if err != nil {
		return err
	}
	return h.writeGroup(w, r, http.StatusOK, g)
}

// readGroup reads a group POST or PUT.
func readGroup(r *http.Request) (portail.SCIMGroupChange, error) {
	d, err := readDoc(r)
	if err != nil {
		return portail.SCIMGroupChange{}, err
	}
	return groupChange(d)
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request) error {
	c, err := readGroup(r)
	if err != nil {
		return err
	}
	g, err := h.SCIM.CreateSCIMGroup(r.Context(), c)
	if err != nil {
		return err
	}
	return h.writeGroup(w, r, http.StatusCreated, g)
}

// replaceGroup is a PUT; patchGroup reads the operations on a group's
// name, directory id and members: add moves users into the department,
// remove out of it. Both change the group in one call.
func (h *Handler) replaceGroup(w http.ResponseWriter, r *http.Request) error {
	return h.changeGroup(w, r, readGroup)
}

func (h *Handler) patchGroup(w http.ResponseWriter, r *http.Request) error {
	return h.changeGroup(w, r, func(r *http.Request) (portail.SCIMGroupChange, error) {
		var c portail.SCIMGroupChange
		body, err := readDoc(r)
		if err != nil {
			return c, err
		}
		ops, err := readOperations(body)
		if err != nil {
			return c, err
		}
		return c, eachOperation(ops, func(op, path string, value any) error { return groupOperation(&c, op, path, value) })
	})
}

func (h *Handler) changeGroup(w http.ResponseWriter, r *http.Request, read func(*http.Request) (portail.SCIMGroupChange, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := read(r)
	if err != nil {
		return err
	}
	g, err := h.SCIM.ChangeSCIMGroup(r.Context(), id, c)
	if err != nil {
		return err
	}
	return h.writeGroup(w, r, http.StatusOK, g)
}

func groupOperation(c *portail.SCIMGroupChange, op, path string, value any) error {
	t, err := resolvePath(path)
	if err != nil || t.ignore {
		return err
	}
	switch t.attr {
	case "displayname", "externalid":
		s, ok := value.(string)
		if op == "remove" || !ok {
			return &scimError{status: http.StatusBadRequest, scimType: "mutability", detail: "A group keeps a name: replace it with a string."}
		}
		if t.attr == "displayname" {
			c.Name = &s
		} else {
			c.ExternalID = &s
		}
	case "members":
		if t.filter != nil {
			// members[value eq "12"]: the one member named.
			e, ok := t.filter.(*filter.AttributeExpression)
			var s string
			if ok {
				s, _ = e.CompareValue.(string)
			}
			id, err := strconv.ParseInt(s, 10, 64)
			if !ok || op != "remove" || e.Operator != filter.EQ || err != nil {
				return &scimError{status: http.StatusBadRequest, scimType: "invalidFilter", detail: `Name a member as members[value eq "id"].`}
			}
			c.Remove = append(c.Remove, id)
			return nil
		}
		ids, err := memberIDs(value)
		if err != nil {
			return err
		}
		switch {
		case op == "add":
			c.Add = append(c.Add, ids...)
		case op == "remove" && value == nil:
			none := []int64{}
			c.Members = &none
		case op == "remove":
			c.Remove = append(c.Remove, ids...)
		default:
			c.Members = &ids
		}
	default:
		return &scimError{status: http.StatusBadRequest, scimType: "invalidPath", detail: "A group has displayName, externalId and members."}
	}
	return nil
}

// deleteGroup refuses: a department is never deleted, since users and
// documents keep pointing at it (SPEC §9 Wave-2 details 14).
func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.SCIM.FindSCIMGroup(r.Context(), id); err != nil {
		return err
	}
	return &scimError{status: http.StatusBadRequest, scimType: "mutability",
		detail: "portail never deletes a department: its documents and history stay. Rename it, or move its members."}
}
