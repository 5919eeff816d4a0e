package entsoereceiver

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/metadatatest"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

var update = flag.Bool("update", false, "rewrite the golden expected_*.yaml files from the current output")

// replayScrape runs the scraper over a replay directory and returns one scrape.
func replayScrape(t *testing.T, cfg *Config, tel *componenttest.Telemetry) pmetric.Metrics {
	t.Helper()
	require.NoError(t, cfg.Validate())
	s, err := newGridScraper(cfg, metadatatest.NewSettings(tel))
	require.NoError(t, err)
	require.NoError(t, s.start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, s.shutdown(context.Background())) }()
	md, err := s.scrape(context.Background())
	require.NoError(t, err)
	return md
}

func compareGolden(t *testing.T, name string, md pmetric.Metrics) {
	t.Helper()
	require.NoError(t, semconvtest.CheckMetrics(md))
	path := filepath.Join("testdata", name)
	if *update {
		// Keep the datapoint timestamps (they are the data); drop the
		// builder's wall-clock start time so regenerating is reproducible.
		out := pmetric.NewMetrics()
		md.CopyTo(out)
		rms := out.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			ms := rms.At(i).ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				dps := ms.At(j).Gauge().DataPoints()
				for k := 0; k < dps.Len(); k++ {
					dps.At(k).SetStartTimestamp(0)
				}
			}
		}
		require.NoError(t, golden.WriteMetrics(t, path, out, golden.SkipMetricTimestampNormalization()))
	}
	want, err := golden.ReadMetrics(path)
	require.NoError(t, err)
	// Timestamps are compared: a value's timestamp is the start of the
	// interval it describes, and replay's clock is fixed. Only the builder's
	// start time (wall clock) is ignored.
	require.NoError(t, pmetrictest.CompareMetrics(want, md,
		pmetrictest.IgnoreStartTimestamp(),
		pmetrictest.IgnoreResourceMetricsOrder(),
		pmetrictest.IgnoreMetricsOrder(),
		pmetrictest.IgnoreMetricDataPointsOrder()))
}

func replayConfig(dir string, zones ...string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Zones = zones
	cfg.Replay.Directory = dir
	return cfg
}

// TestReplayFourZones is what the demo cluster's consumers (the sci
// processor, the scheduler) see: FR, DE-LU, SE-3 and SE-4 with generation
// and prices. DE-LU's solar is published one quarter-hour late, so its latest
// complete interval is 11:15–11:30 although other types reach 11:45.
func TestReplayFourZones(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	md := replayScrape(t, replayConfig("testdata/replay/basic", "FR", "DE-LU", "SE-3", "SE-4"), tel)
	compareGolden(t, "expected_basic.yaml", md)
	require.Equal(t, 4, md.ResourceMetrics().Len())
}

// TestReplayDemo covers the shipped demo recordings with every document.
func TestReplayDemo(t *testing.T) {
	cfg := replayConfig("../../distribution/demo/entsoe", "FR", "DE-LU", "SE-3", "SE-4")
	cfg.Documents.Load.Enabled = true
	cfg.Documents.Forecast.Enabled = true
	cfg.Documents.Forecast.Horizon = 2 * time.Hour
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	compareGolden(t, "expected_demo.yaml", replayScrape(t, cfg, tel))
}

