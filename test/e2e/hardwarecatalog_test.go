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

// TestE2EDemoHardwareInPrometheus runs the shipped demo config (`make run`)
// and reads, from a real Prometheus, the hardware of the demo's mixed static
// cluster: every node with its profile and grid zone as labels, at least 3
// profiles in at least 2 zones, and pod requests for the RR/ToR shares.
func TestE2EDemoHardwareInPrometheus(t *testing.T) {
	ep := e2e.NewEndpoints(t)
	col := e2e.StartCollector(t, "distribution/config/demo.yaml", ep)
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{ep.Prometheus}})

	atLeast := func(n int) func([]e2e.Sample) error {
		return func(s []e2e.Sample) error {
			if len(s) < n {
				return fmt.Errorf("%d series, want at least %d", len(s), n)
			}
			return nil
		}
	}
	info := prom.WaitForQuery(t, semconv.MetricNodeInfoPrometheus, 30*time.Second, atLeast(6), col.Process)
	for _, s := range info {
		for _, label := range []string{"k8s_node_name", "eco_hardware_profile", "eco_grid_zone_code", "eco_hardware_match", "eco_grid_zone_source"} {
			if s.Labels[label] == "" {
				t.Errorf("%s: series %v lacks label %s", semconv.MetricNodeInfoPrometheus, s.Labels, label)
			}
		}
	}
	profiles := prom.WaitForQuery(t, "count by (eco_hardware_profile) ("+semconv.MetricNodeInfoPrometheus+")", 10*time.Second, atLeast(3), col.Process)
	zones := prom.WaitForQuery(t, "count by (eco_grid_zone_code) ("+semconv.MetricNodeInfoPrometheus+")", 10*time.Second, atLeast(2), col.Process)
	t.Logf("%d profiles, %d zones", len(profiles), len(zones))

	// The Paris m5.2xlarge carries 8/96 of the m5 host's 1,610.79 kgCO2e.
	te := prom.WaitForQuery(t, semconv.MetricNodeEmbodiedTotalPrometheus+`{k8s_node_name="paris-m5-1",eco_grid_zone_code="FR",eco_hardware_profile="aws-m5"}`, 10*time.Second, nil, col.Process)
	if want := 1610.79 * 8 / 96 * 1000; math.Abs(te[0].Value-want) > 1e-6 {
		t.Errorf("paris-m5-1 embodied total %v g, want %v", te[0].Value, want)
	}
	for _, name := range []string{
		semconv.MetricNodePUEPrometheus, semconv.MetricNodeLifetimePrometheus, semconv.MetricNodeEmbodiedRatePrometheus,
		semconv.MetricNodeVCPUsPrometheus, semconv.MetricNodePowerIdlePrometheus, semconv.MetricNodePowerMaxPrometheus,
		semconv.MetricK8sNodeAllocatableCPUPrometheus,
	} {
		prom.WaitForQuery(t, name+`{eco_grid_zone_code!=""}`, 10*time.Second, atLeast(6), col.Process)
	}
	prom.WaitForQuery(t, semconv.MetricPodCPURequestPrometheus+`{k8s_deployment_name="trainer"}`, 10*time.Second, atLeast(4), col.Process)
}
