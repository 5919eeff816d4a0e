//go:build integration

package signal

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestIntegrationPrometheusSource reads signals through a real Prometheus
// (Debian package) that scrapes an exposition with good and bad series, and
// checks what the source keeps, drops and how it dates values.
func TestIntegrationPrometheusSource(t *testing.T) {
	exposition := strings.Join([]string{
		`eco_node_carbon_per_vcpu_grams_per_hour{k8s_node_name="paris",eco_grid_zone_code="FR"} 0.35`,
		`eco_node_carbon_per_vcpu_grams_per_hour{k8s_node_name="stockholm",eco_grid_zone_code="SE-3"} 0.12`,
		// Two series for one node (e.g. two hardware profiles): the higher is kept.
		`eco_node_carbon_per_vcpu_grams_per_hour{k8s_node_name="frankfurt",eco_grid_zone_code="DE-LU",eco_hardware_profile="a"} 4.5`,
		`eco_node_carbon_per_vcpu_grams_per_hour{k8s_node_name="frankfurt",eco_grid_zone_code="DE-LU",eco_hardware_profile="b"} 5.5`,
		`eco_node_carbon_per_vcpu_grams_per_hour{k8s_node_name="warsaw",eco_grid_zone_code="PL"} NaN`,
		`eco_node_carbon_per_vcpu_grams_per_hour{k8s_node_name="oslo",eco_grid_zone_code="NO-1"} -2`,
		`eco_node_carbon_per_vcpu_grams_per_hour{eco_grid_zone_code="FR"} 1`,
		`eco_grid_carbon_intensity_grams_per_kW_h{eco_grid_zone_code="FR",eco_carbon_intensity_method="lifecycle"} 45`,
		`eco_grid_carbon_intensity_grams_per_kW_h{eco_grid_zone_code="FR",eco_carbon_intensity_method="direct"} 8`,
		`eco_grid_carbon_intensity_grams_per_kW_h{eco_grid_zone_code="DE-LU",eco_carbon_intensity_method="lifecycle"} 380`,
		`eco_grid_data_age_seconds{eco_grid_zone_code="FR",eco_grid_document="generation"} 3600`,
		`eco_grid_data_age_seconds{eco_grid_zone_code="FR",eco_grid_document="price"} 60`,
	}, "\n") + "\n"
	exporter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, exposition)
	}))
	defer exporter.Close()
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{strings.TrimPrefix(exporter.URL, "http://")}})
	prom.WaitForQuery(t, "count(eco_grid_data_age_seconds) == 2", 30*time.Second, nil)

	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("not-checked-by-prometheus\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := NewPrometheusSource(PrometheusConfig{
		Address:            prom.URL,
		NodeQuery:          "eco_node_carbon_per_vcpu_grams_per_hour",
		NodeLabel:          "k8s_node_name",
		ZoneLabel:          "eco_grid_zone_code",
		ZoneIntensityQuery: `eco_grid_carbon_intensity_grams_per_kW_h{eco_carbon_intensity_method="lifecycle"}`,
		DataAgeQuery:       `max by (eco_grid_zone_code) (eco_grid_data_age_seconds{eco_grid_document="generation"})`,
		Timeout:            5 * time.Second,
		BearerTokenFile:    tokenFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, problems, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]float64{"paris": 0.35, "stockholm": 0.12, "frankfurt": 5.5}
	if len(snap.Nodes) != len(want) {
		t.Errorf("nodes = %+v, want %v", snap.Nodes, want)
	}
	for name, v := range want {
		if got := snap.Nodes[name]; got.CarbonPerVCPUGPerH != v {
			t.Errorf("%s = %+v, want %v", name, got, v)
		}
	}
	if z := snap.Zones["FR"]; z.IntensityGPerKWh != 45 {
		t.Errorf("FR = %+v, want 45 (lifecycle)", z)
	}
	// FR's data is an hour old; DE-LU has no age series: observed at fetch.
	if age := snap.FetchedAt.Sub(snap.Nodes["paris"].ObservedAt); math.Abs(age.Seconds()-3600) > 1 {
		t.Errorf("paris observed %v before the fetch, want 1h (its zone's data age)", age)
	}
	if !snap.Zones["DE-LU"].ObservedAt.Equal(snap.FetchedAt) {
		t.Errorf("DE-LU observed at %v, want the fetch time", snap.Zones["DE-LU"].ObservedAt)
	}
	var kinds []string
	for _, p := range problems {
		kinds = append(kinds, p.Kind)
	}
	sort.Strings(kinds)
	if got := strings.Join(kinds, ","); got != "duplicate_series,malformed_value,missing_label,negative_value" {
		t.Errorf("problems = %s\n%+v", got, problems)
	}

	// Prometheus stops: the fetch fails within the timeout.
	prom.Stop()
	start := time.Now()
	if _, _, err := src.Fetch(context.Background()); err == nil {
		t.Error("fetch from a stopped Prometheus succeeded")
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("failed fetch took %v, more than the 5s timeout", d)
	}
}
