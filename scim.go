package portail

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SCIM 2.0 provisioning (C14, SPEC §9 Wave-2 details 14): an account's
// admin creates tokens; the company's directory then creates, updates and
// deactivates the account's users and departments with one of them. A
// token acts as its account's provisioning actor (Actor.Provisioner): an
// Admin whose rights stop at users and departments, and whose changes the
// activity log names by the token's name (actor kind scim).

// SCIMTokenPrefix starts every SCIM token, so that leaked ones are easy to
// find and are never mistaken for API keys.
const SCIMTokenPrefix = "scim_"

// NewSCIMToken returns a new token and the hash that is stored.
func NewSCIMToken() (token, hash string) {
	t, _ := NewToken()
	token = SCIMTokenPrefix + t
	return token, HashToken(token)
}

// SCIMToken is a provisioning token as its account's admins see it; the
// token itself is shown once, at creation.
type SCIMToken struct {
	ID         int64
	AccountID  int64
	Name       string
	Defaults   SCIMDefaults
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// SCIMDefaults are the access a user created through a token gets when the
// directory does not send portail's extension: never admin (an admin is
// made only by naming the role in the extension).
type SCIMDefaults struct {
	Role         Role
	DepartmentID int64
	Modules      ModuleSet
}

// Validate checks the defaults' own fields (the department's existence is
// the storage's to check).
func (d SCIMDefaults) Validate(v *Validation) {
	switch {
	case !d.Role.Valid():
		v.Add("defaults.role", "Choose a role: viewer, operator or department_admin.")
	case d.Role == RoleAdmin:
		v.Add("defaults.role", "A directory makes an admin only by naming the role in portail's extension, never by default.")
	case d.DepartmentID == 0:
		v.Add("defaults.department_id", "Choose a department.")
	}
}

// ValidateSCIMTokenName checks a token's name, which the activity log
// shows as the actor of its changes: 1 to 100 printable characters once
// trimmed.
func ValidateSCIMTokenName(name string) error {
	var v Validation
	validateSCIMTokenName(&v, name)
	return v.Err()
}

func validateSCIMTokenName(v *Validation, name string) {
	switch n := utf8.RuneCountInString(name); {
	case strings.TrimSpace(name) == "":
		v.Add("name", "Enter a name.")
	case n > 100:
		v.Add("name", "A name has at most 100 characters.")
	case strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }):
		v.Add("name", "The name contains invalid characters.")
	}
}

// SCIMTokenCreate is what an admin fills in to create a token.
type SCIMTokenCreate struct {
	Name     string
	Defaults SCIMDefaults
}

// Validate reports every field problem at once.
func (c *SCIMTokenCreate) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	var v Validation
	validateSCIMTokenName(&v, c.Name)
	c.Defaults.Validate(&v)
	return v.Err()
}

// SCIMUser is a user as the directory sees it: portail's user plus what
// SCIM carries that portail does not otherwise keep.
type SCIMUser struct {
	User
	ExternalID string
	GivenName  string
	FamilyName string
}

// Active is SCIM's "active": the user takes a seat and may sign in (an
// invited user is active for the directory: they were provisioned).
func (u *SCIMUser) Active() bool { return u.Status != StatusInactive }

// SCIMUserInput is a user as a SCIM POST or PUT describes it, or as a
// PATCH leaves it. Access fields are nil when the request does not name
// them: at creation the token's defaults apply, at a replace the user keeps
// their access.
type SCIMUserInput struct {
	UserName   string
	FullName   string // displayName, else name.formatted, else given and family names
	GivenName  string
	FamilyName string
	Email      string
	ExternalID string
	Language   string // "" keeps (or defaults) it
	Active     bool
	// From portail's extension: they win over the groups.
	Role         *Role
	DepartmentID *int64
	Modules      *ModuleSet
	// GroupID is the one group (department) the request puts the user in,
	// 0 for none.
	GroupID int64
	// Base, for a PATCH, is the user the operations were applied to: the
	// replace is refused (ECONFLICT) when the user changed since, rather
	// than overwrite that change with what was read before it.
	Base *SCIMUser
}

