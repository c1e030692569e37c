package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"portail"
)

// AccountService implements portail.AccountService.
type AccountService struct{ db *DB }

// NewAccountService returns the account service of db.
func NewAccountService(db *DB) *AccountService { return &AccountService{db} }

var _ portail.AccountService = (*AccountService)(nil)

const accountColumns = `id, name, plan, trial_ends_at, extra_seats, modules, onboarding, created_at`

// findAccount loads an account and counts the users who take a seat.
func findAccount(tx *Tx, id int64) (*portail.Account, error) {
	return loadAccount(tx, id, "")
}

// lockAccount loads an account for a change of its seats. On PostgreSQL the
// row lock makes concurrent creations and reactivations of one account take
// turns between the count and the insert; on SQLite every write transaction
// already runs alone (BEGIN IMMEDIATE on the one writer connection).
func lockAccount(tx *Tx, id int64) (*portail.Account, error) {
	if tx.pg {
		return loadAccount(tx, id, " FOR UPDATE")
	}
	return loadAccount(tx, id, "")
}

func loadAccount(tx *Tx, id int64, suffix string) (*portail.Account, error) {
	var a portail.Account
	var plan, onboarding string
	var trial sql.NullInt64
	var created int64
	err := tx.queryRow(`SELECT `+accountColumns+` FROM accounts WHERE id = ?`+suffix, id).
		Scan(&a.ID, &a.Name, &plan, &trial, &a.ExtraSeats, &a.Modules, &onboarding, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Account")
	} else if err != nil {
		return nil, err
	}
	a.Plan, a.Onboarding = portail.Plan(plan), portail.Onboarding(onboarding)
	a.TrialEndsAt, a.CreatedAt, a.AsOf = timePtr(trial), fromMicros(created), tx.now
	if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE account_id = ? AND status IN ('invited', 'active')`, id).Scan(&a.UsedSeats); err != nil {
		return nil, err
	}
	return &a, nil
}

// FindAccount returns the caller's account with its seats (admins).
// EFORBIDDEN.
func (s *AccountService) FindAccount(ctx context.Context) (*portail.Account, error) {
	a := portail.CallerFrom(ctx).Actor
	if !portail.Can(a, portail.ActViewAccount, portail.Resource{AccountID: a.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	var acct *portail.Account
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		acct, err = findAccount(tx, a.AccountID)
		return err
	})
	return acct, err
}

// UpdateSubscription changes the plan, extra seats, modules or default
// onboarding (admins). A change that would leave fewer seats than users who
// count is refused (S5). EINVALID, EFORBIDDEN, ESEATLIMIT.
func (s *AccountService) UpdateSubscription(ctx context.Context, u portail.SubscriptionUpdate) (*portail.Account, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	if !portail.Can(a, portail.ActManageSubscription, portail.Resource{AccountID: a.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var acct *portail.Account
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := lockAccount(tx, a.AccountID)
		if err != nil {
			return err
		}
		next := *old
		if u.Plan != nil {
			next.Plan = *u.Plan
		}
		if u.ExtraSeats != nil {
			next.ExtraSeats = *u.ExtraSeats
		}
		if u.Modules != nil {
			next.Modules = *u.Modules
		}
		if u.Onboarding != nil {
			next.Onboarding = *u.Onboarding
		}
		// Only a lowering is refused: an account already over its limit
		// (its trial ended) may still change anything else, or add seats.
		if newLimit := next.SeatLimit(tx.now); newLimit < old.SeatLimit(tx.now) && next.UsedSeats > newLimit {
			e := portail.Errorf(portail.ESEATLIMIT, "%d users count (invited and active), but the %s plan with %d extra seats allows only %d. "+
				"Deactivate users first, or keep more extra seats.", next.UsedSeats, next.Plan, next.ExtraSeats, newLimit)
			e.Plan, e.Limit = next.Plan, newLimit
			return e
		}
		var changes []string
		if next.Plan != old.Plan {
			changes = append(changes, fmt.Sprintf("plan=%s->%s", old.Plan, next.Plan))
		}
		if next.ExtraSeats != old.ExtraSeats {
			changes = append(changes, fmt.Sprintf("extra_seats=%d->%d", old.ExtraSeats, next.ExtraSeats))
		}
		if next.Modules != old.Modules {
			changes = append(changes, fmt.Sprintf("modules=%s->%s", old.Modules, next.Modules))
		}
		if next.Onboarding != old.Onboarding {
			changes = append(changes, fmt.Sprintf("onboarding=%s->%s", old.Onboarding, next.Onboarding))
		}
		if len(changes) == 0 {
			acct = old
			return nil
		}
		if _, err := tx.exec(`UPDATE accounts SET plan = ?, extra_seats = ?, modules = ?, onboarding = ? WHERE id = ?`,
			string(next.Plan), next.ExtraSeats, int(next.Modules), string(next.Onboarding), a.AccountID); err != nil {
			return err
		}
		if err := logActivity(tx, caller, a.AccountID, 0, portail.ActivitySubscription, strings.Join(changes, " ")); err != nil {
			return err
		}
		acct = &next
		return nil
	})
	return acct, err
}
