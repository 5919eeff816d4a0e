package state

import "testing"

func TestLimitsAndExpiry(t *testing.T) {
	s := New(Limits{MaxZones: 1, MaxNodes: 2, MaxPods: 1, MaxFunctionalUnitSeries: 1, TTLNs: 100}, 1000)
	if s.Zone("FR", 1) == nil || s.Zone("DE-LU", 1) != nil {
		t.Error("zone limit not applied")
	}
	if s.Node("a", 1) == nil || s.Node("b", 1) == nil || s.Node("c", 1) != nil {
		t.Error("node limit not applied")
	}
	if s.Pod("p1", 1) == nil || s.Pod("p2", 1) != nil || s.Pod("p1", 1) == nil {
		t.Error("pod limit applied to an existing pod, or not at all")
	}
	if s.FunctionalUnitSeries(7, 1) == nil || s.FunctionalUnitSeries(8, 1) != nil {
		t.Error("functional-unit series limit not applied")
	}
	if s.SizeBytes() <= 0 {
		t.Error("size not reported")
	}
	s.Node("a", 150) // refreshed
	zones, nodes, pods, units := s.Expire(200)
	if zones != 1 || nodes != 1 || pods != 1 || units != 1 {
		t.Errorf("expired %d zones, %d nodes, %d pods, %d units; want 1 each", zones, nodes, pods, units)
	}
	if _, ok := s.Nodes["a"]; !ok {
		t.Error("a refreshed node expired")
	}
	if s.SizeBytes() == 0 || len(s.Nodes) != 1 {
		t.Error("state after expiry wrong")
	}
}

func TestUpdateDoesNotRetainEqualStrings(t *testing.T) {
	var dst string
	Update(&dst, "node-1")
	kept := dst
	Update(&dst, "node-1")
	Update(&dst, "")
	if dst != "node-1" || dst != kept {
		t.Errorf("dst %q", dst)
	}
	if n := testing.AllocsPerRun(100, func() { Update(&dst, "node-1") }); n != 0 {
		t.Errorf("steady-state update allocates %v times", n)
	}
}
