package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"portail"
	"portail/internal/testdb"
	"portail/sqldb"
)

const identityPassword = "correct horse battery staple 42"

// TestLookAlikeIdentities: a username or e-mail address that reads as one
// already taken is taken (U2) — fullwidth, mathematical, ß for ss, an IDN
// domain in Unicode or punycode — on creation and on an e-mail change; and
// every look-alike form signs in, and asks for a reset, as the one user.
func TestLookAlikeIdentities(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		auth := sqldb.NewAuthService(db)
		f := &fixture{db: db, auth: auth, users: sqldb.NewUserService(db), depts: sqldb.NewDepartmentService(db), accts: sqldb.NewAccountService(db)}
		var err error
		f.acct, f.admin, err = auth.Setup(ctx, portail.Setup{AccountName: "Look-alike company", Plan: portail.PlanEnterprise,
			Modules: portail.AllModules, AdminUsername: "admin", AdminEmail: "Müller@Bücher.de", AdminPassword: identityPassword})
		if err != nil {
			t.Fatal(err)
		}
		dept := f.MustDepartment(t, "Sales")
		strasse := f.MustUser(t, "straße", portail.RoleViewer, dept.ID, 0)
		create := func(username, email string) error {
			_, err := f.users.CreateUser(f.as(f.admin), portail.UserCreate{Username: username, FullName: "Look Alike",
				Email: email, Role: portail.RoleViewer, DepartmentID: dept.ID})
			return err
		}
		for i, name := range []string{"ａｄｍｉｎ", "ＡＤＭＩＮ", "𝐚𝐝𝐦𝐢𝐧", "Admin", "STRASSE", "strasse", "Straẞe"} {
			if err := create(name, fmt.Sprintf("fresh-%d@example.com", i)); code(err) != portail.EUSERNAMETAKEN {
				t.Errorf("create username %q = %v, want %s", name, err, portail.EUSERNAMETAKEN)
			}
		}
		for i, email := range []string{"müller@xn--bcher-kva.de", "MÜLLER@BÜCHER.DE", "mu\u0308ller@bu\u0308cher.de", "müller@ｂüｃｈｅｒ.de", "straße@example.com", "STRASSE@example.com"} {
			if err := create(fmt.Sprintf("fresh%d", i), email); code(err) != portail.EEMAILTAKEN {
				t.Errorf("create e-mail %q = %v, want %s", email, err, portail.EEMAILTAKEN)
			}
		}
		other := f.MustUser(t, "other", portail.RoleViewer, dept.ID, 0)
		for _, tt := range []struct{ email, want string }{
			{"MUELLER@example.com", ""}, // ü is not ue: another name
			{"müller@XN--BCHER-KVA.DE", portail.EEMAILTAKEN},
			{"Müller@bücher.DE", portail.EEMAILTAKEN},
		} {
			_, err := f.users.UpdateUser(f.as(f.admin), other.ID, portail.UserUpdate{Email: &tt.email})
			if code(err) != tt.want {
				t.Errorf("change e-mail to %q = %v, want %q", tt.email, err, tt.want)
			}
		}
		// The search finds an IDN address by its domain as shown.
		found, _, err := f.users.ListUsers(f.as(f.admin), portail.UserFilter{Query: "bücher.de"})
		if err != nil || len(found) != 1 || found[0].ID != f.admin.ID {
			t.Errorf("search bücher.de = %v, %v; want the admin", ids(found), err)
		}
		if found, _, err = f.users.ListUsers(f.as(f.admin), portail.UserFilter{Query: "STRASSE"}); err != nil || len(found) != 1 || found[0].ID != strasse.ID {
			t.Errorf("search STRASSE = %v, %v; want straße", ids(found), err)
		}
		// A query longer than any key (whose key is empty) finds nobody,
		// not everybody; refusing it outright would do too.
		if found, _, err = f.users.ListUsers(f.as(f.admin), portail.UserFilter{Query: strings.Repeat("ｘ", 3000)}); err == nil && len(found) != 0 {
			t.Errorf("search of an over-long query = %v, want nobody", ids(found))
		}

		for i, login := range []string{"ａｄｍｉｎ", "𝐀𝐃𝐌𝐈𝐍", "müller@xn--bcher-kva.de", "MÜLLER@BÜCHER.DE", "müller＠ｂüｃｈｅｒ.de"} {
			c := portail.WithCaller(ctx, portail.Caller{IP: fmt.Sprintf("192.0.2.%d", 10+i), UserAgent: "test"})
			u, _, err := tokenOf(auth.Login(c, portail.Login{Login: login, Password: identityPassword}))
			if err != nil || u.ID != f.admin.ID {
				t.Errorf("login %q = %v, %v; want the admin", login, u, err)
			}
		}
		creds := sqldb.NewCredentialService(db)
		if err := creds.ForgotPassword(portail.WithCaller(ctx, portail.Caller{IP: "192.0.2.50"}), "ＡＤＭＩＮ"); err != nil {
			t.Fatal(err)
		}
		emails, _, err := sqldb.NewOutboxService(db).ListAll(ctx, 200, "")
		if err != nil {
			t.Fatal(err)
		}
		resets := 0
		for _, e := range emails {
			if e.Template == portail.EmailPasswordReset && e.UserID == f.admin.ID {
				resets++
			}
		}
		if resets != 1 {
			t.Errorf("reset e-mails to the admin after forgot(ＡＤＭＩＮ) = %d, want 1", resets)
		}
	})
}

