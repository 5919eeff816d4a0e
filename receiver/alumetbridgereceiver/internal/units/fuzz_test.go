package units

import (
	"math"
	"strings"
	"testing"
)

// FuzzSplitName: any exported name splits without panicking into a
// non-empty-prefix of itself and a finite positive factor.
func FuzzSplitName(f *testing.F) {
	for _, s := range []string{"rapl_consumed_energy_J_alumet", "x_alumet_joules", "cpu_percent_%", "_", "μJ", "kW.h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		m, u, ok := SplitName(name, "", "_alumet")
		if !strings.Contains(name, m) {
			t.Fatalf("%q is not part of %q", m, name)
		}
		if ok && u.Quantity != Unknown && (u.Factor <= 0 || math.IsInf(u.Factor, 0)) {
			t.Fatalf("factor %v", u.Factor)
		}
		if u, ok := Parse(name); ok && u.Factor <= 0 {
			t.Fatalf("Parse(%q) factor %v", name, u.Factor)
		}
	})
}
