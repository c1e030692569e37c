package portail_test

import (
	"testing"

	"portail"
)

// TestDefaultLanguage: the language spoken to whoever has not chosen one
// is one the UI and the e-mails speak, and French.
func TestDefaultLanguage(t *testing.T) {
	if !portail.ValidLanguage(portail.DefaultLanguage) || portail.DefaultLanguage != "fr" {
		t.Fatalf("DefaultLanguage %q, Languages %v", portail.DefaultLanguage, portail.Languages)
	}
	for _, l := range []string{"", "de", "FR", "fr-BE"} {
		if portail.ValidLanguage(l) {
			t.Errorf("ValidLanguage(%q)", l)
		}
	}
}
