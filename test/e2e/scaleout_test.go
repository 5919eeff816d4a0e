//go:build e2e

package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
)

// TestE2EScaleOutTwoGateways runs the scale-out of docs/scaling.md on
// loopback: alumet-sim plays the Alumet agents of a 40-node cluster against
// an agent collector whose node_shard exporter sends each node's data over
// OTLP/gRPC to one of two gateways; each gateway runs its own entsoe
// (replay) and hardwarecatalog (the whole inventory) receivers and the sci
// processor with nodes_without_energy: skip. A real Prometheus scrapes both
// gateways. Every node's and pod's SCI and every node's ranking signal must
// come out exactly once across the two, and both gateways must carry a share.
func TestE2EScaleOutTwoGateways(t *testing.T) {
	root := e2e.RepoRoot(t)
	sim := e2e.LookBinary(t, "ALUMET_SIM", "bin/alumet-sim", "", "run `make alumet-sim` (make e2e builds it)")
	const nodes, podsPerNode = 40, 3
	inventory := filepath.Join(t.TempDir(), "cluster.yaml")
	// -duration 1ms: write the inventory and stop (nothing listens on port 1).
	if out, err := exec.Command(sim, "-nodes", fmt.Sprint(nodes), "-pods-per-node", fmt.Sprint(podsPerNode),
		"-write-inventory", inventory, "-relay", "127.0.0.1:1", "-duration", "1ms").CombinedOutput(); err != nil {
		t.Logf("alumet-sim: %v\n%s", err, out) // it may report the refused connection; the file is what counts
	}

	var gateways []*e2e.Collector
	var grpcs, scrapes []string
	for range 2 {
		ep := e2e.NewEndpoints(t)
		ep.Extra["ECOTEL_INVENTORY"] = inventory
		ep.Extra["ECOTEL_REPO"] = root
		gateways = append(gateways, e2e.StartCollectorYAML(t, shardGatewayConfig, ep))
		grpcs = append(grpcs, ep.OTLPGRPC)
		scrapes = append(scrapes, ep.Prometheus)
	}
	agentEp := e2e.NewEndpoints(t)
	relay := e2e.FreeEndpoint(t)
	agentEp.Extra["ECOTEL_RELAY_ENDPOINT"] = relay
	agentEp.Extra["ECOTEL_GATEWAY_0"], agentEp.Extra["ECOTEL_GATEWAY_1"] = grpcs[0], grpcs[1]
	agent := e2e.StartCollectorYAML(t, shardAgentConfig, agentEp)
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: scrapes})
	e2e.StartProcess(t, "alumet-sim", sim, []string{"-inventory", inventory, "-relay", relay, "-interval", "1s"}, nil)

	watch := []*e2e.Process{agent.Process, gateways[0].Process, gateways[1].Process}
	score := semconv.Metrics[semconv.MetricSCIScore].Prometheus
	ranking := semconv.Metrics[semconv.MetricNodeCarbonPerVCPU].Prometheus
	exactlyOnce := func(what string, want int) func([]e2e.Sample) error {
		return func(s []e2e.Sample) error {
			if len(s) != want {
				return fmt.Errorf("%d %s, want %d", len(s), what, want)
			}
			for _, x := range s {
				if x.Value != 1 {
					return fmt.Errorf("%v: %v series across the gateways, want exactly 1", x.Labels, x.Value)
				}
			}
			return nil
		}
	}
	prom.WaitForQuery(t, fmt.Sprintf(`count by (k8s_node_name) (%s{eco_sci_scope="node"})`, score), 90*time.Second,
		exactlyOnce("nodes with an SCI", nodes), watch...)
	prom.WaitForQuery(t, fmt.Sprintf(`count by (k8s_pod_uid) (%s{eco_sci_scope="pod"})`, score), 30*time.Second,
		exactlyOnce("pods with an SCI", nodes*podsPerNode), watch...)
	prom.WaitForQuery(t, fmt.Sprintf(`count by (k8s_node_name) (%s)`, ranking), 30*time.Second,
		exactlyOnce("nodes with a ranking signal", nodes), watch...)
	// A pod's SCI comes from the gateway that has its node.
	prom.WaitForQuery(t, fmt.Sprintf(`count(count by (k8s_node_name, instance) (%s{eco_sci_scope="pod"}) unless on (k8s_node_name, instance) %s{eco_sci_scope="node"})`, score, score),
		10*time.Second, func(s []e2e.Sample) error {
			if len(s) != 0 {
				return fmt.Errorf("pods on a gateway that does not have their node: %v", s)
			}
			return nil
		}, watch...)
	// Both gateways compute a share; none reports another's nodes as unavailable.
	prom.WaitForQuery(t, fmt.Sprintf(`count by (instance) (%s{eco_sci_scope="node"})`, score), 10*time.Second, func(s []e2e.Sample) error {
		if len(s) != 2 {
			return fmt.Errorf("SCI from %d gateways, want 2", len(s))
		}
		for _, x := range s {
			if x.Value < nodes/5 {
				return fmt.Errorf("gateway %s has %v of %d nodes: the split is lopsided", x.Labels["instance"], x.Value, nodes)
			}
		}
		return nil
	}, watch...)
	// A gateway may count its own nodes' first windows as no_energy (the
	// data did not cover them yet), never another gateway's nodes.
	unavailable := semconv.Metrics[semconv.MetricSCIUnavailable].Prometheus
	prom.WaitForQuery(t, fmt.Sprintf(`%s{eco_sci_scope="node"} unless on (k8s_node_name, instance) %s{eco_sci_scope="node"}`, unavailable, score), 10*time.Second, func(s []e2e.Sample) error {
		if len(s) != 0 {
			return fmt.Errorf("a gateway reports a node it does not compute as unavailable: %v", s[0].Labels)
		}
		return nil
	}, watch...)
}

