package sciprocessor

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// split: usage shares a node's unattributed energy by the pods' CPU time
// (the synthetic pods use 0.8 × their requests), so all of it is handed out.
func TestUsageSplit(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.Split = "usage" })
	c := synthetic.Demo(t0.Add(-time.Hour))
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	pts := points(h.evaluate(80 * time.Second))
	n := c.NodeByName("frankfurt-n2-1")
	var attributed, cpu float64
	for _, p := range c.Pods {
		if p.Node == n.Name {
			attributed += p.PowerW * 60
			cpu += p.RequestCPU
		}
	}
	var sumE float64
	for _, p := range c.Pods {
		if p.Node != n.Name {
			continue
		}
		want := (p.PowerW*60 + (n.PowerW*60-attributed)*p.RequestCPU/cpu) / 3.6e6 * n.PUE
		got, _ := find(pts, semconv.MetricSCIEnergy, podMatch(p.UID))
		if rel(got, want) > 1e-9 {
			t.Errorf("pod %s: E %.9g, want %.9g", p.Name, got, want)
		}
		sumE += got
	}
	nodeE, _ := find(pts, semconv.MetricSCIEnergy, nodeMatch(n.Name))
	if rel(sumE, nodeE) > 1e-9 {
		t.Errorf("usage split hands out everything: Σ pods %.12g, node %.12g", sumE, nodeE)
	}
}

// A pod without known requests gets no share of the unattributed energy
// under split: requests, and its embodied share falls back to its share of
// the node's energy, flagged by eco.sci.embodied.basis=energy_share.
func TestEnergyShareFallback(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	known := *c
	known.Pods = nil
	const unknown = "exporter-907a7"
	for _, p := range c.Pods {
		if p.Name != unknown {
			known.Pods = append(known.Pods, p)
		}
	}
	h.now = t0
	h.consume(c.Grid(h.now, 600))
	h.consume(known.Hardware(h.now)) // no requests for the exporter pod
	for d := time.Duration(0); d <= 90*time.Second; d += 5 * time.Second {
		h.now = t0.Add(d)
		h.consume(c.Energy(h.now))
	}
	pts := points(h.evaluate(80 * time.Second))
	var pod synthetic.Pod
	for _, p := range c.Pods {
		if p.Name == unknown {
			pod = p
		}
	}
	n := c.NodeByName(pod.Node)
	share := pod.PowerW / n.PowerW
	wantM := n.TotalEmbodiedG * 60 / n.LifetimeS * share
	if m, _ := find(pts, semconv.MetricSCIEmbodied, podMatch(pod.UID)); rel(m, wantM) > 1e-9 {
		t.Errorf("M %.9g, want %.9g (energy share %.4f)", m, wantM, share)
	}
	if e, _ := find(pts, semconv.MetricSCIEnergy, podMatch(pod.UID)); rel(e, pod.PowerW*60/3.6e6*n.PUE) > 1e-9 {
		t.Errorf("E %.9g, want its attributed energy only", e)
	}
	if _, ok := find(pts, semconv.MetricCarbonEmbodied, map[string]string{
		semconv.AttrK8sPodUID: pod.UID, semconv.AttrSCIEmbodiedBasis: semconv.AttrSCIEmbodiedBasisEnergyShare,
	}); !ok {
		t.Error("fallback not flagged with eco.sci.embodied.basis=energy_share")
	}
}

// Delta energy sums (as some agents send) are integrated into counters and
// give the same SCI as cumulative ones.
func TestDeltaTemporality(t *testing.T) {
	c := synthetic.Demo(t0.Add(-time.Hour))
	cumulative := newHarness(t, nil)
	cumulative.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	want, _ := find(points(cumulative.evaluate(80*time.Second)), semconv.MetricSCIScore, nodeMatch("paris-m5-1"))

	h := newHarness(t, nil)
	prev := map[string]float64{}
	h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) {
		forNode(md, "paris-m5-1", func(dp pmetric.NumberDataPoint) {
			v := dp.DoubleValue()
			dp.SetDoubleValue(v - prev["paris-m5-1"])
			prev["paris-m5-1"] = v
		})
		rms := md.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			ms := rms.At(i).ScopeMetrics().At(0).Metrics()
			for k := 0; k < ms.Len(); k++ {
				if ms.At(k).Type() == pmetric.MetricTypeSum {
					if name, _ := rms.At(i).Resource().Attributes().Get(semconv.AttrK8sNodeName); name.Str() == "paris-m5-1" && ms.At(k).Name() == semconv.MetricHWHostEnergy {
						ms.At(k).Sum().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
					}
				}
			}
		}
	})
	got, ok := find(points(h.evaluate(80*time.Second)), semconv.MetricSCIScore, nodeMatch("paris-m5-1"))
	if !ok || rel(got, want) > 1e-9 {
		t.Errorf("SCI from delta sums %v (found %v), from cumulative %v", got, ok, want)
	}
}
