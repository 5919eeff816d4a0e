package entsoereceiver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/internal/ecostatus/ecostatustest"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/metadatatest"
	"github.com/ecotel/ecotel/semconv"
)

// The receiver registers with the status page and shows, per zone, exactly
// what its last scrape emitted: both intensities, the shares, the price and
// currency, the generation mix summed per fuel, the interval and its age.
func TestStatusSnapshotMatchesScrape(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	cfg := replayConfig("testdata/replay/basic", "FR", "DE-LU", "SE-3", "SE-4")
	require.NoError(t, cfg.Validate())
	set := metadatatest.NewSettings(tel)
	set.ID = component.MustNewIDWithName("entsoe", "grid")
	s, err := newGridScraper(cfg, set)
	require.NoError(t, err)
	reg := &ecostatustest.Registrar{}
	require.NoError(t, s.start(context.Background(), reg.Host()))
	require.Contains(t, reg.Sources(), set.ID, "registered under its component ID")
	assert.Empty(t, s.StatusSnapshot().Zones, "nothing before the first scrape")

	md, err := s.scrape(context.Background())
	require.NoError(t, err)
	snap := reg.Sources()[set.ID].StatusSnapshot()
	require.Len(t, snap.Zones, 4)
	for _, z := range snap.Zones {
		want := zoneValues(md, z.Code)
		require.NotNil(t, z.IntensityLifecycleGPerKWh, z.Code)
		require.NotNil(t, z.IntensityDirectGPerKWh, z.Code)
		require.NotNil(t, z.PricePerMWh, z.Code)
		require.NotNil(t, z.DataAgeSeconds, z.Code)
		require.NotNil(t, z.IntervalStart, z.Code)
		assert.Equal(t, want.lifecycle, *z.IntensityLifecycleGPerKWh, z.Code)
		assert.Equal(t, want.direct, *z.IntensityDirectGPerKWh, z.Code)
		assert.Equal(t, want.renewable, *z.RenewableShare, z.Code)
		assert.Equal(t, want.lowCarbon, *z.LowCarbonShare, z.Code)
		assert.Equal(t, want.price, *z.PricePerMWh, z.Code)
		assert.Equal(t, want.currency, z.Currency, z.Code)
		assert.Equal(t, want.intervalStart, pcommon.NewTimestampFromTime(*z.IntervalStart), z.Code)
		assert.Equal(t, want.generationAgeS, *z.DataAgeSeconds, z.Code)
		mix := map[string]float64{}
		for _, f := range z.Mix {
			mix[f.Fuel] = f.MW
		}
		assert.InDeltaMapValues(t, want.mixMW, mix, 1e-9, z.Code)
	}

	require.NoError(t, s.shutdown(context.Background()))
	assert.Empty(t, reg.Sources(), "unregistered in Shutdown")
}

type emittedZone struct {
	lifecycle, direct, renewable, lowCarbon, price, generationAgeS float64
	currency                                                       string
	intervalStart                                                  pcommon.Timestamp
	mixMW                                                          map[string]float64
}

// zoneValues reads one zone's emitted values back from a scrape.
func zoneValues(md pmetric.Metrics, code string) emittedZone {
	out := emittedZone{mixMW: map[string]float64{}}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		if v, _ := rm.Resource().Attributes().Get(semconv.AttrGridZoneCode); v.Str() != code {
			continue
		}
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			m := ms.At(j)
			dps := m.Gauge().DataPoints()
			for k := 0; k < dps.Len(); k++ {
				dp := dps.At(k)
				attr := func(key string) string { v, _ := dp.Attributes().Get(key); return v.AsString() }
				v := dp.DoubleValue()
				switch m.Name() {
				case semconv.MetricGridCarbonIntensity:
					if attr(semconv.AttrCarbonIntensityMethod) == semconv.AttrCarbonIntensityMethodLifecycle {
						out.lifecycle, out.intervalStart = v, dp.Timestamp()
					} else {
						out.direct = v
					}
				case semconv.MetricGridRenewableShare:
					out.renewable = v
				case semconv.MetricGridLowCarbonShare:
					out.lowCarbon = v
				case semconv.MetricGridPriceDayAhead:
					out.price, out.currency = v, attr(semconv.AttrGridPriceCurrency)
				case semconv.MetricGridGeneration:
					out.mixMW[attr(semconv.AttrGridFuel)] += v
				case semconv.MetricGridDataAge:
					if attr(semconv.AttrGridDocument) == semconv.AttrGridDocumentGeneration {
						out.generationAgeS = v
					}
				}
			}
		}
	}
	return out
}
