//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
)

// TestE2EDemoPipelineSCI runs the whole offline demo as `make run` does —
// otelcol-eco on distribution/config/demo.yaml (entsoe in replay mode,
// hardwarecatalog on the static demo cluster, alumetbridge relay, sci
// processor) with alumet-sim playing the cluster's Alumet agents — scraped by
// a real Prometheus, and checks that every node and every pod of the demo
// cluster gets an SCI, that each SCI is reproduced within 1e-6 by PromQL from
// its exported components, and that every node has a ranking signal.
func TestE2EDemoPipelineSCI(t *testing.T) {
	d := startDemo(t, sciTiming{window: "6s", interval: "3s", delay: "5s"})
	col, inv := d.col, d.inv
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{col.Endpoints.Prometheus}})

	m := func(name string) string { return semconv.Metrics[name].Prometheus }
	score := m(semconv.MetricSCIScore)
	exactly := func(what string, want int) func([]e2e.Sample) error {
		return func(s []e2e.Sample) error {
			if len(s) != want {
				return fmt.Errorf("%d %s series, want %d", len(s), what, want)
			}
			return nil
		}
	}
	prom.WaitForQuery(t, fmt.Sprintf(`%s{eco_sci_scope="node"}`, score), 90*time.Second, exactly("node SCI", len(inv.Nodes)), col.Process)
	prom.WaitForQuery(t, fmt.Sprintf(`%s{eco_sci_scope="pod"}`, score), 60*time.Second, exactly("pod SCI", len(inv.Pods)), col.Process)
	prom.WaitForQuery(t, m(semconv.MetricNodeCarbonPerVCPU), 30*time.Second, exactly("ranking signal", len(inv.Nodes)), col.Process)

	all := prom.WaitForQuery(t, "count("+score+")", 10*time.Second, nil, col.Process)
	total := int(all[0].Value)
	prom.WaitForQuery(t, e2e.SCIRecomputeQuery(), 30*time.Second, func(s []e2e.Sample) error {
		if len(s) != total {
			return fmt.Errorf("recomputed %d of %d SCI series (component series missing or labels differ)", len(s), total)
		}
		for _, r := range s {
			if !(r.Value <= 1e-6) {
				return fmt.Errorf("%v: |SCI − (E×I+M)/R| / SCI = %g > 1e-6", r.Labels, r.Value)
			}
		}
		return nil
	}, col.Process)

	// Every node's SCI used its own zone's replayed intensity.
	prom.WaitForQuery(t, fmt.Sprintf(`%s{eco_sci_scope="node"} - on(eco_grid_zone_code) group_left max by (eco_grid_zone_code) (%s{eco_carbon_intensity_method="lifecycle"})`,
		m(semconv.MetricSCICarbonIntensity), m(semconv.MetricGridCarbonIntensity)), 10*time.Second, func(s []e2e.Sample) error {
		if len(s) != len(inv.Nodes) {
			return fmt.Errorf("%d nodes joined to a zone intensity, want %d", len(s), len(inv.Nodes))
		}
		for _, r := range s {
			if r.Value != 0 {
				return fmt.Errorf("node %s: SCI intensity differs from its zone's by %g", r.Labels["k8s_node_name"], r.Value)
			}
		}
		return nil
	}, col.Process)
}