// TestReplayPitfalls reads the hand-written pitfall recordings (see
// internal/griddata's tests for the hand-computed values): mixed
// resolutions, both directions, negative values, split and revised series,
// future placeholders, A03 trailing positions, kW units, a DST day, two
// auctions, GBP prices, a ZIP body, an acknowledgement, unreadable points and
// a maintenance page.
func TestReplayPitfalls(t *testing.T) {
	cfg := replayConfig("testdata/replay/pitfalls", "NL", "AT", "GB", "PL", "CZ")
	cfg.Replay.Now = time.Date(2025, 10, 26, 12, 0, 0, 0, time.UTC)
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	md := replayScrape(t, cfg, tel)
	compareGolden(t, "expected_pitfalls.yaml", md)

	// PL has only an acknowledgement: no data is no data, never zeros.
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		code, _ := md.ResourceMetrics().At(i).Resource().Attributes().Get(semconv.AttrGridZoneCode)
		assert.NotEqual(t, "PL", code.Str())
	}
	metadatatest.AssertEqualEntsoeParseErrors(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("document", "replay"))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualEntsoePointsDropped(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("document", "generation"), attribute.String("reason", "invalid_position"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("document", "generation"), attribute.String("reason", "invalid_value"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("document", "generation"), attribute.String("reason", "duplicate_position"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("document", "generation"), attribute.String("reason", "invalid_period"))},
		{Value: 2, Attributes: attribute.NewSet(attribute.String("document", "generation"), attribute.String("reason", "unknown_psr_type"))},
	}, metricdatatest.IgnoreTimestamp())
	// Every price-less and generation-less zone document counts as stale: PL
	// (both), GB (generation), CZ (price).
	metadatatest.AssertEqualEntsoeStale(t, tel, []metricdata.DataPoint[int64]{{Value: 4}}, metricdatatest.IgnoreTimestamp())
}

// TestReplayEmitsWhatLiveWould checks that the replay instant is respected
// like live mode's clock: an earlier "now" reports earlier intervals, with
// nothing from after it.
func TestReplayEarlierNow(t *testing.T) {
	cfg := replayConfig("testdata/replay/basic", "DE-LU")
	cfg.Replay.Now = time.Date(2025, 11, 12, 9, 7, 0, 0, time.UTC)
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	md := replayScrape(t, cfg, tel)
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		dps := m.Gauge().DataPoints()
		for j := 0; j < dps.Len(); j++ {
			ts := dps.At(j).Timestamp().AsTime()
			switch m.Name() {
			case semconv.MetricGridDataAge:
				assert.Equal(t, cfg.Replay.Now, ts.UTC())
			case semconv.MetricGridPriceDayAhead:
				assert.Equal(t, time.Date(2025, 11, 12, 9, 0, 0, 0, time.UTC), ts.UTC(), "price of the quarter containing now")
			default:
				assert.Equal(t, time.Date(2025, 11, 12, 8, 45, 0, 0, time.UTC), ts.UTC(), "%s: the latest quarter over by 09:07", m.Name())
			}
		}
	}
}

// TestReceiverReplayPipeline runs the whole receiver (factory, scraper
// controller) in replay mode into a sink.
func TestReceiverReplayPipeline(t *testing.T) {
	cfg := replayConfig("testdata/replay/basic", "FR", "SE-4")
	cfg.CollectionInterval = 10 * time.Millisecond
	cfg.InitialDelay = 0
	sink := new(consumertest.MetricsSink)
	rcv := startReceiver(t, cfg, sink)
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) >= 2 }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	first, second := sink.AllMetrics()[0], sink.AllMetrics()[1]
	require.NoError(t, semconvtest.CheckMetrics(first))
	require.NoError(t, pmetrictest.CompareMetrics(first, second, pmetrictest.IgnoreStartTimestamp()), "replay is deterministic")
	assert.Equal(t, 2, first.ResourceMetrics().Len())
}

// startReceiver creates and starts the whole receiver (factory, scraper
// controller) delivering into sink; the test shuts it down.
func startReceiver(t *testing.T, cfg *Config, sink *consumertest.MetricsSink) receiver.Metrics {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { tel.Shutdown(context.Background()) })
	rcv, err := NewFactory().CreateMetrics(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	return rcv
}

// BenchmarkScrapeFourZones measures one collection cycle of the demo's four
// zones (every document): what runs each collection_interval.
func BenchmarkScrapeFourZones(b *testing.B) {
	cfg := replayConfig("../../distribution/demo/entsoe", "FR", "DE-LU", "SE-3", "SE-4")
	cfg.Documents.Load.Enabled = true
	cfg.Documents.Forecast.Enabled = true
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	s, err := newGridScraper(cfg, metadatatest.NewSettings(tel))
	require.NoError(b, err)
	require.NoError(b, s.start(context.Background(), componenttest.NewNopHost()))
	defer s.shutdown(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.scrape(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
