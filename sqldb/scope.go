// The visibility conditions of the lists of documents and labels, built
// from the policy's scopes.

package sqldb

import (
	"strings"

	"portail"
)

// scopeColumns name the columns a visibility condition tests.
type scopeColumns struct {
	module     string // "" when the table holds one module only
	department string
	owner      string
}

var (
	documentScope = scopeColumns{module: "module", department: "department_id", owner: "sender_id"}
	labelScope    = scopeColumns{department: "department_id", owner: "creator_id"}
)

// visibleClause returns the condition that keeps the rows the actor may
// see for act among modules, built from the policy's scopes: one branch a
// module, joined by OR. It returns "" when nothing is visible.
func visibleClause(a portail.Actor, act portail.Action, modules []portail.Module, cols scopeColumns) (string, []any) {
	var branches []string
	var args []any
	for _, m := range modules {
		scope := portail.ScopeFor(a, act, m)
		if scope.None {
			continue
		}
		conds := []string{"1 = 1"}
		if cols.module != "" {
			conds, args = append(conds, cols.module+" = ?"), append(args, m.String())
		}
		if scope.DepartmentID != 0 {
			conds, args = append(conds, cols.department+" = ?"), append(args, scope.DepartmentID)
		}
		if scope.OwnerID != 0 {
			conds, args = append(conds, cols.owner+" = ?"), append(args, scope.OwnerID)
		}
		branches = append(branches, "("+strings.Join(conds, " AND ")+")")
	}
	if len(branches) == 0 {
		return "", nil
	}
	return "(" + strings.Join(branches, " OR ") + ")", args
}
