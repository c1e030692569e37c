package main

import (
	"strings"
	"testing"

	"portail/internal/browsertest"
)

// importAndBulk: Users → Import users; the file is checked first (nothing
// written, each line's fate said), then imported; the new users are
// invited. Then the list's bulk actions: select all, resend invitations,
// deactivate with a confirmation, and the same without JavaScript.
func importAndBulk(t *testing.T, s *site, admin *tab) {
	if st := admin.login("boss", adminPassword); st != 200 {
		admin.Fatalf("sign in answered %d", st)
	}
	admin.addDepartment("Sales")
	admin.Open("/users")
	if st := admin.Submit("a#import-users"); st != 200 {
		admin.Fatalf("the import page answered %d", st)
	}
	admin.WantPath("/users/import")
	admin.WantText("table#import-columns", "username", "full_name", "department", "modules", "language")
	file := browsertest.File(t, "people.csv", "username,full_name,email,role,department,modules,language\n"+
		"jeanne,Jeanne Dupont,jeanne@acme.test,operator,Sales,mail|parcels,fr\n"+
		"paul,Paul Martin,paul@acme.test,viewer,Nowhere,mail,\n"+
		"kim,Kim Lee,kim@acme.test,viewer,sales,mail,nl\n"+
		"jeanne,Jeanne Again,jeanne2@acme.test,viewer,Sales,,\n")
	admin.Pick("#file", file)
	if st := admin.Submit("button#import-check"); st != 200 {
		admin.Fatalf("checking the file answered %d", st)
	}
	admin.WantText("#report-title", "nothing was written yet")
	admin.WantText("#import-summary", "Lines to create: 2. Lines refused: 2.")
	admin.WantText(`tr[data-line="3"]`, "Refused", "No department has this name.")
	admin.WantText(`tr[data-line="5"]`, "Refused", "already on line 2 of the file")
	admin.WantText(`tr[data-line="2"]`, "Would be created")
	admin.Open("/users")
	if admin.Exists(userRow("jeanne")) {
		admin.Fatalf("the check created jeanne")
	}
	admin.Open("/users/import")
	admin.Pick("#file", file)
	admin.Submit("button#import-check")
	if st := admin.Submit("button#import-run"); st != 200 {
		admin.Fatalf("the import answered %d", st)
	}
	admin.WantText("#report-title", "Import done")
	admin.WantText("#import-summary", "Lines created: 2. Lines refused: 2.")
	admin.WantText(`tr[data-line="2"]`, "Created")
	s.mail("jeanne@acme.test", 1, "")
	s.mail("kim@acme.test", 1, "")

	admin.Open("/users")
	admin.WantText(userRow("jeanne")+" td.last-login", "Never")
	admin.WantText("#seat-count", "3 / 10", "7")
	// Select all, then leave the boss out: an active user has no
	// invitation to resend, and one does not deactivate oneself here.
	admin.Check("#select-all", true)
	if n := js[int](admin, `document.querySelectorAll('input[name="ids"]:checked').length`); n != 3 {
		admin.Fatalf("select all ticked %d boxes, want 3", n)
	}
	admin.Check(userRow("boss")+` input[name="ids"]`, false)
	if st := admin.Submit("button#bulk-invite"); st != 200 {
		admin.Fatalf("the bulk invitation answered %d", st)
	}
	admin.WantText(`#bulk-results li[data-username="jeanne"]`, "A new invitation was sent.")
	admin.WantText(`#bulk-results li[data-username="kim"]`, "A new invitation was sent.")
	s.mail("kim@acme.test", 2, "")

	admin.Check(userRow("kim")+` input[name="ids"]`, true)
	if st := admin.Submit("button#bulk-deactivate"); st != 200 {
		admin.Fatalf("the bulk deactivation answered %d", st)
	}
	if asked := strings.Join(admin.Dialogs(), "\n"); !strings.Contains(asked, "Deactivate the selected users?") {
		admin.Errorf("no confirmation before the bulk deactivation (dialogs: %q)", asked)
	}
	admin.WantText(`#bulk-results li[data-username="kim"]`, "Deactivated")
	if admin.Exists(userRow("kim")) {
		admin.Errorf("kim, deactivated, is still in the default list")
	}

	// Without JavaScript: no select-all, the form alone.
	admin.NoJS(true)
	admin.Open("/users")
	if js[bool](admin, `!document.getElementById("select-all").hidden`) {
		admin.Errorf("select all shows without JavaScript, where it cannot work")
	}
	admin.Check(userRow("jeanne")+` input[name="ids"]`, true)
	if st := admin.Submit("button#bulk-deactivate"); st != 200 {
		admin.Fatalf("the bulk deactivation without JavaScript answered %d", st)
	}
	admin.WantText(`#bulk-results li[data-username="jeanne"]`, "Deactivated")
	admin.NoJS(false)
}
