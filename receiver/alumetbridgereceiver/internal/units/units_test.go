package units

import (
	"math"
	"testing"
)

func TestFromRelayAndParse(t *testing.T) {
	cases := []struct {
		base, prefix string // relay form
		display      []string
		q            Quantity
		factor       float64
	}{
		{"J", "", []string{"J"}, Energy, 1},
		{"J", "milli", []string{"mJ", "milliJ"}, Energy, 1e-3},
		{"J", "micro", []string{"μJ", "µJ", "uJ", "microJ"}, Energy, 1e-6},
		{"J", "nano", []string{"nJ", "nanoJ"}, Energy, 1e-9},
		{"J", "kilo", []string{"kJ", "kiloJ"}, Energy, 1e3},
		{"W.h", "", []string{"Wh", "W.h"}, Energy, 3600},
		{"W.h", "kilo", []string{"kWh", "kW.h", "kiloW.h"}, Energy, 3.6e6},
		{"W", "", []string{"W"}, Power, 1},
		{"W", "milli", []string{"mW"}, Power, 1e-3},
		{"s", "nano", []string{"ns", "nanos"}, Time, 1e-9},
		{"s", "milli", []string{"ms", "millis"}, Time, 1e-3},
		{"%", "", []string{"%"}, Other, 1},
		{"By", "", []string{"B", "By"}, Other, 1},
		{"1", "", []string{"1", ""}, Other, 1},
	}
	for _, c := range cases {
		u, ok := FromRelay(c.base, c.prefix)
		if !ok || u.Quantity != c.q || math.Abs(u.Factor-c.factor) > c.factor*1e-12 {
			t.Errorf("FromRelay(%q,%q) = %+v %v, want %v ×%g", c.base, c.prefix, u, ok, c.q, c.factor)
		}
		for _, d := range c.display {
			u, ok := Parse(d)
			if !ok || u.Quantity != c.q || math.Abs(u.Factor-c.factor) > c.factor*1e-12 {
				t.Errorf("Parse(%q) = %+v %v, want %v ×%g", d, u, ok, c.q, c.factor)
			}
		}
	}
	for _, bad := range [][2]string{{"g_CO2", ""}, {"J", "centi"}, {"gCO₂", ""}} {
		if _, ok := FromRelay(bad[0], bad[1]); ok {
			t.Errorf("FromRelay(%q,%q) accepted a custom unit", bad[0], bad[1])
		}
	}
	for _, bad := range []string{"gCO₂", "xJ", "joule", "JJ"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted an unknown unit", bad)
		}
	}
}

func TestSplitName(t *testing.T) {
	cases := []struct {
		in     string
		metric string
		q      Quantity
		factor float64
	}{
		{"rapl_consumed_energy_alumet", "rapl_consumed_energy", Unknown, 0},       // v0.9.3–v0.9.5, OTLP v0.9.x
		{"rapl_consumed_energy_J_alumet", "rapl_consumed_energy", Energy, 1},      // ≤ v0.8
		{"rapl_consumed_energy_alumet_joules", "rapl_consumed_energy", Energy, 1}, // Prometheus HEAD
		{"nvml_energy_consumption_alumet_millijoules", "nvml_energy_consumption", Energy, 1e-3},
		{"rapl_consumed_energy_alumet_J", "rapl_consumed_energy", Energy, 1},       // v0.9.0–v0.9.2
		{"kernel_context_switches_alumet_", "kernel_context_switches", Unknown, 0}, // unitless bug
		{"cpu_time_delta_ns", "cpu_time_delta", Time, 1e-9},                        // CSV
		{"attributed_energy_J", "attributed_energy", Energy, 1},                    // CSV
		{"nvml_energy_consumption_mJ", "nvml_energy_consumption", Energy, 1e-3},    // CSV
		{"cpu_percent_%", "cpu_percent", Other, 1},                                 // CSV
		{"attributed_energy", "attributed_energy", Unknown, 0},
	}
	for _, c := range cases {
		m, u, ok := SplitName(c.in, "", "_alumet")
		if m != c.metric || (c.q != Unknown) != ok || (ok && (u.Quantity != c.q || math.Abs(u.Factor-c.factor) > 1e-15)) {
			t.Errorf("SplitName(%q) = %q %+v %v; want %q %v ×%g", c.in, m, u, ok, c.metric, c.q, c.factor)
		}
	}
	if m, _, _ := SplitName("eco_rapl_consumed_energy_x", "eco_", "_x"); m != "rapl_consumed_energy" {
		t.Errorf("custom prefix/suffix: %q", m)
	}
}
