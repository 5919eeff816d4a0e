//go:build integration

package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
)

// schedulerConfig is a KubeSchedulerConfiguration with one profile,
// ecotel-scheduler, using both plugins on Prometheus at promURL. The other
// score plugins are off so that placements are decided by carbon alone and
// the assertions are exact; the default filters stay on ("feasible").
func schedulerConfig(promURL string) string {
	return fmt.Sprintf(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %%KUBECONFIG%%
  qps: 500
  burst: 1000
leaderElection:
  leaderElect: false
profiles:
  - schedulerName: ecotel-scheduler
    plugins:
      multiPoint:
        enabled:
          - name: SCIScore
            weight: 3
          - name: CarbonDeferral
      score:
        disabled:
          - name: "*"
        enabled:
          - name: SCIScore
            weight: 3
    pluginConfig:
      - name: SCIScore
        args:
          prometheus:
            address: %[1]s
            timeout: 1s
          refreshInterval: 1s
      - name: CarbonDeferral
        args:
          prometheus:
            address: %[1]s
            timeout: 1s
          refreshInterval: 1s
`, promURL)
}

// TestIntegrationPlacesPodsOnGreenestFeasibleNode: five nodes of different
// carbon cost; pods go to the greenest one they fit on, follow the signal
// when it changes, and keep being scheduled promptly when Prometheus is gone.
func TestIntegrationPlacesPodsOnGreenestFeasibleNode(t *testing.T) {
	c := startCluster(t)
	exp := startExporter(t)
	// malmo is the greenest but has too little CPU for the 1-CPU pods;
	// warsaw has no signal at all.
	exp.setNode("malmo", "SE-4", 0.08)
	exp.setNode("stockholm", "SE-3", 0.12)
	exp.setNode("paris", "FR", 0.35)
	exp.setNode("frankfurt", "DE-LU", 4.5)
	for _, z := range []struct {
		zone string
		v    float64
	}{{"SE-4", 25}, {"SE-3", 18}, {"FR", 45}, {"DE-LU", 380}} {
		exp.setIntensity(z.zone, z.v)
	}
	for _, n := range []nodeSpec{
		{name: "malmo", zone: "SE-4", cpu: "500m"},
		{name: "stockholm", zone: "SE-3", cpu: "8"},
		{name: "paris", zone: "FR", cpu: "8"},
		{name: "frankfurt", zone: "DE-LU", cpu: "8"},
		{name: "warsaw", zone: "PL", cpu: "8"},
	} {
		c.createNode(t, n)
	}
	c.createNamespace(t, "green")

	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{exp.address()}})
	prom.WaitForQuery(t, "count(eco_node_carbon_per_vcpu_grams_per_hour) == 4", 30*time.Second, nil)
	sched := startScheduler(t, c, schedulerConfig(prom.URL))
	e2e.WaitUntil(t, 30*time.Second, "the plugin's cache to hold 4 nodes", func() error {
		v, err := sched.metric(`ecotel_scheduler_signal_nodes{source="prometheus"}`)
		if err == nil && v != 4 {
			err = fmt.Errorf("signal_nodes = %v", v)
		}
		return err
	}, sched.Process)

	for i := range 3 {
		name := fmt.Sprintf("job-%d", i)
		c.createPod(t, testPod("green", name, "ecotel-scheduler", "1", nil, nil))
		if node := c.waitBound(t, "green", name, 30*time.Second, sched.Process); node != "stockholm" {
			t.Errorf("%s bound to %s, want stockholm (greenest feasible; malmo is greener but too small)", name, node)
		}
	}

	// The grid in SE-3 turns dirty: new pods follow the signal to paris.
	exp.setNode("stockholm", "SE-3", 9.0)
	prom.WaitForQuery(t, `eco_node_carbon_per_vcpu_grams_per_hour{k8s_node_name="stockholm"} == 9`, 30*time.Second, nil)
	time.Sleep(2500 * time.Millisecond) // two refresh intervals of the plugin's cache
	c.createPod(t, testPod("green", "after-change", "ecotel-scheduler", "1", nil, nil))
	if node := c.waitBound(t, "green", "after-change", 30*time.Second, sched.Process); node != "paris" {
		t.Errorf("after stockholm turned dirty, pod bound to %s, want paris", node)
	}

	// Prometheus goes away: scheduling goes on at once with the last known
	// signals, and the failed refreshes are counted.
	prom.Stop()
	time.Sleep(2 * time.Second)
	for i := range 3 {
		name := fmt.Sprintf("outage-%d", i)
		start := time.Now()
		c.createPod(t, testPod("green", name, "ecotel-scheduler", "1", nil, nil))
		node := c.waitBound(t, "green", name, 10*time.Second, sched.Process)
		t.Logf("%s bound to %s %v after creation, with Prometheus down", name, node, time.Since(start).Round(time.Millisecond))
		if node != "paris" {
			t.Errorf("%s bound to %s during the outage, want paris (last known signals are still fresh)", name, node)
		}
	}
	if v, err := sched.metric(`ecotel_scheduler_signal_refreshes_total{result="error",source="prometheus"}`); err != nil || v < 1 {
		t.Errorf("refresh errors during the outage = %v, %v; want counted", v, err)
	}
	if _, err := sched.metric(`ecotel_scheduler_signal_age_seconds{source="prometheus"}`); err != nil {
		t.Errorf("cache age not exposed: %v", err)
	}
	if log := sched.Log(); strings.Contains(log, "panic") {
		t.Errorf("scheduler log mentions a panic:\n%s", sched.Tail(40))
	}
}
