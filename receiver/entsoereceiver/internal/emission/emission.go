// Package emission turns a generation mix into a carbon intensity and into
// renewable and low-carbon shares. It holds the ENTSO-E production type →
// fuel grouping and the default emission factors, both following Electricity
// Maps (electricitymaps-contrib config/defaults.yaml, ENTSOE.py
// ENTSOE_PARAMETER_GROUPS; factors from IPCC 2014 AR5 Annex III where it has
// one), so the numbers can be checked against an independent implementation.
package emission

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecotel/ecotel/semconv"
)

// fuelByPSRType groups ENTSO-E production (PSR) types into fuels, the values
// of the eco.grid.fuel attribute. B21–B24 (links, substations, transformers)
// are grid assets, not generation, and have no fuel.
var fuelByPSRType = map[string]string{
	"B01": semconv.AttrGridFuelBiomass, // Biomass
	"B17": semconv.AttrGridFuelBiomass, // Waste
	"B02": semconv.AttrGridFuelCoal,    // Fossil brown coal/lignite
	"B05": semconv.AttrGridFuelCoal,    // Fossil hard coal
	"B07": semconv.AttrGridFuelCoal,    // Fossil oil shale
	"B08": semconv.AttrGridFuelCoal,    // Fossil peat
	"B03": semconv.AttrGridFuelGas,     // Fossil coal-derived gas
	"B04": semconv.AttrGridFuelGas,     // Fossil gas
	"B06": semconv.AttrGridFuelOil,     // Fossil oil
	"B09": semconv.AttrGridFuelGeothermal,
	"B11": semconv.AttrGridFuelHydro, // Run-of-river and poundage
	"B12": semconv.AttrGridFuelHydro, // Water reservoir
	"B14": semconv.AttrGridFuelNuclear,
	"B16": semconv.AttrGridFuelSolar,
	"B18": semconv.AttrGridFuelWind,    // Offshore
	"B19": semconv.AttrGridFuelWind,    // Onshore
	"B13": semconv.AttrGridFuelUnknown, // Marine
	"B15": semconv.AttrGridFuelUnknown, // Other renewable
	"B20": semconv.AttrGridFuelUnknown, // Other
	"B10": semconv.AttrGridFuelHydroStorage,
	"B25": semconv.AttrGridFuelBatteryStorage,
}

// psrTypeNames are ENTSO-E's names, for documentation and logs.
var psrTypeNames = map[string]string{
	"B01": "Biomass", "B02": "Fossil Brown coal/Lignite", "B03": "Fossil Coal-derived gas",
	"B04": "Fossil Gas", "B05": "Fossil Hard coal", "B06": "Fossil Oil", "B07": "Fossil Oil shale",
	"B08": "Fossil Peat", "B09": "Geothermal", "B10": "Hydro Pumped Storage",
	"B11": "Hydro Run-of-river and poundage", "B12": "Hydro Water Reservoir", "B13": "Marine",
	"B14": "Nuclear", "B15": "Other renewable", "B16": "Solar", "B17": "Waste",
	"B18": "Wind Offshore", "B19": "Wind Onshore", "B20": "Other", "B25": "Energy storage",
}

// FuelOf returns the fuel a production type counts as.
func FuelOf(psrType string) (string, bool) {
	f, ok := fuelByPSRType[psrType]
	return f, ok
}

// PSRTypeName returns ENTSO-E's name of a production type.
func PSRTypeName(psrType string) string { return psrTypeNames[psrType] }

