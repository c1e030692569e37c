package sqldb_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"portail"
	"portail/sqldb"
)

func TestUsers(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "a", portail.PlanEnterprise)
		d1 := f.MustDepartment(t, "Sales")
		d2 := f.MustDepartment(t, "Legal")
		admin := f.as(f.admin)

		t.Run("OK", func(t *testing.T) {
			u, err := f.users.CreateUser(admin, portail.UserCreate{Username: " Jane.Doe ", FullName: "Jane Doe",
				Email: "Jane@Example.com", Role: portail.RoleOperator, DepartmentID: d1.ID, Modules: portail.NewModuleSet(portail.ModuleMail)})
			if err != nil {
				t.Fatal(err)
			}
			if u.Username != "Jane.Doe" || u.Status != portail.StatusInvited || u.DepartmentID != d1.ID || u.Modules != portail.NewModuleSet(portail.ModuleMail) {
				t.Fatalf("created %+v", u)
			}
			list, _, err := f.users.ListUsers(admin, portail.UserFilter{DepartmentID: d1.ID})
			if err != nil || len(list) != 1 || list[0].ID != u.ID {
				t.Fatalf("list = %v, %v", list, err)
			}
		})
		t.Run("ErrTakenCaseInsensitive", func(t *testing.T) {
			_, err := f.users.CreateUser(admin, portail.UserCreate{Username: "JANE.DOE", FullName: "X", Email: "other@example.com",
				Role: portail.RoleViewer, DepartmentID: d1.ID})
			if code(err) != portail.EUSERNAMETAKEN {
				t.Fatalf("err = %v", err)
			}
			_, err = f.users.CreateUser(admin, portail.UserCreate{Username: "someone", FullName: "X", Email: " jane@EXAMPLE.com ",
				Role: portail.RoleViewer, DepartmentID: d1.ID})
			if code(err) != portail.EEMAILTAKEN {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := f.users.CreateUser(admin, portail.UserCreate{Username: "x", Email: "nope", Role: portail.RoleViewer})
			var e *portail.Error
			if code(err) != portail.EINVALID || !asError(err, &e) || len(e.Fields) != 4 {
				t.Fatalf("err = %#v", err)
			}
			_, err = f.users.CreateUser(admin, portail.UserCreate{Username: "ghost", FullName: "G", Email: "g@example.com",
				Role: portail.RoleViewer, DepartmentID: 999999})
			if code(err) != portail.EINVALID {
				t.Fatalf("unknown department: %v", err)
			}
		})
		t.Run("DepartmentAdmin", func(t *testing.T) {
			da := f.MustUser(t, "da1", portail.RoleDepartmentAdmin, d1.ID, portail.NewModuleSet(portail.ModuleMail))
			ctx := f.as(da)
			if _, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "in-d2", FullName: "X", Email: "in-d2@example.com",
				Role: portail.RoleViewer, DepartmentID: d2.ID}); code(err) != portail.EFORBIDDEN {
				t.Fatalf("create in other department: %v", err)
			}
			if _, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "boss", FullName: "X", Email: "boss@example.com",
				Role: portail.RoleAdmin}); code(err) != portail.EFORBIDDEN {
				t.Fatalf("create admin: %v", err)
			}
			if _, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "parcel", FullName: "X", Email: "parcel@example.com",
				Role: portail.RoleViewer, DepartmentID: d1.ID, Modules: portail.NewModuleSet(portail.ModuleParcels)}); code(err) != portail.EFORBIDDEN {
				t.Fatalf("grant a module not held: %v", err)
			}
			u, err := f.users.CreateUser(ctx, portail.UserCreate{Username: "in-d1", FullName: "X", Email: "in-d1@example.com",
				Role: portail.RoleViewer, DepartmentID: d1.ID, Modules: portail.NewModuleSet(portail.ModuleMail)})
			if err != nil {
				t.Fatal(err)
			}
			promote := portail.RoleAdmin
			if _, err := f.users.UpdateUser(ctx, u.ID, portail.UserUpdate{Role: &promote}); code(err) != portail.EFORBIDDEN {
				t.Fatalf("promote to admin: %v", err)
			}
			move := d2.ID
			if _, err := f.users.UpdateUser(ctx, u.ID, portail.UserUpdate{DepartmentID: &move}); code(err) != portail.EFORBIDDEN {
				t.Fatalf("move to other department: %v", err)
			}
			other := f.MustUser(t, "in-d2b", portail.RoleViewer, d2.ID, 0)
			if _, err := f.users.FindUser(ctx, other.ID); code(err) != portail.ENOTFOUND {
				t.Fatalf("see other department's user: %v", err)
			}
			if _, err := f.users.FindUser(ctx, f.admin.ID); code(err) != portail.ENOTFOUND {
				t.Fatalf("see the admin: %v", err)
			}
			list, _, err := f.users.ListUsers(ctx, portail.UserFilter{Status: "all"})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range list {
				if x.DepartmentID != d1.ID {
					t.Fatalf("department admin lists %s of department %d", x.Username, x.DepartmentID)
				}
			}
			self := portail.RoleOperator
			if _, err := f.users.UpdateUser(ctx, da.ID, portail.UserUpdate{Role: &self}); code(err) != portail.EFORBIDDEN {
				t.Fatalf("change own role: %v", err)
			}
		})
		t.Run("ErrViewerForbidden", func(t *testing.T) {
			v := f.MustUser(t, "viewer1", portail.RoleViewer, d1.ID, 0)
			if _, err := f.users.CreateUser(f.as(v), portail.UserCreate{Username: "nope", FullName: "X", Email: "nope@example.com",
				Role: portail.RoleViewer, DepartmentID: d1.ID}); code(err) != portail.EFORBIDDEN {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrOtherAccountNotFound", func(t *testing.T) {
			g := MustAccount(t, db, "b", portail.PlanGold)
			u := f.MustUser(t, "secret", portail.RoleViewer, d1.ID, 0)
			if _, err := g.users.FindUser(g.as(g.admin), u.ID); code(err) != portail.ENOTFOUND {
				t.Fatalf("find: %v", err)
			}
			name := "Hacked"
			if _, err := g.users.UpdateUser(g.as(g.admin), u.ID, portail.UserUpdate{FullName: &name}); code(err) != portail.ENOTFOUND {
				t.Fatalf("update: %v", err)
			}
			if _, err := g.users.DeactivateUser(g.as(g.admin), u.ID); code(err) != portail.ENOTFOUND {
				t.Fatalf("deactivate: %v", err)
			}
			list, _, _ := g.users.ListUsers(g.as(g.admin), portail.UserFilter{Status: "all"})
			if len(list) != 1 || list[0].ID != g.admin.ID {
				t.Fatalf("other account lists %d users", len(list))
			}
		})
		t.Run("DeactivateHidesAndReactivates", func(t *testing.T) {
			u := f.MustUser(t, "leaver", portail.RoleViewer, d2.ID, 0)
			if _, err := f.users.DeactivateUser(admin, u.ID); err != nil {
				t.Fatal(err)
			}
			if has(t, f, admin, portail.UserFilter{}, u.ID) {
				t.Fatal("inactive user in the default list")
			}
			if !has(t, f, admin, portail.UserFilter{Status: "inactive"}, u.ID) {
				t.Fatal("inactive user not in status=inactive")
			}
			r, err := f.users.ReactivateUser(admin, u.ID)
			if err != nil || r.Status != portail.StatusInvited {
				t.Fatalf("reactivate never-activated user: %v %v", r, err)
			}
			if _, err := f.users.DeactivateUser(admin, f.admin.ID); code(err) != portail.EFORBIDDEN {
				t.Fatalf("deactivate oneself: %v", err)
			}
		})
	})
}

