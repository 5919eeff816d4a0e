package sciprocessor

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/sci"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// R = requests: the increase of the application's request count per pod,
// summed per node and deployment; pods serving no requests get no SCI.
func TestRequestsFunctionalUnit(t *testing.T) {
	const metricName = "http.server.request.duration"
	h := newHarness(t, func(cfg *Config) {
		cfg.FunctionalUnit = FunctionalUnitConfig{Type: FunctionalUnitRequests, Metric: metricName}
	})
	c := synthetic.Demo(t0.Add(-time.Hour))
	// 10 requests/s to every web and cart pod, over two routes.
	requests := func(now time.Time) pmetric.Metrics {
		md := pmetric.NewMetrics()
		for _, p := range c.Pods {
			if p.Deployment != "web" && p.Deployment != "cart" {
				continue
			}
			rm := md.ResourceMetrics().AppendEmpty()
			rm.Resource().Attributes().PutStr(semconv.AttrK8sPodUID, p.UID)
			rm.Resource().Attributes().PutStr(semconv.AttrK8sNamespaceName, p.Namespace)
			m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
			m.SetName(metricName)
			m.SetUnit("s")
			hist := m.SetEmptyHistogram()
			hist.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			for _, route := range []string{"/", "/checkout"} {
				dp := hist.DataPoints().AppendEmpty()
				dp.SetStartTimestamp(pcommon.NewTimestampFromTime(c.Start))
				dp.SetTimestamp(pcommon.NewTimestampFromTime(now))
				dp.SetCount(uint64(5 * now.Sub(c.Start).Seconds()))
				dp.Attributes().PutStr("http.route", route)
			}
		}
		return md
	}
	h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) {
		requests(h.now).ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
	})
	pts := points(h.evaluate(80 * time.Second))
	assertRecomputable(t, pts)
	for _, p := range c.Pods {
		r, ok := find(pts, semconv.MetricSCIFunctionalUnits, podMatch(p.UID))
		serving := p.Deployment == "web" || p.Deployment == "cart"
		if ok != serving {
			t.Errorf("pod %s: SCI emitted = %v, want %v", p.Name, ok, serving)
			continue
		}
		if serving && rel(r, 600) > 1e-9 {
			t.Errorf("pod %s: R = %v, want 600 requests", p.Name, r)
		}
	}
	for _, p := range pts {
		if p.metric == semconv.MetricSCIScore && p.attrs[semconv.AttrSCIFunctionalUnit] != "request" {
			t.Fatalf("functional unit label %q, want request", p.attrs[semconv.AttrSCIFunctionalUnit])
		}
	}
	// paris-m5-1 hosts one web and one cart pod: R = 1200.
	if r, _ := find(pts, semconv.MetricSCIFunctionalUnits, nodeMatch("paris-m5-1")); rel(r, 1200) > 1e-9 {
		t.Errorf("node R = %v, want 1200", r)
	}
	// frankfurt-n2-2 hosts none: no SCI per request.
	if got := unavailableTotal(pts, semconv.AttrSCIScopeNode, semconv.AttrSCIReasonNoFunctionalUnits, "frankfurt-n2-2"); got != 1 {
		t.Errorf("node without requests: unavailable = %v, want 1", got)
	}
	if r, ok := find(pts, semconv.MetricSCIFunctionalUnits, map[string]string{semconv.AttrSCIScope: semconv.AttrSCIScopeDeployment, semconv.AttrK8sDeploymentName: "cart"}); !ok || rel(r, 2*600) > 1e-9 {
		t.Errorf("deployment cart: R = %v (found %v), want 1200", r, ok)
	}
}

