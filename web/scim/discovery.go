package scim

import (
	"net/http"
	"strings"

	"portail"
)

// The discovery endpoints (RFC 7644 §4): what portail supports, and the
// schemas of the attributes it keeps. They describe SCIM here; the REST
// API's openapi.json does not.

func (h *Handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":        []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": portail.SCIMMaxCount},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": false},
		"etag":           map[string]any{"supported": false},
		"authenticationSchemes": []any{map[string]any{"type": "oauthbearertoken", "name": "Bearer token",
			"description": "A SCIM token an admin of the account created on the account page.", "primary": true}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base() + "/ServiceProviderConfig"},
	})
	return nil
}

// attr describes one attribute of a schema.
func attr(name, typ, desc string, more ...any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "description": desc, "multiValued": false, "required": false,
		"caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for i := 0; i+1 < len(more); i += 2 {
		a[more[i].(string)] = more[i+1]
	}
	return a
}

func (h *Handler) schemaList() []map[string]any {
	name := attr("name", "complex", "The parts of the name; the full name is displayName.", "subAttributes", []any{
		attr("formatted", "string", "The full name."), attr("givenName", "string", "The given name."),
		attr("familyName", "string", "The family name.")})
	email := attr("emails", "complex", "The e-mail address: the primary one, else the work one, is the user's (unique, U2).",
		"multiValued", true, "subAttributes", []any{attr("value", "string", "The address."),
			attr("type", "string", "work"), attr("primary", "boolean", "The user's address.")})
	group := attr("groups", "complex", "The user's department as a group; a user is in one.", "multiValued", true,
		"mutability", "readOnly", "subAttributes", []any{attr("value", "string", "The group's id."), attr("$ref", "reference", "")})
	schemas := []map[string]any{
		{"id": userSchema, "name": "User", "description": "A person with a login in the account.", "attributes": []any{
			attr("userName", "string", "The login; unique across the installation, case-insensitive; never changes.",
				"required", true, "uniqueness", "server", "mutability", "immutable"),
			name, attr("displayName", "string", "The full name."), email,
			attr("active", "boolean", "false deactivates the user (sessions, API keys and links end); true reactivates within the seats."),
			attr("preferredLanguage", "string", "fr, en or nl."),
			attr("externalId", "string", "The directory's own id.", "caseExact", true), group}},
		{"id": groupSchema, "name": "Group", "description": "A department of the account.", "attributes": []any{
			attr("displayName", "string", "The department's name.", "required", true, "uniqueness", "server"),
			attr("externalId", "string", "The directory's own id.", "caseExact", true),
			attr("members", "complex", "The department's users: adding one moves them here.", "multiValued", true,
				"subAttributes", []any{attr("value", "string", "The user's id."), attr("display", "string", "The username.", "mutability", "readOnly")})}},
		{"id": extensionSchema, "name": "PortailUser", "description": "portail's access: when absent at creation, the token's defaults.", "attributes": []any{
			attr("role", "string", "viewer, operator, department_admin or admin (an admin only this way).",
				"canonicalValues", []string{"viewer", "operator", "department_admin", "admin"}),
			attr("department_id", "integer", "The department's id (a JSON number); it wins over the groups."),
			attr("modules", "string", "The modules granted: mail, parcels, classic.", "multiValued", true,
				"canonicalValues", []string{"mail", "parcels", "classic"})}},
	}
	for _, s := range schemas {
		s["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}
		s["meta"] = map[string]any{"resourceType": "Schema", "location": h.base() + "/Schemas/" + s["id"].(string)}
	}
	return schemas
}

func (h *Handler) schemas(w http.ResponseWriter, r *http.Request) error {
	return serveDiscovery(w, r, h.schemaList(), false)
}

func (h *Handler) schema(w http.ResponseWriter, r *http.Request) error {
	return serveDiscovery(w, r, h.schemaList(), true)
}

// serveDiscovery answers the list of schemas or resource types, or with
// one the item the path's id names.
func serveDiscovery(w http.ResponseWriter, r *http.Request, list []map[string]any, one bool) error {
	items := make([]any, 0, len(list))
	for _, s := range list {
		if !one {
			items = append(items, s)
		} else if strings.EqualFold(s["id"].(string), r.PathValue("id")) {
			writeJSON(w, http.StatusOK, s)
			return nil
		}
	}
	if one {
		return notFound()
	}
	writeJSON(w, http.StatusOK, listResponse(items, len(items), 1))
	return nil
}

func (h *Handler) resourceTypeList() []map[string]any {
	types := []map[string]any{
		{"id": "User", "name": "User", "endpoint": "/Users", "description": "The account's users.", "schema": userSchema,
			"schemaExtensions": []any{map[string]any{"schema": extensionSchema, "required": false}}},
		{"id": "Group", "name": "Group", "endpoint": "/Groups", "description": "The account's departments.", "schema": groupSchema},
	}
	for _, t := range types {
		t["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}
		t["meta"] = map[string]any{"resourceType": "ResourceType", "location": h.base() + "/ResourceTypes/" + t["id"].(string)}
	}
	return types
}

func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request) error {
	return serveDiscovery(w, r, h.resourceTypeList(), false)
}

func (h *Handler) resourceType(w http.ResponseWriter, r *http.Request) error {
	return serveDiscovery(w, r, h.resourceTypeList(), true)
}
