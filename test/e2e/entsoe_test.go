//go:build e2e

package e2e

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
)

// TestE2EEntsoeReplayToPrometheus runs otelcol-eco on the shipped demo
// configuration (entsoe receiver replaying distribution/demo/entsoe) and
// reads the grid data back from a real Prometheus. The expected values were
// computed from the recorded XML independently of the receiver (a separate
// script decompressing the A03 curves and weighting Electricity Maps'
// default factors), so the binary's whole path — parse, latest complete
// interval, intensity, export — is checked end to end.
func TestE2EEntsoeReplayToPrometheus(t *testing.T) {
	ep := e2e.NewEndpoints(t)
	col := e2e.StartCollector(t, "distribution/config/demo.yaml", ep)
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{ep.Prometheus}})

	intensity := semconv.Metrics[semconv.MetricGridCarbonIntensity].Prometheus
	price := semconv.Metrics[semconv.MetricGridPriceDayAhead].Prometheus
	for _, want := range []struct {
		zone                      string
		lifecycle, direct, perMWh float64
	}{
		{"DE-LU", 213.2680, 156.2803, 104.06},
		{"FR", 31.0631, 8.7656, 69.28},
		{"SE-3", 66.9297, 42.9775, 54.61},
		{"SE-4", 188.6110, 143.2232, 86.21},
	} {
		for method, value := range map[string]float64{"lifecycle": want.lifecycle, "direct": want.direct} {
			q := fmt.Sprintf(`%s{eco_grid_zone_code=%q,eco_carbon_intensity_method=%q}`, intensity, want.zone, method)
			got := prom.WaitForQuery(t, q, 30*time.Second, nil, col.Process)
			if len(got) != 1 || math.Abs(got[0].Value-value) > 1e-3 {
				t.Errorf("%s: %+v, want %v", q, got, value)
			}
		}
		q := fmt.Sprintf(`%s{eco_grid_zone_code=%q,eco_grid_price_currency="EUR"}`, price, want.zone)
		got := prom.WaitForQuery(t, q, 30*time.Second, nil, col.Process)
		if len(got) != 1 || got[0].Value != want.perMWh {
			t.Errorf("%s: %+v, want %v", q, got, want.perMWh)
		}
	}

	// The rest of the demo's grid picture, for every zone: generation by fuel,
	// shares, load, data age per document, and the forecast.
	for q, wantSeries := range map[string]int{
		fmt.Sprintf(`count by (eco_grid_zone_code) (%s)`, semconv.Metrics[semconv.MetricGridGeneration].Prometheus):         4,
		semconv.Metrics[semconv.MetricGridRenewableShare].Prometheus:                                                        4,
		semconv.Metrics[semconv.MetricGridLowCarbonShare].Prometheus:                                                        4,
		semconv.Metrics[semconv.MetricGridLoad].Prometheus:                                                                  4,
		fmt.Sprintf(`%s{eco_grid_document="generation"}`, semconv.Metrics[semconv.MetricGridDataAge].Prometheus):            4,
		fmt.Sprintf(`%s{eco_grid_document="price"}`, semconv.Metrics[semconv.MetricGridDataAge].Prometheus):                 4,
		fmt.Sprintf(`count by (eco_grid_zone_code) (%s)`, semconv.Metrics[semconv.MetricGridForecastGeneration].Prometheus): 4,
	} {
		got := prom.WaitForQuery(t, q, 30*time.Second, nil, col.Process)
		if len(got) != wantSeries {
			t.Errorf("%s: %d series, want %d", q, len(got), wantSeries)
		}
	}
	// DE-LU's solar is published a quarter-hour late: its data is 15 minutes old.
	q := fmt.Sprintf(`%s{eco_grid_zone_code="DE-LU",eco_grid_document="generation"}`, semconv.Metrics[semconv.MetricGridDataAge].Prometheus)
	if got := prom.WaitForQuery(t, q, 30*time.Second, nil, col.Process); len(got) != 1 || got[0].Value != 900 {
		t.Errorf("%s: %+v, want 900", q, got)
	}
}
