package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Chromium drives the Debian `chromium` package headless: one fresh
// browser process (and profile) per call, as a person opening the page.
type Chromium struct {
	Bin string
	// WindowSize is "width,height" in CSS pixels (default 1400,1800).
	WindowSize string
}

// NewChromium finds the browser: $CHROMIUM, or `chromium` from PATH.
func NewChromium(t testing.TB) *Chromium {
	return &Chromium{
		Bin: LookBinary(t, "CHROMIUM", "", "chromium",
			"install it: `apt-get install -y --no-install-recommends chromium` (make test does this)"),
		WindowSize: "1400,1800",
	}
}

// run starts chromium on url with the extra flags and returns its stdout.
// The flags keep it from reaching out to the network (closed here, and
// often in the clusters that run ecotel) and from needing a sandbox as root.
func (c *Chromium) run(t testing.TB, url string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(),
		"--window-size=" + c.WindowSize,
	}, extra...)
	args = append(args, url)
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(extra, " "), err, lastLines(stderr.String(), 20))
	}
	return stdout.String()
}

// DumpDOM loads url and returns the serialized DOM after the page loaded.
func (c *Chromium) DumpDOM(t testing.TB, url string) string {
	t.Helper()
	return c.run(t, url, "--dump-dom")
}

// Screenshot loads url and writes a PNG of the window to path.
func (c *Chromium) Screenshot(t testing.TB, url, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(path)
	c.run(t, url, "--screenshot="+path)
	info, err := os.Stat(path)
	if err != nil || info.Size() == 0 {
		t.Fatalf("chromium wrote no screenshot to %s: %v", path, err)
	}
}

// ArtifactPath returns <repo root>/test-artifacts/name (gitignored), where
// tests leave files for people to look at.
func ArtifactPath(t testing.TB, name string) string {
	return filepath.Join(RepoRoot(t), "test-artifacts", name)
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
