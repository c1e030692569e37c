package ui_test

import (
	"net/http"
	"net/url"
	"portail/web/internal/webtest"
	"strconv"
	"strings"
	"testing"
)

// formRoutes are the pages' form posts; anon ones are sent without the
// admin's session.
var formRoutes = []struct {
	path string
	anon bool
}{
	{"/login", true}, {"/invitation", true}, {"/reset-password", true},
	{"/users", false}, {"/users/{op1}", false}, {"/labels", false}, {"/profile", false},
	{"/profile/api-keys", false}, {"/departments", false}, {"/departments/{D1}", false}, {"/account", false},
	{"/departments/{D1}/sender", false},
}

// FuzzPageForms sends any form body to the pages' form posts, on both
// databases. A page answers the form again with its messages, or
// redirects, never a server error and never an error logged behind its
// answer; and a redirect after a form, next included, stays on this site.
func FuzzPageForms(f *testing.F) {
	for _, s := range []string{
		"login=admin&password=wrong&next=/users", "login=admin%00&password=x&next=//evil.example",
		"login=%ff&password=%00&next=/%09/evil.example", "token=x&new_password=a+long+enough+passphrase",
		"token=%00&code=ABCD-EFGH&new_password=x", "username=new1&full_name=N&email=new1%40a.test&role=viewer&department_id={D1}&modules=mail",
		"username=%00&full_name=%ff&email=%00&role=admin&department_id=-1", "full_name=%00&role=admin&department_id=&modules=nope",
		"department_id={D1}&sender.name=A&sender.street=B&sender.house_number=1&sender.postal_code=1000&sender.city=C&sender.country=BE" +
			"&recipient.name=A&recipient.street=B&recipient.house_number=1&recipient.postal_code=1000&recipient.city=C&recipient.country=be&weight=2%2C5+kg",
		"default_sender.name=A&default_sender.street=B&default_sender.house_number=1&default_sender.postal_code=1016dv&default_sender.city=C&default_sender.country=NL",
		"remove=1", "weight=%E2%80%AF2+500+g&department_id={D1}", "weight=1e999&department_id={D1}",
		"department_id=x&weight_grams=99999999999999999999&recipient.country=%00", "full_name=Boss&email=admin%40a.test&language=nl",
		"full_name=&email=%ff&language=%00", "key_name=%00", "key_name=" + strings.Repeat("k", 500), "name=%00", "name=Ventes",
		"plan=gold&extra_seats=-1&onboarding=x", "plan=%00&extra_seats=1e9", "", "%zz", "a=%", ";&=&",
	} {
		for i := range formRoutes {
			f.Add(uint8(i), s)
		}
	}
	servers := webtest.NewServers(f)
	base, _ := url.Parse("http://portail.test/")
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		rt := formRoutes[int(route)%len(formRoutes)]
		for _, s := range servers {
			ids := strings.NewReplacer("{D1}", strconv.FormatInt(s.IDs["D1"], 10), "{op1}", strconv.FormatInt(s.IDs["op1"], 10))
			path := ids.Replace(rt.path)
			h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
			cookies := []*http.Cookie{s.Admin}
			if rt.anon {
				cookies = nil
			}
			w := s.Do("POST", path, "", strings.NewReader(ids.Replace(body)), h, cookies...)
			what := "POST " + path + " " + body
			s.CheckServed(t, what, w)
			if loc := w.Header().Get("Location"); loc != "" {
				u, err := url.Parse(loc)
				if err != nil || strings.HasPrefix(loc, "//") || strings.Contains(loc, `\`) {
					t.Fatalf("%s on %s redirects to %q", what, s.Dialect, loc)
				}
				if r := base.ResolveReference(u); r.Host != "portail.test" {
					t.Fatalf("%s on %s redirects off the site to %s", what, s.Dialect, r)
				}
			}
		}
	})
}
