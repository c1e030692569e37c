package portail_test

import (
	"errors"
	"strings"
	"testing"

	"portail"
)

// TestValidateAPIKeyName: 1 to 100 characters, counted as characters
// (not bytes) once trimmed.
func TestValidateAPIKeyName(t *testing.T) {
	for name, ok := range map[string]bool{
		"ci":                                  true,
		"x":                                   true,
		strings.Repeat("é", 100):              true,
		"  " + strings.Repeat("k", 100) + " ": true,
		"":                                    false,
		"   \t ":                              false,
		strings.Repeat("é", 101):              false,
		strings.Repeat("k", 101):              false,
	} {
		err := portail.ValidateAPIKeyName(name)
		if ok {
			if err != nil {
				t.Errorf("%q: %v", name, err)
			}
			continue
		}
		var e *portail.Error
		if !errors.As(err, &e) || e.Code != portail.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "name" ||
			e.Fields[0].Message != "Give the key a name of 1 to 100 characters." {
			t.Errorf("%q: %#v, want EINVALID on name", name, err)
		}
	}
}
