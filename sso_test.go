package portail_test

import (
	"slices"
	"testing"

	"portail"
)

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", " Example.COM ": "example.com", "@acme.test": "acme.test", "müller.de": "xn--mller-kva.de",
		"sub.acme.test": "sub.acme.test", "localhost": "", "": "", "a..b": "", "-a.test": "", "a_b.test": "", "a%b.test": "",
		"acme.test/x": "", "user@acme.test": "",
	} {
		if got := portail.NormalizeDomain(in); got != want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", in, got, want)
		}
	}
	if got := portail.EmailDomain("Ana@Acme.TEST"); got != "acme.test" {
		t.Errorf("EmailDomain = %q", got)
	}
}

func TestSSOUpdateApply(t *testing.T) {
	s := func(v string) *string { return &v }
	full := portail.SSOUpdate{Issuer: s("https://login.example.net/realms/acme"), ClientID: s("portail"), ClientSecret: s("x")}
	c, err := full.Apply(portail.SSOConnection{})
	if err != nil || !c.ClientSecretSet {
		t.Fatalf("%+v %v", c, err)
	}
	// Partial: what is absent stays.
	c2, err := portail.SSOUpdate{Domains: &[]string{"b.test", "A.test"}}.Apply(c)
	if err != nil || c2.Issuer != c.Issuer || !c2.ClientSecretSet || !slices.Equal(c2.Domains, []string{"a.test", "b.test"}) {
		t.Fatalf("%+v %v", c2, err)
	}
	c3, err := portail.SSOUpdate{JIT: &portail.SSOJIT{Role: portail.RoleViewer, DepartmentID: 3}}.Apply(c2)
	if err != nil || c3.JIT == nil || c3.Domains == nil {
		t.Fatalf("%+v %v", c3, err)
	}
	if c4, err := (portail.SSOUpdate{JITOff: true}).Apply(c3); err != nil || c4.JIT != nil {
		t.Fatalf("jit off: %+v %v", c4, err)
	}
	for name, c := range map[string]struct {
		u      portail.SSOUpdate
		fields []string
	}{
		"nothing":       {portail.SSOUpdate{}, []string{"issuer", "client_id", "client_secret"}},
		"http":          {portail.SSOUpdate{Issuer: s("http://login.example.net"), ClientID: s("a"), ClientSecret: s("b")}, []string{"issuer"}},
		"http loopback": {portail.SSOUpdate{Issuer: s("http://127.0.0.1:9000"), ClientID: s("a"), ClientSecret: s("b")}, nil},
		"localhost":     {portail.SSOUpdate{Issuer: s("http://localhost:9000/x"), ClientID: s("a"), ClientSecret: s("b")}, nil},
		"query":         {portail.SSOUpdate{Issuer: s("https://x.test/?a=b"), ClientID: s("a"), ClientSecret: s("b")}, []string{"issuer"}},
		"relative":      {portail.SSOUpdate{Issuer: s("/realms/x"), ClientID: s("a"), ClientSecret: s("b")}, []string{"issuer"}},
		"domains": {portail.SSOUpdate{Issuer: s("https://x.test"), ClientID: s("a"), ClientSecret: s("b"),
			Domains: &[]string{"ok.test", "nodot", "OK.test"}}, []string{"domains[1]", "domains[2]"}},
		"jit admin": {portail.SSOUpdate{Issuer: s("https://x.test"), ClientID: s("a"), ClientSecret: s("b"),
			JIT: &portail.SSOJIT{Role: portail.RoleAdmin}}, []string{"jit.role", "jit.department_id"}},
	} {
		_, err := c.u.Apply(portail.SSOConnection{})
		var got []string
		if e, ok := err.(*portail.Error); ok {
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", name, got, c.fields)
		}
	}
}
