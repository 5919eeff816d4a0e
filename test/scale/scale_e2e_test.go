//go:build e2e

package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestE2EBenchScaleSmoke runs `make bench-scale`'s driver on a 50-node,
// 250-pod cluster for a few seconds per pipeline, so the script cannot rot:
// both pipelines start, the load reaches them, every node and pod gets an
// SCI and every node's energy is on the endpoint, and the results files are
// written with the headline ratio.
func TestE2EBenchScaleSmoke(t *testing.T) {
	root := e2e.RepoRoot(t)
	cfg := &config{
		nodes: 50, podsPerNode: 5, rounds: 1,
		warmup: 26 * time.Second, measure: 10 * time.Second, scrapeEvery: 5 * time.Second,
		simInterval: time.Second, flush: 2 * time.Second,
		window: 10 * time.Second, interval: 5 * time.Second, delay: 3 * time.Second,
		podsInOutput: "full", pipelines: "sci,passthrough,sci-pods-score-drop",
		otelcol:   e2e.CollectorBinary(t),
		alumetSim: e2e.LookBinary(t, "ALUMET_SIM", "bin/alumet-sim", "", "run `make alumet-sim` (make e2e builds it)"),
		repo:      root,
		out:       t.TempDir(),
	}
	res, err := run(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 3 {
		t.Fatalf("%d runs, want 3", len(res.Runs))
	}
	for _, r := range res.Runs {
		if r.CPUPerS <= 0 || r.PeakRSSBytes <= 0 || r.PointsPerS <= 0 || r.ExportedPerS <= 0 {
			t.Errorf("%s: CPU %v s/s, peak RSS %d, points/s %v, exported/s %v: every figure should be positive", r.Pipeline, r.CPUPerS, r.PeakRSSBytes, r.PointsPerS, r.ExportedPerS)
		}
		if len(r.Scrapes) < 2 {
			t.Fatalf("%s: %d scrapes, want at least 2", r.Pipeline, len(r.Scrapes))
		}
		for i, s := range r.Scrapes {
			if s.Series != r.ExpectSeries {
				t.Errorf("%s scrape %d: %d %s series, want %d", r.Pipeline, i, s.Series, r.FreshMetric, r.ExpectSeries)
			}
			if s.Bytes == 0 || s.AgeMaxS <= 0 {
				t.Errorf("%s scrape %d: %d bytes, age %v s", r.Pipeline, i, s.Bytes, s.AgeMaxS)
			}
		}
	}
	if err := writeResults(cfg.out, res); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(cfg.out, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "CPU sci / pass-through = **") || !strings.Contains(string(md), "CPU sci-pods-score-drop / pass-through = **") {
		t.Errorf("results.md has no ratio:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(cfg.out, "results.json")); err != nil {
		t.Error(err)
	}
}
