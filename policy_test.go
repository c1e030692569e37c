package portail_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"portail"
)

// The policy is tested as a full matrix (SPEC R7): every role × every action
// × own/other account × own/other/no department × own/other's resource ×
// every set of modules the actor holds × every module a resource belongs to ×
// every target role and every set of granted modules for user actions. The
// expected answer comes from oracle below, which restates the SPEC's rules
// (T1, U6, R2–R6, L3, D1–D3) without looking at Can or ScopeFor.

// Fixed identities of the matrix. The actor is user 10 of account 1; a
// non-admin actor lives in department 5, an admin in none (0).
const (
	myAccount    = 1
	otherAccount = 2
	me           = 10
	someoneElse  = 11
	myDept       = 5
	otherDept    = 6
)

type deptKind uint8

const (
	deptOwn   deptKind = iota // the actor's department (for an admin, who has none: department 5)
	deptOther                 // another department of the account
	deptNone                  // no department (an admin user, or a malformed resource)
)

var deptKinds = []deptKind{deptOwn, deptOther, deptNone}

func (d deptKind) String() string { return [...]string{"own", "other", "none"}[d] }

func (d deptKind) id() int64 { return [...]int64{myDept, otherDept, 0}[d] }

// allModuleSets is every subset of {mail, parcels, classic}: the modules the
// actor holds, and the modules a user action grants.
var allModuleSets = func() []portail.ModuleSet {
	var out []portail.ModuleSet
	for s := portail.ModuleSet(0); s <= portail.AllModules; s++ {
		out = append(out, s)
	}
	return out
}()

func setName(s portail.ModuleSet) string {
	if s == 0 {
		return "{}"
	}
	return "{" + s.String() + "}"
}

// resourceModules: the module of a document, label or report; 0 is "no module".
var resourceModules = []portail.Module{portail.ModuleMail, portail.ModuleParcels, portail.ModuleClassic, 0}

// invalidRole is offered as a target to the actions that set a role.
const invalidRole portail.Role = 0

// dims is which extra dimensions an action has.
type dims struct {
	module  bool // the resource belongs to a module
	target  bool // the resource is a user: target role and granted modules
	invalid bool // also try an invalid target role (the action sets a role)
}

var actionDims = map[portail.Action]dims{
	portail.ActViewUser:              {target: true},
	portail.ActCreateUser:            {target: true, invalid: true},
	portail.ActEditUser:              {target: true},
	portail.ActChangeUserEmail:       {target: true},
	portail.ActChangeUserAccess:      {target: true, invalid: true},
	portail.ActDeactivateUser:        {target: true},
	portail.ActReactivateUser:        {target: true},
	portail.ActViewDepartment:        {},
	portail.ActManageDepartments:     {},
	portail.ActViewAccount:           {},
	portail.ActManageSubscription:    {},
	portail.ActViewOutbox:            {},
	portail.ActViewActivity:          {target: true},
	portail.ActViewDocument:          {module: true},
	portail.ActSendDocument:          {module: true},
	portail.ActViewLabel:             {module: true},
	portail.ActCreateLabel:           {module: true},
	portail.ActViewReports:           {module: true},
	portail.ActSetDepartmentDefaults: {},
	portail.ActChangeDocument:        {module: true},
	portail.ActManageWebhooks:        {},
	portail.ActResetUserMFA:          {target: true},
	portail.ActManageAccountSecurity: {},
	portail.ActManageProvisioning:    {},
	portail.ActManageSessions:        {target: true},
	portail.ActManageSSO:             {},
}

// matrixCase is one cell of the matrix, in the terms of the SPEC.
type matrixCase struct {
	role      portail.Role
	act       portail.Action
	actorMods portail.ModuleSet // modules the actor may use
	sameAcct  bool              // the resource is in the actor's account
	dept      deptKind          // where the resource lives
	self      bool              // the resource is the actor's (themself, their document, their label)
	module    portail.Module    // the resource's module (documents, labels, reports)
	target    portail.Role      // user actions: the target's role
	grants    portail.ModuleSet // user actions: the modules granted or changed
}

