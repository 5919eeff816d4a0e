package sciprocessor

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// unavailableTotal returns eco.sci.unavailable for (scope, reason, node).
func unavailableTotal(pts []point, scope, reason, node string) float64 {
	v, _ := find(pts, semconv.MetricSCIUnavailable, map[string]string{
		semconv.AttrSCIScope: scope, semconv.AttrSCIReason: reason, semconv.AttrK8sNodeName: node,
	})
	return v
}

// Every way an input can be missing or wrong gives no SCI for the affected
// node and its pods, and counts the window under the right reason, while
// the other nodes are unaffected.
func TestMissingStaleResetGapLate(t *testing.T) {
	const victim = "frankfurt-n2-1"
	cases := []struct {
		name   string
		reason string
		// mutate changes the cluster or the batches before they are sent.
		setup func(h *harness, c *synthetic.Cluster)
	}{
		{"no grid data", semconv.AttrSCIReasonNoGridData, func(h *harness, c *synthetic.Cluster) {
			c.NodeByName(victim).Zone = "PL" // a zone nobody reports
			h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
		}},
		{"stale grid data", semconv.AttrSCIReasonStaleGridData, func(h *harness, c *synthetic.Cluster) {
			// The victim alone sits in NO-1, whose latest interval is 4 h old.
			c.NodeByName(victim).Zone = "NO-1"
			h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
			stale := synthetic.Cluster{Zones: []synthetic.Zone{{Code: "NO-1", LifecycleGPerKWh: 30, DirectGPerKWh: 10, PricePerMWh: 40}}}
			h.consume(stale.Grid(h.now, 4*3600))
		}},
		{"no hardware", semconv.AttrSCIReasonNoHardware, func(h *harness, c *synthetic.Cluster) {
			withHW := *c
			withHW.Nodes = nil
			for _, n := range c.Nodes {
				if n.Name != victim {
					withHW.Nodes = append(withHW.Nodes, n)
				}
			}
			h.now = t0
			h.consume(c.Grid(h.now, 600))
			h.consume(withHW.Hardware(h.now))
			for d := time.Duration(0); d <= 90*time.Second; d += 5 * time.Second {
				h.now = t0.Add(d)
				h.consume(c.Energy(h.now))
			}
		}},
		{"no energy", semconv.AttrSCIReasonNoEnergy, func(h *harness, c *synthetic.Cluster) {
			h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) { dropNode(md, victim) })
		}},
		{"counter reset", semconv.AttrSCIReasonCounterReset, func(h *harness, c *synthetic.Cluster) {
			h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) {
				// The node's agent restarted at 40 s: new start time, counting from 0.
				if h.now.Sub(t0) >= 40*time.Second {
					forNode(md, victim, func(dp pmetric.NumberDataPoint) {
						dp.SetStartTimestamp(pcommonTime(t0.Add(38 * time.Second)))
						dp.SetDoubleValue(140 * h.now.Sub(t0.Add(38*time.Second)).Seconds())
					})
				}
			})
		}},
		{"gap", semconv.AttrSCIReasonGap, func(h *harness, c *synthetic.Cluster) {
			h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) {
				// Nothing from the node between 0 s and 45 s, across the window's start (10 s).
				if d := h.now.Sub(t0); d > 0 && d < 45*time.Second {
					dropNode(md, victim)
				}
			})
		}},
		{"late data", semconv.AttrSCIReasonLateData, func(h *harness, c *synthetic.Cluster) {
			h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) {
				// The node's samples keep coming but are stamped 40 s in the past.
				forNode(md, victim, func(dp pmetric.NumberDataPoint) {
					dp.SetTimestamp(pcommonTime(h.now.Add(-40 * time.Second)))
				})
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			c := synthetic.Demo(t0.Add(-time.Hour))
			tc.setup(h, c)
			pts := points(h.evaluate(80 * time.Second))
			if _, ok := find(pts, semconv.MetricSCIScore, nodeMatch(victim)); ok {
				t.Errorf("SCI emitted for %s", victim)
			}
			for _, p := range c.Pods {
				if _, ok := find(pts, semconv.MetricSCIScore, podMatch(p.UID)); ok == (p.Node == victim) {
					t.Errorf("pod %s on %s: SCI emitted = %v", p.Name, p.Node, ok)
				}
			}
			if got := unavailableTotal(pts, semconv.AttrSCIScopeNode, tc.reason, victim); got != 1 {
				t.Errorf("eco.sci.unavailable{node, %s} = %v, want 1", tc.reason, got)
			}
			if got := unavailableTotal(pts, semconv.AttrSCIScopePod, tc.reason, victim); got != 2 {
				t.Errorf("eco.sci.unavailable{pod, %s} = %v, want 2 (the node's pods)", tc.reason, got)
			}
			if _, ok := find(pts, semconv.MetricSCIScore, nodeMatch("paris-m5-1")); !ok {
				t.Error("an unaffected node lost its SCI")
			}
			assertRecomputable(t, pts)
		})
	}
}

