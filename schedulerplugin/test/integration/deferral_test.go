//go:build integration

package integration

import (
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestIntegrationDeferralWaitsForGreenGridOrDeadline: a deferrable pod
// pinned to a dirty zone stays pending until the zone's intensity drops
// below its threshold; another is released at its deadline though the grid
// stays dirty; a pod without the annotation is scheduled at once.
func TestIntegrationDeferralWaitsForGreenGridOrDeadline(t *testing.T) {
	c := startCluster(t)
	exp := startExporter(t)
	exp.setNode("frankfurt", "DE-LU", 4.5)
	exp.setIntensity("DE-LU", 380)
	c.createNode(t, nodeSpec{name: "frankfurt", zone: "DE-LU", cpu: "8"})
	c.createNamespace(t, "batch")

	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{exp.address()}})
	prom.WaitForQuery(t, `eco_grid_carbon_intensity_grams_per_kW_h{eco_grid_zone_code="DE-LU"} == 380`, 30*time.Second, nil)
	sched := startScheduler(t, c, schedulerConfig(prom.URL))
	e2e.WaitUntil(t, 30*time.Second, "the plugin's cache to fill", func() error {
		_, err := sched.metric(`ecotel_scheduler_signal_age_seconds{source="prometheus"}`)
		return err
	}, sched.Process)

	pinned := map[string]string{"ecotel.io/grid-zone": "DE-LU"}
	c.createPod(t, testPod("batch", "until-green", "ecotel-scheduler", "1", map[string]string{
		"ecotel.io/defer-until":          time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339),
		"ecotel.io/max-carbon-intensity": "200",
	}, pinned))
	c.createPod(t, testPod("batch", "plain", "ecotel-scheduler", "1", nil, nil))
	if node := c.waitBound(t, "batch", "plain", 30*time.Second, sched.Process); node != "frankfurt" {
		t.Fatalf("plain pod bound to %q", node)
	}

	// The deferrable pod waits, and an event says why.
	c.waitEvent(t, "batch", "until-green", "CarbonDeferred: ", "DE-LU is at 380", sched.Process)
	time.Sleep(3 * time.Second) // several refreshes and recheck passes
	if node := c.nodeOf(t, "batch", "until-green"); node != "" {
		t.Fatalf("deferrable pod bound to %s while DE-LU is at 380 g/kWh (threshold 200)", node)
	}
	if v, err := sched.metric("ecotel_scheduler_deferred_pods"); err != nil || v != 1 {
		t.Errorf("deferred_pods = %v, %v; want 1", v, err)
	}

	// The grid turns green: the pod is released and bound.
	exp.setIntensity("DE-LU", 120)
	c.waitBound(t, "batch", "until-green", 30*time.Second, sched.Process)
	c.waitEvent(t, "batch", "until-green", "CarbonReleased: ", "120", sched.Process)

	// A pod whose threshold the grid never meets is released at its
	// deadline, not before.
	deadline := time.Now().Add(8 * time.Second).Truncate(time.Second)
	c.createPod(t, testPod("batch", "until-deadline", "ecotel-scheduler", "1", map[string]string{
		"ecotel.io/defer-until":          deadline.UTC().Format(time.RFC3339),
		"ecotel.io/max-carbon-intensity": "50",
	}, pinned))
	c.waitBound(t, "batch", "until-deadline", 40*time.Second, sched.Process)
	if boundAt := time.Now(); boundAt.Before(deadline) {
		t.Errorf("pod bound at %v, before its deadline %v", boundAt, deadline)
	}
	if v, err := sched.metric(`ecotel_scheduler_deferral_decisions_total{decision="released_deadline"}`); err != nil || v != 1 {
		t.Errorf("released_deadline decisions = %v, %v; want 1", v, err)
	}
}
