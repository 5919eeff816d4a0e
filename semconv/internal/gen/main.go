// Command gen generates semconv/generated_semconv.go and
// docs/semantic-conventions.md from the registry in semconv/model.
// Run it through `go generate ./semconv` (or `make generate`).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ecotel/ecotel/semconv/internal/registry"
)

func main() {
	model := flag.String("model", "model", "directory holding the registry YAML files")
	goOut := flag.String("go", "generated_semconv.go", "Go constants file to write")
	mdOut := flag.String("md", "../docs/semantic-conventions.md", "Markdown table file to write")
	flag.Parse()
	if err := run(*model, *goOut, *mdOut); err != nil {
		fmt.Fprintln(os.Stderr, "semconv gen:", err)
		os.Exit(1)
	}
}

func run(model, goOut, mdOut string) error {
	r, err := registry.Load(model)
	if err != nil {
		return err
	}
	src, err := r.Go()
	if err != nil {
		return fmt.Errorf("format generated Go: %w", err)
	}
	if err := os.WriteFile(goOut, src, 0o644); err != nil {
		return err
	}
	return os.WriteFile(mdOut, r.Markdown(), 0o644)
}
