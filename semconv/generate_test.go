package semconv_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/ecotel/ecotel/semconv/internal/registry"
)

// TestGeneratedFilesAreFresh fails when semconv/model changed but
// `make generate` was not run: the generated constants and docs must always
// be what the registry says.
func TestGeneratedFilesAreFresh(t *testing.T) {
	r, err := registry.Load("model")
	if err != nil {
		t.Fatalf("registry invalid: %v", err)
	}
	wantGo, err := r.Go()
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{
		"generated_semconv.go":            wantGo,
		"../docs/semantic-conventions.md": r.Markdown(),
	} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make generate` and commit the result", path)
		}
	}
}
