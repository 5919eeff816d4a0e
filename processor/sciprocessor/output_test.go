package sciprocessor

import (
	"testing"
	"time"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// TestPodOutputLevels checks output.pods: with score a pod has eco.sci.score
// alone, with none nothing, and in both cases the nodes and the
// deployment and namespace roll-ups (which still add up the pods) are the
// same as with full. A pod that disappears gets staleness markers only for
// the series it had.
func TestPodOutputLevels(t *testing.T) {
	c := synthetic.Demo(t0.Add(-time.Hour))
	run := func(level string) []point {
		h := newHarness(t, func(cfg *Config) { cfg.Output.Pods = level })
		h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
		return points(h.evaluate(80 * time.Second))
	}
	full, score, none := run(PodOutputFull), run(PodOutputScore), run(PodOutputNone)

	countPods := func(pts []point) map[string]int {
		n := map[string]int{}
		for _, p := range pts {
			if p.attrs[semconv.AttrSCIScope] == semconv.AttrSCIScopePod {
				n[p.metric]++
			}
		}
		return n
	}
	pods := len(c.Pods)
	if n := countPods(full); n[semconv.MetricSCIScore] != pods || n[semconv.MetricSCIEnergy] != pods || n[semconv.MetricCarbonOperational] != pods {
		t.Errorf("full: pod series %v, want %d of each", n, pods)
	}
	if n := countPods(score); len(n) != 1 || n[semconv.MetricSCIScore] != pods {
		t.Errorf("score: pod series %v, want only %d %s", n, pods, semconv.MetricSCIScore)
	}
	if n := countPods(none); len(n) != 0 {
		t.Errorf("none: pod series %v, want none", n)
	}
	for _, p := range c.Pods {
		want, _ := find(full, semconv.MetricSCIScore, podMatch(p.UID))
		if got, ok := find(score, semconv.MetricSCIScore, podMatch(p.UID)); !ok || got != want {
			t.Errorf("score: pod %s SCI %v (found %v), want %v", p.Name, got, ok, want)
		}
	}

	// Everything that is not per pod is identical.
	key := func(p point) string {
		k := p.metric
		for _, a := range []string{semconv.AttrSCIScope, semconv.AttrK8sNodeName, semconv.AttrK8sNamespaceName, semconv.AttrK8sDeploymentName, semconv.AttrGridZoneCode, semconv.AttrSCIEmbodiedBasis, semconv.AttrSCIReason} {
			k += "|" + p.attrs[a]
		}
		return k
	}
	notPods := func(pts []point) map[string]float64 {
		m := map[string]float64{}
		for _, p := range pts {
			if p.attrs[semconv.AttrSCIScope] != semconv.AttrSCIScopePod {
				m[key(p)] = p.value
			}
		}
		return m
	}
	want := notPods(full)
	for level, pts := range map[string][]point{PodOutputScore: score, PodOutputNone: none} {
		got := notPods(pts)
		if len(got) != len(want) {
			t.Errorf("%s: %d series besides pods, want %d", level, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v", level, k, got[k], v)
			}
		}
	}
	if _, ok := find(none, semconv.MetricSCIScore, map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeDeployment}); !ok {
		t.Error("none: no deployment roll-up")
	}

	// A pod that stops reporting: with score, one staleness marker (its
	// score), not eight.
	h := newHarness(t, func(cfg *Config) { cfg.Output.Pods = PodOutputScore })
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	h.evaluate(80 * time.Second)
	gone := c.Pods[0]
	c2 := *c
	c2.Pods = c.Pods[1:]
	for d := 95 * time.Second; d <= 400*time.Second; d += 5 * time.Second {
		h.now = t0.Add(d)
		h.consume(c2.Energy(h.now))
		if d%(60*time.Second) == 0 {
			h.consume(c2.Grid(h.now, 600))
			h.consume(c2.Hardware(h.now))
		}
	}
	markers := map[string]int{}
	for _, p := range points(h.evaluate(400 * time.Second)) {
		if p.stale && p.attrs[semconv.AttrK8sPodUID] == gone.UID {
			markers[p.metric]++
		}
	}
	if len(markers) != 1 || markers[semconv.MetricSCIScore] != 1 {
		t.Errorf("staleness markers for the departed pod: %v, want one %s", markers, semconv.MetricSCIScore)
	}
}

// TestNodesWithoutEnergySkip: a gateway that receives the energy of some
// nodes (its shard) but the hardware of all reports, with skip, only its
// own nodes — no ranking signal and no unavailability for the others —
// and with report (the default) counts the others as no_energy.
func TestNodesWithoutEnergySkip(t *testing.T) {
	all := synthetic.Demo(t0.Add(-time.Hour))
	shard := *all
	shard.Nodes, shard.Pods = all.Nodes[:3], nil
	for _, p := range all.Pods {
		if p.Node == all.Nodes[0].Name || p.Node == all.Nodes[1].Name || p.Node == all.Nodes[2].Name {
			shard.Pods = append(shard.Pods, p)
		}
	}
	run := func(mode string) []point {
		h := newHarness(t, func(cfg *Config) { cfg.NodesWithoutEnergy = mode })
		h.now = t0
		h.consume(all.Grid(h.now, 600))
		h.consume(all.Hardware(h.now))
		for d := time.Duration(0); d <= 90*time.Second; d += 5 * time.Second {
			h.now = t0.Add(d)
			h.consume(shard.Energy(h.now))
		}
		return points(h.evaluate(80 * time.Second))
	}
	for _, mode := range []string{NodesWithoutEnergyReport, NodesWithoutEnergySkip} {
		pts := run(mode)
		for i, n := range all.Nodes {
			own := i < 3
			_, sci := find(pts, semconv.MetricSCIScore, nodeMatch(n.Name))
			_, ranked := find(pts, semconv.MetricNodeCarbonPerVCPU, map[string]string{semconv.AttrK8sNodeName: n.Name})
			_, unavailable := find(pts, semconv.MetricSCIUnavailable, map[string]string{semconv.AttrK8sNodeName: n.Name, semconv.AttrSCIReason: semconv.AttrSCIReasonNoEnergy})
			if sci != own {
				t.Errorf("%s: node %s SCI %v, want %v", mode, n.Name, sci, own)
			}
			wantOthers := mode == NodesWithoutEnergyReport && !own
			if !own && (ranked != wantOthers || unavailable != wantOthers) {
				t.Errorf("%s: node %s without energy here: ranking %v, no_energy %v; want %v", mode, n.Name, ranked, unavailable, wantOthers)
			}
		}
	}
}
