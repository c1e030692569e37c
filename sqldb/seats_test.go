package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// seatErr asserts err is seat_limit with the plan and limit.
func seatErr(t *testing.T, err error, plan portail.Plan, limit int) {
	t.Helper()
	var e *portail.Error
	if !asError(err, &e) || e.Code != portail.ESEATLIMIT {
		t.Fatalf("err = %v, want seat_limit", err)
	}
	if e.Plan != plan || e.Limit != limit {
		t.Fatalf("seat_limit Plan, Limit = %q, %d, want %q, %d (%s)", e.Plan, e.Limit, plan, limit, e.Message)
	}
}

// account reloads the fixture's account as its admin.
func (f *fixture) account(t *testing.T) *portail.Account {
	t.Helper()
	a, err := f.accts.FindAccount(f.as(f.admin))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// setExtra sets the extra seats and returns the error.
func (f *fixture) setExtra(n int) error {
	_, err := f.accts.UpdateSubscription(f.as(f.admin), portail.SubscriptionUpdate{ExtraSeats: &n})
	return err
}

func (f *fixture) setPlan(p portail.Plan) error {
	_, err := f.accts.UpdateSubscription(f.as(f.admin), portail.SubscriptionUpdate{Plan: &p})
	return err
}

// seatFixture is a fixture with a department for the users it adds.
type seatFixture struct {
	*fixture
	dept int64
}

func withDept(t *testing.T, f *fixture) *seatFixture {
	t.Helper()
	// A department costs no seat.
	return &seatFixture{f, f.MustDepartment(t, "Team").ID}
}

// trialAccount sets up a starter account in its trial (the default 30 days).
func trialAccount(t *testing.T, db *sqldb.DB, prefix string) *seatFixture {
	t.Helper()
	f := &fixture{db: db, auth: sqldb.NewAuthService(db), users: sqldb.NewUserService(db),
		depts: sqldb.NewDepartmentService(db), accts: sqldb.NewAccountService(db)}
	var err error
	f.acct, f.admin, err = f.auth.Setup(context.Background(), portail.Setup{AccountName: prefix + " company", Plan: portail.PlanStarter,
		Trial: true, Modules: portail.AllModules, AdminUsername: prefix + "admin", AdminEmail: prefix + "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return withDept(t, f)
}

// create adds a viewer as the admin and returns the error.
func (f *seatFixture) create(username string) (*portail.User, error) {
	return f.users.CreateUser(f.as(f.admin), portail.UserCreate{Username: username, FullName: "Full " + username,
		Email: username + "@example.com", Role: portail.RoleViewer, DepartmentID: f.dept})
}

// user adds a viewer as the admin.
func (f *seatFixture) user(t *testing.T, username string) *portail.User {
	t.Helper()
	u, err := f.create(username)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// countingUsers counts the account's invited and active users in SQL,
// independently of the code under test.
func countingUsers(t *testing.T, raw *sql.DB, accountID int64, pg bool) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM users WHERE account_id = ? AND status IN ('invited', 'active')`
	if pg {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var n int
	if err := raw.QueryRow(q, accountID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// eachDSN is each with the data source too, for reading the tables with a
// plain *sql.DB where no service reads them back.
func eachDSN(t *testing.T, fn func(t *testing.T, db *sqldb.DB, raw *sql.DB)) {
	t.Helper()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dsn := testdb.DSN(t, d)
			db, err := sqldb.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			driver := "sqlite"
			if db.Postgres() {
				driver = "pgx"
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			fn(t, db, raw)
		})
	}
}

// TestSeatsConcurrentCreate: 50 simultaneous creations on a plan with N
// free seats → exactly N succeed, the rest get seat_limit, and the users
// who count end exactly at the limit.
func TestSeatsConcurrentCreate(t *testing.T) {
	eachDSN(t, func(t *testing.T, db *sqldb.DB, raw *sql.DB) {
		f := withDept(t, MustAccount(t, db, "c", portail.PlanPlatinum)) // 5 seats; the invited admin takes one
		if err := f.setExtra(3); err != nil {
			t.Fatal(err)
		}
		f.user(t, "c-pre")
		const limit, attempts = 8, 50
		free := limit - 2
		var ok, refused int
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, attempts)
		for i := range attempts {
			wg.Go(func() {
				<-start
				_, err := f.create(fmt.Sprintf("c-user%02d", i))
				mu.Lock()
				defer mu.Unlock()
				switch code(err) {
				case "":
					ok++
				case portail.ESEATLIMIT:
					refused++
				default:
					errs <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("unexpected error: %v", err)
		}
		if ok != free || refused != attempts-free {
			t.Fatalf("%d succeeded and %d got seat_limit, want %d and %d", ok, refused, free, attempts-free)
		}
		if n := countingUsers(t, raw, f.acct.ID, db.Postgres()); n != limit {
			t.Fatalf("%d users count in the table, want the limit %d", n, limit)
		}
		a := f.account(t)
		if a.UsedSeats != limit || a.AvailableSeats(a.AsOf) != 0 {
			t.Fatalf("account: used %d, available %d", a.UsedSeats, a.AvailableSeats(a.AsOf))
		}
	})
}

// TestSeatsConcurrentReactivate: reactivations race for the seats as
// creations do.
func TestSeatsConcurrentReactivate(t *testing.T) {
	eachDSN(t, func(t *testing.T, db *sqldb.DB, raw *sql.DB) {
		f := withDept(t, MustAccount(t, db, "r", portail.PlanGold))
		if err := f.setExtra(20); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 20 {
			u := f.user(t, fmt.Sprintf("r-user%02d", i))
			if _, err := f.users.DeactivateUser(f.as(f.admin), u.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		if err := f.setExtra(0); err != nil { // gold: 3 seats, the admin holds one
			t.Fatal(err)
		}
		var ok, refused int
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, id := range ids {
			wg.Go(func() {
				<-start
				_, err := f.users.ReactivateUser(f.as(f.admin), id)
				mu.Lock()
				defer mu.Unlock()
				switch code(err) {
				case "":
					ok++
				case portail.ESEATLIMIT:
					refused++
				default:
					t.Errorf("reactivate %d: %v", id, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if ok != 2 || refused != 18 {
			t.Fatalf("%d reactivated, %d refused; want 2 and 18", ok, refused)
		}
		if n := countingUsers(t, raw, f.acct.ID, db.Postgres()); n != 3 {
			t.Fatalf("%d users count, want 3", n)
		}
	})
}

// TestSeatsConcurrentLowerAndCreate: lowering the extra seats and creating
// the last user race for the same seat; exactly one wins, every time.
func TestSeatsConcurrentLowerAndCreate(t *testing.T) {
	eachDSN(t, func(t *testing.T, db *sqldb.DB, raw *sql.DB) {
		f := withDept(t, MustAccount(t, db, "l", portail.PlanSilver)) // 2 seats, the admin holds one
		f.user(t, "l-first")
		for round := range 10 {
			// Before the round: limit = used + 1.
			if err := f.setExtra(round + 1); err != nil {
				t.Fatalf("round %d: raise: %v", round, err)
			}
			var createErr, lowerErr error
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Go(func() { <-start; _, createErr = f.create(fmt.Sprintf("l-user%02d", round)) })
			wg.Go(func() { <-start; lowerErr = f.setExtra(round) })
			close(start)
			wg.Wait()
			cc, lc := code(createErr), code(lowerErr)
			if !(cc == "" && lc == portail.ESEATLIMIT) && !(cc == portail.ESEATLIMIT && lc == "") {
				t.Fatalf("round %d: create %v, lower %v: want exactly one seat_limit", round, createErr, lowerErr)
			}
			a := f.account(t)
			if a.UsedSeats > a.SeatLimit(a.AsOf) {
				t.Fatalf("round %d: %d users count over a limit of %d", round, a.UsedSeats, a.SeatLimit(a.AsOf))
			}
			if n := countingUsers(t, raw, f.acct.ID, db.Postgres()); n != a.UsedSeats {
				t.Fatalf("round %d: table says %d, account %d", round, n, a.UsedSeats)
			}
			if cc != "" {
				// The lowering won: make the seat the creation needed and
				// create, so that the next round starts at used = round+2.
				if err := f.setExtra(round + 1); err != nil {
					t.Fatal(err)
				}
				if _, err := f.create(fmt.Sprintf("l-user%02d", round)); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestSeatsCounting: invited and active users count, inactive do not;
// reactivation past the limit is refused; raising extra seats lets the
// next creation through; deactivating keeps the paid extra seat.
func TestSeatsCounting(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := withDept(t, MustAccount(t, db, "g", portail.PlanGold))
		ctx := f.as(f.admin)
		if f.admin.Status != portail.StatusInvited {
			t.Fatalf("admin status %s", f.admin.Status)
		}
		if a := f.account(t); a.UsedSeats != 1 || a.AvailableSeats(a.AsOf) != 2 {
			t.Fatalf("the invited admin counts: used %d, available %d", a.UsedSeats, a.AvailableSeats(a.AsOf))
		}
		invited := f.user(t, "g-invited")
		active, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "g-active", FullName: "Active", Email: "g-active@example.com",
			Role: portail.RoleViewer, DepartmentID: f.dept, Onboarding: portail.OnboardingTemporaryPassword})
		if err != nil {
			t.Fatal(err)
		}
		if invited.Status != portail.StatusInvited || active.Status != portail.StatusActive {
			t.Fatalf("statuses %s, %s", invited.Status, active.Status)
		}
		a := f.account(t)
		if a.UsedSeats != 3 || a.AvailableSeats(a.AsOf) != 0 {
			t.Fatalf("used %d, available %d; want 3, 0", a.UsedSeats, a.AvailableSeats(a.AsOf))
		}
		_, err = f.create("g-third")
		seatErr(t, err, portail.PlanGold, 3)
		if !strings.Contains(portail.ErrorMessage(err), "gold") || !strings.Contains(portail.ErrorMessage(err), "3") ||
			!strings.Contains(portail.ErrorMessage(err), "extra seats") {
			t.Fatalf("message %q", portail.ErrorMessage(err))
		}

		// An inactive user frees the seat.
		if _, err := f.users.DeactivateUser(ctx, invited.ID); err != nil {
			t.Fatal(err)
		}
		if a := f.account(t); a.UsedSeats != 2 {
			t.Fatalf("after deactivating: used %d", a.UsedSeats)
		}
		third, err := f.create("g-third")
		if err != nil {
			t.Fatalf("create after deactivating: %v", err)
		}

		// Reactivating past the limit is refused; the user stays inactive.
		_, err = f.users.ReactivateUser(ctx, invited.ID)
		seatErr(t, err, portail.PlanGold, 3)
		if u, _ := f.users.FindUser(ctx, invited.ID); u.Status != portail.StatusInactive {
			t.Fatalf("refused reactivation left status %s", u.Status)
		}
		// An active or invited user's reactivation is a no-op, never refused.
		if _, err := f.users.ReactivateUser(ctx, active.ID); err != nil {
			t.Fatalf("reactivate an active user on a full plan: %v", err)
		}

		// Raising the extra seats lets the next one through.
		if err := f.setExtra(1); err != nil {
			t.Fatal(err)
		}
		u, err := f.users.ReactivateUser(ctx, invited.ID)
		if err != nil || u.Status != portail.StatusInvited {
			t.Fatalf("reactivate with an extra seat: %v %v", u, err)
		}
		a = f.account(t)
		if a.UsedSeats != 4 || a.AvailableSeats(a.AsOf) != 0 || a.ExtraSeats != 1 || a.MonthlyCostCents() != 500 || a.UnusedExtraSeats(a.AsOf) != 0 {
			t.Fatalf("account %+v", a)
		}
		_, err = f.create("g-fifth")
		seatErr(t, err, portail.PlanGold, 4)
		if err := f.setExtra(2); err != nil {
			t.Fatal(err)
		}
		if _, err := f.create("g-fifth"); err != nil {
			t.Fatalf("create after raising to 2 extra seats: %v", err)
		}

		// Deactivating does not remove a paid extra seat: it is flagged.
		if _, err := f.users.DeactivateUser(ctx, third.ID); err != nil {
			t.Fatal(err)
		}
		a = f.account(t)
		if a.ExtraSeats != 2 || a.UsedSeats != 4 || a.UnusedExtraSeats(a.AsOf) != 1 || a.MonthlyCostCents() != 1000 {
			t.Fatalf("after deactivating: extra %d, used %d, unused extra %d, cost %d",
				a.ExtraSeats, a.UsedSeats, a.UnusedExtraSeats(a.AsOf), a.MonthlyCostCents())
		}

		// Another account's users never take this account's seats.
		g := withDept(t, MustAccount(t, db, "g2", portail.PlanStarter))
		if _, err := g.create("g2-one"); code(err) != portail.ESEATLIMIT {
			t.Fatalf("starter with its admin: %v", err)
		}
		if a := f.account(t); a.UsedSeats != 4 {
			t.Fatalf("used %d after another account's activity", a.UsedSeats)
		}
	})
}

// TestSeatsLowerSubscription: lowering the plan or the extra seats below
// the users who count is refused; down to them is allowed.
func TestSeatsLowerSubscription(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := withDept(t, MustAccount(t, db, "s", portail.PlanGold))
		f.user(t, "s-one")
		f.user(t, "s-two")
		seatErr(t, f.setPlan(portail.PlanSilver), portail.PlanSilver, 2)
		seatErr(t, f.setPlan(portail.PlanStarter), portail.PlanStarter, 1)
		if a := f.account(t); a.Plan != portail.PlanGold {
			t.Fatalf("refused change left plan %s", a.Plan)
		}
		if err := f.setPlan(portail.PlanPlatinum); err != nil {
			t.Fatal(err)
		}
		f.user(t, "s-three")
		seatErr(t, f.setPlan(portail.PlanGold), portail.PlanGold, 3)
		if err := f.setExtra(1); err != nil {
			t.Fatal(err)
		}
		if err := f.setPlan(portail.PlanGold); err != nil { // 3 + 1 = 4 users
			t.Fatalf("gold with one extra seat for 4 users: %v", err)
		}
		seatErr(t, f.setExtra(0), portail.PlanGold, 3)
		// Plan and extra seats together.
		silver, three := portail.PlanSilver, 2
		if _, err := f.accts.UpdateSubscription(f.as(f.admin), portail.SubscriptionUpdate{Plan: &silver, ExtraSeats: &three}); err != nil {
			t.Fatalf("silver + 2: %v", err)
		}
		one := 1
		_, err := f.accts.UpdateSubscription(f.as(f.admin), portail.SubscriptionUpdate{Plan: &silver, ExtraSeats: &one})
		seatErr(t, err, portail.PlanSilver, 3)
		a := f.account(t)
		if a.Plan != portail.PlanSilver || a.ExtraSeats != 2 || a.UsedSeats != 4 {
			t.Fatalf("account %+v", a)
		}
		_, err = f.create("s-fifth")
		seatErr(t, err, portail.PlanSilver, 4)
		// Only admins change the subscription.
		if err := f.setExtra(3); err != nil {
			t.Fatal(err)
		}
		op := f.MustUser(t, "s-op", portail.RoleOperator, f.dept, 0)
		zero := 0
		if _, err := f.accts.UpdateSubscription(f.as(op), portail.SubscriptionUpdate{ExtraSeats: &zero}); code(err) != portail.EFORBIDDEN {
			t.Fatalf("operator changes the subscription: %v", err)
		}
	})
}

// TestSeatsTrial: 10 seats during the trial; after trial_ends_at the plan's
// seats apply, existing users stay, new ones are refused until within the
// limit.
func TestSeatsTrial(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := trialAccount(t, db, "t")
		a := f.account(t)
		if a.TrialEndsAt == nil {
			t.Fatal("no trial_ends_at")
		}
		if d := a.TrialEndsAt.Sub(time.Now().AddDate(0, 0, 30)); d < -time.Minute || d > time.Minute {
			t.Fatalf("trial ends at %s, not 30 days from now", a.TrialEndsAt)
		}
		if !a.InTrial(a.AsOf) || a.IncludedSeats(a.AsOf) != 10 || a.AvailableSeats(a.AsOf) != 9 {
			t.Fatalf("trial: in %v, included %d, available %d", a.InTrial(a.AsOf), a.IncludedSeats(a.AsOf), a.AvailableSeats(a.AsOf))
		}
		var users []*portail.User
		for i := range 9 {
			users = append(users, f.user(t, fmt.Sprintf("t-user%d", i)))
		}
		_, err := f.create("t-eleventh")
		seatErr(t, err, portail.PlanStarter, 10)
		if !strings.Contains(portail.ErrorMessage(err), "10") {
			t.Fatalf("message %q", portail.ErrorMessage(err))
		}

		// The trial ends: the clock moves past trial_ends_at.
		ends := *a.TrialEndsAt
		db.Now = func() time.Time { return ends.Add(time.Hour) }
		a = f.account(t)
		if a.InTrial(a.AsOf) || a.IncludedSeats(a.AsOf) != 1 || a.UsedSeats != 10 || a.AvailableSeats(a.AsOf) != 0 {
			t.Fatalf("after the trial: in %v, included %d, used %d, available %d",
				a.InTrial(a.AsOf), a.IncludedSeats(a.AsOf), a.UsedSeats, a.AvailableSeats(a.AsOf))
		}
		// Existing users stay as they were.
		list, _, err := f.users.ListUsers(f.as(f.admin), portail.UserFilter{})
		if err != nil || len(list) != 10 {
			t.Fatalf("list after the trial: %d users, %v", len(list), err)
		}
		for _, u := range list {
			if !u.Status.Counts() {
				t.Fatalf("%s is %s after the trial", u.Username, u.Status)
			}
		}
		_, err = f.create("t-new")
		seatErr(t, err, portail.PlanStarter, 1)
		if !strings.Contains(portail.ErrorMessage(err), "starter") {
			t.Fatalf("message %q does not name the plan", portail.ErrorMessage(err))
		}
		// Deactivating some is not enough while still over the limit.
		for _, u := range users[:4] {
			if _, err := f.users.DeactivateUser(f.as(f.admin), u.ID); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.users.ReactivateUser(f.as(f.admin), users[0].ID)
		seatErr(t, err, portail.PlanStarter, 1)
		_, err = f.create("t-new")
		seatErr(t, err, portail.PlanStarter, 1)
		// Buying the seats the users need lets the next one in.
		if err := f.setExtra(6); err != nil {
			t.Fatalf("extra seats for 6 + 1: %v", err)
		}
		if _, err := f.create("t-new"); err != nil {
			t.Fatalf("create within the paid seats: %v", err)
		}
		_, err = f.create("t-newer")
		seatErr(t, err, portail.PlanStarter, 7)
		// A bigger plan instead of extras.
		if err := f.setPlan(portail.PlanEnterprise); err != nil {
			t.Fatal(err)
		}
		if err := f.setExtra(0); err != nil {
			t.Fatalf("enterprise without extras for 7 users: %v", err)
		}
		if _, err := f.users.ReactivateUser(f.as(f.admin), users[0].ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSubscriptionOverLimitAfterTrial: when the trial ends with more users
// than the plan allows, a change that lowers nothing (the default
// onboarding, the modules, or a no-op) must still be possible: S5 refuses
// only lowering the plan or extra seats below the users who count.
func TestSubscriptionOverLimitAfterTrial(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := trialAccount(t, db, "o")
		for i := range 4 {
			f.user(t, fmt.Sprintf("o-user%d", i))
		}
		ends := *f.account(t).TrialEndsAt
		db.Now = func() time.Time { return ends.Add(time.Hour) }
		tp := portail.OnboardingTemporaryPassword
		if _, err := f.accts.UpdateSubscription(f.as(f.admin), portail.SubscriptionUpdate{Onboarding: &tp}); err != nil {
			t.Errorf("change the default onboarding while over the limit: %v", err)
		}
		if _, err := f.accts.UpdateSubscription(f.as(f.admin), portail.SubscriptionUpdate{}); err != nil {
			t.Errorf("no-op subscription update while over the limit: %v", err)
		}
	})
}

// TestSubscriptionActivity: plan and seat changes are written to the
// activity log, in the transaction of the change; refused changes are not.
func TestSubscriptionActivity(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := withDept(t, MustAccount(t, db, "v", portail.PlanGold))
		f.user(t, "v-one")
		f.user(t, "v-two")
		platinum, two := portail.PlanPlatinum, 2
		if _, err := f.accts.UpdateSubscription(f.as(f.admin), portail.SubscriptionUpdate{Plan: &platinum, ExtraSeats: &two}); err != nil {
			t.Fatal(err)
		}
		if err := f.setExtra(0); err != nil {
			t.Fatal(err)
		}
		seatErr(t, f.setPlan(portail.PlanStarter), portail.PlanStarter, 1)
		if err := f.setExtra(0); err != nil { // unchanged: nothing to log
			t.Fatal(err)
		}
		entries, _, err := sqldb.NewActivityService(db).ListActivity(f.as(f.admin), portail.ActivityFilter{Type: portail.ActivitySubscription})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			for _, e := range entries {
				t.Logf("entry %+v", e)
			}
			t.Fatalf("%d subscription entries, want 2 (refused and unchanged updates log nothing)", len(entries))
		}
		for _, e := range entries {
			if e.ActorID != f.admin.ID || e.AccountID != f.acct.ID {
				t.Errorf("entry %+v: want actor %d, account %d", e, f.admin.ID, f.acct.ID)
			}
		}
		// Newest first.
		if d := entries[1].Detail; !strings.Contains(d, "plan=gold->platinum") || !strings.Contains(d, "extra_seats=0->2") {
			t.Errorf("first change %q", d)
		}
		if d := entries[0].Detail; !strings.Contains(d, "extra_seats=2->0") || strings.Contains(d, "plan=") {
			t.Errorf("second change %q", d)
		}
	})
}
