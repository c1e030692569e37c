package portail

import (
	"slices"
	"testing"
)

func TestUserChanges(t *testing.T) {
	old := User{FullName: "Ann", Email: "ann@example.com", Language: "fr", Role: RoleViewer, DepartmentID: 3,
		Modules: NewModuleSet(ModuleMail)}
	for _, c := range []struct {
		name string
		edit func(u *User)
		want []string
	}{
		{"nothing", func(u *User) {}, nil},
		{"name", func(u *User) { u.FullName = "Anne" }, []string{"full_name"}},
		{"e-mail and language", func(u *User) { u.Email, u.Language = "a@example.com", "nl" }, []string{"email", "language"}},
		{"role", func(u *User) { u.Role = RoleOperator }, []string{"role=viewer->operator"}},
		{"to admin, out of the department", func(u *User) { u.Role, u.DepartmentID = RoleAdmin, 0 },
			[]string{"role=viewer->admin", "department_id=3->0"}},
		{"modules", func(u *User) { u.Modules = NewModuleSet(ModuleMail, ModuleParcels) }, []string{"modules=mail->mail,parcels"}},
		{"all, in order", func(u *User) {
			u.Modules, u.DepartmentID, u.Role, u.Language, u.Email, u.FullName = 0, 4, RoleDepartmentAdmin, "en", "b@example.com", "B"
		}, []string{"full_name", "email", "language", "role=viewer->department_admin", "department_id=3->4", "modules=mail->"}},
	} {
		next := old
		c.edit(&next)
		var got []string // each item as the log writes it
		for _, it := range UserChanges(old, next) {
			got = append(got, Detail{it}.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
