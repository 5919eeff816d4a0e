package catalog

import (
	"fmt"
	"strings"
)

// Estimate returns the component-based embodied emissions of a server, in
// kgCO2e, and how the total was derived. The model is Cloud Carbon
// Footprint's (ccfcoef/embodied.py): a base single-socket rack server with a
// baseline of memory, plus each further CPU socket, the memory above the
// baseline, and every SSD, HDD and GPU.
//
// The factors come from the catalog. The built-in ones are CCF's
// (ccfcoef/constants.py: HDD 50 kg, SSD 100 kg). Impact Framework v1's
// SciEmbodied defaults mirror these constants but with SSD and HDD swapped
// (SSD 50 kg, HDD 100 kg); we use CCF's.
func (f *ComponentFactors) Estimate(c Components) (float64, string) {
	totalKg := f.BaseServerKgCO2e
	parts := []string{fmt.Sprintf("base server %g", f.BaseServerKgCO2e)}
	if extra := c.CPUs - 1; extra > 0 {
		totalKg += float64(extra) * f.AdditionalCPUKgCO2e
		parts = append(parts, fmt.Sprintf("%d additional CPU × %g", extra, f.AdditionalCPUKgCO2e))
	}
	if extraGB := c.MemoryGB - f.BaseMemoryGB; extraGB > 0 {
		totalKg += extraGB * f.MemoryKgCO2ePerGB
		parts = append(parts, fmt.Sprintf("%g GB memory above %g GB × %.4g", extraGB, f.BaseMemoryGB, f.MemoryKgCO2ePerGB))
	}
	for _, d := range []struct {
		what  string
		count int
		kg    float64
	}{{"SSD", c.SSDs, f.SSDKgCO2e}, {"HDD", c.HDDs, f.HDDKgCO2e}, {"GPU", c.GPUs, f.GPUKgCO2e}} {
		if d.count > 0 {
			totalKg += float64(d.count) * d.kg
			parts = append(parts, fmt.Sprintf("%d %s × %g", d.count, d.what, d.kg))
		}
	}
	return totalKg, fmt.Sprintf("component estimate: %s = %.2f kgCO2e", strings.Join(parts, " + "), totalKg)
}
