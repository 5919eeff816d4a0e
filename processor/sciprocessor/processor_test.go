package sciprocessor

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadata"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// harness drives a processor with a fake clock: batches are consumed "at"
// the clock's time and evaluations run when the test says.
type harness struct {
	t    testing.TB
	p    *sciProcessor
	sink *consumertest.MetricsSink
	now  time.Time
}

func newHarness(t testing.TB, mutate func(*Config)) *harness {
	return newHarnessWith(t, processortest.NewNopSettings(metadata.Type), mutate)
}

func newHarnessWith(t testing.TB, set processor.Settings, mutate func(*Config)) *harness {
	cfg := createDefaultConfig().(*Config)
	if mutate != nil {
		mutate(cfg)
	}
	sink := &consumertest.MetricsSink{}
	p, err := newSCIProcessor(set, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, p: p, sink: sink, now: t0}
	p.now = func() time.Time { return h.now }
	return h
}

func (h *harness) consume(md pmetric.Metrics) {
	h.t.Helper()
	if _, err := h.p.processMetrics(context.Background(), md); err != nil {
		h.t.Fatal(err)
	}
}

// feed sends the cluster's energy every step from `from` to `to` (clock
// moving along), and grid and hardware data at the start.
func (h *harness) feed(c *synthetic.Cluster, from, to, step time.Duration, gridAgeS float64) {
	h.now = t0.Add(from)
	h.consume(c.Grid(h.now, gridAgeS))
	h.consume(c.Hardware(h.now))
	for d := from; d <= to; d += step {
		h.now = t0.Add(d)
		h.consume(c.Energy(h.now))
	}
}

func (h *harness) evaluate(at time.Duration) pmetric.Metrics {
	h.now = t0.Add(at)
	md := h.p.evaluate(context.Background(), h.now)
	if err := semconvtest.CheckMetrics(md); err != nil {
		h.t.Errorf("output does not conform to the registry: %v", err)
	}
	return md
}

// point is one emitted datapoint, flattened.
type point struct {
	metric string
	attrs  map[string]string
	value  float64
	stale  bool
}

func points(md pmetric.Metrics) []point {
	var out []point
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				dps, ok := numberPoints(m)
				if !ok {
					continue
				}
				for l := 0; l < dps.Len(); l++ {
					dp := dps.At(l)
					attrs := map[string]string{}
					dp.Attributes().Range(func(k string, v pcommon.Value) bool { attrs[k] = v.AsString(); return true })
					v := dp.DoubleValue()
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						v = float64(dp.IntValue())
					}
					out = append(out, point{m.Name(), attrs, v, dp.Flags().NoRecordedValue()})
				}
			}
		}
	}
	return out
}

// find returns the value of metric for the boundary whose attributes
// include all of match.
func find(pts []point, metric string, match map[string]string) (float64, bool) {
	for _, p := range pts {
		if p.metric != metric || p.stale {
			continue
		}
		ok := true
		for k, v := range match {
			if p.attrs[k] != v {
				ok = false
				break
			}
		}
		if ok {
			return p.value, true
		}
	}
	return 0, false
}

func nodeMatch(name string) map[string]string {
	return map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeNode, semconv.AttrK8sNodeName: name}
}

func podMatch(uid string) map[string]string {
	return map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopePod, semconv.AttrK8sPodUID: uid}
}

