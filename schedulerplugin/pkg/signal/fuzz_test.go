package signal

import (
	"os"
	"testing"
	"time"
)

// FuzzParseQueryResponse: any body yields samples or an error, never a
// panic; accepted samples carry a parsed float.
func FuzzParseQueryResponse(f *testing.F) {
	for _, file := range []string{"testdata/node_query.json", "testdata/error.json", "testdata/matrix.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"k8s_node_name":"a"},"value":[1,"1e400"]}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		samples, err := parseQueryResponse(body)
		if err != nil && samples != nil {
			t.Fatal("samples returned with an error")
		}
		var problems []Problem
		vals := zoneValues(samples, "eco_grid_zone_code", "intensity", MaxIntensityGPerKWh, &problems)
		for zone, v := range vals {
			if zone == "" || v < 0 || v > MaxIntensityGPerKWh || v != v {
				t.Fatalf("accepted invalid value %q=%v", zone, v)
			}
		}
	})
}

// FuzzParseNodeAnnotations: arbitrary annotation values never panic and
// never produce an out-of-range value.
func FuzzParseNodeAnnotations(f *testing.F) {
	f.Add("12.25", "2026-09-01T11:00:00Z", "45", "FR")
	f.Add("-1", "yesterday", "NaN", "")
	f.Add("1e309", "2026-09-01T11:00:00+02:00", "0x1p-2", "DE-LU")
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, carbon, updated, intensity, zone string) {
		ann := map[string]string{"ecotel.io/carbon-per-vcpu": carbon, "ecotel.io/carbon-updated": updated,
			"ecotel.io/carbon-intensity": intensity, "ecotel.io/grid-zone": zone}
		v, _ := ParseNodeAnnotations("ecotel.io", "n", nil, ann, now)
		if n, ok := v.Node(); ok && (n.CarbonPerVCPUGPerH < 0 || n.CarbonPerVCPUGPerH > MaxCarbonPerVCPUGPerH || n.ObservedAt.After(now.Add(maxClockSkew))) {
			t.Fatalf("accepted %+v", n)
		}
		if code, z, ok := v.Zone(); ok && (code == "" || z.IntensityGPerKWh < 0 || z.IntensityGPerKWh > MaxIntensityGPerKWh) {
			t.Fatalf("accepted zone %q %+v", code, z)
		}
	})
}
