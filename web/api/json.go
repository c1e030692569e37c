package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"portail"
)

// maxBody bounds JSON request bodies.
const maxBody = 1 << 20

// writeJSON writes v with status. It returns nil, for a handler to end
// with: once the status is sent, nothing is left to answer with.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
	return nil
}

// readJSON decodes a JSON object body into v, refusing unknown fields and
// trailing data, and turns decoding problems into field errors.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return portail.Errorf(portail.EINVALID, "The request body is too large or unreadable.")
	}
	return decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	// Anything but the end after the value is trailing data; More alone
	// would let a stray "}" or "]" through.
	if _, end := dec.Token(); err == nil && end != io.EOF {
		err = errors.New("trailing data")
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: typeErr.Field, Message: "Expected " + jsonKind(typeErr.Type.Kind().String()) + "."}}}
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: field, Message: "Unknown field."}}}
	}
	return portail.Errorf(portail.EINVALID, "The request body is not a valid JSON object.")
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "slice":
		return "a list"
	case k == "bool":
		return "true or false"
	}
	return "another type"
}

// moduleFields names the modules that err says the account lacks by
// their place in the request's list, modules[i] (SPEC §9), where the
// storage, which sees only the set, says modules.
func moduleFields(err error, names []string) error {
	var e *portail.Error
	if !errors.As(err, &e) || e.Modules == 0 {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		if f.Field != "modules" {
			out.Fields = append(out.Fields, f)
			continue
		}
		named := false
		for i, n := range names {
			if m, ok := portail.ParseModule(n); ok && e.Modules.Has(m) {
				out.Fields = append(out.Fields, portail.FieldError{Field: "modules[" + strconv.Itoa(i) + "]", Message: f.Message})
				named = true
			}
		}
		if !named {
			out.Fields = append(out.Fields, f)
		}
	}
	return &out
}

// parseModules turns module names into a set, naming bad entries by index.
func parseModules(names []string, v *portail.Validation, field string) portail.ModuleSet {
	var set portail.ModuleSet
	for i, n := range names {
		m, ok := portail.ParseModule(n)
		if !ok {
			v.Add(field+"["+strconv.Itoa(i)+"]", "Unknown module: use mail, parcels or classic.")
			continue
		}
		set |= portail.ModuleSet(m)
	}
	return set
}
