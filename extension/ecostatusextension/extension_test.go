package ecostatusextension

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/ecotel/ecotel/extension/ecostatusextension/internal/metadata"
	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/internal/ecostatus"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	load := func(name string) (*Config, error) {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, sub.Unmarshal(cfg))
		return cfg, confmap.Validate(cfg)
	}
	cfg, err := load("")
	require.NoError(t, err)
	require.Equal(t, DefaultEndpoint, cfg.NetAddr.Endpoint)
	require.Equal(t, 20, cfg.TopPods)
	require.Equal(t, 100, cfg.TopNodes)
	cfg, err = load("custom")
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:9999", cfg.NetAddr.Endpoint)
	require.Equal(t, 50, cfg.TopPods)
	require.Equal(t, 10, cfg.TopNodes)
	_, err = load("bad")
	require.ErrorContains(t, err, "endpoint: must be set")
	require.ErrorContains(t, err, "top_pods 0")
	require.ErrorContains(t, err, "top_nodes 0")
}

type staticSource ecostatus.Snapshot

func (s staticSource) StatusSnapshot() ecostatus.Snapshot { return ecostatus.Snapshot(s) }

func f(v float64) *float64 { return &v }

// host exposes the extension to components the way the collector does, so
// ecostatus.Register finds it.
type host struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.exts }

