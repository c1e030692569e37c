package portail

import "time"

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
	UserID    int64 // the user the entry is about; 0 for none
	ActorID   int64 // who acted; 0 for the system
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
)
