package portail

import (
	"context"
	"time"
)

// ActivityType names an entry of the activity log (L1, SPEC §9).
type ActivityType string

const (
	ActivityLoginSucceeded    ActivityType = "login_succeeded"
	ActivityLoginFailed       ActivityType = "login_failed"
	ActivityLogout            ActivityType = "logout"
	ActivitySessionReplaced   ActivityType = "session_replaced"
	ActivityNotificationSent  ActivityType = "notification_sent"
	ActivityFetch             ActivityType = "fetch"
	ActivityManualOrder       ActivityType = "manual_order"
	ActivityLabelRequest      ActivityType = "label_request"
	ActivityUserCreated       ActivityType = "user_created"
	ActivityUserUpdated       ActivityType = "user_updated"
	ActivityUserDeactivated   ActivityType = "user_deactivated"
	ActivityUserReactivated   ActivityType = "user_reactivated"
	ActivityRoleChanged       ActivityType = "role_changed"
	ActivityPasswordResetSent ActivityType = "password_reset_sent"
	ActivityPasswordChanged   ActivityType = "password_changed"
	ActivityDepartmentCreated ActivityType = "department_created"
	ActivityDepartmentUpdated ActivityType = "department_updated"
	ActivityAccountCreated    ActivityType = "account_created"
	ActivitySubscription      ActivityType = "subscription_changed"
)

// Activity is one entry of the activity log.
type Activity struct {
	ID        int64
	AccountID int64
	At        time.Time
	UserID    int64    // the user the entry is about; 0 for none
	Username  string   // of UserID, when read back
	ActorID   int64    // who acted; 0 for the system
	ActorName UserName // of ActorID, when read back
	// SCIMToken is the name of the SCIM token that acted (ActorID is
	// then 0); "" for a user or the system.
	SCIMToken string
	Type      ActivityType
	Detail    string
	IP        string
	UserAgent string
	StartedAt *time.Time
	EndedAt   *time.Time
}

// Activity types beyond the contract's minimum.
const (
	ActivityInvitationSent ActivityType = "invitation_sent"
	ActivityAPIKeyCreated  ActivityType = "api_key_created"
	ActivityAPIKeyRevoked  ActivityType = "api_key_revoked"
	// ActivityEmailChangeRequested: a user asked to change their own
	// address; the change itself is a user_updated entry once confirmed.
	ActivityEmailChangeRequested ActivityType = "email_change_requested"
	// ActivityAccountSettings: an admin changed the letter settings
	// (cancellation window, country).
	ActivityAccountSettings ActivityType = "account_settings_changed"
	// Second factors (C11): a factor added or removed by its user, all of
	// a user's factors reset by an admin, a recovery code used at sign-in,
	// a wrong second step, the account's requirement changed.
	ActivityMFAAdded           ActivityType = "mfa_added"
	ActivityMFARemoved         ActivityType = "mfa_removed"
	ActivityMFAReset           ActivityType = "mfa_reset"
	ActivityMFARecoveryUsed    ActivityType = "mfa_recovery_code_used"
	ActivityMFARecoveryRenewed ActivityType = "mfa_recovery_codes_renewed"
	ActivityMFAFailed          ActivityType = "mfa_failed"
	ActivityAccountSecuritySet ActivityType = "account_security_changed"
	// An admin created or revoked a SCIM token (C14); the token's own
	// changes are the users' and departments' entries, by the token.
	ActivitySCIMTokenCreated ActivityType = "scim_token_created"
	ActivitySCIMTokenRevoked ActivityType = "scim_token_revoked"
	// ActivitySessionEnded: a user ended one of their browser sessions
	// from another place (C12); an API key they end so is api_key_revoked.
	ActivitySessionEnded ActivityType = "session_ended"
	// ActivitySignedOutEverywhere: every browser session of a user was
	// ended at once, by an admin or by the user (C12).
	ActivitySignedOutEverywhere ActivityType = "signed_out_everywhere"
	// ActivitySSOSettings: an admin changed or removed the account's
	// single sign-on connection (C13). An SSO sign-in is a
	// login_succeeded entry, a refused one a login_failed entry, and a
	// user created at sign-in a user_created entry, each with the detail
	// "sso".
	ActivitySSOSettings ActivityType = "sso_settings_changed"
)