// group names the subtest: account, department, ownership.
func (c matrixCase) group() string {
	acct, owner := "own", "mine"
	if !c.sameAcct {
		acct = "other"
	}
	if !c.self {
		owner = "others"
	}
	return fmt.Sprintf("acct=%s,dept=%s,owner=%s", acct, c.dept, owner)
}

// detail names the rest of the cell.
func (c matrixCase) detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "holds=%s", setName(c.actorMods))
	if d := actionDims[c.act]; d.module {
		fmt.Fprintf(&b, ",module=%s", c.module)
	} else if d.target {
		fmt.Fprintf(&b, ",target=%s,grants=%s", c.target, setName(c.grants))
	}
	return b.String()
}

func (c matrixCase) actor() portail.Actor {
	a := portail.Actor{UserID: me, AccountID: myAccount, Role: c.role, DepartmentID: myDept, Modules: c.actorMods}
	if c.role == portail.RoleAdmin {
		a.DepartmentID = 0
	}
	return a
}

func (c matrixCase) resource() portail.Resource {
	r := portail.Resource{AccountID: myAccount, DepartmentID: c.dept.id(), OwnerID: someoneElse, Module: c.module, Role: c.target, Modules: c.grants}
	if !c.sameAcct {
		r.AccountID = otherAccount
	}
	if c.self {
		r.OwnerID = me
	}
	return r
}

// holds and within are the oracle's own set arithmetic.
func holds(s portail.ModuleSet, m portail.Module) bool {
	return m != 0 && uint8(s)&uint8(m) == uint8(m)
}

func within(granted, held portail.ModuleSet) bool { return uint8(granted)&^uint8(held) == 0 }