// PSRTypes returns every production type with a fuel, sorted.
func PSRTypes() []string {
	out := make([]string, 0, len(fuelByPSRType))
	for k := range fuelByPSRType {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsStorage reports whether a fuel is storage discharge: energy generated
// earlier (and counted then) and released now.
func IsStorage(fuel string) bool {
	return fuel == semconv.AttrGridFuelHydroStorage || fuel == semconv.AttrGridFuelBatteryStorage
}

// Fuels returns every fuel, in a stable order.
func Fuels() []string {
	return []string{
		semconv.AttrGridFuelBiomass, semconv.AttrGridFuelCoal, semconv.AttrGridFuelGas,
		semconv.AttrGridFuelOil, semconv.AttrGridFuelNuclear, semconv.AttrGridFuelHydro,
		semconv.AttrGridFuelWind, semconv.AttrGridFuelSolar, semconv.AttrGridFuelGeothermal,
		semconv.AttrGridFuelUnknown, semconv.AttrGridFuelHydroStorage, semconv.AttrGridFuelBatteryStorage,
	}
}

// renewable and lowCarbon follow Electricity Maps' isRenewable/isLowCarbon
// flags: nuclear is low-carbon but not renewable; unknown counts as neither
// (it is assumed thermal); storage discharge counts as renewable.
var renewable = map[string]bool{
	semconv.AttrGridFuelBiomass: true, semconv.AttrGridFuelGeothermal: true, semconv.AttrGridFuelHydro: true,
	semconv.AttrGridFuelSolar: true, semconv.AttrGridFuelWind: true,
	semconv.AttrGridFuelHydroStorage: true, semconv.AttrGridFuelBatteryStorage: true,
}

// IsRenewable reports whether a fuel counts towards the renewable share.
func IsRenewable(fuel string) bool { return renewable[fuel] }

// IsLowCarbon reports whether a fuel counts towards the low-carbon share.
func IsLowCarbon(fuel string) bool { return renewable[fuel] || fuel == semconv.AttrGridFuelNuclear }

// Factors are emission factors per fuel in gCO2e per kWh generated.
type Factors map[string]float64

// Clone returns an independent copy.
func (f Factors) Clone() Factors {
	out := make(Factors, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// With returns a copy with overrides applied.
func (f Factors) With(overrides map[string]float64) Factors {
	out := f.Clone()
	for k, v := range overrides {
		out[k] = v
	}
	return out
}

// DefaultLifecycle returns Electricity Maps' default lifecycle factors
// (config/defaults.yaml emissionFactors.lifecycle): IPCC 2014 medians for
// coal, gas, biomass, nuclear, hydro, wind, solar, geothermal; UK POST 2014
// for oil; 700 for unknown (assumed thermal); the 2025 EU fallbacks for
// storage discharge (only used when storage discharge is counted).
func DefaultLifecycle() Factors {
	return Factors{
		semconv.AttrGridFuelCoal:           820,
		semconv.AttrGridFuelGas:            490,
		semconv.AttrGridFuelOil:            650,
		semconv.AttrGridFuelBiomass:        230,
		semconv.AttrGridFuelNuclear:        12,
		semconv.AttrGridFuelHydro:          24,
		semconv.AttrGridFuelWind:           11,
		semconv.AttrGridFuelSolar:          45,
		semconv.AttrGridFuelGeothermal:     38,
		semconv.AttrGridFuelUnknown:        700,
		semconv.AttrGridFuelHydroStorage:   362.9,
		semconv.AttrGridFuelBatteryStorage: 358.44,
	}
}

// DefaultDirect returns Electricity Maps' default direct (combustion only)
// factors (config/defaults.yaml emissionFactors.direct).
func DefaultDirect() Factors {
	return Factors{
		semconv.AttrGridFuelCoal:           760,
		semconv.AttrGridFuelGas:            370,
		semconv.AttrGridFuelOil:            406,
		semconv.AttrGridFuelBiomass:        0,
		semconv.AttrGridFuelNuclear:        0,
		semconv.AttrGridFuelHydro:          0,
		semconv.AttrGridFuelWind:           0,
		semconv.AttrGridFuelSolar:          0,
		semconv.AttrGridFuelGeothermal:     0,
		semconv.AttrGridFuelUnknown:        575,
		semconv.AttrGridFuelHydroStorage:   303.19,
		semconv.AttrGridFuelBatteryStorage: 297.68,
	}
}

// MaxFactor bounds a configured factor: nothing burns dirtier than about
// 1,500 g/kWh (lignite with CCS failure, oil shale); 5,000 is clearly a typo.
const MaxFactor = 5000

// ValidateOverrides checks a map of factor overrides: known fuels only,
// values in [0, MaxFactor].
func ValidateOverrides(overrides map[string]float64) error {
	var bad []string
	for fuel, v := range overrides {
		known := false
		for _, f := range Fuels() {
			if f == fuel {
				known = true
			}
		}
		if !known {
			bad = append(bad, fmt.Sprintf("unknown fuel %q (use one of %s)", fuel, strings.Join(Fuels(), ", ")))
			continue
		}
		if v < 0 || v > MaxFactor || v != v {
			bad = append(bad, fmt.Sprintf("%s: %v g/kWh is outside 0…%d", fuel, v, MaxFactor))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

// Source is the average power of one production type over an interval.
type Source struct {
	PSRType string
	Fuel    string
	PowerMW float64
}

// Options say which sources a computation counts.
type Options struct {
	// CountStorage counts storage discharge as production, with its own
	// factor. Off by default: the stored energy was generated (and counted)
	// when the storage charged, and the factor for it would be a guess.
	CountStorage bool
}

// Result is what a mix yields.
type Result struct {
	// IntensityGPerKWh is Σ max(P,0)·EF / Σ max(P,0) over the counted sources.
	IntensityGPerKWh float64
	// RenewableShare and LowCarbonShare are in [0, 1].
	RenewableShare, LowCarbonShare float64
	// CountedMW is the denominator: the counted production.
	CountedMW float64
}

// Compute weighs every counted source's factor by its production. ok is false
// when nothing was produced (no intensity exists) or a counted fuel has no
// factor.
func Compute(sources []Source, factors Factors, opt Options) (Result, bool) {
	var totalMW, weighted, renewableMW, lowCarbonMW float64
	for _, s := range sources {
		if IsStorage(s.Fuel) && !opt.CountStorage {
			continue
		}
		p := s.PowerMW
		if p <= 0 {
			continue // self-consumption reported as negative generation
		}
		ef, ok := factors[s.Fuel]
		if !ok {
			return Result{}, false
		}
		totalMW += p
		weighted += p * ef
		if IsRenewable(s.Fuel) {
			renewableMW += p
		}
		if IsLowCarbon(s.Fuel) {
			lowCarbonMW += p
		}
	}
	if totalMW <= 0 {
		return Result{}, false
	}
	return Result{
		IntensityGPerKWh: weighted / totalMW,
		RenewableShare:   renewableMW / totalMW,
		LowCarbonShare:   lowCarbonMW / totalMW,
		CountedMW:        totalMW,
	}, true
}