// ActorKind says who acted on an item (SPEC §9 Wave-2 details 1).
type ActorKind string

const (
	ActorUser    ActorKind = "user"
	ActorPartner ActorKind = "partner"
	ActorSCIM    ActorKind = "scim"
	ActorSystem  ActorKind = "system"
)

// ActorKindOf is the kind of the actor an entry or a history line
// records: a user when it names one, else the system (a history line by
// a print partner says so itself: Change.ActorKind).
func ActorKindOf(actorID int64) ActorKind {
	if actorID != 0 {
		return ActorUser
	}
	return ActorSystem
}

// ActorKind is the kind of who made the entry: a SCIM token by its name.
func (e *Activity) ActorKind() ActorKind {
	if e.SCIMToken != "" {
		return ActorSCIM
	}
	return ActorKindOf(e.ActorID)
}

// ActorKind is the kind of who made the change.
func (c *Change) ActorKind() ActorKind {
	if c.Partner != "" {
		return ActorPartner
	}
	return ActorKindOf(c.ActorID)
}

// UserName is how a person is named to whoever may see an item they
// acted on: their full name and username, not the rest of their record.
type UserName struct {
	FullName string
	Username string
}

// String is the full name, or the username when there is none.
func (n UserName) String() string {
	if n.FullName != "" {
		return n.FullName
	}
	return n.Username
}

// DefaultActivityRetention is how long entries are kept (L2).
const DefaultActivityRetention = 60 * 24 * time.Hour

// ActivityFilter selects entries of the log (L3).
type ActivityFilter struct {
	UserID int64
	Type   ActivityType
	From   *time.Time // inclusive
	To     *time.Time // exclusive
	Limit  int
	Cursor string
}

// Validate checks the filter's values: the page's size, the range, and the
// lengths of the type and the cursor (the type is matched as given: an
// unknown type finds no entry).
func (f *ActivityFilter) Validate() error {
	var v Validation
	validateRange(&v, f.From, f.To, f.Limit)
	ValidateText(&v, "type", string(f.Type))
	ValidateCursor(&v, f.Cursor)
	return v.Err()
}

// ActivityService reads and writes the activity log.
type ActivityService interface {
	// ListActivity returns a page of the entries the caller may see,
	// newest first: the account for an admin, their department's users for
	// a department admin, their own for anyone else. EINVALID.
	ListActivity(ctx context.Context, f ActivityFilter) ([]*Activity, string, error)
	// EachActivity calls fn for every entry of the filter, newest first,
	// reading page by page so that an export never holds the log in memory.
	EachActivity(ctx context.Context, f ActivityFilter, fn func(*Activity) error) error
	// RecordActivity writes an entry that no change accompanies (a fetch, a
	// label request) and returns once it is durable.
	RecordActivity(ctx context.Context, e Activity) error
}

// Change is one line of a document's or label's detail history (L4).
type Change struct {
	At        time.Time
	ActorID   int64    // 0: the system did it
	ActorName UserName // of ActorID, when read back
	// System names the part of the system that made a change of no user
	// (SystemSimulator); "" when a user made it, or for a change recorded
	// before the system named itself.
	System string
	// Partner names the print partner that reported the change (D9);
	// "" for any other actor.
	Partner string
	Change  string
	From    string
	To      string
}

// SystemSimulator is the built-in print-and-post simulator, as its
// changes name it (SPEC §9 Wave-2 details 1: an actor of kind system).
const SystemSimulator = "simulator"

type systemKey struct{}

// WithSystem returns ctx carrying the name of the part of the system
// that works under it, which its changes record.
func WithSystem(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, systemKey{}, name)
}

// SystemFrom is the name WithSystem put in ctx; "" when none.
func SystemFrom(ctx context.Context) string {
	s, _ := ctx.Value(systemKey{}).(string)
	return s
}
