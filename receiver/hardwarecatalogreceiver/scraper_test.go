package hardwarecatalogreceiver

import (
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/metadata"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// A fixed clock, so ages in the golden file do not drift.
var testNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

type harness struct {
	scraper *hwScraper
	tel     *componenttest.Telemetry
	logs    *observer.ObservedLogs
}

func startScraper(t *testing.T, cfg *Config) *harness {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	core, logs := observer.New(zap.InfoLevel)
	set.Logger = zap.New(core)
	s, err := newScraper(cfg, set)
	require.NoError(t, err)
	s.now = func() time.Time { return testNow }
	require.NoError(t, s.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, s.shutdown(context.Background())) })
	return &harness{scraper: s, tel: tel, logs: logs}
}

func (h *harness) scrape(t *testing.T) pmetric.Metrics {
	t.Helper()
	md, err := h.scraper.scrape(context.Background())
	require.NoError(t, err)
	return md
}

func (h *harness) gauge(t *testing.T, name string) int64 {
	t.Helper()
	m, err := h.tel.GetMetric("otelcol_" + name)
	require.NoError(t, err)
	var total int64
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			total += dp.Value
		}
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			total += dp.Value
		}
	default:
		t.Fatalf("%s: unexpected data %T", name, m.Data)
	}
	return total
}

// The golden output for a static cluster of mixed hardware: cloud nodes of two
// providers, on-premises servers matched by name glob and by annotation,
// per-node overrides, unusable annotations, an unmatched node.
func TestScrapeMixedClusterGolden(t *testing.T) {
	h := startScraper(t, loadConfig(t, "static"))
	md := h.scrape(t)
	require.NoError(t, semconvtest.CheckMetrics(md))

	expectedFile := filepath.Join("testdata", "mixed", "expected.yaml")
	if *update {
		golden.WriteMetrics(t, expectedFile, md)
	}
	expected, err := golden.ReadMetrics(expectedFile)
	require.NoError(t, err)
	require.NoError(t, pmetrictest.CompareMetrics(expected, md,
		pmetrictest.IgnoreTimestamp(), pmetrictest.IgnoreStartTimestamp(),
		pmetrictest.IgnoreResourceMetricsOrder(), pmetrictest.IgnoreMetricsOrder()))

	assert.EqualValues(t, 7, h.gauge(t, "receiver_hardwarecatalog_nodes_discovered"))
	assert.EqualValues(t, 5, h.gauge(t, "receiver_hardwarecatalog_nodes_matched"))
	// mystery-1 and stockholm-old-1 (its annotations override figures, not the profile).
	assert.EqualValues(t, 2, h.gauge(t, "receiver_hardwarecatalog_nodes_unmatched"))
	assert.EqualValues(t, 0, h.gauge(t, "receiver_hardwarecatalog_nodes_zone_unresolved"))
	assert.EqualValues(t, 3, h.gauge(t, "receiver_hardwarecatalog_pods"))
	// typo-node-1: unknown profile, PUE 113, zone "DE".
	assert.EqualValues(t, 3, h.gauge(t, "receiver_hardwarecatalog_invalid_annotations"))
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("matched no hardware rule").FilterField(zap.String("node", "mystery-1")).Len())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet(`"DE" is a country`).Len())

	// A problem that persists is logged and counted once.
	h.scrape(t)
	assert.EqualValues(t, 3, h.gauge(t, "receiver_hardwarecatalog_invalid_annotations"))
	assert.Equal(t, 2, h.logs.FilterMessageSnippet("matched no hardware rule").Len())
}

