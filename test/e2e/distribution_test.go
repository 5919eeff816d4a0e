//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestE2EDistributionComponents checks that the built otelcol-eco contains
// every module builder-config.yaml lists, so a component dropped by a bad
// merge or a failed ocb step cannot go unnoticed.
func TestE2EDistributionComponents(t *testing.T) {
	root := e2e.RepoRoot(t)
	var manifest map[string]any
	data, err := os.ReadFile(filepath.Join(root, "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(e2e.CollectorBinary(t), "components").CombinedOutput()
	if err != nil {
		t.Fatalf("otelcol-eco components: %v\n%s", err, out)
	}
	listed := string(out)
	for _, kind := range []string{"receivers", "processors", "exporters", "extensions", "connectors", "providers"} {
		entries, _ := manifest[kind].([]any)
		for _, e := range entries {
			gomod := strings.Fields(e.(map[string]any)["gomod"].(string))
			want := gomod[0]
			if imp, ok := e.(map[string]any)["import"].(string); ok {
				want = imp
			}
			// components prints "module: <module path> <version>" per component.
			if !strings.Contains(listed, gomod[0]) {
				t.Errorf("%s: %s (%s) missing from `otelcol-eco components`", kind, want, gomod[0])
			}
		}
	}
}

// TestE2EShippedConfigsValidate runs `otelcol-eco validate` on every shipped
// configuration.
func TestE2EShippedConfigsValidate(t *testing.T) {
	root := e2e.RepoRoot(t)
	configs, err := filepath.Glob(filepath.Join(root, "distribution", "config", "*.yaml"))
	if err != nil || len(configs) == 0 {
		t.Fatalf("no shipped configs found: %v", err)
	}
	for _, cfg := range configs {
		t.Run(filepath.Base(cfg), func(t *testing.T) {
			// Shipped configs name files relative to the repository root,
			// where `make run` starts the collector.
			cmd := exec.Command(e2e.CollectorBinary(t), "validate", "--config", cfg)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("validate %s: %v\n%s", cfg, err, out)
			}
		})
	}
}
