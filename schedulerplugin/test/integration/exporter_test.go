//go:build integration

package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
	"github.com/ecotel/ecotel/semconv"
)

// exporter serves the series ecotel's collector exports for the scheduler
// (the sci processor's node ranking signal and the entsoe receiver's zone
// intensity), with values the test sets, in the Prometheus text format.
// The real Prometheus scrapes it.
type exporter struct {
	mu        sync.Mutex
	nodes     map[string]nodeValue
	intensity map[string]float64
	server    *httptest.Server
}

type nodeValue struct {
	zone  string
	gPerH float64
}

func startExporter(t testing.TB) *exporter {
	e := &exporter{nodes: map[string]nodeValue{}, intensity: map[string]float64{}}
	e.server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.server.Close)
	return e
}

// address is host:port for Prometheus' scrape config.
func (e *exporter) address() string { return strings.TrimPrefix(e.server.URL, "http://") }

func (e *exporter) setNode(node, zone string, gPerH float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nodes[node] = nodeValue{zone: zone, gPerH: gPerH}
}

func (e *exporter) setIntensity(zone string, gPerKWh float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.intensity[zone] = gPerKWh
}

func (e *exporter) serve(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	node, zone := carbonsource.DefaultNodeLabel, carbonsource.DefaultZoneLabel
	fmt.Fprintf(&b, "# TYPE %s gauge\n", semconv.MetricNodeCarbonPerVCPUPrometheus)
	for _, name := range sortedKeys(e.nodes) {
		v := e.nodes[name]
		fmt.Fprintf(&b, "%s{%s=%q,%s=%q} %g\n", semconv.MetricNodeCarbonPerVCPUPrometheus, node, name, zone, v.zone, v.gPerH)
	}
	fmt.Fprintf(&b, "# TYPE %s gauge\n", semconv.MetricGridCarbonIntensityPrometheus)
	for _, z := range sortedKeys(e.intensity) {
		fmt.Fprintf(&b, "%s{%s=%q,%s=%q} %g\n", semconv.MetricGridCarbonIntensityPrometheus, zone, z,
			carbonsource.PromLabel(semconv.AttrCarbonIntensityMethod), semconv.AttrCarbonIntensityMethodLifecycle, e.intensity[z])
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
