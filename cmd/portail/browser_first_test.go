package main

// A new admin's first steps in the browser: the add-user form saved as it
// opens, and the focus on the error summary after a refused form.

import (
	"net/http"
	"testing"
)

// firstSteps: with no department, « Add user » offers an Admin that can be
// saved as it is and says to create a department first; with one, an
// Operator in it. A refused form puts the focus on its error summary.
func firstSteps(t *testing.T, s *site, b *tab) {
	if st := b.login("boss", adminPassword); st != 200 {
		b.Fatalf("sign in answered %d", st)
	}
	b.Open("/users/new")
	b.Must(`main a[href="/departments"]`)
	b.Fill("#username", "anna", "#full_name", "Anna Admin", "#email", "anna@acme.test")
	if st := b.Submit("button#save"); st != http.StatusOK {
		b.Fatalf("saving the add-user form as it opened (no department) answered %d", st)
	}
	b.WantPath("/users")
	b.addDepartment("Sales")
	b.Open("/users/new")
	if got := js[string](b, `(function(s){ return s.options[s.selectedIndex].text.trim() })(document.getElementById("department_id"))`); got != "Sales" {
		b.Errorf("with one department, the form opens on %q, want Sales", got)
	}
	b.Fill("#username", "otto", "#full_name", "Otto Operator", "#email", "otto@acme.test")
	if st := b.Submit("button#save"); st != http.StatusOK {
		b.Fatalf("saving the add-user form as it opened (department Sales) answered %d", st)
	}
	b.WantPath("/users")

	// A refused form: the focus is on the summary at the top.
	b.Open("/users/new")
	b.Fill("#username", "otto", "#full_name", "", "#email", "nope")
	if st := b.Submit("button#save"); st == http.StatusOK {
		b.Fatalf("a refused form answered 200")
	}
	if id := js[string](b, `document.activeElement ? document.activeElement.id : ""`); id != "error-summary" {
		b.Errorf("after a refused form, the focus is on %q, want the error summary", id)
	}
	if ti := js[string](b, `document.getElementById("error-summary") ? document.getElementById("error-summary").getAttribute("tabindex") : ""`); ti != "-1" {
		b.Errorf("the error summary has tabindex %q, want -1", ti)
	}
}