// Headroom follows the trailing range of the data's own timestamps, and the
// ranking signal follows its documented formula.
func TestSignals(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	fr := c.ZoneByCode("FR")
	// Three hourly intervals for FR: 100, 300, then the current 200 g/kWh;
	// prices 50, 20, 80.
	for i, v := range []struct{ ci, price float64 }{{100, 50}, {300, 20}, {200, 80}} {
		fr.LifecycleGPerKWh, fr.PricePerMWh = v.ci, v.price
		h.now = t0.Add(time.Duration(i-2) * time.Hour)
		h.consume(c.Grid(h.now, 600))
	}
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	pts := points(h.evaluate(80 * time.Second))
	zone := map[string]string{semconv.AttrGridZoneCode: "FR"}
	if g, ok := find(pts, semconv.MetricGridGreenHeadroom, zone); !ok || rel(g, 0.5) > 1e-12 {
		t.Errorf("green headroom %v (found %v), want 0.5", g, ok)
	}
	if p, ok := find(pts, semconv.MetricGridPriceHeadroom, zone); !ok || rel(p, 0) > 1e-12 {
		t.Errorf("price headroom %v (found %v), want 0 (the dearest hour)", p, ok)
	}
	n := c.NodeByName("paris-m5-1")
	want, _ := sci.CarbonPerVCPUHourG(n.PowerW, n.VCPUs, n.PUE, 200, n.TotalEmbodiedG, n.LifetimeS)
	got, ok := find(pts, semconv.MetricNodeCarbonPerVCPU, map[string]string{semconv.AttrK8sNodeName: n.Name, semconv.AttrHardwareProfile: "aws-m5"})
	if !ok || rel(got, want) > 1e-9 {
		t.Errorf("ranking %v (found %v), want %v (measured power)", got, ok, want)
	}

	// Without energy, the ranking falls back to the profile's power at 50 %.
	h2 := newHarness(t, nil)
	h2.now = t0
	h2.consume(c.Grid(h2.now, 600))
	h2.consume(c.Hardware(h2.now))
	pts = points(h2.evaluate(80 * time.Second))
	want, _ = sci.CarbonPerVCPUHourG((n.IdleW+n.MaxW)/2, n.VCPUs, n.PUE, 200, n.TotalEmbodiedG, n.LifetimeS)
	if got, ok := find(pts, semconv.MetricNodeCarbonPerVCPU, map[string]string{semconv.AttrK8sNodeName: n.Name}); !ok || rel(got, want) > 1e-9 {
		t.Errorf("profile-based ranking %v (found %v), want %v", got, ok, want)
	}
}

// drop_inputs removes the joined inputs from the passed-on batch and keeps
// everything else; by default all inputs pass through untouched.
func TestPassThroughAndDropInputs(t *testing.T) {
	c := synthetic.Demo(t0.Add(-time.Hour))
	for _, drop := range []bool{false, true} {
		h := newHarness(t, func(cfg *Config) { cfg.DropInputs = drop })
		md := c.Hardware(t0)
		want := md.DataPointCount()
		foreign := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().AppendEmpty()
		foreign.SetName("app.other")
		foreign.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
		out, err := h.p.processMetrics(t.Context(), md)
		if err != nil {
			t.Fatal(err)
		}
		got := out.DataPointCount()
		switch {
		case !drop && got != want+1:
			t.Errorf("pass-through: %d datapoints, want %d", got, want+1)
		case drop && got != 1+len(c.Pods)+len(c.Nodes): // app.other, and the memory requests and embodied rates it does not join
			t.Errorf("drop_inputs: %d datapoints left, want %d", got, 1+len(c.Pods)+len(c.Nodes))
		}
	}
}

// A backfilled older grid interval joins the trailing range but does not
// replace the zone's current intensity.
func TestBackfilledGridDoesNotReplaceLatest(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	fr := c.ZoneByCode("FR")
	h.now = t0
	h.consume(c.Grid(h.now, 600)) // 56 g/kWh, current
	fr.LifecycleGPerKWh = 400
	h.consume(c.Grid(h.now.Add(-3*time.Hour), 600)) // older interval, arriving later
	fr.LifecycleGPerKWh = 56
	h.feedWith(c, 0, 90*time.Second, 5*time.Second, nil)
	fr.LifecycleGPerKWh = 400
	h.consume(c.Grid(h.now.Add(-2*time.Hour), 600)) // and another one
	pts := points(h.evaluate(80 * time.Second))
	if ci, _ := find(pts, semconv.MetricSCICarbonIntensity, nodeMatch("paris-m5-1")); ci != 56 {
		t.Errorf("intensity %v, want the latest interval's 56", ci)
	}
	if g, ok := find(pts, semconv.MetricGridGreenHeadroom, map[string]string{semconv.AttrGridZoneCode: "FR"}); !ok || g != 1 {
		t.Errorf("green headroom %v (found %v), want 1: 56 is the cleanest of 56..400", g, ok)
	}
}
