package ui

import (
	"testing"

	"portail"
)

// TestDetailText: the page reads an entry's detail with the root's parser,
// so a value holding " key=" stays one value (a department renamed
// "team x=1" used to read as a name and a field "x"), and ordinary details
// read as before.
func TestDetailText(t *testing.T) {
	p := &page{lang: "en"}
	depts := map[int64]string{3: "Sales"}
	for _, c := range []struct{ detail, want string }{
		{portail.Detail{}.Change("name", "Old", "team x=1").String(), "Name: Old → team x=1"},
		{"role=viewer->operator department_id=3", "Role: Viewer → Operator · Department: Sales"},
		{"full_name email", "Full name · E-mail"},
		{"name=ci prefix=ptl_abcdefgh", "Name: ci · Key: ptl_abcdefgh"},
	} {
		if got := detailText(p, c.detail, depts); got != c.want {
			t.Errorf("detailText(%q) = %q, want %q", c.detail, got, c.want)
		}
	}
}
