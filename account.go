package portail

import (
	"context"
	"fmt"
	"time"
)

// Plan is a subscription plan; it caps the users who count (S1).
type Plan string

const (
	PlanStarter    Plan = "starter"
	PlanBronze     Plan = "bronze"
	PlanSilver     Plan = "silver"
	PlanGold       Plan = "gold"
	PlanPlatinum   Plan = "platinum"
	PlanEnterprise Plan = "enterprise"
)

// Plans lists the plans, smallest first.
var Plans = []Plan{PlanStarter, PlanBronze, PlanSilver, PlanGold, PlanPlatinum, PlanEnterprise}

var planSeats = map[Plan]int{PlanStarter: 1, PlanBronze: 1, PlanSilver: 2, PlanGold: 3, PlanPlatinum: 5, PlanEnterprise: 10}

// Seats is the number of users the plan includes.
func (p Plan) Seats() int { return planSeats[p] }

// Valid reports whether p is a known plan.
func (p Plan) Valid() bool { _, ok := planSeats[p]; return ok }

// Subscription constants (S2, S3).
const (
	TrialSeats       = 10
	DefaultTrialDays = 30
	ExtraSeatCents   = 500 // per extra user per month, in cents of the installation's currency
	MaxExtraSeats    = 10000
)

// Onboarding is how a new user gets their first password (C1, C2).
type Onboarding string

const (
	OnboardingInvitation        Onboarding = "invitation"
	OnboardingTemporaryPassword Onboarding = "temporary_password"
)

// Valid reports whether o is a known onboarding.
func (o Onboarding) Valid() bool {
	return o == OnboardingInvitation || o == OnboardingTemporaryPassword
}

// Account is a customer company (T1).
type Account struct {
	ID          int64
	Name        string
	Plan        Plan
	TrialEndsAt *time.Time
	ExtraSeats  int
	Modules     ModuleSet
	Onboarding  Onboarding // the default for new users
	// Country is where the account's company is, ISO 3166-1 alpha-2: the
	// country a label's addresses start with (SPEC D5: BE unless set).
	Country string
	// LetterCancellationMinutes is how long an accepted letter waits
	// before it goes to print (D7).
	LetterCancellationMinutes int
	CreatedAt                 time.Time
	// UsedSeats counts invited and active users, and AsOf is the instant
	// they were counted at; both are set by the storage that loaded the
	// account.
	UsedSeats int
	AsOf      time.Time
}

// DefaultCountry is an account's country until it is set otherwise
// (SPEC D5: Belgium by default).
const DefaultCountry = "BE"

// InTrial reports whether the trial still runs at now.
func (a *Account) InTrial(now time.Time) bool {
	return a.TrialEndsAt != nil && now.Before(*a.TrialEndsAt)
}

// IncludedSeats are the seats without extras: the trial's or the plan's.
func (a *Account) IncludedSeats(now time.Time) int {
	if a.InTrial(now) {
		return max(TrialSeats, a.Plan.Seats())
	}
	return a.Plan.Seats()
}

// SeatLimit is every seat the account may fill.
func (a *Account) SeatLimit(now time.Time) int { return a.IncludedSeats(now) + a.ExtraSeats }

// AvailableSeats is how many more users may be added.
func (a *Account) AvailableSeats(now time.Time) int { return max(0, a.SeatLimit(now)-a.UsedSeats) }

// UnusedExtraSeats are paid extra seats that no user needs (S5): the
// admin is reminded to remove them.
func (a *Account) UnusedExtraSeats(now time.Time) int {
	return min(a.ExtraSeats, max(0, a.SeatLimit(now)-a.UsedSeats))
}

// MonthlyCostCents is what the extra seats cost per month.
func (a *Account) MonthlyCostCents() int { return a.ExtraSeats * ExtraSeatCents }

// CheckSeats returns ESEATLIMIT when adding n users would exceed the
// limit at now; its message says how to add seats (S4).
func (a *Account) CheckSeats(now time.Time, n int) error {
	limit := a.SeatLimit(now)
	if a.UsedSeats+n <= limit {
		return nil
	}
	what := fmt.Sprintf("The %s plan", a.Plan)
	if a.InTrial(now) {
		what = fmt.Sprintf("The trial of the %s plan", a.Plan)
	}
	// Plan, included, extra and total, each named: "allows 4 users" alone
	// reads as the plan's own number when one extra seat was bought.
	// The API speaks English: "1 user", "1 extra seat".
	users, seats := "users", "extra seats"
	if a.IncludedSeats(now) == 1 {
		users = "user"
	}
	if a.ExtraSeats == 1 {
		seats = "extra seat"
	}
	e := Errorf(ESEATLIMIT, "%s includes %d %s, plus %d %s: %d in all, and %d already count. "+
		"Add extra seats to the subscription (account page, or PUT /api/v1/account/subscription) or deactivate a user first.",
		what, a.IncludedSeats(now), users, a.ExtraSeats, seats, limit, a.UsedSeats)
	e.Plan, e.Limit = a.Plan, limit
	e.Included, e.Extra, e.Used, e.Trial = a.IncludedSeats(now), a.ExtraSeats, a.UsedSeats, a.InTrial(now)
	return e
}

// SubscriptionUpdate changes the plan, the extra seats or the modules.
type SubscriptionUpdate struct {
	Plan       *Plan
	ExtraSeats *int
	Modules    *ModuleSet
	Onboarding *Onboarding
}