// oracle is the SPEC, read independently of policy.go: it says whether the
// cell is allowed and which rule decided. Where the SPEC leaves a choice, it
// follows the decisions documented in policy.go.
func oracle(c matrixCase) (bool, string) {
	const (
		viewer    = portail.RoleViewer
		operator  = portail.RoleOperator
		deptAdmin = portail.RoleDepartmentAdmin
		admin     = portail.RoleAdmin
	)
	if !c.sameAcct {
		return false, "T1: nothing crosses accounts"
	}
	// Only viewers, operators and department admins belong to a department
	// (R1); an admin stands above them all and is "in" none.
	inMyDept := c.role != admin && c.dept == deptOwn
	// A department admin manages the users of their department, never an
	// admin (R4); an admin manages every user of the account (R5).
	managesTarget := c.role == admin || c.role == deptAdmin && inMyDept && c.target != admin

	switch c.act {
	case portail.ActViewUser, portail.ActViewActivity, portail.ActEditUser:
		switch {
		case c.self:
			return true, "U6: everyone sees and edits their own profile"
		case managesTarget:
			return true, "R4/R5/U5/L3: admins see all users, department admins their department's non-admins"
		}
		return false, "R2/R3: viewers and operators see no other user; dept admins no admin and no other department"

	case portail.ActManageSessions:
		switch {
		case c.self:
			return true, "C12: everyone sees and ends their own sessions"
		case managesTarget:
			return true, "Wave-2 details 10: admins any user's sessions, department admins their department's non-admins'"
		}
		return false, "Wave-2 details 10: not a user whose sessions the actor manages"

	case portail.ActChangeUserEmail:
		switch {
		case c.self:
			return true, "U6: everyone edits their own e-mail"
		case c.role == admin:
			return true, "R5: an admin edits any user of the account"
		}
		return false, "C5: reset links follow the address; a department admin setting it would take the account over"

	case portail.ActCreateUser, portail.ActChangeUserAccess:
		switch {
		case c.act == portail.ActChangeUserAccess && c.self:
			return false, "U6: nobody changes their own role, department or modules"
		case c.target < viewer || c.target > admin:
			return false, "R1: the target needs one of the four roles"
		case c.target != admin && c.dept == deptNone:
			return false, "R1: every role but admin belongs to a department"
		case !within(c.grants, c.actorMods):
			return false, "R6: nobody grants a module they do not hold"
		case managesTarget:
			return true, "R4/R5/U1: admins anywhere, department admins in their department, never an admin"
		}
		return false, "R2/R3/R4: viewers and operators manage nobody; dept admins only their department, never an admin"

	case portail.ActDeactivateUser, portail.ActReactivateUser:
		switch {
		case c.self:
			return false, "policy: nobody deactivates or reactivates themselves"
		case managesTarget:
			return true, "U4/R4/R5: who manages a user may (de)activate them"
		}
		return false, "R2/R3/R4: not a user the actor manages"

	case portail.ActViewDepartment:
		if c.role == admin || inMyDept {
			return true, "R2–R5: everyone sees their department, admins every department"
		}
		return false, "R2–R4: not the actor's department"

	case portail.ActSetDepartmentDefaults:
		if c.role == admin || c.role == deptAdmin && inMyDept {
			return true, "Wave-2 details 6: admins and that department's admin set its defaults"
		}
		return false, "Wave-2 details 6: not an admin, nor that department's admin"

	case portail.ActResetUserMFA:
		switch {
		case c.self:
			return false, "C11: one's own factors go with the password (DELETE /me/mfa), not by reset"
		case managesTarget:
			return true, "C11: admins reset any user's factors, department admins their department's non-admins'"
		}
		return false, "C11: not a user the actor manages"

	case portail.ActManageDepartments, portail.ActViewAccount, portail.ActManageSubscription, portail.ActViewOutbox, portail.ActManageWebhooks,
		portail.ActManageAccountSecurity, portail.ActManageProvisioning, portail.ActManageSSO:
		if c.role == admin {
			return true, "R5: account-wide matters are the admin's"
		}
		return false, "R5: account-wide matters are the admin's only"

	case portail.ActViewDocument, portail.ActViewLabel:
		if !holds(c.actorMods, c.module) {
			return false, "R6: no module, no access"
		}
		switch c.role {
		case admin:
			return true, "R5: admins see every document and label"
		case viewer:
			return inMyDept, "R2: viewers read their department's documents"
		case operator:
			return inMyDept && c.self, "R3: operators see only what they sent themselves"
		case deptAdmin:
			if c.module == portail.ModuleClassic {
				return inMyDept && c.self, "R6: in classic a department admin has the operator's rights"
			}
			return inMyDept, "R4: department admins see everything sent through their department"
		}

	case portail.ActChangeDocument:
		if !holds(c.actorMods, c.module) {
			return false, "R6: no module, no access"
		}
		switch c.role {
		case admin:
			return true, "Wave-2 details 7: admins act on every letter"
		case viewer:
			return false, "Wave-2 details 7 / R2: viewers are read only"
		case operator:
			return inMyDept && c.self, "Wave-2 details 7 / R3: operators act on what they sent themselves"
		case deptAdmin:
			if c.module == portail.ModuleClassic {
				return inMyDept && c.self, "Wave-2 details 7 / R6: in classic a department admin only on their own letters"
			}
			return inMyDept, "Wave-2 details 7 / R4: department admins act on their department's letters"
		}

	case portail.ActSendDocument:
		switch {
		case !holds(c.actorMods, c.module):
			return false, "R6: no module, no access"
		case c.module == portail.ModuleParcels:
			return false, "D1/D2: parcels makes labels, documents are not sent there"
		case !c.self:
			return false, "D1: one sends documents as oneself"
		case c.role == viewer:
			return false, "R2: viewers are read only"
		case c.role == admin:
			return true, "R5: admins send in every department"
		}
		return inMyDept, "R3/R4/R6: operators and department admins send in their department"

	case portail.ActCreateLabel:
		switch {
		case c.module != portail.ModuleParcels:
			return false, "D2: labels are made in the parcels module"
		case !holds(c.actorMods, c.module):
			return false, "R6: no module, no access"
		case !c.self:
			return false, "D2: one creates labels as oneself"
		case c.role == admin:
			return true, "R5: admins create labels in every department"
		case c.role == deptAdmin:
			return inMyDept, "R4: department admins create labels in their department"
		}
		return false, "R2/R3: labels are for department admins and admins"

	case portail.ActViewReports:
		if !holds(c.actorMods, c.module) {
			return false, "R6: no module, no access"
		}
		// Reports are per module and department; what they count is
		// narrowed to what the actor may see by ScopeFor (D3).
		if c.role == admin || inMyDept {
			return true, "D3/R2–R5: reporting of one's department, an admin's of all"
		}
		return false, "D3: not the actor's department"
	}
	return false, "unknown action"
}