// A node whose SCI was emitted and whose data then stops gets staleness
// markers for all its series, and its last values are never sent again.
func TestLastSCINotRepeated(t *testing.T) {
	const victim = "paris-m5-2"
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	pts := points(h.evaluate(80 * time.Second))
	if _, ok := find(pts, semconv.MetricSCIScore, nodeMatch(victim)); !ok {
		t.Fatal("no SCI in the first window")
	}
	// The next minute, the victim's energy stops.
	h.feedWith(c, 95*time.Second, 150*time.Second, 5*time.Second, func(md pmetric.Metrics) { dropNode(md, victim) })
	pts = points(h.evaluate(140 * time.Second))
	markers := 0
	for _, p := range pts {
		if p.attrs[semconv.AttrK8sNodeName] != victim || p.attrs[semconv.AttrSCIScope] != semconv.AttrSCIScopeNode {
			continue
		}
		switch {
		case p.stale:
			markers++
		case p.metric != semconv.MetricCarbonOperational && p.metric != semconv.MetricCarbonEmbodied && p.metric != semconv.MetricSCIUnavailable:
			t.Errorf("%s re-sent for %s: %v", p.metric, victim, p.value)
		}
	}
	if markers != len(sciGauges) {
		t.Errorf("%d staleness markers for %s, want %d", markers, victim, len(sciGauges))
	}
	if got := unavailableTotal(pts, semconv.AttrSCIScopeNode, semconv.AttrSCIReasonNoEnergy, victim); got != 1 {
		t.Errorf("unavailable no_energy = %v, want 1", got)
	}
	// Markers are sent once only.
	h.feedWith(c, 155*time.Second, 210*time.Second, 5*time.Second, func(md pmetric.Metrics) { dropNode(md, victim) })
	for _, p := range points(h.evaluate(200 * time.Second)) {
		if p.stale && p.attrs[semconv.AttrK8sNodeName] == victim && p.attrs[semconv.AttrSCIScope] == semconv.AttrSCIScopeNode {
			t.Fatalf("marker repeated: %v", p)
		}
	}
}

// The cumulative carbon counters add every window's carbon once.
func TestCumulativeCarbon(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	first := points(h.evaluate(80 * time.Second))
	h.feedWith(c, 95*time.Second, 150*time.Second, 5*time.Second, nil)
	second := points(h.evaluate(140 * time.Second))
	m := nodeMatch("paris-m5-1")
	o1, _ := find(first, semconv.MetricSCIOperational, m)
	o2, _ := find(second, semconv.MetricSCIOperational, m)
	total, ok := find(second, semconv.MetricCarbonOperational, map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeNode, semconv.AttrK8sNodeName: "paris-m5-1"})
	if !ok || rel(total, o1+o2) > 1e-12 {
		t.Errorf("eco.carbon.operational = %v, want %v + %v", total, o1, o2)
	}
	e1, _ := find(first, semconv.MetricSCIEmbodied, m)
	e2, _ := find(second, semconv.MetricSCIEmbodied, m)
	emb, _ := find(second, semconv.MetricCarbonEmbodied, map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeNode, semconv.AttrK8sNodeName: "paris-m5-1", semconv.AttrSCIEmbodiedBasis: semconv.AttrSCIEmbodiedBasisWholeNode})
	if rel(emb, e1+e2) > 1e-12 {
		t.Errorf("eco.carbon.embodied = %v, want %v", emb, e1+e2)
	}
}

