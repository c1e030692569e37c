package sqldb_test

import (
	"context"
	"testing"
	"time"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

// each runs fn as a subtest on a fresh database of every dialect, so that
// SQLite and PostgreSQL pass the very same storage tests.
func each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	eachOn(t, testdb.DSN, fn)
}

// eachSlow is each with PostgreSQL behind a delay proxy, so that the
// statements of parallel transactions interleave as on a real network.
func eachSlow(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	eachOn(t, func(tb testing.TB, d string) string { return testdb.SlowDSN(tb, d, raceDelay) }, fn)
}

func eachOn(t *testing.T, dsn func(testing.TB, string) string, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, mustOpenDSN(t, dsn(t, d)))
		})
	}
}

// MustOpen opens a fresh, migrated database of the dialect.
func MustOpen(tb testing.TB, dialect string) *sqldb.DB {
	tb.Helper()
	return mustOpenDSN(tb, testdb.DSN(tb, dialect))
}

func mustOpenDSN(tb testing.TB, dsn string) *sqldb.DB {
	tb.Helper()
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// fixture is an account with an admin, made through the services.
type fixture struct {
	db    *sqldb.DB
	auth  *sqldb.AuthService
	users *sqldb.UserService
	depts *sqldb.DepartmentService
	accts *sqldb.AccountService
	acct  *portail.Account
	admin *portail.User
}

// MustAccount sets up an account on plan with every module and an active
// admin named prefix+"admin".
func MustAccount(tb testing.TB, db *sqldb.DB, prefix string, plan portail.Plan) *fixture {
	tb.Helper()
	f := &fixture{db: db, auth: sqldb.NewAuthService(db), users: sqldb.NewUserService(db),
		depts: sqldb.NewDepartmentService(db), accts: sqldb.NewAccountService(db)}
	var err error
	f.acct, f.admin, err = f.auth.Setup(context.Background(), portail.Setup{
		AccountName: prefix + " company", Plan: plan, Modules: portail.AllModules,
		AdminUsername: prefix + "admin", AdminEmail: prefix + "admin@example.com",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// as returns a context in which u acts.
func (f *fixture) as(u *portail.User) context.Context {
	return portail.WithCaller(context.Background(), portail.Caller{Actor: u.Actor(f.acct.Modules), IP: "192.0.2.1", UserAgent: "test"})
}

// MustDepartment creates a department as the admin.
func (f *fixture) MustDepartment(tb testing.TB, name string) *portail.Department {
	tb.Helper()
	d, err := f.depts.CreateDepartment(f.as(f.admin), name)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// MustUser creates a user as the admin.
func (f *fixture) MustUser(tb testing.TB, username string, role portail.Role, dept int64, mods portail.ModuleSet) *portail.User {
	tb.Helper()
	u, err := f.users.CreateUser(f.as(f.admin), portail.UserCreate{
		Username: username, FullName: "Full " + username, Email: username + "@example.com",
		Role: role, DepartmentID: dept, Modules: mods,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func code(err error) string { return portail.ErrorCode(err) }

var _ = time.Second

func asError(err error, target **portail.Error) bool {
	e, ok := err.(*portail.Error)
	*target = e
	return ok
}
