//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
)

// TestE2EOTLPToPrometheus sends one datapoint of every metric in the data-model
// registry over OTLP/HTTP to otelcol-eco running the shipped demo config, and
// reads each back from a real Prometheus under the Prometheus name the
// registry documents. This pins the exported names that dashboards, the
// scheduler plugin and the autoscaling rules depend on.
func TestE2EOTLPToPrometheus(t *testing.T) {
	ep := e2e.NewEndpoints(t)
	col := e2e.StartCollector(t, "distribution/config/demo.yaml", ep)
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{ep.Prometheus}})

	md, want := everyRegistryMetric()
	col.SendOTLP(t, md)

	for _, name := range sortedKeys(want) {
		promName := semconv.Metrics[name].Prometheus
		// exported_job="e2e" (from service.name) keeps out the sci processor's own
		// series about this node, which the demo pipeline computes alongside.
		q := fmt.Sprintf(`%s{k8s_node_name="e2e-node",exported_job="e2e"}`, promName)
		got := prom.WaitForQuery(t, q, 30*time.Second, nil, col.Process)
		if len(got) != 1 || math.Abs(got[0].Value-want[name]) > 1e-9 {
			t.Errorf("%s (%s): got %+v, want one sample = %v", name, promName, got, want[name])
		}
	}

	// The collector's own telemetry is exposed too (dashboards use it).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := prom.Query(ctx, "up"); err != nil {
		t.Fatal(err)
	}
}

// everyRegistryMetric builds one datapoint per registry metric with all
// required attributes set, and returns the values sent.
func everyRegistryMetric() (pmetric.Metrics, map[string]float64) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "e2e")
	rm.Resource().Attributes().PutStr(semconv.AttrK8sNodeName, "e2e-node")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	want := map[string]float64{}
	now := pcommon.NewTimestampFromTime(time.Now())
	i := 0
	for _, name := range sortedKeys(semconv.Metrics) {
		def := semconv.Metrics[name]
		i++
		value := float64(i) + 0.25
		want[name] = value
		m := ms.AppendEmpty()
		m.SetName(def.Name)
		m.SetUnit(def.Unit)
		var dp pmetric.NumberDataPoint
		switch def.Instrument {
		case semconv.InstrumentCounter:
			sum := m.SetEmptySum()
			sum.SetIsMonotonic(true)
			sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			dp = sum.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(now - 1e9)
		default:
			dp = m.SetEmptyGauge().DataPoints().AppendEmpty()
		}
		dp.SetTimestamp(now)
		dp.SetDoubleValue(value)
		for _, a := range def.Attributes {
			if a.Level != semconv.LevelRequired || a.Key == semconv.AttrK8sNodeName {
				continue
			}
			attr := semconv.Attributes[a.Key]
			switch {
			case len(attr.Values) > 0:
				dp.Attributes().PutStr(a.Key, attr.Values[0])
			case attr.Type == "int":
				dp.Attributes().PutInt(a.Key, 1)
			default:
				dp.Attributes().PutStr(a.Key, "e2e")
			}
		}
	}
	return md, want
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
