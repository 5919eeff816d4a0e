package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadShippedModel(t *testing.T) {
	r, err := Load("../../model")
	if err != nil {
		t.Fatal(err)
	}
	// The join keys every component relies on must exist.
	for _, key := range []string{"eco.grid.zone.code", "k8s.node.name", "k8s.pod.uid", "eco.energy.attribution.level"} {
		if _, ok := r.Attributes[key]; !ok {
			t.Errorf("attribute %q missing", key)
		}
	}
	if got := r.Metrics["hw.host.energy"].PrometheusName; got != "hw_host_energy_joules_total" {
		t.Errorf("hw.host.energy Prometheus name = %q", got)
	}
}

func TestLoadRejectsBadModels(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"dangling ref": {`groups:
  - id: metric.eco.x
    type: metric
    metric_name: eco.x
    brief: x
    instrument: gauge
    unit: "1"
    stability: development
    attributes: [{ref: eco.nope, requirement_level: required}]
`, `attribute ref "eco.nope" is not defined`},
		"no unit": {`groups:
  - id: metric.eco.x
    type: metric
    metric_name: eco.x
    brief: x
    instrument: gauge
    stability: development
`, "metric needs a unit"},
		"bad instrument": {`groups:
  - id: metric.eco.x
    type: metric
    metric_name: eco.x
    brief: x
    instrument: meter
    unit: "1"
    stability: development
`, `instrument "meter"`},
		"namespace clash": {`groups:
  - id: registry.eco.a
    type: attribute_group
    brief: a
    attributes:
      - {id: eco.a, type: string, stability: development, brief: a}
      - {id: eco.a.b, type: string, stability: development, brief: b}
`, `"eco.a" is also used as the namespace`},
		"unknown field": {`groups:
  - id: registry.eco.a
    type: attribute_group
    brief: a
    colour: red
`, "field colour not found"},
		"bad requirement": {`groups:
  - id: registry.eco.a
    type: attribute_group
    brief: a
    attributes:
      - {id: eco.a, type: string, stability: development, brief: a}
  - id: metric.eco.x
    type: metric
    metric_name: eco.x
    brief: x
    instrument: gauge
    unit: "1"
    stability: development
    attributes: [{ref: eco.a, requirement_level: mandatory}]
`, `requirement_level "mandatory"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"eco.grid.carbon_intensity": "GridCarbonIntensity",
		"k8s.pod.uid":               "K8sPodUID",
		"eco.node.carbon_per_vcpu":  "NodeCarbonPerVCPU",
		"hw.host.energy":            "HWHostEnergy",
	} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
}
