package web_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayers: the faces stand on one floor and never on each other.
// web/api (the JSON contract), web/ui (the pages) and web/scim
// (provisioning) import web/request and the domain, never each other nor
// the server that mounts them (web); web/request imports none of them. Test files count too,
// except a face's external tests (package x_test), which may build the
// whole server through web to drive it over HTTP.
func TestLayers(t *testing.T) {
	forbidden := map[string][]string{
		"request": {"portail/web", "portail/web/api", "portail/web/ui", "portail/web/scim"},
		"api":     {"portail/web", "portail/web/ui", "portail/web/scim"},
		"ui":      {"portail/web", "portail/web/api", "portail/web/scim"},
		"scim":    {"portail/web", "portail/web/api", "portail/web/ui"},
	}
	for dir, refused := range forbidden {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("web/%s: no Go files (%v)", dir, err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			external := strings.HasSuffix(file.Name.Name, "_test")
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, r := range refused {
					if path != r || (external && r == "portail/web") {
						continue
					}
					t.Errorf("web/%s imports %s: the faces share only web/request and the domain", f, path)
				}
			}
		}
	}
}
