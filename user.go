package portail

import (
	"context"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// UserStatus is where a user stands in their life cycle (U4, U5).
type UserStatus string

const (
	StatusInvited  UserStatus = "invited"  // created, password not yet set
	StatusActive   UserStatus = "active"   // may sign in
	StatusInactive UserStatus = "inactive" // deactivated; never deleted
)

// Counts reports whether a user in this status takes a seat (S4).
func (s UserStatus) Counts() bool { return s == StatusInvited || s == StatusActive }

// DefaultLanguage is spoken to whoever has not chosen one of Languages:
// the product is French-first.
const DefaultLanguage = "fr"

// Languages the UI and the e-mails speak.
var Languages = []string{"fr", "en", "nl"}

// ValidLanguage reports whether lang is one of Languages.
func ValidLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// User is a person with a login in one account.
type User struct {
	ID           int64
	AccountID    int64
	Username     string // immutable (U3)
	FullName     string
	Email        string
	Role         Role
	DepartmentID int64 // 0 for an admin
	Modules      ModuleSet
	Status       UserStatus
	Language     string
	CreatedAt    time.Time
	LastLoginAt  *time.Time
	// PasswordChangeRequired is set while the user signs in with a
	// temporary password (C2).
	PasswordChangeRequired bool
	// PendingEmail is the new address of a change of the user's own that
	// waits for the link sent there; "" when none (or not loaded: see the
	// service that returned the user).
	PendingEmail string
	// MFAEnrolmentRequired is set, by the services that authenticate a
	// caller, while the account requires a second factor of the user, who
	// has none: they may only enrol (C11).
	MFAEnrolmentRequired bool
}

// Actor returns the user as the policy sees them, given the modules their
// account subscribes to.
func (u *User) Actor(accountModules ModuleSet) Actor {
	mods := u.Modules & accountModules
	if u.Role == RoleAdmin {
		mods = accountModules
	}
	return Actor{UserID: u.ID, AccountID: u.AccountID, Role: u.Role, DepartmentID: u.DepartmentID, Modules: mods}
}

// Resource returns the user as the resource of a user action.
func (u *User) Resource() Resource {
	return Resource{AccountID: u.AccountID, DepartmentID: u.DepartmentID, OwnerID: u.ID, Role: u.Role, Modules: u.Modules}
}

// UserCreate is what an admin fills in to add a user (U1).
type UserCreate struct {
	Username     string
	FullName     string
	Email        string
	Role         Role
	DepartmentID int64
	Modules      ModuleSet
	Language     string
	// Onboarding is invitation or temporary_password; empty means the
	// account's default.
	Onboarding Onboarding
}

// Normalize trims what the user typed.
func (c *UserCreate) Normalize() {
	c.Username = strings.TrimSpace(c.Username)
	c.FullName = strings.TrimSpace(c.FullName)
	c.Email = strings.TrimSpace(c.Email)
}

// Validate reports every field problem at once.
func (c *UserCreate) Validate() error {
	var v Validation
	validateUsername(&v, c.Username)
	validateFullName(&v, c.FullName)
	validateEmail(&v, c.Email)
	if !c.Role.Valid() {
		v.Add("role", "Choose a role: viewer, operator, department_admin or admin.")
	} else if c.Role == RoleAdmin && c.DepartmentID != 0 {
		v.Add("department_id", "An admin stands above departments: leave the department empty.")
	} else if c.Role != RoleAdmin && c.DepartmentID == 0 {
		v.Add("department_id", "Choose a department.")
	}
	if c.Language != "" && !ValidLanguage(c.Language) {
		v.Add("language", "Choose fr, en or nl.")
	}
	if c.Onboarding != "" && !c.Onboarding.Valid() {
		v.Add("onboarding", "Choose invitation or temporary_password.")
	}
	return v.Err()
}

// UserUpdate holds the fields to change; nil means unchanged.
type UserUpdate struct {
	FullName     *string
	Email        *string
	Language     *string
	Role         *Role
	DepartmentID *int64 // pointer to 0 clears it (for an admin)
	Modules      *ModuleSet
	// CurrentPassword proves that the user themselves asks to change their
	// own address: a session left open must not be enough to move the
	// account's reset e-mails elsewhere. Ignored for any other change.
	CurrentPassword string
}

// ChangesAccess reports whether the update touches role, department or
// modules, which nobody may change for themselves (U6).
func (u *UserUpdate) ChangesAccess() bool {
	return u.Role != nil || u.DepartmentID != nil || u.Modules != nil
}

// Normalize trims what the user typed.
func (u *UserUpdate) Normalize() {
	if u.FullName != nil {
		s := strings.TrimSpace(*u.FullName)
		u.FullName = &s
	}
	if u.Email != nil {
		s := strings.TrimSpace(*u.Email)
		u.Email = &s
	}
}

// Validate checks the fields present; the combination of role and
// department is checked on the result by ValidateAccess.
func (u *UserUpdate) Validate() error {
	var v Validation
	if u.FullName != nil {
		validateFullName(&v, *u.FullName)
	}
	if u.Email != nil {
		validateEmail(&v, *u.Email)
	}
	if u.Language != nil && !ValidLanguage(*u.Language) {
		v.Add("language", "Choose fr, en or nl.")
	}
	if u.Role != nil && !u.Role.Valid() {
		v.Add("role", "Choose a role: viewer, operator, department_admin or admin.")
	}
	return v.Err()
}

// Apply returns the user as it would be after the update.
func (u *UserUpdate) Apply(old User) User {
	n := old
	if u.FullName != nil {
		n.FullName = *u.FullName
	}
	if u.Email != nil {
		n.Email = *u.Email
	}
	if u.Language != nil {
		n.Language = *u.Language
	}
	if u.Role != nil {
		n.Role = *u.Role
		if n.Role == RoleAdmin && u.DepartmentID == nil {
			n.DepartmentID = 0 // promoting to admin lifts the user above departments
		}
	}
	if u.DepartmentID != nil {
		n.DepartmentID = *u.DepartmentID
	}
	if u.Modules != nil {
		n.Modules = *u.Modules
	}
	return n
}

// UserChanges says what differs between a user and the same user after an
// update, for the activity log: the fields whose new value it does not
// carry (full_name, email, language), then "field=old->new" for the
// access (role, department_id, modules); none when nothing changed.
func UserChanges(old, next User) Detail {
	var out Detail
	if old.FullName != next.FullName {
		out = out.Word("full_name")
	}
	if old.Email != next.Email {
		out = out.Word("email")
	}
	if old.Language != next.Language {
		out = out.Word("language")
	}
	if old.Role != next.Role {
		out = out.Change("role", old.Role.String(), next.Role.String())
	}
	if old.DepartmentID != next.DepartmentID {
		out = out.Change("department_id", strconv.FormatInt(old.DepartmentID, 10), strconv.FormatInt(next.DepartmentID, 10))
	}
	if old.Modules != next.Modules {
		out = out.Change("modules", old.Modules.String(), next.Modules.String())
	}
	return out
}

// ValidateAccess checks that role and department fit together.
func ValidateAccess(u User) error {
	var v Validation
	if u.Role == RoleAdmin && u.DepartmentID != 0 {
		v.Add("department_id", "An admin stands above departments: leave the department empty.")
	} else if u.Role != RoleAdmin && u.DepartmentID == 0 {
		v.Add("department_id", "Choose a department.")
	}
	return v.Err()
}

func validateUsername(v *Validation, s string) {
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		v.Add("username", "Enter a username.")
	case n < 2 || n > 64:
		v.Add("username", "A username has 2 to 64 characters.")
	case strings.ContainsFunc(s, func(r rune) bool {
		// No "@": a username never looks like an e-mail address, so that
		// a login names one person whichever of the two it is.
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-')
	}):
		v.Add("username", "Use letters, digits and . _ - only.")
	case mixedScripts(foldKey(s)): // as keyed: a mathematical "𝐚" is a Latin "a"
		v.Add("username", "Use the letters of one alphabet: a username that mixes, say, Latin and Cyrillic letters can pass for another.")
	}
}

