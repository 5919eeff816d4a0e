package semconv_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecotel/ecotel/semconv"
)

// TestNoRegistryNamesAsLiterals enforces the data model's rule that
// components name metrics and attributes through the generated constants of
// this package, never by string literals: a literal copy of a name is a join
// key that silently stops matching when the registry changes. It scans every
// non-test, non-generated Go file of the repository (all modules) for string
// literals equal to a registry metric name, attribute key or Prometheus name.
func TestNoRegistryNamesAsLiterals(t *testing.T) {
	names := map[string]string{}
	for name, m := range semconv.Metrics {
		names[name] = "metric " + name
		names[m.Prometheus] = "Prometheus name of " + name
	}
	for key := range semconv.Attributes {
		if strings.HasPrefix(key, "eco.") {
			names[key] = "attribute " + key
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch {
			case rel == "semconv", rel == "_build", rel == "bin", strings.HasPrefix(d.Name(), "."), d.Name() == "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		base := filepath.Base(path)
		if !strings.HasSuffix(base, ".go") || strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "generated_") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if what, hit := names[v]; hit {
				t.Errorf("%s: string literal %q is the %s: use the semconv constant", fset.Position(lit.Pos()), v, what)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
