package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestConfigurationDocShowsShippedConfigs keeps docs/configuration.md
// truthful: it shows the agent and gateway configurations in full, and each
// copy must be the shipped file as it is. (A plain unit test: no build tag.)
func TestConfigurationDocShowsShippedConfigs(t *testing.T) {
	root := e2e.RepoRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"agent.yaml", "gateway.yaml"} {
		cfg, err := os.ReadFile(filepath.Join(root, "distribution", "config", name))
		if err != nil {
			t.Fatal(err)
		}
		block := "```yaml\n" + strings.TrimRight(string(cfg), "\n") + "\n```"
		if !strings.Contains(string(doc), block) {
			t.Errorf("docs/configuration.md does not show distribution/config/%s as shipped: copy the file into its yaml block (and explain what changed)", name)
		}
	}
}