func validateFullName(v *Validation, s string) {
	switch {
	case s == "":
		v.Add("full_name", "Enter the full name.")
	case utf8.RuneCountInString(s) > 200:
		v.Add("full_name", "A full name has at most 200 characters.")
	case strings.ContainsFunc(s, unicode.IsControl):
		v.Add("full_name", "The full name contains invalid characters.")
	}
}

func validateEmail(v *Validation, s string) {
	if s == "" {
		v.Add("email", "Enter an e-mail address.")
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") ||
		strings.ContainsFunc(s, func(r rune) bool { return dropInvisible(r) < 0 }) {
		v.Add("email", "Enter a valid e-mail address, like name@example.com.")
		return
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if !validDomain(domain) {
		v.Add("email", "Enter a valid e-mail address, like name@example.com.")
		return
	}
	// Each part on its own: an address at a Cyrillic domain may have a
	// Latin local part, but no part may mix (NormalizeKey does not fold
	// look-alike letters of other scripts).
	if u, err := idna.Lookup.ToUnicode(domain); err == nil {
		domain = u
	}
	if mixedScripts(foldKey(local)) || slices.ContainsFunc(strings.Split(foldKey(domain), "."), mixedScripts) {
		v.Add("email", "This address mixes the letters of several alphabets (say, Latin and Cyrillic) and can pass for another: check it.")
	}
}

// UserFilter selects users in a list (U5).
type UserFilter struct {
	Status       string // active, invited, inactive, all; "" hides inactive users
	DepartmentID int64
	Role         Role
	Module       Module
	Query        string // matches username, full name or e-mail
	Sort         string // one of UserSorts, "-" before it for the reverse; "" is username
	Limit        int
	Cursor       string
}

// UserSorts are the orders of a user list.
var UserSorts = []string{"username", "full_name", "email", "created_at"}

// Validate checks the filter's values.
func (f *UserFilter) Validate() error {
	var v Validation
	switch f.Status {
	case "", "active", "invited", "inactive", "all":
	default:
		v.Add("status", "Use active, invited, inactive or all.")
	}
	if f.Sort != "" && !slices.Contains(UserSorts, strings.TrimPrefix(f.Sort, "-")) {
		v.Add("sort", "Sort by username, full_name, email or created_at, with a leading - for the reverse order.")
	}
	validateLimit(&v, f.Limit)
	ValidateText(&v, "q", f.Query)
	ValidateCursor(&v, f.Cursor)
	return v.Err()
}

// Bounds of what a client may send to a list: a search longer than any
// name or address can only be a mistake or an attack (SQLite refuses LIKE
// patterns of 50,000 bytes), and a cursor is never longer than the ones
// the lists hand out.
const (
	MaxQueryLength  = 200 // characters of a free-text filter
	MaxCursorLength = 512 // bytes of a cursor
)

// ValidateText refuses a free-text filter longer than MaxQueryLength.
func ValidateText(v *Validation, field, s string) {
	if len(s) > MaxQueryLength && utf8.RuneCountInString(s) > MaxQueryLength {
		v.Add(field, "Use at most 200 characters.")
	}
}

// ValidateCursor refuses a cursor longer than MaxCursorLength.
func ValidateCursor(v *Validation, cursor string) {
	if len(cursor) > MaxCursorLength {
		v.Add("cursor", "Invalid cursor.")
	}
}

// Page sizes of every list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// UserService manages users. Every method takes the caller from ctx and
// asks the policy; a user the caller may not see is ENOTFOUND.
type UserService interface {
	// FindUser returns one user. ENOTFOUND.
	FindUser(ctx context.Context, id int64) (*User, error)
	// ListUsers returns a page of the users the caller may see. EINVALID.
	ListUsers(ctx context.Context, f UserFilter) ([]*User, string, error)
	// CreateUser adds a user and queues their onboarding e-mail.
	// EINVALID, EFORBIDDEN, EUSERNAMETAKEN, EEMAILTAKEN, ESEATLIMIT.
	CreateUser(ctx context.Context, c UserCreate) (*User, error)
	// UpdateUser changes a user. EINVALID, ENOTFOUND, EFORBIDDEN, EEMAILTAKEN.
	UpdateUser(ctx context.Context, id int64, u UserUpdate) (*User, error)
	// DeactivateUser ends all sessions, keys and links of a user.
	// ENOTFOUND, EFORBIDDEN.
	DeactivateUser(ctx context.Context, id int64) (*User, error)
	// ReactivateUser makes a user active again (invited if they never set a
	// password). ENOTFOUND, EFORBIDDEN, ESEATLIMIT.
	ReactivateUser(ctx context.Context, id int64) (*User, error)
	// ImportUsers checks the rows of an import file and, unless dryRun,
	// creates the valid ones in one transaction (user_import.go).
	// EINVALID, EFORBIDDEN, ECONFLICT.
	ImportUsers(ctx context.Context, rows []ImportRow, dryRun bool) (*ImportReport, error)
}
