package semconvtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/semconv"
)

func intensity(unit, method string) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(semconv.AttrGridZoneCode, "FR")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName(semconv.MetricGridCarbonIntensity)
	m.SetUnit(unit)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(42)
	dp.Attributes().PutStr(semconv.AttrCarbonIntensityMethod, method)
	return md
}

func TestCheckMetrics(t *testing.T) {
	if err := CheckMetrics(intensity(semconv.MetricGridCarbonIntensityUnit, semconv.AttrCarbonIntensityMethodLifecycle)); err != nil {
		t.Fatalf("conforming metrics rejected: %v", err)
	}
	cases := map[string]struct {
		md   pmetric.Metrics
		want string
	}{
		"wrong unit": {intensity("g{CO2e}/kW.h", "lifecycle"), `unit "g{CO2e}/kW.h"`},
		"bad enum":   {intensity(semconv.MetricGridCarbonIntensityUnit, "marginal"), `"marginal" is not one of`},
		"missing attr": {func() pmetric.Metrics {
			md := intensity("g/kW.h", "direct")
			md.ResourceMetrics().At(0).Resource().Attributes().Clear()
			return md
		}(), `required attribute "eco.grid.zone.code" missing`},
		"unknown metric": {func() pmetric.Metrics {
			md := intensity("g/kW.h", "direct")
			md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).SetName("eco.grid.co2")
			return md
		}(), `"eco.grid.co2" is not in the semconv registry`},
		"wrong type": {func() pmetric.Metrics {
			md := intensity("g/kW.h", "direct")
			m := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
			m.SetEmptySum().DataPoints().AppendEmpty().SetDoubleValue(1)
			return md
		}(), "registry says gauge"},
		"undeclared attr": {func() pmetric.Metrics {
			md := intensity("g/kW.h", "direct")
			md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0).Attributes().PutStr("k8s.pod.uid", "x")
			return md
		}(), `"k8s.pod.uid" is not declared`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := CheckMetrics(tc.md)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	md := intensity("g/kW.h", "direct")
	md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).SetName("alumet.cpu_percent")
	if err := CheckMetrics(md, "alumet.cpu_percent"); err != nil {
		t.Fatalf("allowed foreign metric rejected: %v", err)
	}
}

func TestCheckMetadataFile(t *testing.T) {
	dir := t.TempDir()
	good := `type: x
resource_attributes:
  eco.grid.zone.code: {type: string, enabled: true}
attributes:
  method: {name_override: eco.carbon_intensity.method, type: string}
metrics:
  eco.grid.carbon_intensity:
    unit: g/kW.h
    gauge: {value_type: double}
    attributes: [method]
`
	p := filepath.Join(dir, "metadata.yaml")
	if err := os.WriteFile(p, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckMetadataFile(p); err != nil {
		t.Fatalf("conforming metadata rejected: %v", err)
	}
	bad := strings.ReplaceAll(good, "unit: g/kW.h", "unit: gCO2/kWh")
	bad = strings.ReplaceAll(bad, "gauge: {value_type: double}", "sum: {value_type: double, monotonic: true}")
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	err := CheckMetadataFile(p)
	for _, want := range []string{`unit "gCO2/kWh"`, "instrument differs"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}
