package portail

// The policy: every permission decision of portail is made here, by Can and
// by Scope, which agree with each other (SPEC R2–R7). Both are pure, do no
// I/O and do not allocate, so handlers, pages and storage may call them as
// often as they like. Callers turn a refusal into 404 when the actor may not
// even see the resource (T1) and into 403 when it may see but not act.

// Actor is the signed-in user as the policy sees them.
type Actor struct {
	UserID       int64
	AccountID    int64
	Role         Role
	DepartmentID int64 // 0 for an admin, who stands above departments
	// Modules are the modules the actor may use: their grants intersected
	// with the account's subscription; for an admin, the whole subscription.
	Modules ModuleSet
	// Provisioner is the id of the SCIM token acting, 0 for a user. Such an
	// actor has no UserID: it is its account's provisioning actor, with an
	// Admin's role and modules but only the user and department actions
	// (C14): a directory manages people, never documents or the plan.
	Provisioner int64
}

// SignedIn reports whether the actor is someone: a user, or a SCIM token.
func (a Actor) SignedIn() bool { return a.AccountID != 0 && (a.UserID != 0 || a.Provisioner != 0) }

// provisioningAction reports whether a SCIM token may do act.
func provisioningAction(act Action) bool {
	switch act {
	case ActViewUser, ActCreateUser, ActEditUser, ActChangeUserEmail, ActChangeUserAccess,
		ActDeactivateUser, ActReactivateUser, ActViewDepartment, ActManageDepartments:
		return true
	}
	return false
}

// Action is something an actor may want to do.
type Action uint8

const (
	ActViewUser         Action = iota + 1 // see a user, in a list or alone
	ActCreateUser                         // resource: the user to be created
	ActEditUser                           // full name, language, reset, resend invitation
	ActChangeUserEmail                    // where the user's reset and invitation e-mails go
	ActChangeUserAccess                   // role, department, modules: resource is the user after the change, Modules the modules granted or removed
	ActDeactivateUser
	ActReactivateUser
	ActViewDepartment
	ActManageDepartments
	ActViewAccount
	ActManageSubscription
	ActViewOutbox
	ActViewActivity // resource: the user the entry is about
	ActViewDocument // see, download, history
	ActSendDocument
	ActViewLabel
	ActCreateLabel
	ActViewReports           // resource: a module and department
	ActSetDepartmentDefaults // a department's default sender (and letter defaults)
	ActChangeDocument        // change, replace the file of, quote a change of, cancel a letter
	ActManageWebhooks        // subscribe endpoints, read their delivery log, resend (D10)
	ActResetUserMFA          // remove every second factor of a user (C11)
	ActManageAccountSecurity // the account's second-factor requirement (C11)
	ActManageProvisioning    // create, list and revoke the account's SCIM tokens (C14)
	ActManageSessions        // see a user's sessions and API keys, sign them out everywhere (C12)
	ActManageSSO             // connect the account to its OpenID Connect provider, claim domains (C13)
	numActions
)

var actionNames = [...]string{
	ActViewUser: "view_user", ActCreateUser: "create_user", ActEditUser: "edit_user", ActChangeUserEmail: "change_user_email",
	ActChangeUserAccess: "change_user_access", ActDeactivateUser: "deactivate_user",
	ActReactivateUser: "reactivate_user", ActViewDepartment: "view_department",
	ActManageDepartments: "manage_departments", ActViewAccount: "view_account",
	ActManageSubscription: "manage_subscription", ActViewOutbox: "view_outbox",
	ActViewActivity: "view_activity", ActViewDocument: "view_document",
	ActSendDocument: "send_document", ActViewLabel: "view_label",
	ActCreateLabel: "create_label", ActViewReports: "view_reports",
	ActSetDepartmentDefaults: "set_department_defaults", ActChangeDocument: "change_document",
	ActManageWebhooks: "manage_webhooks", ActResetUserMFA: "reset_user_mfa", ActManageAccountSecurity: "manage_account_security",
	ActManageProvisioning: "manage_provisioning",
	ActManageSessions:     "manage_sessions", ActManageSSO: "manage_sso",
}

func (a Action) String() string {
	if a > 0 && a < numActions {
		return actionNames[a]
	}
	return "unknown"
}

// Actions lists every action.
func Actions() []Action {
	out := make([]Action, 0, numActions-1)
	for a := Action(1); a < numActions; a++ {
		out = append(out, a)
	}
	return out
}

// Resource describes what an action touches, in the terms the policy needs.
type Resource struct {
	AccountID    int64
	DepartmentID int64 // the department it lives in; 0 for none (an admin user)
	// OwnerID is the user concerned: the user itself for user actions and the
	// activity log, the sender of a document, the creator of a label.
	OwnerID int64
	Module  Module    // documents, labels, reports
	Role    Role      // user actions: the target's role (after the change)
	Modules ModuleSet // user actions: the modules granted (or changed)
}