func TestServesMergedStatus(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = e2e.FreeEndpoint(t)
	cfg.TopPods = 1
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	h := host{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{component.NewID(metadata.Type): ext}}
	require.NoError(t, ext.Start(context.Background(), h))
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()

	grid := staticSource{Zones: []ecostatus.Zone{{
		Code: "SE-3", IntensityLifecycleGPerKWh: f(31.5), IntensityDirectGPerKWh: f(4.2), PricePerMWh: f(41.3), Currency: "EUR",
		DataAgeSeconds: f(1800), Mix: []ecostatus.FuelMW{{Fuel: "hydro", MW: 4000}, {Fuel: "nuclear", MW: 5000}, {Fuel: "<script>", MW: 10}},
	}}}
	sci := staticSource{
		Zones: []ecostatus.Zone{{Code: "SE-3", GreenHeadroom: f(0.25)}},
		Nodes: []ecostatus.Node{{Name: "stockholm-rack-1", Zone: "SE-3", CarbonPerVCPUGPerHour: f(0.8)}, {Name: "frankfurt-n2-1", Zone: "DE-LU", CarbonPerVCPUGPerHour: f(12.5)}},
		Pods: []ecostatus.Pod{
			{UID: "u-small", Name: "web-1", Namespace: "shop", SCI: &ecostatus.SCI{Score: 0.2, FunctionalUnit: "hour"}},
			{UID: "u-big", Name: "trainer-1", Namespace: "ml", SCI: &ecostatus.SCI{Score: 9.5, FunctionalUnit: "hour", EnergyKWh: 0.03, IntensityGPerKWh: 310, PUE: 1.1, EmbodiedG: 0.2, FunctionalUnits: 1}},
		},
	}
	undoGrid := ecostatus.Register(h, component.MustNewID("entsoe"), grid)
	undoSCI := ecostatus.Register(h, component.MustNewID("sci"), sci)
	defer undoSCI()

	get := func(path string) string {
		resp, err := http.Get("http://" + cfg.NetAddr.Endpoint + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	html := get("/")
	for _, want := range []string{`data-zone="SE-3"`, `>32</span> <span class="muted">4</span>`, "41.30 EUR/MWh", `data-node="stockholm-rack-1"`, `data-pod="u-big"`, "<b>9.50</b> g/hour", "eco_node_carbon_per_vcpu_grams_per_hour", "<svg class=\"mix\"", "Green headroom</th>", "</svg> 0.25"} {
		require.Contains(t, html, want)
	}
	require.NotContains(t, html, `data-pod="u-small"`, "top_pods=1 must list only the highest SCI")
	require.NotContains(t, html, "<script>", "fuel names must be escaped")
	require.Less(t, strings.Index(html, "stockholm-rack-1"), strings.Index(html, "frankfurt-n2-1"), "greenest node first")

	var status struct {
		Sources []string
		ecostatus.Snapshot
	}
	require.NoError(t, json.Unmarshal([]byte(get("/api/v1/status")), &status))
	require.Equal(t, []string{"entsoe", "sci"}, status.Sources)
	require.Len(t, status.Zones, 1)
	require.Len(t, status.Pods, 2, "the JSON API returns every pod")

	undoGrid()
	page := get("/")
	require.NotContains(t, page, "41.30 EUR/MWh", "an unregistered source's data disappears")
	require.Contains(t, page, `data-zone="SE-3"`, "the zone stays while another source knows it")
}

// BenchmarkStatusPage measures one page view for a large cluster: merging
// the snapshots of the grid (40 zones), hardware (5,000 nodes) and sci
// (5,000 nodes, 50,000 pods) sources, and rendering the top 20 pods.
func BenchmarkStatusPage(b *testing.B) {
	var grid, hw, sci ecostatus.Snapshot
	for i := range 40 {
		grid.Zones = append(grid.Zones, ecostatus.Zone{Code: fmt.Sprintf("Z-%02d", i), IntensityLifecycleGPerKWh: f(float64(10 * i)),
			Mix: []ecostatus.FuelMW{{Fuel: "wind", MW: 100}, {Fuel: "gas", MW: float64(i)}, {Fuel: "nuclear", MW: 50}}})
	}
	for i := range 5000 {
		name := fmt.Sprintf("node-%04d", i)
		hw.Nodes = append(hw.Nodes, ecostatus.Node{Name: name, Zone: "Z-01", Profile: "aws-m5", PUE: f(1.135), EmbodiedRateGPerHour: f(3.8), VCPUs: f(8)})
		sci.Nodes = append(sci.Nodes, ecostatus.Node{Name: name, CarbonPerVCPUGPerHour: f(float64(i % 97)), SCI: &ecostatus.SCI{Score: float64(i), FunctionalUnit: "hour"}})
		for j := range 10 {
			sci.Pods = append(sci.Pods, ecostatus.Pod{UID: fmt.Sprintf("%s-%d", name, j), Name: "p", Namespace: "ns", Node: name,
				SCI: &ecostatus.SCI{Score: float64((i*10 + j) % 1013), FunctionalUnit: "hour", OperationalG: 1, EmbodiedG: 1}})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		snap := ecostatus.Merge(grid, hw, sci)
		if err := renderPage(io.Discard, newPageData(snap, []string{"entsoe", "hardwarecatalog", "sci"}, 20, 100, time.Now())); err != nil {
			b.Fatal(err)
		}
	}
}

// The page lists the top_nodes greenest nodes and top_pods highest pods, and
// says how many there are in all.
func TestPageListsTopNodesAndPods(t *testing.T) {
	snap := ecostatus.Merge(ecostatus.Snapshot{
		Nodes: []ecostatus.Node{{Name: "c", CarbonPerVCPUGPerHour: f(3)}, {Name: "a", CarbonPerVCPUGPerHour: f(1)}, {Name: "b", CarbonPerVCPUGPerHour: f(2)}},
		Pods:  []ecostatus.Pod{{UID: "p1", SCI: &ecostatus.SCI{Score: 1}}, {UID: "p2", SCI: &ecostatus.SCI{Score: 2}}},
	})
	d := newPageData(snap, nil, 1, 2, time.Now())
	require.Equal(t, []string{"a", "b"}, []string{d.Nodes[0].Name, d.Nodes[1].Name})
	require.Equal(t, 3, d.NodesTotal)
	require.Equal(t, 3, d.NodesRanked)
	require.Len(t, d.Pods, 1)
	require.Equal(t, "p2", d.Pods[0].UID)
	var page strings.Builder
	require.NoError(t, renderPage(&page, d))
	require.Contains(t, page.String(), "Showing the 2 greenest of 3; the JSON API lists all.")
	require.Contains(t, page.String(), "Showing 1 of 2; the JSON API lists all.")
}

// TestREADMEDocumentsEveryField keeps README.md truthful about the
// configuration.
func TestREADMEDocumentsEveryField(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	typ := reflect.TypeOf(Config{})
	for i := 0; i < typ.NumField(); i++ {
		tag := strings.Split(typ.Field(i).Tag.Get("mapstructure"), ",")[0]
		if tag == "" {
			continue // squashed confighttp settings, documented upstream
		}
		require.Contains(t, string(b), "| `"+tag+"` |", "README.md does not document %s", tag)
	}
}
