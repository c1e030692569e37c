package request

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzKnownDevice: the device cookie is taken only as a portail_device
// value of 32 to 128 characters, exactly as the request carries it; and
// the token a browser without one is given is one the next request's
// cookie is taken as.
func FuzzKnownDevice(f *testing.F) {
	for _, s := range []string{"", "portail_device=" + string(make([]byte, 0)), "portail_device=short",
		"portail_device=0123456789abcdef0123456789abcdef", "portail_device=\"0123456789abcdef0123456789abcdef\"",
		"a=b; portail_device=0123456789abcdef0123456789abcdefXYZ; portail_device=other",
		"portail_device=" + string(make([]byte, 129)), "portail_device=é0123456789abcdef0123456789abcdef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cookie string) {
		r := httptest.NewRequest("GET", "/login", nil)
		r.Header.Set("Cookie", cookie)
		d := KnownDevice(r)
		if d != "" {
			c, err := r.Cookie(DeviceCookie)
			if err != nil || c.Value != d || len(d) < 32 || len(d) > 128 {
				t.Fatalf("KnownDevice(%q) = %q (cookie %v, %v)", cookie, d, c, err)
			}
		}
		dev := Device(r)
		if d != "" && dev != d {
			t.Fatalf("Device(%q) = %q, not the known %q", cookie, dev, d)
		}
		next := httptest.NewRequest("GET", "/login", nil)
		// As SetDevice writes it: quoted when the value needs it.
		next.Header.Set("Cookie", (&http.Cookie{Name: DeviceCookie, Value: dev}).String())
		if got := KnownDevice(next); got != dev {
			t.Fatalf("the device token %q given is not taken back (%q)", dev, got)
		}
	})
}