// SameSCIMUser reports whether two readings of a user show the same user:
// what a PATCH read is still what it replaces.
func SameSCIMUser(a, b *SCIMUser) bool {
	return a.ID == b.ID && a.Username == b.Username && a.FullName == b.FullName && a.Email == b.Email && a.Role == b.Role &&
		a.DepartmentID == b.DepartmentID && a.Modules == b.Modules && a.Status == b.Status && a.Language == b.Language &&
		a.ExternalID == b.ExternalID && a.GivenName == b.GivenName && a.FamilyName == b.FamilyName
}

// SCIMUserFilter selects users of a SCIM list: at most one of the
// attributes, compared as the uniqueness rules compare them (U2); Start is
// SCIM's 1-based startIndex.
type SCIMUserFilter struct {
	UserName   string
	Email      string
	ExternalID string
	Start      int
	Count      int
}

// SCIMGroup is a department as the directory sees it, with its members.
type SCIMGroup struct {
	Department
	ExternalID string
	Members    []SCIMMember
}

// SCIMMember is one member of a group.
type SCIMMember struct {
	ID       int64
	UserName string
}

// SCIMGroupChange is what a group POST, PUT or PATCH asks: nil leaves a
// part alone. Members replaces the membership; Add and Remove change it.
type SCIMGroupChange struct {
	Name       *string
	ExternalID *string
	Members    *[]int64
	Add        []int64
	Remove     []int64
}

// SCIMMaxCount bounds a SCIM list's page (SCIM's count); SCIM's default
// page is DefaultPageSize.
const SCIMMaxCount = MaxPageSize

// SCIMTokenService keeps an account's SCIM tokens (admins).
type SCIMTokenService interface {
	// CreateSCIMToken adds a token and returns it, shown once; only its
	// hash is kept. EINVALID, EFORBIDDEN.
	CreateSCIMToken(ctx context.Context, c SCIMTokenCreate) (*SCIMToken, string, error)
	// ListSCIMTokens returns the account's tokens not revoked, newest first. EFORBIDDEN.
	ListSCIMTokens(ctx context.Context) ([]*SCIMToken, error)
	// RevokeSCIMToken ends a token at once. ENOTFOUND, EFORBIDDEN.
	RevokeSCIMToken(ctx context.Context, id int64) error
	// AuthenticateSCIM returns the caller a token acts as and the token;
	// its last use is recorded at most once a minute. EUNAUTHENTICATED.
	AuthenticateSCIM(ctx context.Context, token string) (Caller, *SCIMToken, error)
}

// SCIMService is what the SCIM endpoint does, as a token's caller: every
// change goes through the users' and departments' rules and the policy,
// in one transaction each.
type SCIMService interface {
	FindSCIMUser(ctx context.Context, id int64) (*SCIMUser, error)
	// ListSCIMUsers returns a page of the account's users, inactive ones
	// too, by id, and the number of users the filter matches.
	ListSCIMUsers(ctx context.Context, f SCIMUserFilter) ([]*SCIMUser, int, error)
	// CreateSCIMUser provisions a user: an invitation unless the account
	// signs in by SSO. EINVALID, EUSERNAMETAKEN, EEMAILTAKEN, ESEATLIMIT.
	CreateSCIMUser(ctx context.Context, in SCIMUserInput) (*SCIMUser, error)
	// ReplaceSCIMUser applies a whole description (a PUT, or a PATCH
	// applied to the current one): the username never changes.
	// EINVALID, ENOTFOUND, EUSERNAMEIMMUTABLE, EEMAILTAKEN, ESEATLIMIT.
	ReplaceSCIMUser(ctx context.Context, id int64, in SCIMUserInput) (*SCIMUser, error)
	// DeactivateSCIMUser is a SCIM DELETE (U4: never deleted). ENOTFOUND.
	DeactivateSCIMUser(ctx context.Context, id int64) error
	FindSCIMGroup(ctx context.Context, id int64) (*SCIMGroup, error)
	// ListSCIMGroups returns the account's departments by id; name, when
	// not "", selects the one of that name.
	ListSCIMGroups(ctx context.Context, name string, start, count int) ([]*SCIMGroup, int, error)
	// CreateSCIMGroup creates a department. EINVALID, ECONFLICT.
	CreateSCIMGroup(ctx context.Context, c SCIMGroupChange) (*SCIMGroup, error)
	// ChangeSCIMGroup renames a department or moves users into or out of
	// it. EINVALID, ENOTFOUND, ECONFLICT.
	ChangeSCIMGroup(ctx context.Context, id int64, c SCIMGroupChange) (*SCIMGroup, error)
}