// Spot checks of the golden file against hand-computed values, so the golden
// file cannot silently encode a wrong formula.
func TestMixedClusterFigures(t *testing.T) {
	h := startScraper(t, loadConfig(t, "static"))
	nodes := nodeValues(h.scrape(t))

	m5 := nodes["frankfurt-m5-1"]
	assert.Equal(t, "aws-m5", m5.res["eco.hardware.profile"])
	assert.Equal(t, "DE-LU", m5.res["eco.grid.zone.code"])
	assert.Equal(t, "aws", m5.res["cloud.provider"])
	// An m5.xlarge is 4 of the 96 vCPUs of an m5 host of 1,610.79 kgCO2e.
	assertNear(t, "m5 TE", m5.v[semconv.MetricNodeEmbodiedTotal], 1610.79*4/96*1000)
	assertNear(t, "m5 rate", m5.v[semconv.MetricNodeEmbodiedRate], 1610.79*4/96*1000/35040)
	assertNear(t, "m5 PUE", m5.v[semconv.MetricNodePUE], 1.135)
	assertNear(t, "m5 lifetime", m5.v[semconv.MetricNodeLifetime], 4*365*86400)
	assertNear(t, "m5 idle", m5.v[semconv.MetricNodePowerIdle], 4*0.6130)

	n2 := nodes["belgium-n2-1"]
	assert.Equal(t, "BE", n2.res["eco.grid.zone.code"])
	assertNear(t, "GCP europe-west1 PUE", n2.v[semconv.MetricNodePUE], 1.09)
	assertNear(t, "n2 TE", n2.v[semconv.MetricNodeEmbodiedTotal], 1888.46*16/128*1000)

	rack := nodes["lyon-rack-1"]
	assert.Equal(t, "acme-r7525", rack.res["eco.hardware.profile"])
	// 1000 + 1 extra CPU × 100 + 240 GB × 533/384 + 2 SSD × 100.
	assertNear(t, "rack TE", rack.v[semconv.MetricNodeEmbodiedTotal], (1000+100+240*533.0/384+200)*1000)
	assertNear(t, "rack PUE", rack.v[semconv.MetricNodePUE], 1.42)
	assertNear(t, "rack age", rack.v[semconv.MetricNodeAge], testNow.Sub(time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)).Seconds())
	assertNear(t, "rack vcpus", rack.v[semconv.MetricNodeVCPUs], 64)

	old := nodes["stockholm-old-1"]
	assert.Equal(t, "SE-3", old.res["eco.grid.zone.code"])
	assertNear(t, "annotated PUE", old.v[semconv.MetricNodePUE], 1.3)
	assertNear(t, "annotated TE", old.v[semconv.MetricNodeEmbodiedTotal], 800_000)

	typo := nodes["typo-node-1"]
	assert.Equal(t, "gcp-n2d-standard", typo.res["eco.hardware.profile"])
	assert.Equal(t, "NL", typo.res["eco.grid.zone.code"])
	assertNear(t, "typo PUE (europe-west4)", typo.v[semconv.MetricNodePUE], 1.07)

	mystery := nodes["mystery-1"]
	assert.Equal(t, "generic-rack-server", mystery.res["eco.hardware.profile"])
	assert.Equal(t, "SE-3", mystery.res["eco.grid.zone.code"])
	assert.Equal(t, semconv.AttrHardwareMatchFallback, mystery.info[semconv.AttrHardwareMatch])
	assert.Equal(t, semconv.AttrGridZoneSourceDefault, mystery.info[semconv.AttrGridZoneSource])
}

// The SCI specification's embodied example: 1,000 kg TE, 4-year lifespan,
// 1 hour reserved, whole machine → 1,000,000 g × 1 h / 35,040 h ≈ 28.5 g
// (Impact Framework's SciEmbodied output for the same inputs: 28.5388…).
func TestSCISpecEmbodiedExample(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	r, err := cfg.loadMatcher()
	require.NoError(t, err)
	f := r.characterize(nodeNamed("sci-example", 16), "", testNow)
	require.Equal(t, "generic-rack-server", f.Profile)
	require.True(t, f.HasEmbodied)
	assertNear(t, "TE", f.EmbodiedG, 1_000_000)
	assertNear(t, "EL", f.LifetimeS, 126_144_000)
	const timeReservedH, share = 1.0, 1.0
	m := f.EmbodiedRateGPerH * timeReservedH * share
	assertNear(t, "M", m, 1_000_000*3600.0/126_144_000)
	assert.InDelta(t, 28.5388, m, 0.0001)
}

