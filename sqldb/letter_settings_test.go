package sqldb_test

import (
	"strconv"
	"strings"
	"testing"

	"portail"
	"portail/sqldb"
)

// TestAccountSettings: the letter settings read and change (admins only),
// a partial update leaves the other field, bad values are named, a change
// is one activity entry and no change none.
func TestAccountSettings(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "as", portail.PlanEnterprise)
		st, err := f.accts.AccountSettings(f.as(f.admin))
		if err != nil || st.LetterCancellationMinutes != portail.DefaultCancellationMinutes || st.Country != portail.DefaultCountry {
			t.Fatalf("defaults %+v, %v", st, err)
		}
		thirty := 30
		st, err = f.accts.UpdateAccountSettings(f.as(f.admin), portail.AccountSettingsUpdate{LetterCancellationMinutes: &thirty})
		if err != nil || st.LetterCancellationMinutes != 30 || st.Country != "BE" {
			t.Fatalf("minutes: %+v, %v", st, err)
		}
		fr := "FR"
		if st, err = f.accts.UpdateAccountSettings(f.as(f.admin), portail.AccountSettingsUpdate{Country: &fr}); err != nil || st.LetterCancellationMinutes != 30 || st.Country != "FR" {
			t.Fatalf("country: %+v, %v", st, err)
		}
		// Read back, and the account shows the country too.
		if st, err = f.accts.AccountSettings(f.as(f.admin)); err != nil || *st != (portail.AccountSettings{LetterCancellationMinutes: 30, Country: "FR"}) {
			t.Fatalf("read back %+v, %v", st, err)
		}
		if a, err := f.accts.FindAccount(f.as(f.admin)); err != nil || a.Country != "FR" {
			t.Fatalf("account country %v, %v", a, err)
		}
		// Nothing changes: no entry.
		if _, err := f.accts.UpdateAccountSettings(f.as(f.admin), portail.AccountSettingsUpdate{Country: &fr}); err != nil {
			t.Fatal(err)
		}
		entries, _, err := sqldb.NewActivityService(db).ListActivity(f.as(f.admin), portail.ActivityFilter{Type: portail.ActivityAccountSettings})
		if err != nil || len(entries) != 2 {
			t.Fatalf("%d entries, %v", len(entries), err)
		}
		if got := entries[1].Detail; got != "letter_cancellation_minutes=15->30" {
			t.Errorf("detail %q", got)
		}
		if got := entries[0].Detail; got != "country=BE->FR" || entries[0].ActorID != f.admin.ID {
			t.Errorf("detail %q by %d", got, entries[0].ActorID)
		}
		// Bad values, each named; nothing stored.
		big, bad := 1441, "XX"
		_, err = f.accts.UpdateAccountSettings(f.as(f.admin), portail.AccountSettingsUpdate{LetterCancellationMinutes: &big, Country: &bad})
		var e *portail.Error
		if !asError(err, &e) || e.Code != portail.EINVALID || len(e.Fields) != 2 ||
			e.Fields[0].Field != "letter_cancellation_minutes" || e.Fields[1].Field != "country" {
			t.Fatalf("bad values: %v", err)
		}
		zero, day := 0, portail.MaxCancellationMinutes
		for _, m := range []*int{&zero, &day} {
			if st, err := f.accts.UpdateAccountSettings(f.as(f.admin), portail.AccountSettingsUpdate{LetterCancellationMinutes: m}); err != nil || st.LetterCancellationMinutes != *m {
				t.Errorf("%d minutes: %+v, %v", *m, st, err)
			}
		}
		// Only admins.
		d := f.MustDepartment(t, "Sales")
		for i, role := range []portail.Role{portail.RoleDepartmentAdmin, portail.RoleOperator, portail.RoleViewer} {
			u := f.MustUser(t, "as-user"+strconv.Itoa(i), role, d.ID, 0)
			if _, err := f.accts.AccountSettings(f.as(u)); code(err) != portail.EFORBIDDEN {
				t.Errorf("%s reads the settings: %v", role, err)
			}
			if _, err := f.accts.UpdateAccountSettings(f.as(u), portail.AccountSettingsUpdate{LetterCancellationMinutes: &thirty}); code(err) != portail.EFORBIDDEN {
				t.Errorf("%s changes the settings: %v", role, err)
			}
		}
		// Another account keeps its own.
		g := MustAccount(t, db, "as2", portail.PlanGold)
		if st, err := g.accts.AccountSettings(g.as(g.admin)); err != nil || st.LetterCancellationMinutes != 15 || st.Country != "BE" {
			t.Errorf("other account %+v, %v", st, err)
		}
	})
}

