package scim

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// operation is one PATCH operation (RFC 7644 §3.5.2). The op is compared
// case-insensitively: Entra ID sends "Add", "Replace", "Remove".
type operation struct {
	Op    string
	Path  string
	Value any
}

func readOperations(d doc) ([]operation, error) {
	raw, ok := d["operations"].([]any)
	if !ok || len(raw) == 0 {
		return nil, invalidSyntax("A PATCH carries Operations: a list of {op, path, value}.")
	}
	ops := make([]operation, 0, len(raw))
	for _, r := range raw {
		m, _ := r.(doc)
		op := operation{Op: strings.ToLower(m.str("op")), Path: m.str("path"), Value: m["value"]}
		switch op.Op {
		case "add", "replace", "remove":
		default:
			return nil, invalidSyntax("An operation's op is add, replace or remove.")
		}
		if op.Op == "remove" && op.Path == "" {
			return nil, &scimError{status: 400, scimType: "noTarget", detail: "A remove names its path."}
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// target is a PATCH path resolved against portail's schemas: the
// attribute (and sub-attribute) in the folded document, a filter on the
// values of a multi-valued one, or nothing when the path names an
// attribute portail does not keep (the enterprise extension, say), which
// is then left alone.
type target struct {
	ext    bool // in portail's extension
	attr   string
	sub    string
	filter filter.Expression
	ignore bool
}

func resolvePath(p string) (target, error) {
	lower := strings.ToLower(p)
	var t target
	switch {
	case strings.HasPrefix(lower, strings.ToLower(extensionSchema)+":"):
		t.ext, p = true, p[len(extensionSchema)+1:]
	case strings.HasPrefix(lower, strings.ToLower(extensionSchema)):
		return target{attr: strings.ToLower(extensionSchema)}, nil
	case strings.HasPrefix(lower, strings.ToLower(userSchema)+":"):
		p = p[len(userSchema)+1:]
	case strings.HasPrefix(lower, strings.ToLower(groupSchema)+":"):
		p = p[len(groupSchema)+1:]
	case strings.HasPrefix(lower, "urn:"):
		return target{ignore: true}, nil // another extension: nothing portail keeps
	}
	parsed, err := filter.ParsePath([]byte(p))
	if err != nil {
		return t, &scimError{status: 400, scimType: "invalidPath", detail: "The path " + p + " is not a SCIM path."}
	}
	t.attr = strings.ToLower(parsed.AttributePath.AttributeName)
	t.sub = strings.ToLower(parsed.AttributePath.SubAttributeName())
	if parsed.ValueExpression != nil {
		t.filter = parsed.ValueExpression
		t.sub = strings.ToLower(parsed.SubAttributeName())
	}
	return t, nil
}

// eachOperation calls fn for each change the operations hold: an
// operation without a path carries an object of attributes (or of paths,
// as Entra ID sends "name.givenName" as a key), each one change.
func eachOperation(ops []operation, fn func(op, path string, value any) error) error {
	for _, op := range ops {
		if op.Path != "" {
			if err := fn(op.Op, op.Path, op.Value); err != nil {
				return err
			}
			continue
		}
		m, ok := op.Value.(doc)
		if !ok {
			return invalidSyntax("An operation without a path carries an object.")
		}
		for k, v := range m {
			if err := fn(op.Op, k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyOperations changes d as the operations say.
func applyOperations(d doc, ops []operation) error {
	return eachOperation(ops, func(op, path string, value any) error { return applyOne(d, op, path, value) })
}

func applyOne(d doc, op, path string, value any) error {
	t, err := resolvePath(path)
	if err != nil || t.ignore {
		return err
	}
	into := d
	if t.ext {
		if into = d.sub(strings.ToLower(extensionSchema)); into == nil {
			into = doc{}
			d[strings.ToLower(extensionSchema)] = into
		}
	}
	switch {
	case t.filter != nil:
		return applyFiltered(into, op, t, value)
	case t.sub != "":
		parent := into.sub(t.attr)
		if parent == nil {
			parent = doc{}
			into[t.attr] = parent
		}
		if op == "remove" {
			delete(parent, t.sub)
		} else {
			parent[t.sub] = value
		}
	case op == "remove":
		delete(into, t.attr)
	case op == "add":
		// Adding to a multi-valued attribute appends; to a complex one
		// merges; anything else is set.
		if old, ok := into[t.attr].([]any); ok {
			if more, ok := value.([]any); ok {
				into[t.attr] = append(old, more...)
				return nil
			}
		}
		if old, ok := into[t.attr].(doc); ok {
			if more, ok := value.(doc); ok {
				for k, v := range more {
					old[k] = v
				}
				return nil
			}
		}
		into[t.attr] = value
	default:
		into[t.attr] = value
	}
	return nil
}

// applyFiltered changes the values of a multi-valued attribute that
// match the path's filter, as emails[type eq "work"].value; adding or
// replacing when none matches adds one, with the filter's equality.
func applyFiltered(into doc, op string, t target, value any) error {
	list := into.list(t.attr)
	matched := false
	kept := list[:0:0]
	for _, v := range list {
		m, _ := v.(doc)
		if m == nil || !matches(m, t.filter) {
			kept = append(kept, v)
			continue
		}
		matched = true
		switch {
		case op == "remove" && t.sub == "":
			continue
		case op == "remove":
			delete(m, t.sub)
		case t.sub != "":
			m[t.sub] = value
		default:
			if more, ok := value.(doc); ok {
				for k, x := range more {
					m[k] = x
				}
			}
		}
		kept = append(kept, m)
	}
	if !matched && op != "remove" {
		m := doc{}
		if e, ok := t.filter.(*filter.AttributeExpression); ok && e.Operator == filter.EQ {
			m[strings.ToLower(e.AttributePath.AttributeName)] = e.CompareValue
		}
		if t.sub != "" {
			m[t.sub] = value
		} else if more, ok := value.(doc); ok {
			for k, x := range more {
				m[k] = x
			}
		}
		kept = append(kept, m)
	}
	into[t.attr] = kept
	return nil
}

// matches reports whether a value of a multi-valued attribute passes a
// filter of equalities joined by and/or: what paths like
// emails[type eq "work"] and members[value eq "12"] need.
func matches(m doc, e filter.Expression) bool {
	switch t := e.(type) {
	case *filter.AttributeExpression:
		v := m[strings.ToLower(t.AttributePath.AttributeName)]
		switch t.Operator {
		case filter.PR:
			return v != nil && v != ""
		case filter.EQ:
			return equalValue(v, t.CompareValue)
		case filter.NE:
			return !equalValue(v, t.CompareValue)
		}
	case *filter.LogicalExpression:
		if t.Operator == filter.AND {
			return matches(m, t.Left) && matches(m, t.Right)
		}
		return matches(m, t.Left) || matches(m, t.Right)
	case *filter.NotExpression:
		return !matches(m, t.Expression)
	}
	return false
}

// equalValue compares as SCIM's caseExact false strings do; a boolean
// also matches its string spelling.
func equalValue(v, want any) bool {
	switch w := want.(type) {
	case string:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, w)
	case bool:
		b, err := boolean(v, "", !w)
		return err == nil && b == w
	}
	return false
}
