package scim

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"portail"
)

// The URNs of the schemas and messages portail speaks (RFC 7643, 7644).
const (
	userSchema      = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema     = "urn:ietf:params:scim:schemas:core:2.0:Group"
	extensionSchema = "urn:portail:params:scim:schemas:extension:2.0:User"
	enterpriseURN   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	listSchema      = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	patchSchema     = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	errorSchema     = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// doc is a resource as a request describes it: attribute names folded to
// lower case (SCIM's attribute names are case-insensitive, RFC 7643 §2.1),
// values as encoding/json decodes them with numbers kept as json.Number.
type doc map[string]any

// fold returns v with every object's keys in lower case.
func fold(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(doc, len(t))
		for k, x := range t {
			out[strings.ToLower(k)] = fold(x)
		}
		return out
	case doc:
		return fold(map[string]any(t))
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = fold(x)
		}
		return out
	}
	return v
}

func (d doc) str(key string) string {
	s, _ := d[key].(string)
	return s
}

func (d doc) sub(key string) doc {
	m, _ := d[key].(doc)
	return m
}

func (d doc) list(key string) []any {
	l, _ := d[key].([]any)
	return l
}

// boolean reads a SCIM boolean, also as the string Entra ID sends
// ("True", "False"); def when absent.
func boolean(v any, field string, def bool) (bool, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case bool:
		return t, nil
	case string:
		if b, err := strconv.ParseBool(strings.ToLower(t)); err == nil {
			return b, nil
		}
	}
	return false, invalidValue(field, "Use true or false.")
}

// userDoc is how portail shows a user, and the document a PATCH changes.
func userDoc(u *portail.SCIMUser, base string) doc {
	name := doc{"formatted": u.FullName}
	if u.GivenName != "" {
		name["givenname"] = u.GivenName
	}
	if u.FamilyName != "" {
		name["familyname"] = u.FamilyName
	}
	d := doc{
		"schemas":           []any{userSchema, extensionSchema},
		"id":                strconv.FormatInt(u.ID, 10),
		"username":          u.Username,
		"name":              name,
		"displayname":       u.FullName,
		"emails":            []any{doc{"value": u.Email, "type": "work", "primary": true}},
		"active":            u.Active(),
		"preferredlanguage": u.Language,
		"meta": doc{"resourcetype": "User", "created": u.CreatedAt.UTC().Format(time.RFC3339),
			"location": base + "/Users/" + strconv.FormatInt(u.ID, 10)},
		strings.ToLower(extensionSchema): doc{"role": u.Role.String(), "department_id": optDept(u.DepartmentID),
			"modules": stringsAny(u.Modules.Strings())},
	}
	if u.ExternalID != "" {
		d["externalid"] = u.ExternalID
	}
	if u.DepartmentID != 0 {
		id := strconv.FormatInt(u.DepartmentID, 10)
		d["groups"] = []any{doc{"value": id, "$ref": base + "/Groups/" + id, "type": "direct"}}
	}
	return d
}

func optDept(id int64) any {
	if id == 0 {
		return nil
	}
	return json.Number(strconv.FormatInt(id, 10))
}

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// userInput reads a user document. before, when not nil, is the document
// a PATCH started from: a change of the name's parts alone then changes
// the full name too.
func userInput(d, before doc) (portail.SCIMUserInput, error) {
	in := portail.SCIMUserInput{UserName: d.str("username"), ExternalID: d.str("externalid")}
	name := d.sub("name")
	in.GivenName, in.FamilyName = name.str("givenname"), name.str("familyname")
	joined := strings.TrimSpace(in.GivenName + " " + in.FamilyName)
	display, formatted := d.str("displayname"), name.str("formatted")
	if before == nil {
		in.FullName = cmp.Or(display, formatted, joined)
	} else {
		// A PATCH: the full name is what the operations changed, the
		// display name, else the formatted name, else the name's parts.
		was := before.sub("name")
		switch {
		case display != before.str("displayname"):
			in.FullName = display
		case formatted != was.str("formatted"):
			in.FullName = formatted
		case in.GivenName != was.str("givenname") || in.FamilyName != was.str("familyname"):
			in.FullName = joined
		default:
			in.FullName = cmp.Or(display, formatted, joined)
		}
	}
	in.Email = primaryEmail(d.list("emails"))
	var err error
	if in.Active, err = boolean(d["active"], "active", true); err != nil {
		return in, err
	}
	if lang, _, _ := strings.Cut(strings.ToLower(d.str("preferredlanguage")), "-"); portail.ValidLanguage(lang) {
		in.Language = lang
	}
	if groups := d.list("groups"); len(groups) > 1 {
		return in, invalidValue("groups", "A user is in one group: portail's groups are departments.")
	} else if len(groups) == 1 {
		g, _ := groups[0].(doc)
		if in.GroupID, err = resourceID(g["value"]); err != nil {
			return in, invalidValue("groups", "Name the group by its id.")
		}
	}
	if err := extensionInput(d.sub(strings.ToLower(extensionSchema)), &in); err != nil {
		return in, err
	}
	return in, nil
}

