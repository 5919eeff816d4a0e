package sciprocessor

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/ecotel/ecotel/internal/ecostatus/ecostatustest"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadata"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// The status snapshot shows exactly what the last evaluation emitted: every
// node's SCI and ranking signal, every pod's SCI with its components and
// names, and the zones' green headroom.
func TestStatusSnapshotMatchesEmitted(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	if got := h.p.StatusSnapshot(); len(got.Nodes)+len(got.Pods)+len(got.Zones) != 0 {
		t.Fatalf("snapshot before any evaluation: %+v", got)
	}
	// Two grid values for FR an hour apart, so it has a green headroom.
	fr := c.ZoneByCode("FR")
	fr.LifecycleGPerKWh = 90
	h.now = t0.Add(-time.Hour)
	h.consume(c.Grid(h.now, 600))
	fr.LifecycleGPerKWh = 56
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	pts := points(h.evaluate(80 * time.Second))
	snap := h.p.StatusSnapshot()

	if len(snap.Nodes) != len(c.Nodes) {
		t.Fatalf("%d nodes in the snapshot, want %d", len(snap.Nodes), len(c.Nodes))
	}
	for _, n := range snap.Nodes {
		want, _ := find(pts, semconv.MetricSCIScore, nodeMatch(n.Name))
		if n.SCI == nil || n.SCI.Score != want || n.SCI.FunctionalUnit != "hour" {
			t.Errorf("node %s: SCI %+v, want score %v per hour", n.Name, n.SCI, want)
		}
		rank, _ := find(pts, semconv.MetricNodeCarbonPerVCPU, map[string]string{semconv.AttrK8sNodeName: n.Name})
		if n.CarbonPerVCPUGPerHour == nil || *n.CarbonPerVCPUGPerHour != rank || n.Zone != c.NodeByName(n.Name).Zone {
			t.Errorf("node %s: ranking %v zone %q, want %v %q", n.Name, n.CarbonPerVCPUGPerHour, n.Zone, rank, c.NodeByName(n.Name).Zone)
		}
	}
	if len(snap.Pods) != len(c.Pods) {
		t.Fatalf("%d pods in the snapshot, want %d", len(snap.Pods), len(c.Pods))
	}
	for _, p := range snap.Pods {
		m := podMatch(p.UID)
		get := func(name string) float64 { v, _ := find(pts, name, m); return v }
		s := p.SCI
		if s == nil || s.Score != get(semconv.MetricSCIScore) || s.EnergyKWh != get(semconv.MetricSCIEnergy) ||
			s.IntensityGPerKWh != get(semconv.MetricSCICarbonIntensity) || s.EmbodiedG != get(semconv.MetricSCIEmbodied) ||
			s.OperationalG != get(semconv.MetricSCIOperational) || s.PUE != get(semconv.MetricSCIPUE) ||
			s.FunctionalUnits != get(semconv.MetricSCIFunctionalUnits) || s.WindowSeconds != get(semconv.MetricSCIWindow) {
			t.Errorf("pod %s: snapshot SCI %+v differs from the emitted components", p.UID, s)
		}
		if p.Name == "" || p.Namespace == "" || p.Node == "" || p.Deployment == "" {
			t.Errorf("pod %s: identity incomplete: %+v", p.UID, p)
		}
	}
	green, ok := find(pts, semconv.MetricGridGreenHeadroom, map[string]string{semconv.AttrGridZoneCode: "FR"})
	if !ok || len(snap.Zones) != 1 || snap.Zones[0].Code != "FR" || *snap.Zones[0].GreenHeadroom != green {
		t.Errorf("zones %+v, want FR with green headroom %v (emitted: %v)", snap.Zones, green, ok)
	}
}

// The processor registers with the status extension in Start, under its
// own component ID, and unregisters in Shutdown.
func TestRegistersStatusSource(t *testing.T) {
	r := &ecostatustest.Registrar{}
	set := processortest.NewNopSettings(metadata.Type)
	set.ID = component.MustNewIDWithName("sci", "cluster")
	p, err := NewFactory().CreateMetrics(context.Background(), set, createDefaultConfig(), &consumertest.MetricsSink{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), r.Host()); err != nil {
		t.Fatal(err)
	}
	if src := r.Sources(); len(src) != 1 || src[set.ID] == nil {
		t.Fatalf("registered sources %v, want one as %v", src, set.ID)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(r.Sources()) != 0 {
		t.Fatal("still registered after Shutdown")
	}
}

// BenchmarkStatusSnapshot measures what one status page request costs the
// processor: copying the last evaluation of the 100-node, 3,000-pod cluster
// under the evaluation lock (the batch path never takes that lock).
func BenchmarkStatusSnapshot(b *testing.B) {
	c := benchCluster()
	h := newHarness(b, nil)
	h.feed(c, 0, 80*time.Second, 5*time.Second, 600)
	h.p.evaluate(context.Background(), h.now)
	if got := len(h.p.StatusSnapshot().Pods); got != len(c.Pods) {
		b.Fatalf("%d pods in the snapshot, want %d", got, len(c.Pods))
	}
	b.ReportAllocs()
	for b.Loop() {
		h.p.StatusSnapshot()
	}
}
