package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portail"
	"portail/sqldb"
)

// importRows reads an import file for the tests.
func importRows(t *testing.T, csv string) []portail.ImportRow {
	t.Helper()
	rows, err := portail.ParseImportCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return rows
}

// usernames lists every user of the fixture's account.
func (f *fixture) usernames(t *testing.T) []string {
	t.Helper()
	us, _, err := f.users.ListUsers(f.as(f.admin), portail.UserFilter{Status: "all", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

// outboxCount claims and settles what the outbox holds, and counts it.
func outboxCount(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	o := sqldb.NewOutboxService(db)
	emails, err := o.Claim(context.Background(), 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if err := o.MarkSent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return len(emails)
}

// problemFields lists the fields of a row's problems.
func problemFields(r portail.ImportResult) string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Field)
	}
	return strings.Join(out, ",")
}

// TestImportUsers: the dry run writes nothing and says, row by row, what
// the real run then does: it creates exactly the valid rows (invited,
// with their invitations in the outbox) and refuses the others with every
// problem of each: a bad field, a duplicate within the file or of an
// existing user, an unknown department, no seat left.
func TestImportUsers(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "imp", portail.PlanGold) // 3 seats, the admin takes one
		f.MustDepartment(t, "Ventes")
		f.MustUser(t, "taken", portail.RoleViewer, f.MustDepartment(t, "Achats").ID, 0)
		outboxCount(t, db)
		// 2 used of 3: one seat left, for the first valid row.
		file := "username,full_name,email,role,department,modules,language\n" +
			"ann,Ann A,ann@example.com,operator,ventes,mail|parcels,fr\n" + // line 2: valid, takes the last seat
			"bob,Bob B,bob@example.com,viewer,Ventes,mail,nl\n" + // line 3: valid but no seat
			"ann,Ann Again,ANN@example.com,viewer,Ventes,,\n" + // line 4: duplicate of line 2 (both)
			"taken,T,taken@example.com,viewer,Ventes,,\n" + // line 5: an existing user
			"cat,Cat C,cat@example.com,boss,Nowhere,mail fax,xx\n" + // line 6: every field wrong
			"dan,Dan D,not-an-address,admin,Ventes,,\n" // line 7: bad e-mail, an admin in a department
		rows := importRows(t, file)
		before := f.usernames(t)

		dry, err := f.users.ImportUsers(f.as(f.admin), rows, true)
		if err != nil {
			t.Fatal(err)
		}
		if !dry.DryRun || dry.Created != 1 || dry.Refused != 5 || len(dry.Rows) != 6 {
			t.Fatalf("dry run: %+v", dry)
		}
		want := []struct {
			line   int
			status string
			fields string
		}{
			{2, portail.ImportWouldCreate, ""},
			{3, portail.ImportRefused, "seats"},
			{4, portail.ImportRefused, "username,email"},
			{5, portail.ImportRefused, "username,email"},
			{6, portail.ImportRefused, "role,department,modules,language"},
			{7, portail.ImportRefused, "email,department"},
		}
		check := func(what string, r *portail.ImportReport, created string) {
			t.Helper()
			for i, w := range want {
				got := r.Rows[i]
				status := w.status
				if status == portail.ImportWouldCreate {
					status = created
				}
				if got.Line != w.line || got.Status != status || problemFields(got) != w.fields {
					t.Errorf("%s: row %d = line %d %s [%s] %+v, want line %d %s [%s]", what, i, got.Line, got.Status, problemFields(got), got.Problems, w.line, status, w.fields)
				}
			}
		}
		check("dry run", dry, portail.ImportWouldCreate)
		if after := f.usernames(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("the dry run wrote users: %v, before %v", after, before)
		}
		if n := outboxCount(t, db); n != 0 {
			t.Fatalf("the dry run queued %d e-mails", n)
		}

		real, err := f.users.ImportUsers(f.as(f.admin), rows, false)
		if err != nil {
			t.Fatal(err)
		}
		if real.DryRun || real.Created != 1 || real.Refused != 5 {
			t.Fatalf("real run: %+v", real)
		}
		check("real run", real, portail.ImportCreated)
		if real.Rows[0].UserID == 0 {
			t.Errorf("the created row names no user: %+v", real.Rows[0])
		}
		u, err := f.users.FindUser(f.as(f.admin), real.Rows[0].UserID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "ann" || u.Status != portail.StatusInvited || u.Modules != portail.ModuleSet(portail.ModuleMail|portail.ModuleParcels) || u.Language != "fr" || u.Role != portail.RoleOperator {
			t.Errorf("created %+v", u)
		}
		if got := f.usernames(t); len(got) != len(before)+1 {
			t.Errorf("users after the real run: %v (before %v)", got, before)
		}
		if n := outboxCount(t, db); n != 1 {
			t.Errorf("the real run queued %d e-mails, want the one invitation", n)
		}
		// Done again, the file creates nothing more: ann is taken now.
		again, err := f.users.ImportUsers(f.as(f.admin), rows, false)
		if err != nil || again.Created != 0 {
			t.Fatalf("again: %+v, %v", again, err)
		}
	})
}

