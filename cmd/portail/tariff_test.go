package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTariffFlag: --tariff FILE replaces the default prices in GET
// /tariff, --max-pages the page limit; a file with bad fields, in another
// currency than --currency, or missing stops serve before it listens,
// naming the field.
func TestTariffFlag(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"currency":"EUR","black_white_side_cents":12,"color_side_cents":40,"sheet_cents":2,"sheet_grams":5,
		"envelopes":[{"up_to_sheets":10,"cents":8,"grams":5},{"up_to_sheets":120,"cents":30,"grams":25}],
		"postage":{"non_prior":[{"up_to_grams":50,"cents":150},{"up_to_grams":2000,"cents":900}],"prior":[{"up_to_grams":2000,"cents":1200}]},
		"registered_cents":750}`
	a := startSite(t, siteOptions{Plan: "gold", Flags: []string{"--tariff", write("tariff.json", good), "--max-pages", "20"}})
	c := a.client()
	c.login("boss", adminPassword).must(t, 200)
	body := c.do("GET", "/api/v1/tariff", nil).must(t, 200).body
	if body["black_white_side_cents"] != float64(12) || body["registered_cents"] != float64(750) || body["max_pages"] != float64(20) {
		t.Errorf("GET /tariff with --tariff: %v", body)
	}

	for name, tt := range map[string]struct {
		flags []string
		want  string
	}{
		"bad field": {[]string{"--tariff", write("bad.json", strings.Replace(good, `"sheet_grams":5`, `"sheet_grams":0`, 1))}, "sheet_grams"},
		"every field": {[]string{"--tariff", write("bad2.json", strings.Replace(strings.Replace(good, `"sheet_grams":5`, `"sheet_grams":0`, 1), `"registered_cents":750`, `"registered_cents":-1`, 1))},
			"registered_cents"},
		"unknown field": {[]string{"--tariff", write("unknown.json", strings.Replace(good, `"sheet_cents"`, `"paper_cents"`, 1))}, "paper_cents"},
		"currency":      {[]string{"--tariff", write("usd.json", good), "--currency", "USD"}, "currency"},
		"missing":       {[]string{"--tariff", filepath.Join(dir, "none.json")}, "none.json"},
		"max pages":     {[]string{"--max-pages", "-3"}, "--max-pages"},
	} {
		m := NewMain()
		if err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "unused.db")}, tt.flags...), os.Stderr); err != nil {
			t.Fatalf("%s: flags: %v", name, err)
		}
		err := m.Open(t.Context())
		if err == nil {
			m.Close()
			t.Errorf("%s: serve opened", name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v does not name %s", name, err, tt.want)
		}
		if _, statErr := os.Stat(filepath.Join(dir, "unused.db")); statErr == nil {
			t.Errorf("%s: the database was opened before the tariff was checked", name)
		}
	}
}
