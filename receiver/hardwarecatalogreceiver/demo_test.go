package hardwarecatalogreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

// The demo cluster of `make run` (distribution/demo) must show mixed hardware:
// at least 3 profiles in at least 2 zones, every node matched by a rule and
// every zone resolved.
func TestDemoClusterIsMixed(t *testing.T) {
	h := startScraper(t, demoConfig(t))
	md := h.scrape(t)
	require.NoError(t, semconvtest.CheckMetrics(md))

	profiles, zones := map[string]bool{}, map[string]bool{}
	for name, n := range nodeValues(md) {
		assert.Equal(t, semconv.AttrHardwareMatchRule, n.info[semconv.AttrHardwareMatch], name)
		assert.NotEqual(t, semconv.AttrGridZoneSourceUnresolved, n.info[semconv.AttrGridZoneSource], name)
		assert.Greater(t, n.v[semconv.MetricNodeEmbodiedTotal], 0.0, name)
		profiles[n.res[semconv.AttrHardwareProfile]] = true
		zones[n.res[semconv.AttrGridZoneCode]] = true
	}
	assert.GreaterOrEqual(t, len(profiles), 3, "profiles: %v", profiles)
	assert.GreaterOrEqual(t, len(zones), 2, "zones: %v", zones)
	assert.Equal(t, map[string]bool{"FR": true, "DE-LU": true, "SE-3": true, "SE-4": true}, zones)
	assert.EqualValues(t, 0, h.gauge(t, "receiver_hardwarecatalog_nodes_unmatched"))
}

// demoConfig is the demo's configuration of the receiver (make run).
func demoConfig(t *testing.T) *Config {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Inventory = InventoryConfig{Source: SourceStatic, Path: "../../distribution/demo/cluster.yaml"}
	cfg.Catalog.Files = []string{"../../distribution/demo/catalog.yaml"}
	require.NoError(t, cfg.Validate())
	return cfg
}

func TestMetadataConformsToRegistry(t *testing.T) {
	require.NoError(t, semconvtest.CheckMetadataFile("metadata.yaml"))
}
