package hardwarecatalogreceiver

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/ecotel/ecotel/internal/clusterinventory"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/metadata"
)

// A large cluster: 1,000 nodes of the demo's kinds, 30 pods each.
func writeLargeInventory(b *testing.B, nodes, podsPerNode int) string {
	b.Helper()
	inv := &clusterinventory.Inventory{}
	kinds := []map[string]string{
		{"node.kubernetes.io/instance-type": "m5.2xlarge", "topology.kubernetes.io/region": "eu-west-3"},
		{"node.kubernetes.io/instance-type": "n2-standard-8", "topology.kubernetes.io/region": "europe-west3"},
		{"ecotel.io/grid-zone": "SE-4"},
	}
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		if i%3 == 2 {
			name = fmt.Sprintf("malmo-rack-%05d", i)
		}
		inv.Nodes = append(inv.Nodes, clusterinventory.Node{
			Name: name, Labels: kinds[i%3],
			Allocatable: clusterinventory.Resources{CPU: "8", Memory: "30Gi"},
		})
		for j := range podsPerNode {
			inv.Pods = append(inv.Pods, clusterinventory.Pod{
				UID: fmt.Sprintf("%05d-%03d", i, j), Name: fmt.Sprintf("web-%05d-%03d", i, j), Namespace: "shop",
				Node: name, Deployment: "web", Requests: clusterinventory.Resources{CPU: "100m", Memory: "128Mi"},
			})
		}
	}
	path := filepath.Join(b.TempDir(), "cluster.yaml")
	require.NoError(b, inv.WriteFile(path))
	return path
}

// BenchmarkScrape measures one collection of a 1,000-node, 30,000-pod
// cluster: profile matching, zone resolution and building every metric.
func BenchmarkScrape(b *testing.B) {
	cfg := createDefaultConfig().(*Config)
	cfg.Inventory = InventoryConfig{Source: SourceStatic, Path: writeLargeInventory(b, 1000, 30)}
	cfg.Catalog.Files = []string{"../../distribution/demo/catalog.yaml"}
	cfg.ReloadInterval = 0
	s, err := newScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	require.NoError(b, err)
	require.NoError(b, s.start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(b, s.shutdown(context.Background())) }()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		md, err := s.scrape(context.Background())
		if err != nil || md.ResourceMetrics().Len() != 31_000 {
			b.Fatalf("scrape: %v, %d resources", err, md.ResourceMetrics().Len())
		}
	}
}

// BenchmarkCharacterizeNode measures matching and resolving one node.
func BenchmarkCharacterizeNode(b *testing.B) {
	r, err := createDefaultConfig().(*Config).loadMatcher()
	require.NoError(b, err)
	n := nodeNamed("paris-m5-1", 7.91)
	n.Labels["node.kubernetes.io/instance-type"] = "m5.2xlarge"
	n.Labels["topology.kubernetes.io/region"] = "eu-west-3"
	b.ReportAllocs()
	for b.Loop() {
		if f := r.characterize(n, "", testNow); f.Profile != "aws-m5" {
			b.Fatal(f.Profile)
		}
	}
}