// matrix enumerates every cell.
func matrix() []matrixCase {
	var out []matrixCase
	for _, role := range portail.Roles {
		for _, act := range portail.Actions() {
			d, ok := actionDims[act]
			if !ok {
				panic("policy_test: no dimensions for action " + act.String())
			}
			modules := []portail.Module{0}
			if d.module {
				modules = resourceModules
			}
			targets := []portail.Role{0}
			grantSets := []portail.ModuleSet{0}
			if d.target {
				targets = portail.Roles
				if d.invalid {
					targets = append([]portail.Role{invalidRole}, portail.Roles...)
				}
				grantSets = allModuleSets
			}
			for _, sameAcct := range []bool{true, false} {
				for _, dept := range deptKinds {
					for _, self := range []bool{true, false} {
						for _, mods := range allModuleSets {
							for _, m := range modules {
								for _, target := range targets {
									for _, grants := range grantSets {
										out = append(out, matrixCase{role: role, act: act, actorMods: mods,
											sameAcct: sameAcct, dept: dept, self: self, module: m, target: target, grants: grants})
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

func TestCanMatrix(t *testing.T) {
	// The matrix must not shrink silently: 4 roles × 8 held module sets ×
	// 2 accounts × 3 departments × 2 owners = 384 cells per action, times
	//   4 target roles × 8 grant sets for 8 user actions (view, edit,
	//     change e-mail, deactivate, reactivate, view activity, reset MFA,
	//     manage sessions),
	//   5 target roles (with an invalid one) × 8 grant sets for create and
	//     change access,
	//   4 modules (mail, parcels, classic, none) for 6 document/label/report
	//     actions,
	//   1 for the 10 department and account actions (webhooks, account
	//     security, SCIM tokens and SSO among them).
	const base = 4 * 8 * 2 * 3 * 2
	const want = base * (8*4*8 + 2*5*8 + 6*4 + 10*1)
	if want != 142080 {
		t.Fatalf("matrix arithmetic changed: %d", want)
	}
	if n := len(portail.Actions()); n != 26 || len(actionDims) != n {
		t.Fatalf("Actions() has %d actions and the matrix knows %d: give every action its dimensions", n, len(actionDims))
	}
	if len(portail.Roles) != 4 {
		t.Fatalf("Roles has %d roles, the matrix expects 4", len(portail.Roles))
	}

	cases := matrix()
	if len(cases) != want {
		t.Fatalf("matrix has %d cases, want %d", len(cases), want)
	}

	// Group cells by role/action/account,department,ownership so that a
	// failure names them, and the rest of the cell is in the message.
	type key struct {
		role  portail.Role
		act   portail.Action
		group string
	}
	var order []key
	groups := map[key][]matrixCase{}
	for _, c := range cases {
		k := key{c.role, c.act, c.group()}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}

	ran := 0
	allowed := map[portail.Action]int{}
	denied := map[portail.Action]int{}
	for _, k := range order {
		t.Run(k.role.String()+"/"+k.act.String()+"/"+k.group, func(t *testing.T) {
			failures := 0
			for _, c := range groups[k] {
				ran++
				want, rule := oracle(c)
				if want {
					allowed[c.act]++
				} else {
					denied[c.act]++
				}
				if got := portail.Can(c.actor(), c.act, c.resource()); got != want {
					failures++
					if failures <= 10 {
						t.Errorf("%s/%s/%s,%s: Can = %v, want %v (%s)", c.role, c.act, c.group(), c.detail(), got, want, rule)
					}
				}
			}
			if failures > 10 {
				t.Errorf("... and %d more failures", failures-10)
			}
		})
	}
	if ran != want {
		t.Errorf("ran %d cases, want %d", ran, want)
	}
	// The oracle must not be trivial: every action is allowed somewhere and
	// refused somewhere.
	for _, act := range portail.Actions() {
		if allowed[act] == 0 || denied[act] == 0 {
			t.Errorf("%s: %d allowed, %d denied cells: the matrix does not discriminate", act, allowed[act], denied[act])
		}
	}
	t.Logf("%d matrix cases", ran)
}

// provisioning are the acts of a SCIM token (C14): an account Admin's,
// limited to users and departments, as the SPEC reads; nothing about
// documents, labels, reports, activity, the plan or the outbox, nor the
// tokens themselves.
var provisioning = map[portail.Action]bool{
	portail.ActViewUser: true, portail.ActCreateUser: true, portail.ActEditUser: true, portail.ActChangeUserEmail: true,
	portail.ActChangeUserAccess: true, portail.ActDeactivateUser: true, portail.ActReactivateUser: true,
	portail.ActViewDepartment: true, portail.ActManageDepartments: true,
}

// TestCanProvisioner runs the matrix for a SCIM token's actor: in its
// account, it may do what an admin who is not the resource may, for the
// provisioning actions only; it is never "self" (it is no user).
func TestCanProvisioner(t *testing.T) {
	allowed := 0
	for _, c := range matrix() {
		if c.role != portail.RoleAdmin {
			continue
		}
		a := portail.Actor{AccountID: myAccount, Role: portail.RoleAdmin, Modules: c.actorMods, Provisioner: 7}
		asAdmin := c
		asAdmin.self = false
		want, rule := oracle(asAdmin)
		want = want && provisioning[c.act]
		r := c.resource()
		if got := portail.Can(a, c.act, r); got != want {
			t.Errorf("provisioner %s %s %s: Can = %v, want %v (%s)", c.act, c.group(), c.detail(), got, want, rule)
		}
		if want {
			allowed++
		}
	}
	if allowed == 0 {
		t.Fatal("the provisioner may do nothing: the matrix does not discriminate")
	}
	for _, act := range listActions {
		for _, m := range resourceModules {
			a := portail.Actor{AccountID: myAccount, Role: portail.RoleAdmin, Modules: portail.AllModules, Provisioner: 7}
			want := portail.Scope{None: !provisioning[act]}
			if got := portail.ScopeFor(a, act, m); got != want {
				t.Errorf("provisioner scope %s/%s = %+v, want %+v", act, m, got, want)
			}
		}
	}
}

// TestCanEdges covers actors and resources outside the matrix's ordinary
// shape: an incomplete actor, and a non-admin without a department.
func TestCanEdges(t *testing.T) {
	full := portail.Actor{UserID: me, AccountID: myAccount, Role: portail.RoleAdmin, Modules: portail.AllModules}
	for _, act := range portail.Actions() {
		for _, m := range resourceModules {
			r := portail.Resource{AccountID: myAccount, DepartmentID: myDept, OwnerID: me, Module: m, Role: portail.RoleViewer}
			noUser, noAcct := full, full
			noUser.UserID = 0
			noAcct.AccountID = 0
			if portail.Can(noUser, act, r) {
				t.Errorf("%s/%s: an actor without a user id may do it", act, m)
			}
			if portail.Can(noAcct, act, r) {
				t.Errorf("%s/%s: an actor without an account may do it", act, m)
			}
			r.AccountID = 0
			if portail.Can(noAcct, act, r) {
				t.Errorf("%s/%s: account 0 matches account 0", act, m)
			}
		}
	}
	// A viewer, operator or department admin without a department (bad
	// data) is in no department: nothing of department 0 is theirs.
	for _, role := range portail.Roles[:3] {
		a := portail.Actor{UserID: me, AccountID: myAccount, Role: role, Modules: portail.AllModules}
		for _, act := range []portail.Action{portail.ActViewDepartment, portail.ActViewDocument, portail.ActViewLabel, portail.ActViewReports} {
			r := portail.Resource{AccountID: myAccount, OwnerID: someoneElse, Module: portail.ModuleMail}
			if portail.Can(a, act, r) {
				t.Errorf("%s without department/%s: may act on department 0", role, act)
			}
		}
	}
}

// listActions are the actions ScopeFor supports.
var listActions = []portail.Action{
	portail.ActViewUser, portail.ActViewActivity, portail.ActViewDocument,
	portail.ActViewLabel, portail.ActViewReports, portail.ActViewDepartment,
}

// row is a generated row of a list: a user, an activity entry (about a
// user), a document, a label or a department.
type row struct {
	dept, owner int64
	role        portail.Role // users and activity: the role of the user concerned
}

// generatedRows returns rows of the actor's account: realistic users (the
// actor's own row carries their role and department; admins have department
// 0; others live in a department) for user lists, and every combination of
// department and owner for documents, labels and departments, plus random
// ids.
func generatedRows(a portail.Actor, act portail.Action, rng *rand.Rand) []row {
	depts := []int64{myDept, otherDept, 7, 0}
	owners := []int64{me, someoneElse, 12, 0}
	for range 8 {
		depts = append(depts, 1+rng.Int64N(20))
		owners = append(owners, 1+rng.Int64N(40))
	}
	var out []row
	switch act {
	case portail.ActViewUser, portail.ActViewActivity:
		out = append(out, row{dept: a.DepartmentID, owner: a.UserID, role: a.Role}) // the actor
		for _, o := range owners {
			if o == a.UserID || o == 0 {
				continue // the actor's row is above; activity is always about a user
			}
			for _, role := range portail.Roles {
				if role == portail.RoleAdmin {
					out = append(out, row{dept: 0, owner: o, role: role})
					continue
				}
				for _, d := range depts {
					if d != 0 {
						out = append(out, row{dept: d, owner: o, role: role})
					}
				}
			}
		}
	case portail.ActViewDepartment:
		for _, d := range depts {
			if d != 0 {
				out = append(out, row{dept: d})
			}
		}
	default:
		for _, d := range depts {
			for _, o := range owners {
				out = append(out, row{dept: d, owner: o})
			}
		}
	}
	return out
}

func TestScopeAgreesWithCan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for _, role := range portail.Roles {
		for _, mods := range allModuleSets {
			a := portail.Actor{UserID: me, AccountID: myAccount, Role: role, DepartmentID: myDept, Modules: mods}
			if role == portail.RoleAdmin {
				a.DepartmentID = 0
			}
			for _, act := range listActions {
				for _, m := range portail.Modules {
					t.Run(fmt.Sprintf("%s/%s/module=%s/holds=%s", role, act, m, setName(mods)), func(t *testing.T) {
						scope := portail.ScopeFor(a, act, m)
						// Reports count exactly the documents (or, in
						// parcels, labels) the actor may see.
						canAct := act
						if act == portail.ActViewReports {
							canAct = portail.ActViewDocument
							if m == portail.ModuleParcels {
								canAct = portail.ActViewLabel
							}
						}
						for _, r := range generatedRows(a, act, rng) {
							checked++
							res := portail.Resource{AccountID: myAccount, DepartmentID: r.dept, OwnerID: r.owner, Module: m, Role: r.role}
							got, want := scope.Matches(r.dept, r.owner), portail.Can(a, canAct, res)
							if got != want {
								t.Errorf("row dept=%d owner=%d role=%s: scope %+v matches = %v, Can(%s) = %v", r.dept, r.owner, r.role, scope, got, canAct, want)
							}
							// A report counting a row may be opened for that
							// row's department.
							if act == portail.ActViewReports && got && !portail.Can(a, portail.ActViewReports, portail.Resource{AccountID: myAccount, DepartmentID: r.dept, Module: m}) {
								t.Errorf("row dept=%d owner=%d is counted in a report of a department the actor may not view", r.dept, r.owner)
							}
						}
					})
				}
			}
		}
	}
	// Scopes of what is not a list, and of an incomplete actor, are empty.
	admin := portail.Actor{UserID: me, AccountID: myAccount, Role: portail.RoleAdmin, Modules: portail.AllModules}
	for _, act := range portail.Actions() {
		isList := false
		for _, l := range listActions {
			isList = isList || l == act
		}
		if s := portail.ScopeFor(admin, act, portail.ModuleMail); !isList && !s.None {
			t.Errorf("ScopeFor(%s) = %+v, want None: not a list action", act, s)
		}
		noUser, noAcct := admin, admin
		noUser.UserID, noAcct.AccountID = 0, 0
		if s := portail.ScopeFor(noUser, act, portail.ModuleMail); !s.None {
			t.Errorf("ScopeFor(no user, %s) = %+v, want None", act, s)
		}
		if s := portail.ScopeFor(noAcct, act, portail.ModuleMail); !s.None {
			t.Errorf("ScopeFor(no account, %s) = %+v, want None", act, s)
		}
	}
	if checked < 50000 {
		t.Errorf("checked only %d rows", checked)
	}
	t.Logf("%d rows checked", checked)
}

type decision struct {
	a   portail.Actor
	act portail.Action
	r   portail.Resource
}

// decisionMix is a realistic mix: mostly operators and viewers looking at
// and sending documents and labels, some user management, a little admin.
func decisionMix() []decision {
	rng := rand.New(rand.NewPCG(3, 4))
	weighted := []struct {
		act portail.Action
		w   int
	}{
		{portail.ActViewDocument, 30}, {portail.ActViewLabel, 15}, {portail.ActSendDocument, 12},
		{portail.ActCreateLabel, 8}, {portail.ActViewReports, 6}, {portail.ActViewUser, 8},
		{portail.ActViewActivity, 4}, {portail.ActEditUser, 4}, {portail.ActChangeUserAccess, 2},
		{portail.ActCreateUser, 2}, {portail.ActDeactivateUser, 1}, {portail.ActReactivateUser, 1},
		{portail.ActViewDepartment, 3}, {portail.ActManageDepartments, 1}, {portail.ActViewAccount, 1},
		{portail.ActManageSubscription, 1}, {portail.ActViewOutbox, 1},
	}
	var acts []portail.Action
	for _, x := range weighted {
		for range x.w {
			acts = append(acts, x.act)
		}
	}
	roles := []portail.Role{portail.RoleViewer, portail.RoleViewer, portail.RoleOperator, portail.RoleOperator,
		portail.RoleOperator, portail.RoleDepartmentAdmin, portail.RoleDepartmentAdmin, portail.RoleAdmin}
	out := make([]decision, 1024)
	for i := range out {
		role := roles[rng.IntN(len(roles))]
		uid := 1 + rng.Int64N(50)
		a := portail.Actor{UserID: uid, AccountID: 1 + rng.Int64N(3), Role: role, DepartmentID: 1 + rng.Int64N(4),
			Modules: portail.ModuleSet(1 + rng.IntN(int(portail.AllModules)))}
		if role == portail.RoleAdmin {
			a.DepartmentID = 0
		}
		r := portail.Resource{AccountID: a.AccountID, DepartmentID: 1 + rng.Int64N(4), OwnerID: 1 + rng.Int64N(50),
			Module: portail.Modules[rng.IntN(3)], Role: portail.Roles[rng.IntN(4)], Modules: portail.ModuleSet(rng.IntN(8))}
		if rng.IntN(10) == 0 {
			r.AccountID++ // a foreign id
		}
		if rng.IntN(3) == 0 {
			r.OwnerID = uid
		}
		out[i] = decision{a: a, act: acts[rng.IntN(len(acts))], r: r}
	}
	return out
}

var sink bool

func BenchmarkCan(b *testing.B) {
	ds := decisionMix()
	mask := len(ds) - 1 // a power of two
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d := &ds[i&mask]
		sink = portail.Can(d.a, d.act, d.r)
	}
}

func TestCanDoesNotAllocate(t *testing.T) {
	ds := decisionMix()
	allowed := 0
	allocs := testing.AllocsPerRun(100, func() {
		allowed = 0
		for i := range ds {
			if portail.Can(ds[i].a, ds[i].act, ds[i].r) {
				allowed++
			}
			s := portail.ScopeFor(ds[i].a, ds[i].act, ds[i].r.Module)
			sink = s.Matches(ds[i].r.DepartmentID, ds[i].r.OwnerID)
		}
	})
	if allocs != 0 {
		t.Errorf("Can and ScopeFor allocate %v times per %d decisions, want 0", allocs, len(ds))
	}
	if allowed == 0 || allowed == len(ds) {
		t.Errorf("the mix is degenerate: %d of %d allowed", allowed, len(ds))
	}
}
