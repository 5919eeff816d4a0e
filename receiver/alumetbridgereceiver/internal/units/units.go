// Package units converts Alumet's units (its unique names such as "milliJ"
// and "W.h", its display names such as "mJ", "μJ" and "Wh", and the
// Prometheus unit words its exporter appends such as "joules") into a
// physical quantity and a factor to the SI unit ecotel emits (J, W, s), and
// splits unit tokens and exporter suffixes off metric names.
package units

import "strings"

// Quantity is the physical quantity a unit measures.
type Quantity uint8

// Quantities ecotel maps. Other is a unit Alumet knows that ecotel does not
// convert (%, By, Hz, V, A, °C, 1); Unknown is a string Alumet does not know
// either (a plugin's custom unit).
const (
	Unknown Quantity = iota
	Energy           // to joules
	Power            // to watts
	Time             // to seconds
	Other
)

func (q Quantity) String() string {
	return [...]string{"unknown", "energy", "power", "time", "other"}[q]
}

// Unit is a quantity and the factor that converts a value to its SI unit.
type Unit struct {
	Quantity Quantity
	Factor   float64
}

// IsIdentity reports whether values need no conversion.
func (u Unit) IsIdentity() bool { return u.Factor == 1 }

type base struct {
	q      Quantity
	factor float64
}

// bases by unique name and display name (Alumet core/alumet/src/units.rs).
var bases = map[string]base{
	"J": {Energy, 1}, "W.h": {Energy, 3600}, "Wh": {Energy, 3600},
	"W": {Power, 1}, "s": {Time, 1},
	"1": {Other, 1}, "": {Other, 1}, "%": {Other, 1}, "By": {Other, 1}, "B": {Other, 1},
	"Hz": {Other, 1}, "V": {Other, 1}, "A": {Other, 1}, "Cel": {Other, 1}, "°C": {Other, 1},
	"[degF]": {Other, 1}, "°F": {Other, 1},
}

// basesBySuffix lists the base names a display string may end with, longest
// first, so "W.h" is tried before "h"-less "W".
var basesBySuffix = []string{"[degF]", "W.h", "Cel", "Wh", "Hz", "By", "°C", "°F", "J", "W", "s", "V", "A", "B", "%"}

// prefixes by unique name and display name, including the two code points
// users type for micro (Alumet writes U+03BC; U+00B5 and "u" are common too).
var prefixes = map[string]float64{
	"": 1, "nano": 1e-9, "micro": 1e-6, "milli": 1e-3, "kilo": 1e3, "mega": 1e6, "giga": 1e9,
	"n": 1e-9, "μ": 1e-6, "µ": 1e-6, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9,
}

// FromRelay returns the unit of a relay RegisterMetrics definition: the
// base's unique name and the prefix's unique name. ok is false for custom
// units and unknown prefixes.
func FromRelay(baseName, prefix string) (Unit, bool) {
	b, ok := bases[baseName]
	if !ok {
		return Unit{}, false
	}
	f, ok := prefixes[prefix]
	if !ok {
		return Unit{}, false
	}
	return Unit{Quantity: b.q, Factor: b.factor * f}, true
}

// Parse reads a unit string as Alumet writes it in its outputs: a display
// name ("mJ", "μJ", "Wh", "ns"), a unique name ("milliJ", "W.h", "nanos") or
// a UCUM-style "kW.h". ok is false when the string is not a known unit.
func Parse(s string) (Unit, bool) {
	if b, ok := bases[s]; ok {
		return Unit{Quantity: b.q, Factor: b.factor}, true
	}
	for _, name := range basesBySuffix {
		if p, ok := strings.CutSuffix(s, name); ok {
			if u, ok := FromRelay(name, p); ok {
				return u, true
			}
		}
	}
	return Unit{}, false
}

// prometheusWords are the unit words Alumet's Prometheus exporter appends
// since its unreleased 3420bd5 (`rapl_consumed_energy_alumet_joules`).
var prometheusWords = map[string]Unit{
	"joules": {Energy, 1}, "millijoules": {Energy, 1e-3}, "microjoules": {Energy, 1e-6},
	"nanojoules": {Energy, 1e-9}, "kilojoules": {Energy, 1e3}, "megajoules": {Energy, 1e6},
	"watthours": {Energy, 3600}, "kilowatthours": {Energy, 3.6e6},
	"watts": {Power, 1}, "milliwatts": {Power, 1e-3}, "microwatts": {Power, 1e-6}, "kilowatts": {Power, 1e3},
	"seconds": {Time, 1}, "milliseconds": {Time, 1e-3}, "microseconds": {Time, 1e-6}, "nanoseconds": {Time, 1e-9},
	"bytes": {Other, 1}, "ratio": {Other, 1}, "percent": {Other, 1}, "hertz": {Other, 1},
	"volts": {Other, 1}, "amperes": {Other, 1}, "celsius": {Other, 1},
}

// SplitName returns the Alumet metric name inside an exported name and the
// unit found in it, if any. It undoes, in order: the exporter prefix and
// suffix (`_alumet` by default), a Prometheus unit word after the suffix
// (`_alumet_joules`), a display unit after the suffix (v0.9.0–v0.9.2:
// `_alumet_J`), a trailing `_` (v0.9.3–v0.9.5 unitless names), and a unit
// token before the suffix (≤ v0.8 and CSV: `rapl_consumed_energy_J`).
func SplitName(name, prefix, suffix string) (metric string, unit Unit, hasUnit bool) {
	metric = strings.TrimPrefix(name, prefix)
	if suffix != "" {
		if i := strings.LastIndex(metric, suffix); i > 0 {
			after := metric[i+len(suffix):]
			switch {
			case after == "" || after == "_":
				metric = metric[:i]
			case after[0] == '_':
				if u, ok := prometheusWords[after[1:]]; ok {
					metric, unit, hasUnit = metric[:i], u, true
				} else if u, ok := Parse(after[1:]); ok {
					metric, unit, hasUnit = metric[:i], u, true
				}
			}
		}
	}
	metric = strings.TrimSuffix(metric, "_")
	if i := strings.LastIndexByte(metric, '_'); i > 0 {
		if u, ok := Parse(metric[i+1:]); ok {
			if !hasUnit {
				unit, hasUnit = u, true
			}
			metric = metric[:i]
		}
	}
	return metric, unit, hasUnit
}