// primaryEmail is the primary address, else the work one, else the first.
func primaryEmail(emails []any) string {
	var first, work string
	for _, e := range emails {
		m, _ := e.(doc)
		v := m.str("value")
		if v == "" {
			continue
		}
		if p, _ := boolean(m["primary"], "", false); p {
			return v
		}
		if first == "" {
			first = v
		}
		if work == "" && strings.EqualFold(m.str("type"), "work") {
			work = v
		}
	}
	if work != "" {
		return work
	}
	return first
}

// extensionInput reads portail's extension: role, department_id (a JSON
// number) and modules; what it leaves out stays nil.
func extensionInput(ext doc, in *portail.SCIMUserInput) error {
	if ext == nil {
		return nil
	}
	if v, ok := ext["role"]; ok && v != nil {
		s, _ := v.(string)
		r, ok := portail.ParseRole(s)
		if !ok {
			return invalidValue("role", "Use viewer, operator, department_admin or admin.")
		}
		in.Role = &r
	}
	if v, ok := ext["department_id"]; ok {
		var id int64
		if v != nil {
			n, ok := v.(json.Number)
			if !ok {
				return invalidValue("department_id", "The department is a JSON number.")
			}
			var err error
			if id, err = n.Int64(); err != nil || id <= 0 {
				return invalidValue("department_id", "The department is a department's id.")
			}
		}
		in.DepartmentID = &id
	}
	if v, ok := ext["modules"]; ok {
		var mods portail.ModuleSet
		list, ok := v.([]any)
		if !ok && v != nil {
			return invalidValue("modules", "The modules are a list: mail, parcels, classic.")
		}
		for _, x := range list {
			s, _ := x.(string)
			m, ok := portail.ParseModule(s)
			if !ok {
				return invalidValue("modules", "Use mail, parcels or classic.")
			}
			mods |= portail.NewModuleSet(m)
		}
		in.Modules = &mods
	}
	return nil
}

// resourceID reads an id as SCIM carries it, a string (or a number).
func resourceID(v any) (int64, error) {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidValue("value", "Unknown id.")
	}
	return id, nil
}

// groupDoc is how portail shows a department as a group.
func groupDoc(g *portail.SCIMGroup, base string, members bool) doc {
	id := strconv.FormatInt(g.ID, 10)
	d := doc{
		"schemas":     []any{groupSchema},
		"id":          id,
		"displayname": g.Name,
		"meta": doc{"resourcetype": "Group", "created": g.CreatedAt.UTC().Format(time.RFC3339),
			"location": base + "/Groups/" + id},
	}
	if g.ExternalID != "" {
		d["externalid"] = g.ExternalID
	}
	if members {
		list := make([]any, len(g.Members))
		for i, m := range g.Members {
			mid := strconv.FormatInt(m.ID, 10)
			list[i] = doc{"value": mid, "display": m.UserName, "$ref": base + "/Users/" + mid, "type": "User"}
		}
		d["members"] = list
	}
	return d
}

// memberIDs reads a list of members, [{"value": "12"}, …].
func memberIDs(v any) ([]int64, error) {
	var list []any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		list = t
	case doc:
		list = []any{t}
	default:
		return nil, invalidValue("members", "The members are a list of {\"value\": id}.")
	}
	out := make([]int64, 0, len(list))
	for _, x := range list {
		m, _ := x.(doc)
		id, err := resourceID(m["value"])
		if err != nil {
			return nil, invalidValue("members", "Name each member by its id.")
		}
		out = append(out, id)
	}
	return out, nil
}

// groupChange reads a group POST or PUT.
func groupChange(d doc) (portail.SCIMGroupChange, error) {
	var c portail.SCIMGroupChange
	if v, ok := d["displayname"].(string); ok {
		c.Name = &v
	}
	if v, ok := d["externalid"].(string); ok {
		c.ExternalID = &v
	}
	ids, err := memberIDs(d["members"])
	if err != nil {
		return c, err
	}
	if ids == nil {
		ids = []int64{}
	}
	c.Members = &ids
	return c, nil
}

// shown renames a document's folded keys back to SCIM's spelling for the
// answer.
func shown(v any) any {
	switch t := v.(type) {
	case doc:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[spelling(k)] = shown(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = shown(x)
		}
		return out
	}
	return v
}

var spellings = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{"userName", "displayName", "givenName", "familyName", "externalId", "preferredLanguage",
		"resourceType", "lastModified", "totalResults", "startIndex", "itemsPerPage", "Resources", userSchema, groupSchema,
		extensionSchema, enterpriseURN} {
		m[strings.ToLower(s)] = s
	}
	return m
}()

func spelling(k string) string {
	if s, ok := spellings[k]; ok {
		return s
	}
	return k
}
