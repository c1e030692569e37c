package portail

import (
	"reflect"
	"testing"
)

func TestDetail(t *testing.T) {
	for _, c := range []struct {
		name string
		d    Detail
		want string
	}{
		{"none", nil, ""},
		// Ordinary values: the text the log has always held.
		{"pairs", Detail{}.Add("username", "ann").Add("role", "viewer").Add("department_id", "3").Add("modules", "mail,parcels"),
			"username=ann role=viewer department_id=3 modules=mail,parcels"},
		{"changes", Detail{}.Change("role", "viewer", "operator").Change("department_id", "3", "0"),
			"role=viewer->operator department_id=3->0"},
		{"words then a change", Detail{}.Word("full_name").Word("email").Change("modules", "mail", ""),
			"full_name email modules=mail->"},
		{"a sentence", Detail{}.Words("an earlier session was ended by this login"), "an earlier session was ended by this login"},
		{"a value with spaces", Detail{}.Add("document", "7").Add("module", "mail").Add("name", "Facture mars 2026.pdf"),
			"document=7 module=mail name=Facture mars 2026.pdf"},
		{"a fetch", Detail{}.Add("label", "7 pdf"), "label=7 pdf"},
		{"an empty value", Detail{}.Add("name", "").Add("prefix", "pk_1"), "name= prefix=pk_1"},
		{"an '=' inside a value", Detail{}.Add("name", "a=b").Change("name", "c=d", "e=f"), "name=a=b name=c=d->e=f"},
		{"unicode", Detail{}.Change("name", "Comptabilité", "Boekhouding — Zoë"), "name=Comptabilité->Boekhouding — Zoë"},
		// Values that would be misread are quoted.
		{"renamed to team x=1", Detail{}.Change("name", "Old", "team x=1"), `name=Old->"team x=1"`},
		{"renamed from team x=1", Detail{}.Change("name", "team x=1", "New"), `name="team x=1"->New`},
		{"an arrow in a value", Detail{}.Add("name", "a->b"), `name="a->b"`},
		{"an arrow in an old value", Detail{}.Change("name", "a->b", "c"), `name="a->b"->c`},
		{"a quote first", Detail{}.Add("name", `"quoted"`), `name="\"quoted\""`},
		{"a quote inside", Detail{}.Add("name", `Bob "the" Builder`), `name=Bob "the" Builder`},
		{"spaces at the ends", Detail{}.Add("name", " x "), `name=" x "`},
		{"a pair in a key's value", Detail{}.Add("name", "k\ty=2").Add("to", "a@b.test"), `name="k\ty=2" to=a@b.test`},
		{"a word after a value", Detail{}.Add("name", "x").Word("later"), `name="x" later`},
		{"a word like a pair", Detail{}.Word("x=1").Word("two words").Word(""), `"x=1" "two words" ""`},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("%s: String() = %q, want %q", c.name, got, c.want)
		}
		if back := ParseDetail(c.want); !reflect.DeepEqual(back, c.d) {
			t.Errorf("%s: ParseDetail(%q) = %#v, want %#v", c.name, c.want, back, c.d)
		}
	}
}

// Texts the log holds from before are read the way the log page read them.
func TestParseDetailOld(t *testing.T) {
	for in, want := range map[string]Detail{
		"invitation accepted":                    Detail{}.Words("invitation accepted"),
		"name=Old->team x=1":                     Detail{}.Change("name", "Old", "team").Add("x", "1"), // the ambiguity quoting ends
		"document=7 status":                      Detail{}.Add("document", "7 status"),
		"full_name  email   role=viewer->admin ": Detail{}.Word("full_name").Word("email").Change("role", "viewer", "admin"),
		`name="unterminated`:                     Detail{}.Add("name", `"unterminated`),
		`"unterminated word`:                     Detail{}.Word(`"unterminated`).Word("word"),
		"plan=silver->gold extra_seats=0->2":     Detail{}.Change("plan", "silver", "gold").Change("extra_seats", "0", "2"),
		"template=invitation to=zoe@acme.test":   Detail{}.Add("template", "invitation").Add("to", "zoe@acme.test"),
		"Name=X":                                 Detail{}.Word("Name=X"),
		"":                                       nil,
	} {
		if got := ParseDetail(in); !reflect.DeepEqual(got, want) {
			t.Errorf("ParseDetail(%q) = %#v, want %#v", in, got, want)
		}
	}
}

// FuzzDetail: whatever the items, the text reads back as them.
func FuzzDetail(f *testing.F) {
	f.Add("name", "Old", "team x=1", "word")
	f.Add("k", "", "->", "")
	f.Add("a_b", `"`, "a-", ">b")
	f.Fuzz(func(t *testing.T, key, from, to, word string) {
		if !detailKey.MatchString(key + "=") {
			key = "k"
		}
		for _, d := range []Detail{
			Detail{}.Add(key, from).Change(key, from, to).Word(word),
			Detail{}.Word(word).Change(key, from, to).Add(key, to),
			Detail{}.Change(key, to, from).Word(word).Word(from),
		} {
			if back := ParseDetail(d.String()); !reflect.DeepEqual(back, d) {
				t.Fatalf("%#v is written %q and read back as %#v", d, d.String(), back)
			}
		}
	})
}