// TestDepartmentLetterDefaults: admins and the department's own admin set
// and remove a department's letter defaults; they read back in Find and
// List, next to the default sender, which they leave alone.
func TestDepartmentLetterDefaults(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "ld", portail.PlanGold)
		d := f.MustDepartment(t, "Sales")
		other := f.MustDepartment(t, "Support")
		if d.LetterDefaults != nil {
			t.Fatalf("a new department has defaults %+v", d.LetterDefaults)
		}
		sender := &portail.Address{Name: "Sales", Street: "Rue de la Loi", HouseNumber: "16", PostalCode: "1000", City: "Bruxelles", Country: "BE"}
		if _, err := f.depts.UpdateDepartment(f.as(f.admin), d.ID, portail.DepartmentUpdate{SetDefaultSender: true, DefaultSender: sender}); err != nil {
			t.Fatal(err)
		}
		want := portail.LetterOptions{Color: true, Duplex: false, Postage: portail.PostagePrior, Registered: true, Window: portail.WindowLeft}
		got, err := f.depts.UpdateDepartment(f.as(f.admin), d.ID, portail.DepartmentUpdate{SetLetterDefaults: true, LetterDefaults: &want})
		if err != nil || got.LetterDefaults == nil || *got.LetterDefaults != want || got.DefaultSender == nil || got.DefaultSender.City != "Bruxelles" {
			t.Fatalf("set: %+v, %v", got, err)
		}
		if got, err := f.depts.FindDepartment(f.as(f.admin), d.ID); err != nil || got.LetterDefaults == nil || *got.LetterDefaults != want {
			t.Fatalf("find: %+v, %v", got, err)
		}
		list, err := f.depts.ListDepartments(f.as(f.admin))
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v, %v", list, err)
		}
		for _, l := range list {
			switch {
			case l.ID == d.ID && (l.LetterDefaults == nil || *l.LetterDefaults != want):
				t.Errorf("list: %s has %+v", l.Name, l.LetterDefaults)
			case l.ID == other.ID && l.LetterDefaults != nil:
				t.Errorf("list: %s has %+v", l.Name, l.LetterDefaults)
			}
		}
		// The department's admin sets their own; not another's; an
		// operator none.
		da := f.MustUser(t, "ld-da", portail.RoleDepartmentAdmin, d.ID, 0)
		op := f.MustUser(t, "ld-op", portail.RoleOperator, d.ID, 0)
		mine := portail.DefaultLetterOptions()
		if got, err := f.depts.UpdateDepartment(f.as(da), d.ID, portail.DepartmentUpdate{SetLetterDefaults: true, LetterDefaults: &mine}); err != nil || *got.LetterDefaults != mine {
			t.Fatalf("department admin: %+v, %v", got, err)
		}
		if _, err := f.depts.UpdateDepartment(f.as(da), other.ID, portail.DepartmentUpdate{SetLetterDefaults: true, LetterDefaults: &mine}); code(err) != portail.ENOTFOUND {
			t.Errorf("department admin on another department: %v", err)
		}
		if _, err := f.depts.UpdateDepartment(f.as(op), d.ID, portail.DepartmentUpdate{SetLetterDefaults: true, LetterDefaults: &mine}); code(err) != portail.EFORBIDDEN {
			t.Errorf("operator: %v", err)
		}
		// Bad options are named under letter_defaults; nothing changes.
		bad := portail.LetterOptions{Postage: "express", Window: "middle"}
		_, err = f.depts.UpdateDepartment(f.as(f.admin), d.ID, portail.DepartmentUpdate{SetLetterDefaults: true, LetterDefaults: &bad})
		var e *portail.Error
		if !asError(err, &e) || e.Code != portail.EINVALID || len(e.Fields) != 2 || e.Fields[0].Field != "letter_defaults.postage" || e.Fields[1].Field != "letter_defaults.window" {
			t.Fatalf("bad options: %v", err)
		}
		// Removing them leaves the sender.
		got, err = f.depts.UpdateDepartment(f.as(f.admin), d.ID, portail.DepartmentUpdate{SetLetterDefaults: true})
		if err != nil || got.LetterDefaults != nil || got.DefaultSender == nil {
			t.Fatalf("remove: %+v, %v", got, err)
		}
		entries, _, err := sqldb.NewActivityService(db).ListActivity(f.as(f.admin), portail.ActivityFilter{Type: portail.ActivityDepartmentUpdated})
		if err != nil {
			t.Fatal(err)
		}
		var said []string
		for _, e := range entries {
			if strings.Contains(e.Detail, "letter_defaults") {
				said = append(said, e.Detail)
			}
		}
		if len(said) != 3 || !strings.Contains(said[2], "color simplex prior registered window=left") || !strings.Contains(said[0], "letter_defaults=—") {
			t.Errorf("entries %q", said)
		}
	})
}
