package main

import (
	"net/http"
	"testing"
)

// TestCurrency: prices are in the installation's currency (SPEC §9
// Wave-2 details 16): euros unless --currency says otherwise, in GET
// /account and on the account page, written as each language writes
// money; a code that is not ISO 4217 stops serve.
func TestCurrency(t *testing.T) {
	a := startSite(t, siteOptions{Plan: "gold"})
	admin := a.client()
	admin.login("boss", adminPassword).must(t, 200)
	if got, _ := admin.do("GET", "/api/v1/account", nil).must(t, 200).body["currency"].(string); got != "EUR" {
		t.Errorf("GET /account currency %q, want EUR", got)
	}
	extra := 2
	admin.do("PUT", "/api/v1/account/subscription", map[string]any{"extra_seats": extra}).must(t, 200)
	// boss speaks French: 2 seats at 5 € a month.
	admin.get("/account").must(t, http.StatusOK, `id="monthly-cost">10,00`+"\u00a0"+`€<`, "(5,00\u00a0€ par utilisateur et par mois)")
	admin.do("PATCH", "/api/v1/me", map[string]string{"language": "en"}).must(t, 200)
	admin.get("/account").must(t, http.StatusOK, `id="monthly-cost">€10.00<`, "(€5.00 per user per month)")

	usd := startSite(t, siteOptions{Plan: "gold", Flags: []string{"--currency", "USD"}})
	c := usd.client()
	c.login("boss", adminPassword).must(t, 200)
	if got, _ := c.do("GET", "/api/v1/account", nil).must(t, 200).body["currency"].(string); got != "USD" {
		t.Errorf("with --currency USD, GET /account currency %q", got)
	}
	c.do("PATCH", "/api/v1/me", map[string]string{"language": "nl"}).must(t, 200)
	c.get("/account").must(t, http.StatusOK, "($ 5,00 per gebruiker per maand)")

	m := NewMain()
	m.Config = Config{Addr: "127.0.0.1:0", Currency: "euro", DB: "unused.db"}
	if err := m.Open(t.Context()); err == nil {
		m.Close()
		t.Fatal("serve opened with --currency euro")
	}
}