// Validate checks the fields present.
func (u *SubscriptionUpdate) Validate() error {
	var v Validation
	if u.Plan != nil && !u.Plan.Valid() {
		v.Add("plan", "Choose starter, bronze, silver, gold, platinum or enterprise.")
	}
	if u.ExtraSeats != nil && (*u.ExtraSeats < 0 || *u.ExtraSeats > MaxExtraSeats) {
		v.Add("extra_seats", "Use a number of extra seats between 0 and 10000.")
	}
	if u.Modules != nil && *u.Modules == 0 {
		v.Add("modules", "Keep at least one module.")
	}
	if u.Onboarding != nil && !u.Onboarding.Valid() {
		v.Add("onboarding", "Choose invitation or temporary_password.")
	}
	return v.Err()
}

// ApplySubscription returns the account with u (already validated)
// applied and the changes it makes, each field=old->new, in the order
// plan, extra seats, modules, onboarding; none when u changes nothing.
// A change that lowers the seat limit at now below the users who count
// (UsedSeats, counted under the account's lock by the storage) is refused
// with CheckSeats' ESEATLIMIT for the new subscription (S5). Only a
// lowering is refused: an account already over its limit (its trial
// ended) may still change anything else, or add seats.
func (a *Account) ApplySubscription(u SubscriptionUpdate, now time.Time) (Account, Detail, error) {
	next := *a
	setIf(&next.Plan, u.Plan)
	setIf(&next.ExtraSeats, u.ExtraSeats)
	setIf(&next.Modules, u.Modules)
	setIf(&next.Onboarding, u.Onboarding)
	if next.SeatLimit(now) < a.SeatLimit(now) {
		if err := next.CheckSeats(now, 0); err != nil {
			return *a, nil, err
		}
	}
	var changes Detail
	changes = appendChange(changes, "plan", a.Plan, next.Plan)
	changes = appendChange(changes, "extra_seats", a.ExtraSeats, next.ExtraSeats)
	changes = appendChange(changes, "modules", a.Modules, next.Modules)
	changes = appendChange(changes, "onboarding", a.Onboarding, next.Onboarding)
	return next, changes, nil
}

// setIf sets *dst to *v when the update carries v.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// appendChange adds the change field=old->new when the value changed.
func appendChange[T comparable](changes Detail, field string, old, next T) Detail {
	if old == next {
		return changes
	}
	return changes.Change(field, fmt.Sprint(old), fmt.Sprint(next))
}

// AccountService reads and changes the caller's account.
type AccountService interface {
	// FindAccount returns the caller's account with its seats (admins). EFORBIDDEN.
	FindAccount(ctx context.Context) (*Account, error)
	// UpdateSubscription changes plan, extra seats and modules (admins).
	// EINVALID, EFORBIDDEN, ESEATLIMIT.
	UpdateSubscription(ctx context.Context, u SubscriptionUpdate) (*Account, error)
	// SeatCount returns the seats used and the limit, for whoever sees
	// other users (admins, department admins: the users page). EFORBIDDEN.
	SeatCount(ctx context.Context) (SeatCount, error)
	// AccountSettings returns the account's letter settings (admins).
	// EFORBIDDEN.
	AccountSettings(ctx context.Context) (*AccountSettings, error)
	// UpdateAccountSettings changes the fields the update sets (admins),
	// with an activity entry when something changes. EINVALID,
	// EFORBIDDEN.
	UpdateAccountSettings(ctx context.Context, u AccountSettingsUpdate) (*AccountSettings, error)
}

// SeatCount is the seats the users who count fill, of the limit.
type SeatCount struct{ Used, Limit int }

// Available is how many more users may be added.
func (c SeatCount) Available() int { return max(0, c.Limit-c.Used) }

// Setup is the first-run creation of an account and its first admin.
type Setup struct {
	AccountName   string
	Plan          Plan
	Trial         bool
	TrialDays     int
	Modules       ModuleSet
	AdminUsername string
	AdminFullName string
	AdminEmail    string
	// AdminPassword, when set, makes the admin active at once; otherwise
	// the admin gets an invitation.
	AdminPassword string
	Language      string
}

// Validate reports every field problem at once.
func (s *Setup) Validate() error {
	var v Validation
	if err := ValidateDepartmentName(s.AccountName); err != nil {
		v.Add("account", "Enter the account's name (at most 100 characters).")
	}
	if !s.Plan.Valid() {
		v.Add("plan", "Choose starter, bronze, silver, gold, platinum or enterprise.")
	}
	if s.Modules == 0 {
		v.Add("modules", "Choose at least one module.")
	}
	validateUsername(&v, s.AdminUsername)
	validateEmail(&v, s.AdminEmail)
	if s.AdminFullName != "" {
		validateFullName(&v, s.AdminFullName)
	}
	for i := range v.Fields {
		switch v.Fields[i].Field {
		case "username":
			v.Fields[i].Field = "admin_username"
		case "email":
			v.Fields[i].Field = "admin_email"
		case "full_name":
			v.Fields[i].Field = "admin_full_name"
		}
	}
	return v.Err()
}

// DefaultCurrency is the currency of seat prices when the installation
// names none (--currency; SPEC §9 Wave-2 details 16).
const DefaultCurrency = "EUR"

// ValidCurrency reports whether c is an ISO 4217 code: three capitals.
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
