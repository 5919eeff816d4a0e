package accumulator

import (
	"math"
	"regexp"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

var mapper = mapping.New(mapping.Config{AttributedEnergy: regexp.MustCompile(`^attributed_.*energy$`)})

func raplPoint(node, resKind, resID, domain string, unit units.Unit) *mapping.Point {
	return &mapping.Point{Source: semconv.AttrEnergySourceAlumetRelay, Metric: "rapl_consumed_energy", Unit: unit, HasUnit: true,
		ResourceKind: resKind, ResourceID: resID, ConsumerKind: "local_machine",
		Attributes: []mapping.Attribute{{Key: "domain", Value: domain}}, ClientNode: node}
}

func podPoint(node, uid, containerScope string) *mapping.Point {
	path := "/kubepods.slice/kubepods-pod" + uid + ".slice"
	if containerScope != "" {
		path += "/" + containerScope
	}
	return &mapping.Point{Source: semconv.AttrEnergySourceAlumetRelay, Metric: "attributed_energy",
		Unit: units.Unit{Quantity: units.Energy, Factor: 1}, HasUnit: true,
		ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: path,
		Attributes: []mapping.Attribute{{Key: "uid", Value: uid}, {Key: "name", Value: "web"}, {Key: "namespace", Value: "shop"}, {Key: "node", Value: node}}}
}

func route(t *testing.T, s *Store, p *mapping.Point, resetOnGreet bool) *Route {
	t.Helper()
	res := mapper.Map(p)
	if res.Reason != "" {
		t.Fatalf("%s: %s", p.Metric, res.Reason)
	}
	return s.NewRoute(res, resetOnGreet)
}

// sums returns the value of every output data point by metric and a label.
func sums(t *testing.T, md pmetric.Metrics) map[string]float64 {
	t.Helper()
	if err := semconvtest.CheckMetrics(md); err != nil {
		t.Fatalf("data model: %v", err)
	}
	out := map[string]float64{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		ent, _ := rm.Resource().Attributes().Get(semconv.AttrK8sNodeName)
		if uid, ok := rm.Resource().Attributes().Get(semconv.AttrK8sPodUID); ok {
			ent = uid
		}
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			m := ms.At(j)
			var dps pmetric.NumberDataPointSlice
			if m.Type() == pmetric.MetricTypeSum {
				dps = m.Sum().DataPoints()
			} else {
				dps = m.Gauge().DataPoints()
			}
			for k := 0; k < dps.Len(); k++ {
				dp := dps.At(k)
				label := ""
				for _, key := range []string{semconv.AttrEnergyDomain, semconv.AttrHWID, semconv.AttrEnergyAttributionLevel, semconv.AttrContainerID} {
					if v, ok := dp.Attributes().Get(key); ok {
						label += "|" + v.Str()
					}
				}
				out[m.Name()+"{"+ent.Str()+label+"}"] = dp.DoubleValue()
			}
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestRAPLDoubleCountTrap sends what Alumet's RAPL plugin sends on a
// two-socket host — per-socket package and DRAM domains, their _total
// variants, a core plane — and checks that host energy is package_total +
// dram_total, not the sum of everything.
func TestRAPLDoubleCountTrap(t *testing.T) {
	s := New(Config{})
	j := units.Unit{Quantity: units.Energy, Factor: 1}
	mj := units.Unit{Quantity: units.Energy, Factor: 1e-3}
	type in struct {
		p *mapping.Point
		v float64
	}
	ins := []in{
		{raplPoint("n", "cpu_package", "0", "package", j), 1.5},
		{raplPoint("n", "cpu_package", "1", "package", j), 2.0},
		{raplPoint("n", "cpu_package", "0", "pp0", j), 1.2},
		{raplPoint("n", "dram", "0", "dram", j), 0.25},
		{raplPoint("n", "dram", "1", "dram", j), 0.25},
		{raplPoint("n", "local_machine", "", "package_total", j), 3.5},
		{raplPoint("n", "local_machine", "", "dram_total", mj), 500}, // 0.5 J in mJ
		{raplPoint("n", "local_machine", "", "pp0_total", j), 2.4},
	}
	ts := time.Unix(1755604520, 0).UnixNano()
	for round := 0; round < 3; round++ {
		for _, x := range ins {
			s.Apply(route(t, s, x.p, true), x.v, ts+int64(round)*1e9, time.Now().UnixNano())
		}
	}
	md, _ := s.Flush()
	got := sums(t, md)
	want := map[string]float64{
		"hw.host.energy{n|package_total+dram_total}": 3 * 4.0,
		"hw.energy{n|cpu_package/0}":                 3 * 1.5,
		"hw.energy{n|cpu_package/1}":                 3 * 2.0,
		"hw.energy{n|cpu_package/0/pp0}":             3 * 1.2,
		"hw.energy{n|dram/0}":                        3 * 0.25,
		"hw.energy{n|dram/1}":                        3 * 0.25,
		"hw.energy{n|package_total}":                 3 * 3.5,
		"hw.energy{n|dram_total}":                    3 * 0.5,
		"hw.energy{n|pp0_total}":                     3 * 2.4,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	for k, v := range want {
		if !near(got[k], v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	// A platform_total domain then outranks the package totals; platform
	// (per-socket psys) points never add to it.
	s.Apply(route(t, s, raplPoint("n", "local_machine", "", "platform_total", j), true), 9, ts+5e9, time.Now().UnixNano())
	s.Apply(route(t, s, raplPoint("n", "local_machine", "", "platform", j), true), 9, ts+5e9, time.Now().UnixNano())
	s.Apply(route(t, s, raplPoint("n", "local_machine", "", "package_total", j), true), 1, ts+5e9, time.Now().UnixNano())
	md, _ = s.Flush()
	got = sums(t, md)
	if len(got) != 2 || got["hw.host.energy{n|platform_total}"] != 9 || got["hw.energy{n|package_total}"] != 11.5 {
		t.Fatalf("after platform_total: %v", got)
	}
}

// TestPodAndContainerLevels checks that pod- and container-level series of
// the same pod stay apart, with one Resource per pod.
func TestPodAndContainerLevels(t *testing.T) {
	s := New(Config{})
	const uid = "5f32d849-6210-4886-a48d-e0d90e1d0206"
	ts := time.Now().UnixNano()
	for i := 0; i < 4; i++ {
		s.Apply(route(t, s, podPoint("node-a", uid, ""), true), 1.0, ts, ts)
		s.Apply(route(t, s, podPoint("node-a", uid, "crio-aaa.scope"), true), 0.75, ts, ts)
		s.Apply(route(t, s, podPoint("node-a", uid, "crio-bbb.scope"), true), 0.25, ts, ts)
	}
	md, n := s.Flush()
	if n != 3 || md.ResourceMetrics().Len() != 1 {
		t.Fatalf("%d points in %d resources", n, md.ResourceMetrics().Len())
	}
	res := md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()
	if res[semconv.AttrK8sPodUID] != uid || res[semconv.AttrK8sPodName] != "web" || res[semconv.AttrK8sNamespaceName] != "shop" || res[semconv.AttrK8sNodeName] != "node-a" {
		t.Fatalf("resource %v", res)
	}
	got := sums(t, md)
	want := map[string]float64{"eco.pod.energy{" + uid + "|pod}": 4, "eco.pod.energy{" + uid + "|container|aaa}": 3, "eco.pod.energy{" + uid + "|container|bbb}": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func firstPoint(md pmetric.Metrics) pmetric.NumberDataPoint {
	return md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0)
}

func TestResetOnGreetAndGap(t *testing.T) {
	s := New(Config{GapReset: time.Minute})
	j := units.Unit{Quantity: units.Energy, Factor: 1}
	p := raplPoint("n", "local_machine", "", "platform_total", j)
	r := route(t, s, p, true)
	t0 := time.Unix(1000, 0).UnixNano()
	s.Apply(r, 5, t0, t0)
	s.Apply(r, 5, t0+1e9, t0)
	md, _ := s.Flush()
	if dp := firstPoint(md); dp.DoubleValue() != 10 || int64(dp.StartTimestamp()) != t0 || int64(dp.Timestamp()) != t0+1e9 {
		t.Fatalf("before: %v %v %v", dp.DoubleValue(), dp.StartTimestamp(), dp.Timestamp())
	}
	s.NodeGreeted("n")
	s.Apply(r, 2, t0+2e9, t0)
	md, _ = s.Flush()
	if dp := firstPoint(md); dp.DoubleValue() != 2 || int64(dp.StartTimestamp()) != t0+2e9 {
		t.Fatalf("after Greet: %v start %v", dp.DoubleValue(), dp.StartTimestamp())
	}
	// A route without resetOnGreet (OTLP, CSV) keeps counting across Greets.
	r2 := route(t, s, raplPoint("n2", "local_machine", "", "platform_total", j), false)
	s.Apply(r2, 1, t0, t0)
	s.NodeGreeted("n2")
	s.Apply(r2, 1, t0+1e9, t0)
	if md, _ = s.Flush(); firstPoint(md).DoubleValue() != 2 {
		t.Fatalf("no-reset route: %v", firstPoint(md).DoubleValue())
	}
	// Gap: two points further apart than GapReset start a new counter; the
	// last value before the reset is still flushed.
	s.Apply(r, 3, t0+3e9, t0)
	s.Apply(r, 4, t0+3e9+2*int64(time.Minute), t0)
	md, n := s.Flush()
	if n != 2 {
		t.Fatalf("gap: %d points, want final + new", n)
	}
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	if dps.At(0).DoubleValue() != 5 || dps.At(1).DoubleValue() != 4 || s.Stats().Resets != 2 {
		t.Fatalf("gap: %v then %v, resets %d", dps.At(0).DoubleValue(), dps.At(1).DoubleValue(), s.Stats().Resets)
	}
}

func TestExpiryAndRevival(t *testing.T) {
	s := New(Config{Expiry: time.Minute})
	const uid = "5f32d849-6210-4886-a48d-e0d90e1d0206"
	r := route(t, s, podPoint("node-a", uid, ""), true)
	now := time.Now()
	s.Apply(r, 1, now.UnixNano(), now.UnixNano())
	s.Flush()
	if n := s.Expire(now.Add(30 * time.Second)); n != 0 {
		t.Fatalf("expired %d too early", n)
	}
	if n := s.Expire(now.Add(2 * time.Minute)); n != 1 || s.Stats().Active != 0 || len(s.pods) != 0 || len(s.nodes) != 0 {
		t.Fatalf("expired %d, active %d, pods %d, nodes %d", n, s.Stats().Active, len(s.pods), len(s.nodes))
	}
	if md, n := s.Flush(); n != 0 || md.ResourceMetrics().Len() != 0 {
		t.Fatal("an expired series was flushed")
	}
	// The pod comes back through a cached route: a new series starts.
	later := now.Add(3 * time.Minute).UnixNano()
	s.Apply(r, 2, later, later)
	md, _ := s.Flush()
	if dp := firstPoint(md); dp.DoubleValue() != 2 || int64(dp.StartTimestamp()) != later {
		t.Fatalf("revived: %v start %v", dp.DoubleValue(), dp.StartTimestamp())
	}
}

func TestConcurrentApplyIsExact(t *testing.T) {
	s := New(Config{})
	j := units.Unit{Quantity: units.Energy, Factor: 1}
	r := route(t, s, raplPoint("n", "local_machine", "", "package_total", j), true)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10000; i++ {
				s.Apply(r, 0.5, int64(i), 0)
				if i%1000 == 0 {
					s.Flush()
				}
			}
		}()
	}
	wg.Wait()
	md, _ := s.Flush()
	var total float64
	if md.ResourceMetrics().Len() > 0 {
		total = sums(t, md)["hw.host.energy{n|package_total}"]
	}
	if total == 0 {
		// Everything was flushed by the goroutines: the value is cumulative,
		// so any later point shows it.
		s.Apply(r, 0, 0, 0)
		md, _ = s.Flush()
		total = sums(t, md)["hw.host.energy{n|package_total}"]
	}
	if total != 8*10000*0.5 {
		t.Fatalf("total %v, want %v", total, 8*10000*0.5)
	}
}

func TestPowerIsAGauge(t *testing.T) {
	m := mapping.New(mapping.Config{HostPower: regexp.MustCompile(`^host_power$`)})
	s := New(Config{})
	res := m.Map(&mapping.Point{Metric: "host_power", Unit: units.Unit{Quantity: units.Power, Factor: 1}, HasUnit: true,
		ResourceKind: "local_machine", ConsumerKind: "local_machine", ClientNode: "n"})
	r := s.NewRoute(res, true)
	s.Apply(r, 120, 2e9, 0)
	s.Apply(r, 100, 1e9, 0) // older: ignored
	md, _ := s.Flush()
	got := sums(t, md)
	if got["hw.host.power{n}"] != 120 {
		t.Fatalf("%v", got)
	}
}
