package portail_test

import (
	"strings"
	"testing"

	"portail"
)

// TestParseImportCSV: the columns are named by the header in any order,
// a spreadsheet's BOM and semicolons are read, and a file that cannot be
// read as a whole is refused on the field "file", within its bounds.
func TestParseImportCSV(t *testing.T) {
	rows, err := portail.ParseImportCSV(strings.NewReader("\uFEFFrole;email;full_name;username;modules\n" +
		"viewer;a@example.com;A A;a;mail|parcels\n\n" + "operator;b@example.com;\"B, B\";b;\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0] != (portail.ImportRow{Line: 2, Username: "a", FullName: "A A", Email: "a@example.com", Role: "viewer", Modules: "mail|parcels"}) ||
		rows[1].Line != 4 || rows[1].FullName != "B, B" {
		t.Fatalf("rows = %+v", rows)
	}
	if m, ok := portail.ParseImportModules("mail parcels|classic"); !ok || m != portail.AllModules {
		t.Errorf("modules = %v, %v", m, ok)
	}
	if _, ok := portail.ParseImportModules("mail fax"); ok {
		t.Error("an unknown module was taken")
	}
	many := "username,full_name,email,role\n" + strings.Repeat("u,U,u@example.com,viewer\n", portail.MaxImportRows+1)
	big := "username,full_name,email,role\n" + strings.Repeat("x", portail.MaxImportBytes)
	for name, file := range map[string]string{"empty": "", "no rows": "username,full_name,email,role\n",
		"missing column": "username,email\nu,u@example.com\n", "unknown column": "username,full_name,email,role,age\n",
		"too many rows": many, "too large": big, "not UTF-8": "username,full_name,email,role\n\xff,x,y,z\n",
		"too many values": "username,full_name,email,role\nu,U,u@example.com,viewer,extra\n"} {
		_, err := portail.ParseImportCSV(strings.NewReader(file))
		var e *portail.Error
		want := portail.EINVALID
		if name == "too large" {
			want = portail.ETOOLARGE
		}
		if !asErr(err, &e) || e.Code != want || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
			t.Errorf("%s: %v, want a problem on file", name, err)
		}
	}
}

func asErr(err error, e **portail.Error) bool {
	var ok bool
	*e, ok = err.(*portail.Error)
	return ok
}
