package entsoereceiver

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/sharedtestdata"
	"github.com/ecotel/ecotel/semconv"
)

// TestConformanceRecordedResponses replays each real recorded A75 response
// beside the repository (../shared/testdata/entsoe) through the whole
// receiver and checks the production-based lifecycle intensity of the latest
// complete interval against the figures computed independently with
// Electricity Maps' conventions (reference §3): FI ≈ 81.6, SE-4 ≈ 143.6,
// NO-5 ≈ 24.5 gCO2e/kWh, within 1 %. Replay's default "now" (the end of the
// recorded data) is the moment each response was current.
func TestConformanceRecordedResponses(t *testing.T) {
	shared := sharedtestdata.Dir(t)
	for _, tc := range []struct {
		file, zone string
		latest     time.Time
		lifecycle  float64
	}{
		{"FI_production.xml", "FI", time.Date(2025, 10, 24, 11, 45, 0, 0, time.UTC), 81.6},
		{"SE-SE4_production.xml", "SE-4", time.Date(2025, 10, 23, 9, 0, 0, 0, time.UTC), 143.6},
		{"NO-NO5_production.xml", "NO-5", time.Date(2023, 5, 11, 7, 0, 0, 0, time.UTC), 24.5},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			dir := t.TempDir()
			body, err := os.ReadFile(filepath.Join(shared, tc.file))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, tc.file), body, 0o600))
			cfg := replayConfig(dir, tc.zone)
			tel := componenttest.NewTelemetry()
			defer tel.Shutdown(t.Context())
			md := replayScrape(t, cfg, tel)
			require.Equal(t, 1, md.ResourceMetrics().Len())
			ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
			found := false
			for i := 0; i < ms.Len(); i++ {
				m := ms.At(i)
				if m.Name() != semconv.MetricGridCarbonIntensity {
					continue
				}
				for j := 0; j < m.Gauge().DataPoints().Len(); j++ {
					dp := m.Gauge().DataPoints().At(j)
					method, _ := dp.Attributes().Get(semconv.AttrCarbonIntensityMethod)
					if method.Str() != semconv.AttrCarbonIntensityMethodLifecycle {
						continue
					}
					found = true
					assert.Equal(t, tc.latest, dp.Timestamp().AsTime().UTC(), "timestamp is the latest complete interval's start")
					assert.InDelta(t, tc.lifecycle, dp.DoubleValue(), tc.lifecycle*0.01)
				}
			}
			assert.True(t, found, "no lifecycle intensity")
		})
	}
}
