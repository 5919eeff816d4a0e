package k8snodeannotationexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ecotel/ecotel/exporter/k8snodeannotationexporter/internal/metadata"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

// nodeSignals builds what the sci processor emits for a node: the ranking
// signal plus node-scope SCI and intensity.
func nodeSignals(node, zone string, perVCPU, sci, intensity float64, ts time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(semconv.AttrK8sNodeName, node)
	rm.Resource().Attributes().PutStr(semconv.AttrGridZoneCode, zone)
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	gauge := func(name, unit string, v float64, scoped bool) {
		m := ms.AppendEmpty()
		m.SetName(name)
		m.SetUnit(unit)
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		dp.SetDoubleValue(v)
		if scoped {
			dp.Attributes().PutStr(semconv.AttrSCIScope, semconv.AttrSCIScopeNode)
			dp.Attributes().PutStr(semconv.AttrSCIFunctionalUnit, "hour")
		}
	}
	gauge(semconv.MetricNodeCarbonPerVCPU, semconv.MetricNodeCarbonPerVCPUUnit, perVCPU, false)
	gauge(semconv.MetricSCIScore, semconv.MetricSCIScoreUnit, sci, true)
	gauge(semconv.MetricSCICarbonIntensity, semconv.MetricSCICarbonIntensityUnit, intensity, true)
	return md
}

func newTestAnnotator(t testing.TB, objs ...*corev1.Node) (*nodeAnnotator, *fake.Clientset, *time.Time) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	a, err := newNodeAnnotator(cfg, exportertest.NewNopSettings(metadata.Type))
	require.NoError(t, err)
	cs := fake.NewClientset()
	for _, n := range objs {
		_, err := cs.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	a.client = cs
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }
	return a, cs, &now
}

func node(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"keep": "me"}}}
}

func TestNodeSignalsConformToRegistry(t *testing.T) {
	require.NoError(t, semconvtest.CheckMetrics(nodeSignals("n", "FR", 1, 2, 3, time.Now())))
}

func TestAnnotatesOnlyOnSignificantChange(t *testing.T) {
	ctx := context.Background()
	a, cs, now := newTestAnnotator(t, node("green"), node("dirty"))
	get := func(name string) *corev1.Node {
		n, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err)
		return n
	}
	t0 := *now
	require.NoError(t, a.consume(ctx, nodeSignals("green", "SE-3", 2.5, 0.9, 31.5, t0)))
	require.NoError(t, a.consume(ctx, nodeSignals("dirty", "DE-LU", 21.25, 11, 380, t0)))
	a.flush(ctx)

	g := get("green")
	require.Equal(t, "2.5", g.Annotations["ecotel.io/carbon-per-vcpu"])
	require.Equal(t, "SE-3", g.Annotations["ecotel.io/grid-zone"])
	require.Equal(t, "31.5", g.Annotations["ecotel.io/carbon-intensity"])
	require.Equal(t, "0.9", g.Annotations["ecotel.io/sci"])
	require.Equal(t, "hour", g.Annotations["ecotel.io/sci-functional-unit"])
	require.Equal(t, t0.Format(time.RFC3339), g.Annotations["ecotel.io/carbon-updated"])
	require.Equal(t, "me", g.Annotations["keep"], "foreign annotations must survive the patch")
	require.Equal(t, "low", g.Labels["ecotel.io/carbon-class"])
	require.Equal(t, "high", get("dirty").Labels["ecotel.io/carbon-class"])

	patches := func() int {
		n := 0
		for _, act := range cs.Actions() {
			if act.GetVerb() == "patch" {
				n++
			}
		}
		return n
	}
	require.Equal(t, 2, patches())

	// A 2 % move after min_interval is not worth a write; a 20 % move is.
	*now = t0.Add(2 * time.Minute)
	require.NoError(t, a.consume(ctx, nodeSignals("green", "SE-3", 2.55, 0.9, 31.5, *now)))
	a.flush(ctx)
	require.Equal(t, 2, patches())
	require.NoError(t, a.consume(ctx, nodeSignals("green", "SE-3", 3.0, 0.9, 31.5, *now)))
	a.flush(ctx)
	require.Equal(t, 3, patches())
	require.Equal(t, "3", get("green").Annotations["ecotel.io/carbon-per-vcpu"])

	// Within min_interval even a big change waits.
	*now = now.Add(10 * time.Second)
	require.NoError(t, a.consume(ctx, nodeSignals("green", "SE-3", 9, 0.9, 31.5, *now)))
	a.flush(ctx)
	require.Equal(t, 3, patches())
	*now = now.Add(time.Minute)
	a.flush(ctx)
	require.Equal(t, 4, patches())
	require.Equal(t, "medium", get("green").Labels["ecotel.io/carbon-class"])

	// Unchanged values are refreshed after refresh_interval, so readers can
	// tell they are current; a late (older) datapoint never overwrites.
	*now = now.Add(6 * time.Minute)
	require.NoError(t, a.consume(ctx, nodeSignals("green", "SE-3", 9, 0.9, 31.5, *now)))
	require.NoError(t, a.consume(ctx, nodeSignals("green", "SE-3", 1, 0.9, 31.5, t0)))
	a.flush(ctx)
	require.Equal(t, now.Format(time.RFC3339), get("green").Annotations["ecotel.io/carbon-updated"])
	require.Equal(t, "9", get("green").Annotations["ecotel.io/carbon-per-vcpu"])
}

func TestUnknownNodeIsDroppedAndBadValuesIgnored(t *testing.T) {
	ctx := context.Background()
	a, _, now := newTestAnnotator(t)
	require.NoError(t, a.consume(ctx, nodeSignals("ghost", "FR", 1, 1, 1, *now)))
	require.NoError(t, a.consume(ctx, nodeSignals("nan", "FR", -3, 1, 1, *now)))
	a.flush(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	require.NotContains(t, a.nodes, "ghost", "a node the API does not know must be forgotten")
	require.False(t, a.nodes["nan"] != nil && a.nodes["nan"].hasCarbon, "negative signals must be ignored")
}

// TestStalenessMarkersAreNotValues: the sci processor ends a series with a
// NoRecordedValue point whose value is 0; writing it would announce a node
// with no carbon cost (class low) and an SCI of 0.
func TestStalenessMarkersAreNotValues(t *testing.T) {
	ctx := context.Background()
	a, cs, now := newTestAnnotator(t, node("rack"))
	require.NoError(t, a.consume(ctx, nodeSignals("rack", "SE-4", 1.9, 60.4, 188.6, *now)))
	stale := nodeSignals("rack", "SE-4", 0, 0, 0, now.Add(time.Minute))
	ms := stale.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		ms.At(i).Gauge().DataPoints().At(0).SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
	}
	require.NoError(t, a.consume(ctx, stale))
	a.flush(ctx)
	n, err := cs.CoreV1().Nodes().Get(ctx, "rack", metav1.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, "1.9", n.Annotations["ecotel.io/carbon-per-vcpu"])
	require.Equal(t, "60.4", n.Annotations["ecotel.io/sci"])
	require.Equal(t, "188.6", n.Annotations["ecotel.io/carbon-intensity"])
	require.Equal(t, "low", n.Labels["ecotel.io/carbon-class"])
}