// shardAgentConfig is the agent side of docs/scaling.md with a static list
// of gateways (in a cluster: resolver.dns on the gateways' headless Service).
const shardAgentConfig = `
extensions:
  health_check: {endpoint: "${env:ECOTEL_HEALTH_ENDPOINT}"}
receivers:
  alumetbridge:
    relay: {endpoint: "${env:ECOTEL_RELAY_ENDPOINT}"}
    flush_interval: 1s
processors:
  batch: {timeout: 1s}
exporters:
  node_shard:
    resolver:
      static: {hostnames: ["${env:ECOTEL_GATEWAY_0}", "${env:ECOTEL_GATEWAY_1}"]}
    protocol:
      otlp: {tls: {insecure: true}}
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
  pipelines:
    metrics: {receivers: [alumetbridge], processors: [batch], exporters: [node_shard]}
`

// shardGatewayConfig is one gateway: its own grid and hardware receivers,
// sci reporting only the nodes whose energy it receives.
const shardGatewayConfig = `
extensions:
  health_check: {endpoint: "${env:ECOTEL_HEALTH_ENDPOINT}"}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${env:ECOTEL_OTLP_GRPC_ENDPOINT}"}
  entsoe:
    zones: [FR, DE-LU, SE-3, SE-4]
    replay: {directory: "${env:ECOTEL_REPO}/distribution/demo/entsoe"}
  hardwarecatalog:
    collection_interval: 5s
    inventory: {source: static, path: "${env:ECOTEL_INVENTORY}"}
    catalog: {builtin: true}
processors:
  batch: {timeout: 1s}
  sci:
    window: 10s
    interval: 5s
    delay: 3s
    grid_max_age: 24h
    nodes_without_energy: skip
exporters:
  prometheus:
    endpoint: "${env:ECOTEL_PROMETHEUS_ENDPOINT}"
    translation_strategy: UnderscoreEscapingWithSuffixes
    resource_constant_labels: {included: ["k8s.*", "eco.*"]}
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
  pipelines:
    metrics: {receivers: [otlp, entsoe, hardwarecatalog], processors: [batch, sci], exporters: [prometheus]}
`
