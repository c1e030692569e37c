package sqldb

import (
	"context"
	"database/sql"
	"errors"

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
		if acct, err = findAccount(tx, a.AccountID); err != nil {
			return err
		}
		// The country is read where the account is shown, not by the seat
		// checks that load the account too (and run on the schemas of
		// earlier releases in the migration tests).
		return tx.queryRow(`SELECT country FROM accounts WHERE id = ?`, a.AccountID).Scan(&acct.Country)
	})
	return acct, err
}

// SeatCount returns the seats used and the limit now, for whoever sees
// other users than themselves. EFORBIDDEN.
func (s *AccountService) SeatCount(ctx context.Context) (portail.SeatCount, error) {
	a := portail.CallerFrom(ctx).Actor
	if sc := portail.ScopeFor(a, portail.ActViewUser, 0); sc.None || sc.OwnerID != 0 {
		return portail.SeatCount{}, portail.ErrForbidden()
	}
	var c portail.SeatCount
	err := s.db.readTx(ctx, func(tx *Tx) error {
		acct, err := loadAccount(tx, a.AccountID, "")
		if err != nil {
			return err
		}
		c = portail.SeatCount{Used: acct.UsedSeats, Limit: acct.SeatLimit(tx.now)}
		return nil
	})
	return c, err
}

// UpdateSubscription changes the plan, extra seats, modules or default
// onboarding (admins). The rule, what changes and whether a lowering is
// refused (S5), is the root's Account.ApplySubscription, asked under the
// account's lock so that the users who count cannot change meanwhile.
// EINVALID, EFORBIDDEN, ESEATLIMIT.
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
		if err := tx.queryRow(`SELECT country FROM accounts WHERE id = ?`, a.AccountID).Scan(&old.Country); err != nil {
			return err
		}
		next, changes, err := old.ApplySubscription(u, tx.now)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			acct = old
			return nil
		}
		if _, err := tx.exec(`UPDATE accounts SET plan = ?, extra_seats = ?, modules = ?, onboarding = ? WHERE id = ?`,
			string(next.Plan), next.ExtraSeats, int(next.Modules), string(next.Onboarding), a.AccountID); err != nil {
			return err
		}
		if err := logActivity(tx, caller, a.AccountID, 0, portail.ActivitySubscription, changes); err != nil {
			return err
		}
		acct = &next
		return nil
	})
	return acct, err
}

// accountName is used in e-mails.
func accountName(tx *Tx, id int64) (string, error) {
	var name string
	err := tx.queryRow(`SELECT name FROM accounts WHERE id = ?`, id).Scan(&name)
	return name, err
}

// AccountSettings returns the account's letter settings (admins).
// EFORBIDDEN.
func (s *AccountService) AccountSettings(ctx context.Context) (*portail.AccountSettings, error) {
	a := portail.CallerFrom(ctx).Actor
	if !portail.Can(a, portail.ActViewAccount, portail.Resource{AccountID: a.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	var st *portail.AccountSettings
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		st, err = accountSettings(tx, a.AccountID, "")
		return err
	})
	return st, err
}

func accountSettings(tx *Tx, id int64, suffix string) (*portail.AccountSettings, error) {
	var st portail.AccountSettings
	err := tx.queryRow(`SELECT letter_cancellation_minutes, country FROM accounts WHERE id = ?`+suffix, id).
		Scan(&st.LetterCancellationMinutes, &st.Country)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, portail.ErrNotFound("Account")
	}
	return &st, err
}

// UpdateAccountSettings changes the letter settings the update sets
// (admins, as the subscription), with an activity entry naming what
// changed. EINVALID, EFORBIDDEN.
func (s *AccountService) UpdateAccountSettings(ctx context.Context, u portail.AccountSettingsUpdate) (*portail.AccountSettings, error) {
	caller := portail.CallerFrom(ctx)
	a := caller.Actor
	if !portail.Can(a, portail.ActManageSubscription, portail.Resource{AccountID: a.AccountID}) {
		return nil, portail.ErrForbidden()
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var st *portail.AccountSettings
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		suffix := ""
		if tx.pg {
			suffix = " FOR UPDATE"
		}
		old, err := accountSettings(tx, a.AccountID, suffix)
		if err != nil {
			return err
		}
		next, changes := old.Apply(u)
		st = &next
		if len(changes) == 0 {
			return nil
		}
		if _, err := tx.exec(`UPDATE accounts SET letter_cancellation_minutes = ?, country = ? WHERE id = ?`,
			next.LetterCancellationMinutes, next.Country, a.AccountID); err != nil {
			return err
		}
		return logActivity(tx, caller, a.AccountID, 0, portail.ActivityAccountSettings, changes)
	})
	return st, err
}
