package emission

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ecotel/ecotel/semconv"
)

func TestEveryFuelIsInTheRegistry(t *testing.T) {
	allowed := semconv.Attributes[semconv.AttrGridFuel].Values
	for _, psr := range PSRTypes() {
		fuel, _ := FuelOf(psr)
		if !slices.Contains(allowed, fuel) {
			t.Errorf("%s → %q is not an eco.grid.fuel value", psr, fuel)
		}
		if PSRTypeName(psr) == "" {
			t.Errorf("%s has no name", psr)
		}
	}
	for _, f := range Fuels() {
		if !slices.Contains(allowed, f) {
			t.Errorf("fuel %q not in the registry", f)
		}
		if _, ok := DefaultLifecycle()[f]; !ok {
			t.Errorf("no lifecycle factor for %s", f)
		}
		if _, ok := DefaultDirect()[f]; !ok {
			t.Errorf("no direct factor for %s", f)
		}
	}
	for _, notGeneration := range []string{"B21", "B22", "B23", "B24", "A03", ""} {
		if _, ok := FuelOf(notGeneration); ok {
			t.Errorf("%q should have no fuel", notGeneration)
		}
	}
}

func TestGroupingFollowsElectricityMaps(t *testing.T) {
	// ENTSOE_PARAMETER_GROUPS (reference §5).
	want := map[string][]string{
		"biomass": {"B01", "B17"}, "coal": {"B02", "B05", "B07", "B08"}, "gas": {"B03", "B04"},
		"geothermal": {"B09"}, "hydro": {"B11", "B12"}, "nuclear": {"B14"}, "oil": {"B06"},
		"solar": {"B16"}, "wind": {"B18", "B19"}, "unknown": {"B13", "B15", "B20"},
		"hydro_storage": {"B10"}, "battery_storage": {"B25"},
	}
	for fuel, psrs := range want {
		for _, psr := range psrs {
			if got, _ := FuelOf(psr); got != fuel {
				t.Errorf("%s → %s, want %s", psr, got, fuel)
			}
		}
	}
}

func TestCompute(t *testing.T) {
	sources := []Source{
		{"B14", semconv.AttrGridFuelNuclear, 1000},
		{"B04", semconv.AttrGridFuelGas, 500},
		{"B19", semconv.AttrGridFuelWind, 500},
		{"B10", semconv.AttrGridFuelHydroStorage, 1000},
		{"B05", semconv.AttrGridFuelCoal, -50}, // self-consumption reported as generation: ignored
	}
	r, ok := Compute(sources, DefaultLifecycle(), Options{})
	if !ok {
		t.Fatal("no result")
	}
	// (1000·12 + 500·490 + 500·11) / 2000
	if want := (12000.0 + 245000 + 5500) / 2000; math.Abs(r.IntensityGPerKWh-want) > 1e-9 {
		t.Errorf("intensity %v, want %v", r.IntensityGPerKWh, want)
	}
	if r.RenewableShare != 0.25 || r.LowCarbonShare != 0.75 || r.CountedMW != 2000 {
		t.Errorf("shares %+v", r)
	}
	// Counting storage discharge adds it with its own factor and as renewable.
	r, _ = Compute(sources, DefaultLifecycle(), Options{CountStorage: true})
	if want := (12000.0 + 245000 + 5500 + 362900) / 3000; math.Abs(r.IntensityGPerKWh-want) > 1e-9 || r.RenewableShare != 0.5 {
		t.Errorf("with storage %+v, want intensity %v", r, want)
	}
	d, _ := Compute(sources, DefaultDirect(), Options{})
	if want := 500 * 370.0 / 2000; math.Abs(d.IntensityGPerKWh-want) > 1e-9 {
		t.Errorf("direct %v, want %v", d.IntensityGPerKWh, want)
	}
	if _, ok := Compute([]Source{{"B16", semconv.AttrGridFuelSolar, 0}}, DefaultLifecycle(), Options{}); ok {
		t.Error("nothing produced: no intensity exists")
	}
	if _, ok := Compute(sources, Factors{semconv.AttrGridFuelNuclear: 12}, Options{}); ok {
		t.Error("a fuel without factor must not silently count as zero")
	}
}

func TestOverrides(t *testing.T) {
	f := DefaultLifecycle().With(map[string]float64{"coal": 1112.69})
	if f["coal"] != 1112.69 || DefaultLifecycle()["coal"] != 820 || f["gas"] != 490 {
		t.Errorf("With must copy: %v", f)
	}
	if err := ValidateOverrides(map[string]float64{"coal": 1000, "wind": 0}); err != nil {
		t.Error(err)
	}
	err := ValidateOverrides(map[string]float64{"lignite": 1000, "gas": -1, "oil": 6000, "solar": math.NaN()})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`unknown fuel "lignite"`, "gas: -1", "oil: 6000", "solar: NaN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
}