func has(t *testing.T, f *fixture, ctx interface{}, filter portail.UserFilter, id int64) bool {
	t.Helper()
	list, _, err := f.users.ListUsers(f.as(f.admin), filter)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range list {
		if u.ID == id {
			return true
		}
	}
	return false
}

// TestUserSort pages through every order of the user list, two users a
// page, and finds the users in the order sorting them here gives.
func TestUserSort(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		f := MustAccount(t, db, "sorting", portail.PlanEnterprise)
		d := f.MustDepartment(t, "Sales")
		admin := f.as(f.admin)
		all := []*portail.User{}
		for i, name := range []string{"Zoe", "Adam", "Mia", "Bert", "Lea", "Chris"} {
			u, err := f.users.CreateUser(admin, portail.UserCreate{Username: fmt.Sprintf("u%d", 6-i), FullName: name,
				Email: strings.ToLower(name[1:]) + "@sort.test", Role: portail.RoleViewer, DepartmentID: d.ID})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, u)
		}
		admins, _, err := f.users.ListUsers(admin, portail.UserFilter{Role: portail.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, admins...)
		keys := map[string]func(u *portail.User) string{
			"username":   func(u *portail.User) string { return strings.ToLower(u.Username) },
			"full_name":  func(u *portail.User) string { return u.FullName },
			"email":      func(u *portail.User) string { return strings.ToLower(u.Email) },
			"created_at": func(u *portail.User) string { return fmt.Sprintf("%020d", u.CreatedAt.UnixMicro()) },
		}
		for _, sort := range portail.UserSorts {
			for _, desc := range []bool{false, true} {
				want := slices.Clone(all)
				slices.SortStableFunc(want, func(a, b *portail.User) int {
					c := cmp.Or(strings.Compare(keys[sort](a), keys[sort](b)), cmp.Compare(a.ID, b.ID))
					if desc {
						return -c
					}
					return c
				})
				param := sort
				if desc {
					param = "-" + sort
				}
				var got []*portail.User
				cursor := ""
				for page := 0; page < 10; page++ {
					list, next, err := f.users.ListUsers(admin, portail.UserFilter{Sort: param, Limit: 2, Cursor: cursor})
					if err != nil {
						t.Fatalf("%s: %v", param, err)
					}
					got = append(got, list...)
					if cursor = next; cursor == "" {
						break
					}
				}
				if ids(got) != ids(want) {
					t.Errorf("sort=%s: %s, want %s", param, ids(got), ids(want))
				}
			}
		}
		_, next, err := f.users.ListUsers(admin, portail.UserFilter{Sort: "full_name", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.users.ListUsers(admin, portail.UserFilter{Sort: "email", Limit: 2, Cursor: next}); code(err) != portail.EINVALID {
			t.Errorf("a full_name cursor with sort=email: %v, want invalid", err)
		}
		if _, _, err := f.users.ListUsers(admin, portail.UserFilter{Sort: "password"}); code(err) != portail.EINVALID {
			t.Errorf("sort=password: %v, want invalid", err)
		}
	})
}

func ids(us []*portail.User) string {
	var b strings.Builder
	for _, u := range us {
		fmt.Fprintf(&b, "%s ", u.Username)
	}
	return b.String()
}