func (h *harness) feedWith(c *synthetic.Cluster, from, to, step time.Duration, edit func(pmetric.Metrics)) {
	h.now = t0.Add(from)
	h.consume(c.Grid(h.now, 600))
	h.consume(c.Hardware(h.now))
	for d := from; d <= to; d += step {
		h.now = t0.Add(d)
		md := c.Energy(h.now)
		if edit != nil {
			edit(md)
		}
		h.consume(md)
	}
}

func dropNode(md pmetric.Metrics, node string) {
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		v, ok := rm.Resource().Attributes().Get(semconv.AttrK8sNodeName)
		_, pod := rm.Resource().Attributes().Get(semconv.AttrK8sPodUID)
		return ok && v.Str() == node && !pod
	})
}

func forNode(md pmetric.Metrics, node string, f func(pmetric.NumberDataPoint)) {
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		v, ok := rm.Resource().Attributes().Get(semconv.AttrK8sNodeName)
		if _, pod := rm.Resource().Attributes().Get(semconv.AttrK8sPodUID); !ok || pod || v.Str() != node {
			continue
		}
		ms := rm.ScopeMetrics().At(0).Metrics()
		for k := 0; k < ms.Len(); k++ {
			dps := ms.At(k).Sum().DataPoints()
			for l := 0; l < dps.Len(); l++ {
				f(dps.At(l))
			}
		}
	}
}

// With sliding windows (interval < window) the gauges cover the whole
// window but the cumulative counters add each interval once: after
// evaluations at 80 s, 100 s and 120 s (delay 10 s) they hold the carbon of
// [50 s, 110 s] — the first evaluation's last 20 s and two more intervals.
func TestSlidingWindowCountsEachIntervalOnce(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.Interval = 20 * time.Second })
	c := synthetic.Demo(t0.Add(-time.Hour))
	h.feed(c, 0, 130*time.Second, 5*time.Second, 600)
	var pts []point
	for _, at := range []time.Duration{80, 100, 120} {
		pts = points(h.evaluate(at * time.Second))
	}
	n := c.NodeByName("stockholm-rack-1")
	z := c.ZoneByCode(n.Zone)
	wantO := n.PowerW * 60 / 3.6e6 * n.PUE * z.LifecycleGPerKWh
	got, _ := find(pts, semconv.MetricCarbonOperational, map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeNode, semconv.AttrK8sNodeName: n.Name})
	if rel(got, wantO) > 1e-9 {
		t.Errorf("eco.carbon.operational after three 20 s slides = %.9g g, want %.9g (60 s of carbon)", got, wantO)
	}
	window, _ := find(pts, semconv.MetricSCIWindow, nodeMatch(n.Name))
	if window != 60 {
		t.Errorf("eco.sci.window = %v, want 60", window)
	}
}

// When a pod's identity attributes change (its name arrives after its
// energy), the series with the old label set get staleness markers.
func TestChangedAttributesLeaveNoOldSeries(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	pod := c.Pods[0]
	h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) {
		rms := md.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			if v, ok := rms.At(i).Resource().Attributes().Get(semconv.AttrK8sPodUID); ok && v.Str() == pod.UID {
				rms.At(i).Resource().Attributes().PutStr(semconv.AttrK8sPodName, "old-name")
			}
		}
	})
	h.evaluate(80 * time.Second)
	// The inventory (and then the energy) now call it by its real name.
	h.feedWith(c, 95*time.Second, 150*time.Second, 5*time.Second, nil)
	pts := points(h.evaluate(140 * time.Second))
	markers := 0
	for _, p := range pts {
		if p.attrs[semconv.AttrK8sPodUID] != pod.UID || p.attrs[semconv.AttrSCIScope] != semconv.AttrSCIScopePod {
			continue
		}
		if p.stale && p.attrs[semconv.AttrK8sPodName] == "old-name" {
			markers++
		}
		if !p.stale && p.metric == semconv.MetricSCIScore && p.attrs[semconv.AttrK8sPodName] != pod.Name {
			t.Errorf("score under name %q, want %q", p.attrs[semconv.AttrK8sPodName], pod.Name)
		}
	}
	if markers != len(sciGauges) {
		t.Errorf("%d markers for the old label set, want %d", markers, len(sciGauges))
	}
}
