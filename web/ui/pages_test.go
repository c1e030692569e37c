package ui

import (
	"testing"

	"portail"
)

// Every page parses in every language: pages are parsed on first use, so
// a template a build broke would otherwise fail only when someone opens
// that page.
func TestPagesParse(t *testing.T) {
	p := mustParsePages()
	if len(p.files) < 10 {
		t.Fatalf("only %d pages found", len(p.files))
	}
	for _, lang := range portail.Languages {
		for name := range p.files {
			if _, ok := p.get(lang, name); !ok {
				t.Errorf("%s %s: not found", lang, name)
			}
		}
	}
	if _, ok := p.get(portail.Languages[0], "layout"); ok {
		t.Error("the layout served as a page")
	}
}
