//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
)

// simTotals is the part of alumet-sim's -totals JSON this test reads.
type simTotals struct {
	Nodes map[string]struct {
		HostJ      float64 `json:"host_energy_j"`
		HostDomain string  `json:"host_domain"`
		Frames     int64   `json:"frames"`
		Sessions   int     `json:"sessions"`
	} `json:"nodes"`
	Pods map[string]struct {
		Node       string             `json:"node"`
		EnergyJ    float64            `json:"energy_j"`
		CPUTimeS   float64            `json:"cpu_time_s"`
		Containers map[string]float64 `json:"containers"`
	} `json:"pods"`
}

// TestE2EAlumetRelayEnergyAccounting runs alumet-sim (the demo cluster's six
// Alumet agents, as relay clients) against otelcol-eco on the shipped demo
// config, with a real Prometheus scraping it, and checks that every node's
// and every pod's (and container's) energy counter in Prometheus equals the
// energy the simulator logged as sent, within 0.1 %. Values are the counters
// themselves, not increase(): a counter starts at its first point, which
// increase() cannot see before the first scrape.
func TestE2EAlumetRelayEnergyAccounting(t *testing.T) {
	ep := e2e.NewEndpoints(t)
	relay := e2e.FreeEndpoint(t)
	ep.Extra["ECOTEL_RELAY_ENDPOINT"] = relay
	col := e2e.StartCollector(t, "distribution/config/demo.yaml", ep)
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{ep.Prometheus}})

	sim := e2e.LookBinary(t, "ALUMET_SIM", "bin/alumet-sim", "", "run `make alumet-sim` (make e2e builds it)")
	totalsPath := filepath.Join(t.TempDir(), "totals.json")
	p := e2e.StartProcess(t, "alumet-sim", sim, []string{
		"-inventory", filepath.Join(e2e.RepoRoot(t), "distribution/demo/cluster.yaml"),
		"-relay", relay, "-interval", "200ms", "-duration", "8s", "-containers", "-totals", totalsPath,
	}, nil)
	e2e.WaitUntil(t, 60*time.Second, "alumet-sim to finish", func() error {
		if exited, err := p.Exited(); exited {
			if err != nil {
				t.Fatalf("alumet-sim failed: %v\n%s", err, p.Tail(20))
			}
			return nil
		}
		return fmt.Errorf("still running")
	}, col.Process)

	data, err := os.ReadFile(totalsPath)
	if err != nil {
		t.Fatal(err)
	}
	var sent simTotals
	if err := json.Unmarshal(data, &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Nodes) != 6 || len(sent.Pods) == 0 {
		t.Fatalf("simulator sent %d nodes, %d pods", len(sent.Nodes), len(sent.Pods))
	}
	within := func(want float64) func([]e2e.Sample) error {
		return func(s []e2e.Sample) error {
			if len(s) != 1 {
				return fmt.Errorf("%d series, want 1", len(s))
			}
			if rel := math.Abs(s[0].Value-want) / want; rel > 1e-3 {
				return fmt.Errorf("got %v J, simulator sent %v J (off by %.4f %%)", s[0].Value, want, 100*rel)
			}
			return nil
		}
	}
	var hostJ float64
	for node, n := range sent.Nodes {
		if n.Sessions != 1 || n.Frames == 0 {
			t.Fatalf("node %s: %d sessions, %d frames", node, n.Sessions, n.Frames)
		}
		hostJ += n.HostJ
		q := fmt.Sprintf(`%s{k8s_node_name=%q}`, semconv.MetricHWHostEnergyPrometheus, node)
		s := prom.WaitForQuery(t, q, 30*time.Second, within(n.HostJ), col.Process)
		if got := s[0].Labels["eco_energy_domain"]; got != n.HostDomain {
			t.Errorf("node %s: eco_energy_domain %q, want %q", node, got, n.HostDomain)
		}
	}
	for uid, pod := range sent.Pods {
		q := fmt.Sprintf(`%s{k8s_pod_uid=%q,k8s_node_name=%q,eco_energy_attribution_level="pod"}`, semconv.MetricPodEnergyPrometheus, uid, pod.Node)
		prom.WaitForQuery(t, q, 30*time.Second, within(pod.EnergyJ), col.Process)
		q = fmt.Sprintf(`%s{k8s_pod_uid=%q,eco_energy_attribution_level="pod"}`, semconv.MetricPodCPUTimePrometheus, uid)
		prom.WaitForQuery(t, q, 30*time.Second, within(pod.CPUTimeS), col.Process)
		for id, j := range pod.Containers {
			q = fmt.Sprintf(`%s{k8s_pod_uid=%q,container_id=%q,eco_energy_attribution_level="container"}`, semconv.MetricPodEnergyPrometheus, uid, id)
			prom.WaitForQuery(t, q, 30*time.Second, within(j), col.Process)
		}
	}
	// One host series per node: summing hw.host.energy over the cluster
	// counts each joule once (per-socket and _total domains never add up).
	q := fmt.Sprintf(`sum(%s)`, semconv.MetricHWHostEnergyPrometheus)
	prom.WaitForQuery(t, q, 30*time.Second, within(hostJ), col.Process)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s, err := prom.Query(ctx, fmt.Sprintf(`count(%s)`, semconv.MetricHWHostEnergyPrometheus)); err != nil || len(s) != 1 || s[0].Value != 6 {
		t.Fatalf("host energy series: %v %v, want 6", s, err)
	}
}