// Can reports whether the actor may perform act on r.
func Can(a Actor, act Action, r Resource) bool {
	if !a.SignedIn() || r.AccountID != a.AccountID {
		return false // tenancy first: nothing crosses accounts (T1)
	}
	if a.Provisioner != 0 && !provisioningAction(act) {
		return false
	}
	self := a.UserID != 0 && r.OwnerID == a.UserID
	inDept := a.DepartmentID != 0 && r.DepartmentID == a.DepartmentID
	switch act {
	case ActViewUser, ActViewActivity:
		return self || a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept && r.Role != RoleAdmin
	case ActEditUser:
		return self || a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept && r.Role != RoleAdmin
	case ActManageSessions:
		// SPEC §9 Wave-2 details 10: admins any user's, department admins
		// their department's non-admins'; and everyone their own.
		return self || a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept && r.Role != RoleAdmin
	case ActChangeUserEmail:
		// The address is where reset links go: whoever sets it can take
		// the account over. A department admin could thus become any user
		// of their department, with modules and classic documents they
		// may not see (R6); only the user and the account's admins may.
		return self || a.Role == RoleAdmin
	case ActCreateUser, ActChangeUserAccess:
		if act == ActChangeUserAccess && self {
			return false // nobody edits their own role, department or modules (U6)
		}
		if !r.Role.Valid() || !r.Modules.SubsetOf(a.Modules) {
			return false // nobody grants a module they do not hold
		}
		if r.Role != RoleAdmin && r.DepartmentID == 0 {
			return false // every role but admin lives in a department
		}
		return a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept && r.Role != RoleAdmin
	case ActDeactivateUser, ActReactivateUser:
		// Not oneself: an admin deactivating themselves could leave the
		// account with nobody to manage it.
		return !self && (a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept && r.Role != RoleAdmin)
	case ActViewDepartment:
		return a.Role == RoleAdmin || inDept
	case ActManageDepartments, ActViewAccount, ActManageSubscription, ActViewOutbox, ActManageWebhooks, ActManageAccountSecurity, ActManageProvisioning,
		ActManageSSO:
		return a.Role == RoleAdmin
	case ActResetUserMFA:
		// C11: admins for any user, a department admin for their
		// department's non-admins. Not oneself: a stolen session must not
		// drop its user's factors without the password (DELETE /me/mfa).
		return !self && (a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept && r.Role != RoleAdmin)
	case ActSetDepartmentDefaults:
		// SPEC §9 Wave-2 details 6: the admins and that department's admin.
		return a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept
	case ActViewDocument, ActViewLabel:
		if !a.Modules.Has(r.Module) {
			return false
		}
		switch a.Role {
		case RoleAdmin:
			return true
		case RoleDepartmentAdmin:
			// In the classic module a department admin has exactly the
			// operator's rights (R6).
			return inDept && (r.Module != ModuleClassic || self)
		case RoleOperator:
			return inDept && self
		case RoleViewer:
			return inDept
		}
	case ActChangeDocument:
		// SPEC §9 Wave-2 details 7: whoever may see the letter, except
		// viewers; in classic a department admin only on their own (R6),
		// which ActViewDocument already says.
		return a.Role != RoleViewer && Can(a, ActViewDocument, r)
	case ActSendDocument:
		if !a.Modules.Has(r.Module) || r.Module == ModuleParcels || !self {
			return false
		}
		return a.Role == RoleAdmin || (a.Role == RoleOperator || a.Role == RoleDepartmentAdmin) && inDept
	case ActCreateLabel:
		if r.Module != ModuleParcels || !a.Modules.Has(r.Module) || !self {
			return false
		}
		return a.Role == RoleAdmin || a.Role == RoleDepartmentAdmin && inDept
	case ActViewReports:
		if !a.Modules.Has(r.Module) {
			return false
		}
		return a.Role == RoleAdmin || inDept
	}
	return false
}

// Scope restricts a list to the rows an actor may see. Storage turns it into
// a WHERE clause; Matches is the same rule for one row, and the policy tests
// prove Scope and Can agree.
type Scope struct {
	None         bool  // nothing at all
	DepartmentID int64 // when not 0, only rows of this department
	OwnerID      int64 // when not 0, only rows owned by this user
}

// ScopeFor returns the scope of a list for the view action act (one of
// ActViewUser, ActViewActivity, ActViewDocument, ActViewLabel,
// ActViewReports, ActViewDepartment) within module m where it applies.
// Reports count exactly the documents and labels the actor may see.
// For ActViewUser and ActViewActivity the scope's department rows exclude
// admins because admins have no department.
func ScopeFor(a Actor, act Action, m Module) Scope {
	if !a.SignedIn() || a.Provisioner != 0 && !provisioningAction(act) {
		return Scope{None: true}
	}
	switch act {
	case ActViewUser, ActViewActivity:
		switch a.Role {
		case RoleAdmin:
			return Scope{}
		case RoleDepartmentAdmin:
			return Scope{DepartmentID: a.DepartmentID}
		}
		return Scope{OwnerID: a.UserID}
	case ActViewDepartment:
		if a.Role == RoleAdmin {
			return Scope{}
		}
		return Scope{DepartmentID: a.DepartmentID}
	case ActViewDocument, ActViewLabel, ActViewReports:
		if !a.Modules.Has(m) {
			return Scope{None: true}
		}
		switch a.Role {
		case RoleAdmin:
			return Scope{}
		case RoleDepartmentAdmin:
			if m == ModuleClassic {
				return Scope{DepartmentID: a.DepartmentID, OwnerID: a.UserID}
			}
			return Scope{DepartmentID: a.DepartmentID}
		case RoleOperator:
			return Scope{DepartmentID: a.DepartmentID, OwnerID: a.UserID}
		case RoleViewer:
			return Scope{DepartmentID: a.DepartmentID}
		}
	}
	return Scope{None: true}
}

// Matches reports whether a row of department dept owned by owner is in the
// scope.
func (s Scope) Matches(dept, owner int64) bool {
	if s.None {
		return false
	}
	if s.DepartmentID != 0 && dept != s.DepartmentID {
		return false
	}
	if s.OwnerID != 0 && owner != s.OwnerID {
		return false
	}
	return true
}
