package alumetbridgereceiver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

// updateGolden rewrites the expected files: UPDATE_GOLDEN=1 go test ./...
var updateGolden = os.Getenv("UPDATE_GOLDEN") != ""

func compareGolden(t *testing.T, path string, got pmetric.Metrics) {
	t.Helper()
	if err := semconvtest.CheckMetrics(got); err != nil {
		t.Fatalf("data model: %v", err)
	}
	if updateGolden {
		if err := golden.WriteMetrics(t, path, got); err != nil {
			t.Fatal(err)
		}
	}
	want, err := golden.ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pmetrictest.CompareMetrics(want, got,
		pmetrictest.IgnoreResourceMetricsOrder(), pmetrictest.IgnoreMetricsOrder(),
		pmetrictest.IgnoreMetricDataPointsOrder(), pmetrictest.IgnoreScopeVersion(),
		// golden.WriteMetrics normalizes timestamps; relay_test checks them.
		pmetrictest.IgnoreTimestamp(), pmetrictest.IgnoreStartTimestamp()); err != nil {
		t.Fatal(err)
	}
}

// flushOnce stops the receiver, whose final flush carries everything, and
// returns that single batch.
func (r *testReceiver) flushOnce(t *testing.T) pmetric.Metrics {
	t.Helper()
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := r.sink.AllMetrics()
	if len(all) != 1 {
		t.Fatalf("%d batches, want 1", len(all))
	}
	return all[0]
}

// TestRelayGolden sends what a two-socket Kubernetes node's alumet-agent
// (rapl, nvml, k8s with annotate_containers, energy-attribution) sends over
// two intervals, and compares the receiver's output with a golden file.
func TestRelayGolden(t *testing.T) {
	r := startReceiver(t, func(c *Config) { c.FlushInterval, c.SeriesExpiry = time.Hour, 2*time.Hour })
	c := dial(t, r, "node-a")
	c.greet(2)
	c.register()
	for i, secs := range []uint64{1755604520, 1755604525} {
		ps := []alumetrelay.Point{
			raplTotal("package_total", secs, 30.5), raplTotal("dram_total", secs, 4.25),
			raplTotal("pp0_total", secs, 20),
			{MetricID: 1, Secs: secs, Value: alumetrelay.F64Value(16.5), ResourceKind: "cpu_package", ResourceID: "0", ConsumerKind: "local_machine",
				Attributes: []alumetrelay.Attribute{{Key: "domain", Value: alumetrelay.StrValue("package")}}},
			{MetricID: 1, Secs: secs, Value: alumetrelay.F64Value(14), ResourceKind: "cpu_package", ResourceID: "1", ConsumerKind: "local_machine",
				Attributes: []alumetrelay.Attribute{{Key: "domain", Value: alumetrelay.StrValue("package")}}},
			{MetricID: 1, Secs: secs, Value: alumetrelay.F64Value(4.25), ResourceKind: "dram", ResourceID: "0", ConsumerKind: "local_machine",
				Attributes: []alumetrelay.Attribute{{Key: "domain", Value: alumetrelay.StrValue("dram")}}},
			// GPU energy in mJ.
			{MetricID: 4, Secs: secs, Value: alumetrelay.F64Value(125000), ResourceKind: "gpu", ResourceID: "0000:3b:00.0", ConsumerKind: "local_machine"},
			// The pod and its two containers.
			podEnergy(secs, 6, ""), podEnergy(secs, 4, "cri-containerd-3f2a9c.scope"), podEnergy(secs, 2, "cri-containerd-77be01.scope"),
			{MetricID: 3, Secs: secs, Nanos: 5, Value: alumetrelay.U64Value(2_500_000_000), ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: testPodPath,
				Attributes: []alumetrelay.Attribute{{Key: "kind", Value: alumetrelay.StrValue("total")}, {Key: "uid", Value: alumetrelay.StrValue(testPodUID)}, {Key: "node", Value: alumetrelay.StrValue("node-a")}}},
			// Not modelled: dropped and counted.
			{MetricID: 6, Secs: secs, Value: alumetrelay.F64Value(42), ResourceKind: "local_machine", ConsumerKind: "local_machine"},
		}
		c.send(ps...)
		waitFor(t, "frame accepted", func() bool {
			return r.counter(t, "receiver_alumetbridge_frames", outcomeIs("accepted")) == int64(3+i) // Greet, Register, frames
		})
	}
	compareGolden(t, filepath.Join("testdata", "relay", "expected.yaml"), r.flushOnce(t))
	if got := r.counter(t, "receiver_alumetbridge_points", outcomeIs("unmapped")); got != 2 {
		t.Errorf("unmapped %d", got)
	}
	if got := r.counter(t, "receiver_alumetbridge_unit_conversions"); got != 4 {
		t.Errorf("unit conversions %d (mJ and ns points)", got)
	}
}
