package mapping

import (
	"regexp"
	"testing"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
	"github.com/ecotel/ecotel/semconv"
)

var joule = units.Unit{Quantity: units.Energy, Factor: 1}

func testMapper() *Mapper {
	return New(Config{AttributedEnergy: regexp.MustCompile(`^attributed_.*energy$`), HostPower: regexp.MustCompile(`^host_power$`)})
}

func rapl(resKind, resID, domain string) *Point {
	return &Point{Source: "alumet_relay", Metric: "rapl_consumed_energy", Unit: joule, HasUnit: true,
		ResourceKind: resKind, ResourceID: resID, ConsumerKind: "local_machine",
		Attributes: []Attribute{{"domain", domain}}, ClientNode: "node-a"}
}

func TestRAPLDomains(t *testing.T) {
	cases := []struct {
		p     *Point
		hwID  string
		tier  HostTier
		nTgts int
	}{
		{rapl("cpu_package", "0", "package"), "cpu_package/0", TierSockets, 2},
		{rapl("cpu_package", "1", "pp0"), "cpu_package/1/pp0", TierNone, 1},
		{rapl("dram", "0", "dram"), "dram/0", TierSockets, 2},
		{rapl("local_machine", "", "package_total"), "package_total", TierTotals, 2},
		{rapl("local_machine", "", "dram_total"), "dram_total", TierTotals, 2},
		{rapl("local_machine", "", "pp0_total"), "pp0_total", TierNone, 1},
		{rapl("local_machine", "", "platform"), "", TierPlatform, 1},
		{rapl("local_machine", "", "platform_total"), "", TierPlatformTotal, 1},
	}
	m := testMapper()
	for _, c := range cases {
		r := m.Map(c.p)
		if len(r.Targets) != c.nTgts {
			t.Errorf("%s/%s: %d targets (%s), want %d", c.p.ResourceKind, c.p.Attr("domain"), len(r.Targets), r.Reason, c.nTgts)
			continue
		}
		var gotHW string
		var gotTier HostTier
		for _, tg := range r.Targets {
			if tg.Node != "node-a" {
				t.Errorf("node %q", tg.Node)
			}
			switch tg.Kind {
			case HWEnergy:
				gotHW = tg.HWID
			case HostEnergy:
				gotTier = tg.Tier
			}
		}
		if gotHW != c.hwID || gotTier != c.tier {
			t.Errorf("%s/%s: hw %q tier %d, want %q %d", c.p.ResourceKind, c.p.Attr("domain"), gotHW, gotTier, c.hwID, c.tier)
		}
	}
}

func TestPodAndContainerLevels(t *testing.T) {
	const uid = "5f32d849-6210-4886-a48d-e0d90e1d0206"
	podPath := "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f32d849_6210_4886_a48d_e0d90e1d0206.slice"
	m := testMapper()
	for _, c := range []struct {
		path, level, container string
		attrs                  []Attribute
	}{
		{podPath, "pod", "", []Attribute{{"uid", uid}, {"name", "web"}, {"namespace", "shop"}, {"node", "node-b"}}},
		{podPath + "/cri-containerd-abc123.scope", "container", "abc123", []Attribute{{"uid", uid}, {"node", "node-b"}}},
		{podPath + "/crio-def456.scope", "container", "def456", nil},
		{podPath + "/docker-0a1b.scope", "container", "0a1b", nil},
		{"0::/kubepods/burstable/pod" + uid + "/0123456789abcdef0123", "container", "0123456789abcdef0123", nil},
		{"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uid + ".slice", "pod", "", nil},
	} {
		p := &Point{Source: "alumet_relay", Metric: "attributed_energy", Unit: joule, HasUnit: true,
			ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: c.path, Attributes: c.attrs, ClientNode: "node-a"}
		r := m.Map(p)
		if len(r.Targets) != 1 {
			t.Fatalf("%s: %s", c.path, r.Reason)
		}
		tg := r.Targets[0]
		if tg.Kind != PodEnergy || tg.PodUID != uid || tg.Level != c.level || tg.ContainerID != c.container || tg.Formula != "attributed_energy" {
			t.Errorf("%s: %+v", c.path, tg)
		}
		wantNode := "node-a"
		if p.Attr("node") != "" {
			wantNode = p.Attr("node")
		}
		if tg.Node != wantNode {
			t.Errorf("%s: node %q, want %q (the point's node attribute wins)", c.path, tg.Node, wantNode)
		}
	}
	if tg := m.Map(&Point{Metric: "attributed_energy", Unit: joule, HasUnit: true, ConsumerKind: "cgroup", ConsumerID: podPath, ClientNode: "n"}).Targets[0]; tg.Level != semconv.AttrEnergyAttributionLevelPod {
		t.Errorf("level %q", tg.Level)
	}
}

func TestReasons(t *testing.T) {
	m := testMapper()
	cases := map[string]struct {
		p    *Point
		want string
	}{
		"cpu_percent":               {&Point{Metric: "cpu_percent", Unit: units.Unit{Quantity: units.Other, Factor: 1}, HasUnit: true, ClientNode: "n"}, ReasonUnmapped},
		"process attributed energy": {&Point{Metric: "attributed_energy", Unit: joule, HasUnit: true, ConsumerKind: "process", ConsumerID: "636036", ClientNode: "n"}, ReasonNoPod},
		"no node":                   {rapl("local_machine", "", "package_total"), ReasonNoNode},
		"attributed in W":           {&Point{Metric: "attributed_energy", Unit: units.Unit{Quantity: units.Power, Factor: 1}, HasUnit: true}, ReasonUnsupportedUnit},
		"custom unit":               {&Point{Metric: "co2", HasUnit: true, ClientNode: "n"}, ReasonUnsupportedUnit},
		"cpu time user":             {&Point{Metric: "cpu_time_delta", ConsumerKind: "cgroup", ConsumerID: "/kubepods/pod5f32d849-6210-4886-a48d-e0d90e1d0206", Attributes: []Attribute{{"kind", "user"}}, ClientNode: "n"}, ReasonUnmapped},
	}
	cases["no node"].p.ClientNode = ""
	for name, c := range cases {
		if r := m.Map(c.p); r.Reason != c.want || len(r.Targets) != 0 {
			t.Errorf("%s: %+v, want reason %s", name, r, c.want)
		}
	}
	// Units missing (Prometheus ≤ v0.9.5): Alumet's documented units apply.
	r := m.Map(&Point{Metric: "nvml_energy_consumption", ResourceKind: "gpu", ResourceID: "0000:01:00.0", ConsumerKind: "local_machine", ClientNode: "n"})
	if len(r.Targets) != 1 || r.Factor != 1e-3 || r.Targets[0].HWID != "gpu/0000:01:00.0" {
		t.Errorf("nvml: %+v", r)
	}
	r = m.Map(&Point{Metric: "cpu_time_delta", ConsumerKind: "cgroup", ConsumerID: "/kubepods/pod5f32d849-6210-4886-a48d-e0d90e1d0206", ClientNode: "n"})
	if len(r.Targets) != 1 || r.Factor != 1e-9 || r.Targets[0].Kind != PodCPUTime {
		t.Errorf("cpu time: %+v", r)
	}
	r = m.Map(&Point{Metric: "host_power", Unit: units.Unit{Quantity: units.Power, Factor: 1e-3}, HasUnit: true, ResourceKind: "local_machine", ConsumerKind: "local_machine", ClientNode: "n"})
	if len(r.Targets) != 1 || r.Targets[0].Kind != HostPower || r.Factor != 1e-3 {
		t.Errorf("power: %+v", r)
	}
}