func rel(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

// The demo cluster over one 60 s window: every node and pod gets an SCI
// whose components match an independent computation from the cluster's
// true power, and every emitted score recomputes from its components.
func TestDemoClusterWindow(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	md := h.evaluate(80 * time.Second) // window [10 s, 70 s]
	pts := points(md)

	const windowS = 60.0
	hours := windowS / 3600
	for _, n := range c.Nodes {
		z := c.ZoneByCode(n.Zone)
		wantE := n.PowerW * windowS / 3.6e6 * n.PUE
		wantM := n.TotalEmbodiedG * windowS / n.LifetimeS
		wantScore := (wantE*z.LifecycleGPerKWh + wantM) / hours
		got, ok := find(pts, semconv.MetricSCIScore, nodeMatch(n.Name))
		if !ok {
			t.Errorf("no SCI for node %s", n.Name)
			continue
		}
		if rel(got, wantScore) > 1e-9 {
			t.Errorf("node %s: SCI %.9g, want %.9g", n.Name, got, wantScore)
		}
		e, _ := find(pts, semconv.MetricSCIEnergy, nodeMatch(n.Name))
		if rel(e, wantE) > 1e-9 {
			t.Errorf("node %s: E %.9g, want %.9g", n.Name, e, wantE)
		}

		// Pods: attributed energy plus RR/ToR of the unattributed energy.
		var attributed float64
		for _, p := range c.Pods {
			if p.Node == n.Name {
				attributed += p.PowerW * windowS
			}
		}
		unattributed := n.PowerW*windowS - attributed
		var podOperational float64
		for _, p := range c.Pods {
			if p.Node != n.Name {
				continue
			}
			share := p.RequestCPU / n.AllocatableCPU
			wantPodE := (p.PowerW*windowS + unattributed*share) / 3.6e6 * n.PUE
			wantPodM := n.TotalEmbodiedG * windowS / n.LifetimeS * share
			got, ok := find(pts, semconv.MetricSCIScore, podMatch(p.UID))
			if !ok {
				t.Errorf("no SCI for pod %s", p.Name)
				continue
			}
			if want := (wantPodE*z.LifecycleGPerKWh + wantPodM) / hours; rel(got, want) > 1e-9 {
				t.Errorf("pod %s: SCI %.9g, want %.9g", p.Name, got, want)
			}
			o, _ := find(pts, semconv.MetricSCIOperational, podMatch(p.UID))
			podOperational += o
		}
		// Conservation: Σ pods + unreserved unattributed = node.
		var reserved float64
		for _, p := range c.Pods {
			if p.Node == n.Name {
				reserved += p.RequestCPU / n.AllocatableCPU
			}
		}
		left := unattributed * (1 - reserved) / 3.6e6 * n.PUE * z.LifecycleGPerKWh
		nodeO, _ := find(pts, semconv.MetricSCIOperational, nodeMatch(n.Name))
		if rel(podOperational+left, nodeO) > 1e-9 {
			t.Errorf("node %s: Σ pod O + unattributed O = %.12g, node O = %.12g", n.Name, podOperational+left, nodeO)
		}
	}
	assertRecomputable(t, pts)

	// Roll-ups: the encoder deployment spans four nodes in three zones.
	var wantEncoderE float64
	for _, p := range pts {
		if p.metric == semconv.MetricSCIEnergy && p.attrs[semconv.AttrSCIScope] == semconv.AttrSCIScopePod && p.attrs[semconv.AttrK8sDeploymentName] == "encoder" {
			wantEncoderE += p.value
		}
	}
	gotE, ok := find(pts, semconv.MetricSCIEnergy, map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeDeployment, semconv.AttrK8sDeploymentName: "encoder"})
	if !ok || rel(gotE, wantEncoderE) > 1e-12 {
		t.Errorf("deployment encoder: E %v (found %v), want Σ pods %v", gotE, ok, wantEncoderE)
	}
	if _, ok := find(pts, semconv.MetricSCIScore, map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeNamespace, semconv.AttrK8sNamespaceName: "ml"}); !ok {
		t.Error("no namespace roll-up for ml")
	}

	// Signals: a ranking per node, and nothing about headroom yet (one
	// grid value per zone is no range).
	for _, n := range c.Nodes {
		if _, ok := find(pts, semconv.MetricNodeCarbonPerVCPU, map[string]string{semconv.AttrK8sNodeName: n.Name}); !ok {
			t.Errorf("no ranking signal for %s", n.Name)
		}
	}
	if _, ok := find(pts, semconv.MetricGridGreenHeadroom, nil); ok {
		t.Error("green headroom emitted from a single value")
	}
}

// assertRecomputable checks score = (E × I + M) / R for every SCI datapoint.
func assertRecomputable(t *testing.T, pts []point) {
	t.Helper()
	n := 0
	for _, p := range pts {
		if p.metric != semconv.MetricSCIScore || p.stale {
			continue
		}
		get := func(name string) float64 {
			v, ok := find(pts, name, p.attrs)
			if !ok {
				t.Fatalf("%s missing for %v", name, p.attrs)
			}
			return v
		}
		want := (get(semconv.MetricSCIEnergy)*get(semconv.MetricSCICarbonIntensity) + get(semconv.MetricSCIEmbodied)) / get(semconv.MetricSCIFunctionalUnits)
		if rel(p.value, want) > 1e-12 {
			t.Errorf("%v: score %.15g ≠ (E×I+M)/R = %.15g", p.attrs, p.value, want)
		}
		if o := get(semconv.MetricSCIOperational); rel(o, get(semconv.MetricSCIEnergy)*get(semconv.MetricSCICarbonIntensity)) > 1e-12 {
			t.Errorf("%v: O %.15g ≠ E × I", p.attrs, o)
		}
		if p.value < 0 {
			t.Errorf("%v: negative SCI %v", p.attrs, p.value)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no SCI datapoints")
	}
}

func pcommonTime(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }
