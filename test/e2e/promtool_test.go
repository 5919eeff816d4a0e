//go:build e2e

package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestE2EPromtoolRules checks and unit-tests the autoscaling recording rules
// with the real promtool (Debian's prometheus package ships it).
func TestE2EPromtoolRules(t *testing.T) {
	dir := filepath.Join(e2e.RepoRoot(t), "distribution", "autoscaling")
	promtool := e2e.LookBinary(t, "PROMTOOL", "", "promtool", "install the Debian prometheus package (make test does this)")
	for _, args := range [][]string{
		{"check", "rules", "prometheus-rules.yaml"},
		{"test", "rules", "prometheus-rules.test.yaml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
