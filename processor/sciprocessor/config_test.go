package sciprocessor

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/confmap"

	"github.com/ecotel/ecotel/internal/configtest"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	return configtest.Load[Config](t, NewFactory(), name)
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	if err := confmap.Validate(def); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	if def.Output.Pods != PodOutputFull || def.Window != time.Minute || def.Split != "requests" || def.FunctionalUnit.label() != "hour" || def.interval() != time.Minute {
		t.Errorf("unexpected defaults: %+v", def)
	}

	custom := loadConfig(t, "custom")
	if err := confmap.Validate(custom); err != nil {
		t.Fatal(err)
	}
	want := createDefaultConfig().(*Config)
	want.Window, want.Interval, want.Delay, want.MaxGap = 5*time.Minute, time.Minute, 20*time.Second, 45*time.Second
	want.CarbonIntensityMethod, want.GridMaxAge, want.HardwareMaxAge = "direct", 2*time.Hour, 30*time.Minute
	want.Split = "usage"
	want.FunctionalUnit = FunctionalUnitConfig{Type: FunctionalUnitRequests, Metric: "http.server.request.duration", Per: time.Hour}
	want.Ranking.AssumedUtilization = 0.3
	want.Headroom.Trailing = 12 * time.Hour
	want.RollUps, want.DropInputs = false, true
	want.Limits = LimitsConfig{SeriesTTL: 10 * time.Minute, MaxZones: 10, MaxNodes: 100, MaxPods: 1000, MaxFunctionalUnitSeries: 5000}
	want.Output.Pods = PodOutputScore
	want.NodesWithoutEnergy = NodesWithoutEnergySkip
	if *custom != *want {
		t.Errorf("custom config\n got %+v\nwant %+v", *custom, *want)
	}
	if c := loadConfig(t, "constant"); confmap.Validate(c) != nil || c.FunctionalUnit.label() != "user" {
		t.Errorf("constant R: %v, label %q", confmap.Validate(c), c.FunctionalUnit.label())
	}
}

func TestConfigErrorsNameFieldAndFix(t *testing.T) {
	for name, want := range map[string]string{
		"bad_method":               `carbon_intensity_method: "marginal" is not "lifecycle" or "direct"`,
		"bad_split":                `split: "idle" is not requests, usage or none`,
		"requests_without_metric":  "functional_unit.metric: required for type requests",
		"constant_without_value":   "functional_unit.value: 0 must be a positive number",
		"bad_window":               "window: 100ms is too short",
		"odd_time_unit":            "functional_unit.name: required for per 1h30m0s",
		"bad_pod_output":           `output.pods: "some" is not "full", "score" or "none"`,
		"bad_nodes_without_energy": `nodes_without_energy: "drop" is not "report" or "skip"`,
	} {
		err := confmap.Validate(loadConfig(t, name))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, want)
		}
	}
}

func TestMetadataConformsToRegistry(t *testing.T) {
	if err := semconvtest.CheckMetadataFile("metadata.yaml"); err != nil {
		t.Fatal(err)
	}
}
