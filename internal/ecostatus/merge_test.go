package ecostatus

import (
	"testing"
)

func f(v float64) *float64 { return &v }

func TestMerge(t *testing.T) {
	grid := Snapshot{Zones: []Zone{
		{Code: "SE-3", IntensityLifecycleGPerKWh: f(31), Mix: []FuelMW{{"hydro", 5000}}},
		{Code: "FR", IntensityLifecycleGPerKWh: f(55), PricePerMWh: f(80), Currency: "EUR"},
	}}
	sci := Snapshot{
		Zones: []Zone{{Code: "FR", GreenHeadroom: f(0.7)}},
		Nodes: []Node{
			{Name: "b", Zone: "FR", CarbonPerVCPUGPerHour: f(3)},
			{Name: "c"},
			{Name: "a", Zone: "SE-3", CarbonPerVCPUGPerHour: f(1.5)},
		},
		Pods: []Pod{{UID: "u1", SCI: &SCI{Score: 0.5}}, {UID: "u2", SCI: &SCI{Score: 2}}, {UID: "u3"}},
	}
	hw := Snapshot{Nodes: []Node{{Name: "b", Profile: "aws-m5", PUE: f(1.135)}}, Pods: []Pod{{UID: "u1", Name: "web", Namespace: "shop"}}}
	got := Merge(grid, sci, hw)

	if len(got.Zones) != 2 || got.Zones[0].Code != "FR" || *got.Zones[0].PricePerMWh != 80 || *got.Zones[0].GreenHeadroom != 0.7 || *got.Zones[0].IntensityLifecycleGPerKWh != 55 {
		t.Fatalf("zones: %+v", got.Zones)
	}
	if names := [3]string{got.Nodes[0].Name, got.Nodes[1].Name, got.Nodes[2].Name}; names != [3]string{"a", "b", "c"} {
		t.Fatalf("nodes not ranked greenest first, unknown last: %v", names)
	}
	if got.Nodes[1].Profile != "aws-m5" || *got.Nodes[1].PUE != 1.135 || *got.Nodes[1].CarbonPerVCPUGPerHour != 3 {
		t.Fatalf("node b not merged: %+v", got.Nodes[1])
	}
	if got.Pods[0].UID != "u2" || got.Pods[1].UID != "u1" || got.Pods[1].Name != "web" || got.Pods[2].UID != "u3" {
		t.Fatalf("pods: %+v", got.Pods)
	}
}
