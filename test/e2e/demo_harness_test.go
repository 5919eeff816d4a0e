//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/clusterinventory"
	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/internal/ecostatus"
)

// demo is the offline demo of `make run` on free ports: otelcol-eco on
// distribution/config/demo.yaml (entsoe replay, hardwarecatalog on the
// static demo cluster, alumetbridge relay, sci processor, ecostatus page)
// with alumet-sim playing the cluster's Alumet agents.
type demo struct {
	col *e2e.Collector
	sim *e2e.Process
	inv *clusterinventory.Inventory
}

// sciTiming shortens the sci processor's window, interval and delay so SCI
// shows up within seconds instead of the demo's minute.
type sciTiming struct{ window, interval, delay string }

// startDemo starts the demo with the given SCI timing.
func startDemo(t *testing.T, timing sciTiming) *demo {
	t.Helper()
	root := e2e.RepoRoot(t)
	inv, err := clusterinventory.Load(filepath.Join(root, "distribution/demo/cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ep := e2e.NewEndpoints(t)
	relay := e2e.FreeEndpoint(t)
	ep.Extra["ECOTEL_RELAY_ENDPOINT"] = relay
	col := e2e.StartCollector(t, "distribution/config/demo.yaml", ep,
		"ECOTEL_SCI_WINDOW="+timing.window, "ECOTEL_SCI_INTERVAL="+timing.interval, "ECOTEL_SCI_DELAY="+timing.delay)
	simBin := e2e.LookBinary(t, "ALUMET_SIM", "bin/alumet-sim", "", "run `make alumet-sim` (make e2e builds it)")
	sim := e2e.StartProcess(t, "alumet-sim", simBin, []string{
		"-inventory", filepath.Join(root, "distribution/demo/cluster.yaml"),
		"-relay", relay, "-interval", "500ms",
	}, nil)
	return &demo{col: col, sim: sim, inv: inv}
}

// telemetryEndpoint is where the collector serves its own metrics.
func (d *demo) telemetryEndpoint() string {
	return fmt.Sprintf("127.0.0.1:%d", d.col.Endpoints.Telemetry)
}

// statusURL is the ecostatus page.
func (d *demo) statusURL() string { return "http://" + d.col.Endpoints.Status + "/" }

// status fetches the ecostatus JSON API.
func (d *demo) status() (ecostatus.Snapshot, error) {
	var snap ecostatus.Snapshot
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(d.statusURL() + "api/v1/status")
	if err != nil {
		return snap, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return snap, fmt.Errorf("status API: %s", resp.Status)
	}
	return snap, json.NewDecoder(resp.Body).Decode(&snap)
}

// waitForFullStatus waits until the status API shows every zone of the
// demo, every node with a ranking signal and an SCI, and every pod with an
// SCI, and returns that snapshot.
func (d *demo) waitForFullStatus(t *testing.T, zones []string, timeout time.Duration) ecostatus.Snapshot {
	t.Helper()
	var snap ecostatus.Snapshot
	e2e.WaitUntil(t, timeout, "a full status page (zones, ranked nodes, pod SCI)", func() error {
		var err error
		if snap, err = d.status(); err != nil {
			return err
		}
		if len(snap.Zones) != len(zones) {
			return fmt.Errorf("%d zones, want %d", len(snap.Zones), len(zones))
		}
		ranked, withSCI := 0, 0
		for _, n := range snap.Nodes {
			if n.CarbonPerVCPUGPerHour != nil && n.SCI != nil && n.Profile != "" {
				ranked++
			}
		}
		for _, p := range snap.Pods {
			if p.SCI != nil {
				withSCI++
			}
		}
		if ranked != len(d.inv.Nodes) || withSCI != len(d.inv.Pods) {
			return fmt.Errorf("%d of %d nodes ranked with SCI and profile, %d of %d pods with SCI", ranked, len(d.inv.Nodes), withSCI, len(d.inv.Pods))
		}
		return nil
	}, d.col.Process, d.sim)
	return snap
}