func TestCatalogReloadKeepsPreviousOnError(t *testing.T) {
	dir := t.TempDir()
	catalogPath := filepath.Join(dir, "catalog.yaml")
	writeCatalog(t, catalogPath, siteCatalog(1.3))
	cfg := loadConfig(t, "static")
	cfg.Catalog.Files = []string{catalogPath}
	cfg.Rules = nil
	cfg.FallbackProfile = "lab-server"
	cfg.ReloadInterval = 10 * time.Millisecond
	h := startScraper(t, cfg)
	pueOf := func() float64 { return nodeValues(h.scrape(t))["mystery-1"].v[semconv.MetricNodePUE] }
	assertNear(t, "initial PUE", pueOf(), 1.3)

	writeCatalog(t, catalogPath, siteCatalog(1.25))
	require.Eventually(t, func() bool { return math.Abs(pueOf()-1.25) < 1e-9 }, 5*time.Second, 10*time.Millisecond)
	assert.EqualValues(t, 1, h.gauge(t, "receiver_hardwarecatalog_catalog_reloads"))

	writeCatalog(t, catalogPath, strings.Replace(siteCatalog(1.25), "lifetime_years: 4", "lifetime_years: 0", 1))
	require.Eventually(t, func() bool {
		m, err := h.tel.GetMetric("otelcol_receiver_hardwarecatalog_catalog_load_errors")
		return err == nil && m.Data.(metricdata.Sum[int64]).DataPoints[0].Value == 1
	}, 5*time.Second, 10*time.Millisecond)
	assertNear(t, "PUE after a bad reload", pueOf(), 1.25)
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("keeping the previous catalog").Len())
}

func TestNotStartedWithoutCluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	cfg := createDefaultConfig().(*Config)
	s, err := newScraper(cfg, receivertest.NewNopSettings(metadata.Type))
	require.NoError(t, err)
	err = s.start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "auth_type serviceAccount")
	require.ErrorContains(t, err, "use auth_type: kubeConfig")
	require.NoError(t, s.shutdown(context.Background()))
}

func siteCatalog(pue float64) string {
	return `sites:
  - {name: lab, pue: ` + formatFloat(pue) + `, source: test}
profiles:
  - name: lab-server
    embodied: {total_kgco2e: 1000, source: test}
    lifetime_years: 4
    lifetime_source: test
    site: lab
`
}

func writeCatalog(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, path))
}

type nodeOut struct {
	res  map[string]string
	v    map[string]float64
	info map[string]string
}

// nodeValues indexes the node resources of a scrape by node name.
func nodeValues(md pmetric.Metrics) map[string]nodeOut {
	out := map[string]nodeOut{}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		attrs := rm.Resource().Attributes()
		if _, isPod := attrs.Get(semconv.AttrK8sPodUID); isPod {
			continue
		}
		n := nodeOut{res: map[string]string{}, v: map[string]float64{}, info: map[string]string{}}
		attrs.Range(func(k string, v pcommon.Value) bool { n.res[k] = v.AsString(); return true })
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			m := ms.At(j)
			dp := m.Gauge().DataPoints().At(0)
			if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
				n.v[m.Name()] = float64(dp.IntValue())
			} else {
				n.v[m.Name()] = dp.DoubleValue()
			}
			if m.Name() == semconv.MetricNodeInfo {
				dp.Attributes().Range(func(k string, v pcommon.Value) bool { n.info[k] = v.AsString(); return true })
			}
		}
		out[n.res[semconv.AttrK8sNodeName]] = n
	}
	return out
}

func assertNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
