package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"portail"
)

func formRequest(v url.Values) *http.Request {
	r := httptest.NewRequest("POST", "/documents/1/options", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ParseForm()
	return r
}

// TestSendAtForm: a later start typed in a datetime-local input is read in
// the zone the browser named, else at the offset it gave, else in the
// office's zone; an empty field is no start and nonsense a field error.
func TestSendAtForm(t *testing.T) {
	for _, c := range []struct {
		name string
		form url.Values
		want string // RFC 3339 in UTC, "" for none
	}{
		{"the browser's zone, winter", url.Values{"send_at_local": {"2026-12-24T09:00"}, "tz": {"Europe/Brussels"}}, "2026-12-24T08:00:00Z"},
		{"the browser's zone, summer", url.Values{"send_at_local": {"2027-07-01T09:00"}, "tz": {"Europe/Brussels"}}, "2027-07-01T07:00:00Z"},
		{"another zone", url.Values{"send_at_local": {"2026-12-24T09:00"}, "tz": {"America/New_York"}}, "2026-12-24T14:00:00Z"},
		{"an offset alone", url.Values{"send_at_local": {"2026-12-24T09:00"}, "tz_offset": {"-180"}}, "2026-12-24T12:00:00Z"},
		{"an unknown zone, then the offset", url.Values{"send_at_local": {"2026-12-24T09:00"}, "tz": {"Mars/Olympus"}, "tz_offset": {"0"}}, "2026-12-24T09:00:00Z"},
		{"no script: the office's zone", url.Values{"send_at_local": {"2026-12-24T09:00:30"}}, "2026-12-24T08:00:30Z"},
		{"empty", url.Values{"send_at_local": {" "}}, ""},
	} {
		got, err := sendAtForm(formRequest(c.form))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s := ""; got != nil {
			s = got.Format(time.RFC3339)
			if s != c.want {
				t.Errorf("%s: %s, want %s", c.name, s, c.want)
			}
		} else if c.want != "" {
			t.Errorf("%s: no start, want %s", c.name, c.want)
		}
	}
	_, err := sendAtForm(formRequest(url.Values{"send_at_local": {"demain"}}))
	if e, ok := err.(*portail.Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "send_at" {
		t.Errorf("nonsense: %v", err)
	}
}

// TestLetterOptionsForm: each option the form has is set, the checkbox by
// its last value (a hidden false before it), a bad value is a field error.
func TestLetterOptionsForm(t *testing.T) {
	o, err := letterOptionsForm(formRequest(url.Values{"color": {"true"}, "duplex": {"false"}, "postage": {"prior"},
		"registered": {"false", "true"}, "window": {"left"}}))
	if err != nil {
		t.Fatal(err)
	}
	got := o.Apply(portail.DefaultLetterOptions())
	want := portail.LetterOptions{Color: true, Duplex: false, Postage: portail.PostagePrior, Registered: true, Window: portail.WindowLeft}
	if got != want {
		t.Errorf("options %+v, want %+v", got, want)
	}
	o, err = letterOptionsForm(formRequest(url.Values{"registered": {"false"}}))
	if err != nil || o.Registered == nil || *o.Registered || o.Color != nil || o.Postage != nil {
		t.Errorf("unticked registered alone: %+v %v", o, err)
	}
	_, err = letterOptionsForm(formRequest(url.Values{"color": {"rouge"}, "postage": {"express"}, "window": {"top"}}))
	e, ok := err.(*portail.Error)
	if !ok || len(e.Fields) != 3 {
		t.Errorf("bad values: %v", err)
	}
}

// TestRecipientForm: the typed fields make the printed block, name first,
// the postal code and city line, and the country's name abroad; the
// recipient form shows the street lines back.
func TestRecipientForm(t *testing.T) {
	p := &page{r: formRequest(url.Values{"recipient.name": {" Marie Dupont "}, "recipient.lines": {"Rue Haute 12\r\n\r\nBoîte 3"},
		"recipient.postal_code": {"75005"}, "recipient.city": {"Paris"}, "recipient.country": {"fr"}})}
	r := recipientForm(p)
	want := []string{"Marie Dupont", "Rue Haute 12", "Boîte 3", "75005 Paris", "FRANCE"}
	if strings.Join(r.Lines, "|") != strings.Join(want, "|") || r.Country != "FR" || r.Name != "Marie Dupont" {
		t.Errorf("recipient %+v", r)
	}
	if got := streetLines(r); got != "Rue Haute 12\nBoîte 3" {
		t.Errorf("street lines %q", got)
	}
	p = &page{r: formRequest(url.Values{"recipient.name": {"Jan"}, "recipient.lines": {"Kerkstraat 1"},
		"recipient.postal_code": {"9000"}, "recipient.city": {"Gent"}, "recipient.country": {"BE"}})}
	if r := recipientForm(p); strings.Join(r.Lines, "|") != "Jan|Kerkstraat 1|9000 Gent" {
		t.Errorf("a Belgian recipient has no country line: %q", r.Lines)
	}
}

// TestSendAtChanged: an options fix leaves the start alone unless the
// person changed it; the input keeps minutes, so a start set to the
// second by a program is the same start.
func TestSendAtChanged(t *testing.T) {
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	for _, tt := range []struct {
		typed *time.Time
		was   string
		want  bool
	}{
		{nil, "", false},
		{at("2026-12-24T09:00:00Z"), "", true},
		{nil, "2026-12-24T09:00:00Z", true},
		{at("2026-12-24T09:00:00Z"), "2026-12-24T09:00:00Z", false},
		{at("2026-12-24T09:00:00Z"), "2026-12-24T10:00:00+01:00", false},
		{at("2026-12-24T09:00:00Z"), "2026-12-24T09:00:42Z", false},
		{at("2026-12-24T09:01:00Z"), "2026-12-24T09:00:42Z", true},
		{at("2026-12-24T09:00:00Z"), "garbage", true},
	} {
		if got := sendAtChanged(tt.typed, tt.was); got != tt.want {
			t.Errorf("sendAtChanged(%v, %q) = %v, want %v", tt.typed, tt.was, got, tt.want)
		}
	}
}
