package hardwarecatalogreceiver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/ecotel/ecotel/internal/ecostatus/ecostatustest"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/metadata"
	"github.com/ecotel/ecotel/semconv"
)

// The receiver registers with the status page and shows each node of the
// demo cluster with the zone, profile, PUE, embodied rate and vCPUs its
// last scrape emitted.
func TestStatusSnapshotMatchesScrape(t *testing.T) {
	cfg := demoConfig(t)
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.MustNewIDWithName("hardwarecatalog", "demo")
	s, err := newScraper(cfg, set)
	require.NoError(t, err)
	reg := &ecostatustest.Registrar{}
	require.NoError(t, s.start(context.Background(), reg.Host()))
	src := reg.Sources()[set.ID]
	require.NotNil(t, src, "registered under its component ID")
	assert.Empty(t, src.StatusSnapshot().Nodes, "nothing before the first scrape")

	md, err := s.scrape(context.Background())
	require.NoError(t, err)
	emitted := nodeValues(md)
	snap := src.StatusSnapshot()
	require.Len(t, snap.Nodes, len(emitted))
	for _, n := range snap.Nodes {
		want, ok := emitted[n.Name]
		require.True(t, ok, n.Name)
		assert.Equal(t, want.res[semconv.AttrGridZoneCode], n.Zone, n.Name)
		assert.Equal(t, want.res[semconv.AttrHardwareProfile], n.Profile, n.Name)
		require.NotNil(t, n.PUE, n.Name)
		require.NotNil(t, n.EmbodiedRateGPerHour, n.Name)
		require.NotNil(t, n.VCPUs, n.Name)
		assert.Equal(t, want.v[semconv.MetricNodePUE], *n.PUE, n.Name)
		assert.Equal(t, want.v[semconv.MetricNodeEmbodiedRate], *n.EmbodiedRateGPerHour, n.Name)
		assert.Equal(t, want.v[semconv.MetricNodeVCPUs], *n.VCPUs, n.Name)
	}

	require.NoError(t, s.shutdown(context.Background()))
	assert.Empty(t, reg.Sources(), "unregistered in Shutdown")
}
