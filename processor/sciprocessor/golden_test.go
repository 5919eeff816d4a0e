package sciprocessor

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/*/expected.yaml from the current output")

// The anchors reference's worked example as a live cluster: one 16-vCPU
// m5 node drawing 900 W of IT power (0.25 kWh in an hour-long window) in a
// 250 g/kWh zone, PUE 1.135, TE 1,610.79 kg over 4 years; one pod reserving
// 2 of the 16 vCPUs and attributed 90 W (0.025 kWh per hour), one pod
// reserving 6 vCPUs and attributed 300 W. The whole output is compared with
// testdata/worked_example/expected.yaml; the node's SCI is the reference's
// 116.91 g per node-hour.
func TestWorkedExampleGolden(t *testing.T) {
	h := newHarness(t, func(cfg *Config) {
		cfg.Window = time.Hour
		cfg.Limits.SeriesTTL = 3 * time.Hour
		cfg.MaxGap = 2 * time.Minute
		cfg.Split = "none" // the reference's 0.025 kWh is the pod's whole E
	})
	start := t0.Add(-24 * time.Hour)
	c := &synthetic.Cluster{
		Start: start,
		Zones: []synthetic.Zone{{Code: "XX", LifecycleGPerKWh: 250, DirectGPerKWh: 200, PricePerMWh: 90, RenewableShare: 0.4, LowCarbonShare: 0.6}},
		Nodes: []synthetic.Node{{Name: "m5-node", Zone: "XX", Profile: "aws-m5", PUE: 1.135, TotalEmbodiedG: 1_610_790,
			LifetimeS: 4 * 365 * 24 * 3600, VCPUs: 16, AllocatableCPU: 16, IdleW: 200, MaxW: 1200, PowerW: 250}},
		Pods: []synthetic.Pod{
			{UID: "0000-a", Name: "api-a", Namespace: "shop", Node: "m5-node", Deployment: "api", RequestCPU: 2, PowerW: 25},
			{UID: "0000-b", Name: "db-b", Namespace: "shop", Node: "m5-node", Deployment: "db", RequestCPU: 6, PowerW: 100},
		},
	}
	h.now = t0
	h.consume(c.Grid(h.now, 600))
	for d := time.Duration(0); d <= 75*time.Minute; d += time.Minute {
		h.now = t0.Add(d)
		if d%(10*time.Minute) == 0 {
			h.consume(c.Hardware(h.now))
			h.consume(c.Grid(h.now, 600))
		}
		h.consume(c.Energy(h.now))
	}
	md := h.evaluate(70 * time.Minute)

	pts := points(md)
	score, _ := find(pts, semconv.MetricSCIScore, nodeMatch("m5-node"))
	if rel(score, 116.907534246575) > 1e-9 {
		t.Errorf("node SCI %.12g g/node-hour, want 116.907534246575", score)
	}
	pod, _ := find(pts, semconv.MetricSCIScore, podMatch("0000-a"))
	if rel(pod, 12.840004280822) > 1e-9 {
		t.Errorf("pod SCI %.12g g/hour, want 12.840004280822 (O 7.09375 + M 5.746254280822)", pod)
	}

	path := filepath.Join("testdata", "worked_example", "expected.yaml")
	if *updateGolden {
		if err := golden.WriteMetrics(t, path, md); err != nil {
			t.Fatal(err)
		}
	}
	want, err := golden.ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pmetrictest.CompareMetrics(want, md,
		pmetrictest.IgnoreMetricDataPointsOrder(),
		pmetrictest.IgnoreMetricFloatPrecision(12),
		pmetrictest.IgnoreTimestamp(),
		pmetrictest.IgnoreStartTimestamp(),
	); err != nil {
		t.Error(err)
	}
}