// TestRekeyIdentities: a database whose keys an earlier release wrote
// (trimmed and lower-cased) is re-keyed once by the migration. Users who
// now collide keep working: the older keeps the key and signs in by it,
// the newer gets a key no login reaches, is reported for the admin, and
// stays editable; the users who do not collide are found by every form.
func TestRekeyIdentities(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := testdb.DSN(t, d)
			old, err := sqldb.OpenAt(ctx, dsn, 9)
			if err != nil {
				t.Fatal(err)
			}
			oldAuth := sqldb.NewAuthService(old)
			acct, admin, err := oldAuth.Setup(ctx, portail.Setup{AccountName: "Old company", Plan: portail.PlanEnterprise,
				Modules: portail.AllModules, AdminUsername: "boss", AdminEmail: "boss@example.com", AdminPassword: identityPassword})
			if err != nil {
				t.Fatal(err)
			}
			var deptID int64
			driver := map[bool]string{false: "sqlite", true: "pgx"}[old.Postgres()]
			old.Close()
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			rebind := func(q string) string {
				if driver == "sqlite" {
					return q
				}
				n := 0
				out := []byte{}
				for i := 0; i < len(q); i++ {
					if q[i] == '?' {
						n++
						out = append(out, fmt.Sprintf("$%d", n)...)
						continue
					}
					out = append(out, q[i])
				}
				return string(out)
			}
			if err := raw.QueryRow(rebind(`INSERT INTO departments (account_id, name, name_key, created_at) VALUES (?, 'Sales', 'sales', 1) RETURNING id`),
				acct.ID).Scan(&deptID); err != nil {
				t.Fatal(err)
			}
			// Rows as the earlier release keyed them: strings.ToLower.
			insert := func(username, email string, created int64) int64 {
				t.Helper()
				var id int64
				if err := raw.QueryRow(rebind(`INSERT INTO users (account_id, username, username_key, full_name, email, email_key, role,
					department_id, modules, status, language, password_hash, created_at, updated_at)
					VALUES (?, ?, ?, 'Old User', ?, ?, 'viewer', ?, 0, 'active', 'fr', ?, ?, ?) RETURNING id`),
					acct.ID, username, oldKey(username), email, oldKey(email), deptID, passwordHashOf(t, raw, rebind, admin.ID), created, created).Scan(&id); err != nil {
					t.Fatal(err)
				}
				return id
			}
			// The older of each pair was inserted last, so that it must
			// take a key another row holds until it moves.
			newerUser := insert("strasse", "s1@example.com", 3000)
			olderUser := insert("Straße", "s2@example.com", 2000)
			newerMail := insert("m1", "x@xn--mller-kva.de", 3000)
			olderMail := insert("m2", "X@Müller.de", 2000)
			fullwidth := insert("ｊｏｈｎ", "ＪＯＨＮ@example.com", 2500)
			insert("zoe", "zoe@example.com", 2600) // sorts after the renamed key

			db, err := sqldb.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			keys := func(id int64) (string, string) {
				var u, e string
				if err := raw.QueryRow(rebind(`SELECT username_key, email_key FROM users WHERE id = ?`), id).Scan(&u, &e); err != nil {
					t.Fatal(err)
				}
				return u, e
			}
			for _, tt := range []struct {
				id          int64
				user, email string
			}{
				{olderUser, "strasse", "s2@example.com"},
				{newerUser, fmt.Sprintf("strasse #%d", newerUser), "s1@example.com"},
				{olderMail, "m2", "x@xn--mller-kva.de"},
				{newerMail, "m1", fmt.Sprintf("x@xn--mller-kva.de #%d", newerMail)},
				{fullwidth, "john", "john@example.com"},
				{admin.ID, "boss", "boss@example.com"},
			} {
				if u, e := keys(tt.id); u != tt.user || e != tt.email {
					t.Errorf("user %d keys = %q, %q; want %q, %q", tt.id, u, e, tt.user, tt.email)
				}
			}
			want := []sqldb.KeyCollision{
				{Column: "username", Shared: "strasse", Kept: olderUser, Renamed: newerUser, Key: fmt.Sprintf("strasse #%d", newerUser)},
				{Column: "email", Shared: "x@xn--mller-kva.de", Kept: olderMail, Renamed: newerMail, Key: fmt.Sprintf("x@xn--mller-kva.de #%d", newerMail)},
			}
			got := db.KeyCollisions()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("collisions = %v\nwant %v", got, want)
			}

			auth := sqldb.NewAuthService(db)
			login := func(i int, l string) int64 {
				c := portail.WithCaller(ctx, portail.Caller{IP: fmt.Sprintf("192.0.2.%d", 100+i), UserAgent: "test"})
				u, _, err := tokenOf(auth.Login(c, portail.Login{Login: l, Password: identityPassword}))
				if err != nil {
					t.Errorf("login %q: %v", l, err)
					return 0
				}
				return u.ID
			}
			for i, tt := range []struct {
				login string
				want  int64
			}{
				{"STRASSE", olderUser}, {"straße", olderUser}, {"s1@example.com", newerUser},
				{"x@müller.de", olderMail}, {"m1", newerMail}, {"ＪＯＨＮ", fullwidth}, {"john", fullwidth},
			} {
				if got := login(i, tt.login); got != tt.want {
					t.Errorf("login %q signed in user %d, want %d", tt.login, got, tt.want)
				}
			}
			// The renamed user stays editable, and can be given an address
			// of their own.
			users := sqldb.NewUserService(db)
			as := portail.WithCaller(ctx, portail.Caller{Actor: admin.Actor(acct.Modules), IP: "192.0.2.1"})
			name := "Newer User"
			if _, err := users.UpdateUser(as, newerMail, portail.UserUpdate{FullName: &name}); err != nil {
				t.Errorf("edit the renamed user's name: %v", err)
			}
			same := "X@xn--MLLER-kva.de"
			if _, err := users.UpdateUser(as, newerMail, portail.UserUpdate{Email: &same}); code(err) != portail.EEMAILTAKEN {
				t.Errorf("give the renamed user the shared address again = %v, want %s", err, portail.EEMAILTAKEN)
			}
			own := "m1@example.com"
			if _, err := users.UpdateUser(as, newerMail, portail.UserUpdate{Email: &own}); err != nil {
				t.Errorf("give the renamed user an address of their own: %v", err)
			}
			if _, e := keys(newerMail); e != "m1@example.com" {
				t.Errorf("renamed user's e-mail key after the change = %q", e)
			}
			// A list sorted by username pages past the renamed key, one
			// user a page.
			var seen []int64
			cursor := ""
			for range 10 {
				page, next, err := users.ListUsers(as, portail.UserFilter{Limit: 1, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range page {
					seen = append(seen, u.ID)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			if len(seen) != 7 {
				t.Errorf("paged users = %v, want all 7 once", seen)
			}
			db.Close()

			// Once: a second start finds nothing to re-key.
			again, err := sqldb.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if c := again.KeyCollisions(); len(c) != 0 {
				t.Errorf("second start collisions = %v, want none", c)
			}
		})
	}
}

// oldKey is the key function of the releases before migration 10.
func oldKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func passwordHashOf(t *testing.T, raw *sql.DB, rebind func(string) string, id int64) string {
	t.Helper()
	var h string
	if err := raw.QueryRow(rebind(`SELECT password_hash FROM users WHERE id = ?`), id).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}