// TestImportUsersPolicy: an admin imports anywhere; a department admin
// only into their own department (an empty department is theirs); others
// are refused the import as a whole.
func TestImportUsersPolicy(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "pol", portail.PlanEnterprise)
		own := f.MustDepartment(t, "Own")
		f.MustDepartment(t, "Other")
		chef := f.MustUser(t, "chef", portail.RoleDepartmentAdmin, own.ID, portail.AllModules)
		op := f.MustUser(t, "oper", portail.RoleOperator, own.ID, portail.AllModules)
		rows := importRows(t, "username,full_name,email,role,department\n"+
			"in1,In 1,in1@example.com,viewer,\n"+ // into the chef's own
			"in2,In 2,in2@example.com,operator,Own\n"+
			"out1,Out 1,out1@example.com,viewer,Other\n"+
			"adm,Adm,adm@example.com,admin,\n")
		r, err := f.users.ImportUsers(f.as(chef), rows, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Created != 2 || r.Rows[2].Status != portail.ImportRefused || problemFields(r.Rows[2]) != "department" ||
			r.Rows[3].Status != portail.ImportRefused || problemFields(r.Rows[3]) != "role" {
			t.Fatalf("the department admin's import: %+v", r)
		}
		for _, i := range []int{0, 1} {
			u, err := f.users.FindUser(f.as(f.admin), r.Rows[i].UserID)
			if err != nil || u.DepartmentID != own.ID {
				t.Errorf("row %d: %+v, %v", i, u, err)
			}
		}
		if _, err := f.users.ImportUsers(f.as(op), rows, true); code(err) != portail.EFORBIDDEN {
			t.Errorf("an operator's import: %v, want forbidden", err)
		}
		r, err = f.users.ImportUsers(f.as(f.admin), importRows(t, "username,full_name,email,role,department\nout1,Out 1,out1@example.com,viewer,other\nadm,Adm,adm@example.com,admin,\n"), false)
		if err != nil || r.Created != 2 {
			t.Fatalf("the admin's import: %+v, %v", r, err)
		}
	})
}

// TestImportUsersConcurrentSeats: imports at the same time never fill more
// seats than the account has, whatever each dry run promised: the real
// run decides again under the account's lock.
func TestImportUsersConcurrentSeats(t *testing.T) {
	eachSlow(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "con", portail.PlanPlatinum) // 5 seats, the admin takes one
		f.MustDepartment(t, "Team")
		const imports = 4
		files := make([][]portail.ImportRow, imports)
		for i := range files {
			var b strings.Builder
			b.WriteString("username,full_name,email,role,department\n")
			for j := range 3 {
				fmt.Fprintf(&b, "u%d%d,User %d%d,u%d%d@example.com,viewer,Team\n", i, j, i, j, i, j)
			}
			files[i] = importRows(t, b.String())
			dry, err := f.users.ImportUsers(f.as(f.admin), files[i], true)
			if err != nil || dry.Created != 3 {
				t.Fatalf("dry run %d: %+v, %v", i, dry, err)
			}
		}
		var wg sync.WaitGroup
		created := make([]int, imports)
		for i := range files {
			wg.Go(func() {
				r, err := f.users.ImportUsers(f.as(f.admin), files[i], false)
				if err != nil {
					t.Errorf("import %d: %v", i, err)
					return
				}
				created[i] = r.Created
			})
		}
		wg.Wait()
		total := 0
		for _, n := range created {
			total += n
		}
		a := f.account(t)
		if total != 4 || a.UsedSeats != 5 {
			t.Fatalf("the imports created %v (%d in all) and %d seats are used; the account has 5", created, total, a.UsedSeats)
		}
	})
}
