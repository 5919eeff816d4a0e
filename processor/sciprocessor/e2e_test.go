//go:build e2e

package sciprocessor

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// TestE2ESCIFromComponents runs the real otelcol-eco with an OTLP → sci →
// prometheus pipeline (short windows), feeds it over OTLP with the demo cluster's grid,
// hardware and energy metrics in real time, and checks in a real
// Prometheus that every node and pod has an SCI, that each node's SCI is
// the one its true power implies, and that PromQL recomputing
// SCI = (E × I + M) / R from the component series matches the emitted SCI
// within 1e-6 relative, for every series.
//
// The receivers are stand-ins here (internal/synthetic builds exactly what
// they emit); the pipeline, the collector, the exporter and Prometheus are real.
func TestE2ESCIFromComponents(t *testing.T) {
	ep := e2e.NewEndpoints(t)
	col := e2e.StartCollectorYAML(t, otlpSCIConfig, ep)
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{ep.Prometheus}})

	cluster := synthetic.Demo(time.Now().Add(-time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			now := time.Now()
			if i%10 == 0 {
				col.SendOTLP(t, cluster.Grid(now, 900))
				col.SendOTLP(t, cluster.Hardware(now))
			}
			col.SendOTLP(t, cluster.Energy(now))
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })

	score := semconv.Metrics[semconv.MetricSCIScore].Prometheus
	count := func(scope string, want int) func([]e2e.Sample) error {
		return func(s []e2e.Sample) error {
			if len(s) != want {
				return fmt.Errorf("%d %s series, want %d", len(s), scope, want)
			}
			return nil
		}
	}
	for scope, want := range map[string]int{semconv.AttrSCIScopeNode: len(cluster.Nodes), semconv.AttrSCIScopePod: len(cluster.Pods)} {
		prom.WaitForQuery(t, fmt.Sprintf(`%s{eco_sci_scope=%q}`, score, scope), 60*time.Second, count(scope, want), col.Process)
	}

	// Each node's SCI per hour is independent of the window length for a
	// constant power: P × PUE × I / 1000 + TE × 3600 / EL.
	nodes := prom.WaitForQuery(t, fmt.Sprintf(`%s{eco_sci_scope="node"}`, score), 10*time.Second, nil, col.Process)
	for _, s := range nodes {
		n := cluster.NodeByName(s.Labels["k8s_node_name"])
		if n == nil {
			t.Errorf("SCI for an unknown node: %v", s.Labels)
			continue
		}
		want := n.PowerW*n.PUE*cluster.ZoneByCode(n.Zone).LifecycleGPerKWh/1000 + n.TotalEmbodiedG*3600/n.LifetimeS
		if math.Abs(s.Value-want)/want > 1e-6 {
			t.Errorf("node %s: SCI %.9g g/h, want %.9g", n.Name, s.Value, want)
		}
	}

	// Recompute every SCI from its components, label set by label set.
	m := func(name string) string { return semconv.Metrics[name].Prometheus }
	recompute := e2e.SCIRecomputeQuery()
	all := prom.WaitForQuery(t, fmt.Sprintf("count(%s)", score), 10*time.Second, nil, col.Process)
	total := int(all[0].Value)
	if total < len(cluster.Nodes)+len(cluster.Pods) {
		t.Fatalf("%d SCI series, want at least %d", total, len(cluster.Nodes)+len(cluster.Pods))
	}
	prom.WaitForQuery(t, recompute, 30*time.Second, func(s []e2e.Sample) error {
		if len(s) != total {
			return fmt.Errorf("recomputed %d of %d SCI series (component series missing or mismatched labels)", len(s), total)
		}
		for _, r := range s {
			if !(r.Value <= 1e-6) {
				return fmt.Errorf("%v: |SCI − (E×I+M)/R| / SCI = %g > 1e-6", r.Labels, r.Value)
			}
		}
		return nil
	}, col.Process)

	// The ranking signal for every node, and the processor's own telemetry.
	prom.WaitForQuery(t, m(semconv.MetricNodeCarbonPerVCPU), 10*time.Second, count("ranking", len(cluster.Nodes)), col.Process)
	if !containsLine(col.ScrapeExporter(t), m(semconv.MetricCarbonOperational)) {
		t.Error("eco.carbon.operational not exported")
	}
}

// otlpSCIConfig is the smallest pipeline around the processor: the demo's
// receivers would feed real grid, hardware and energy data alongside the
// synthetic inputs (the full demo pipeline is test/e2e's TestE2EDemoPipelineSCI).
const otlpSCIConfig = `
extensions:
  health_check: {endpoint: "${env:ECOTEL_HEALTH_ENDPOINT}"}
receivers:
  otlp:
    protocols:
      http: {endpoint: "${env:ECOTEL_OTLP_HTTP_ENDPOINT}"}
processors:
  batch: {timeout: 1s}
  sci: {window: 6s, interval: 3s, delay: 2s}
exporters:
  prometheus:
    endpoint: "${env:ECOTEL_PROMETHEUS_ENDPOINT}"
    resource_constant_labels: {included: ["k8s.*", "eco.*"]}
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
  pipelines:
    metrics: {receivers: [otlp], processors: [batch, sci], exporters: [prometheus]}
`

func containsLine(text, prefix string) bool {
	for i := 0; i+len(prefix) <= len(text); i++ {
		if (i == 0 || text[i-1] == '\n') && text[i:i+len(prefix)] == prefix {
			return true
		}
	}
	return false
}
