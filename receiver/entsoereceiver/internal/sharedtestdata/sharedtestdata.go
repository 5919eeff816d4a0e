// Package sharedtestdata locates the recorded real ENTSO-E responses kept
// beside the repository (<repo root>/../shared/testdata/entsoe). They are not
// part of the repository (their licences differ), so tests that read them
// skip, saying why, where the folder is absent.
package sharedtestdata

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ecotel/ecotel/internal/e2e"
)

// Dir returns the folder of recorded ENTSO-E responses, or skips the test.
func Dir(t testing.TB) string {
	t.Helper()
	dir := e2e.RepoRoot(t)
	shared := filepath.Join(dir, "..", "shared", "testdata", "entsoe")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("recorded ENTSO-E responses not available (%s: %v); they live beside the repository, not in it", shared, err)
	}
	return shared
}

// Read returns one recorded file's content.
func Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
