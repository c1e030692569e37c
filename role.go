package portail

import (
	"fmt"
	"math/bits"
	"strings"
)

// Role is a user's role (SPEC R1). Viewer, Operator and Department admin act
// within one department; an Admin acts across the whole account.
type Role uint8

const (
	RoleViewer Role = iota + 1
	RoleOperator
	RoleDepartmentAdmin
	RoleAdmin
)

// Roles lists every role, weakest first.
var Roles = []Role{RoleViewer, RoleOperator, RoleDepartmentAdmin, RoleAdmin}

var roleNames = [...]string{RoleViewer: "viewer", RoleOperator: "operator", RoleDepartmentAdmin: "department_admin", RoleAdmin: "admin"}

func (r Role) String() string {
	if r >= RoleViewer && r <= RoleAdmin {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r >= RoleViewer && r <= RoleAdmin }

// ParseRole parses the contract's role names.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if roleNames[r] == s {
			return r, true
		}
	}
	return 0, false
}

func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func (r *Role) UnmarshalText(b []byte) error {
	v, ok := ParseRole(string(b))
	if !ok {
		return Errorf(EINVALID, "Unknown role %q: use viewer, operator, department_admin or admin.", b)
	}
	*r = v
	return nil
}

// Module is a product an account subscribes to and a user is granted (T3).
type Module uint8

const (
	ModuleMail    Module = 1 << iota // send documents
	ModuleParcels                    // parcel labels
	ModuleClassic                    // the legacy document module (R6)
)

// Modules lists every module in display order.
var Modules = []Module{ModuleMail, ModuleParcels, ModuleClassic}

func (m Module) String() string {
	switch m {
	case ModuleMail:
		return "mail"
	case ModuleParcels:
		return "parcels"
	case ModuleClassic:
		return "classic"
	}
	return fmt.Sprintf("module(%d)", uint8(m))
}

// ParseModule parses the contract's module names.
func ParseModule(s string) (Module, bool) {
	for _, m := range Modules {
		if m.String() == s {
			return m, true
		}
	}
	return 0, false
}

func (m Module) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m *Module) UnmarshalText(b []byte) error {
	v, ok := ParseModule(string(b))
	if !ok {
		return Errorf(EINVALID, "Unknown module %q: use mail, parcels or classic.", b)
	}
	*m = v
	return nil
}

// ModuleSet is a set of modules as a bit mask, so that the policy decides
// without allocating and the database filters with one integer column.
type ModuleSet uint8

// AllModules is every built-in module.
const AllModules = ModuleSet(ModuleMail | ModuleParcels | ModuleClassic)

// NewModuleSet returns the set of the given modules.
func NewModuleSet(ms ...Module) ModuleSet {
	var s ModuleSet
	for _, m := range ms {
		s |= ModuleSet(m)
	}
	return s
}

// Has reports whether m is in the set.
func (s ModuleSet) Has(m Module) bool { return m != 0 && s&ModuleSet(m) == ModuleSet(m) }

// SubsetOf reports whether every module of s is in t.
func (s ModuleSet) SubsetOf(t ModuleSet) bool { return s&^t == 0 }

// Len is the number of modules in the set.
func (s ModuleSet) Len() int { return bits.OnesCount8(uint8(s)) }

// List returns the modules of the set in display order.
func (s ModuleSet) List() []Module {
	out := make([]Module, 0, s.Len())
	for _, m := range Modules {
		if s.Has(m) {
			out = append(out, m)
		}
	}
	return out
}

// Strings returns the module names of the set in display order.
func (s ModuleSet) Strings() []string {
	out := make([]string, 0, s.Len())
	for _, m := range s.List() {
		out = append(out, m.String())
	}
	return out
}

func (s ModuleSet) String() string { return strings.Join(s.Strings(), ",") }

// ParseModuleSet parses a comma-separated list of module names.
func ParseModuleSet(csv string) (ModuleSet, error) {
	var s ModuleSet
	for _, name := range strings.Split(csv, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		m, ok := ParseModule(name)
		if !ok {
			return 0, Errorf(EINVALID, "Unknown module %q: use mail, parcels or classic.", name)
		}
		s |= ModuleSet(m)
	}
	return s, nil
}
