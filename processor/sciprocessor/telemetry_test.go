package sciprocessor

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadatatest"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// The processor's own telemetry counts unavailable windows by reason,
// counter resets, refused inputs and the tracked series.
func TestOwnTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })
	h := newHarnessWith(t, metadatatest.NewSettings(tel), nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	const victim = "malmo-rack-1"
	h.feedWith(c, 0, 90*time.Second, 5*time.Second, func(md pmetric.Metrics) {
		if h.now.Sub(t0) == 40*time.Second {
			forNode(md, victim, func(dp pmetric.NumberDataPoint) { dp.SetDoubleValue(1) }) // dropped: reset
		}
	})
	// One sample older than the newest of its series.
	late := c.Energy(t0.Add(30 * time.Second))
	h.consume(late)
	h.evaluate(80 * time.Second)

	metadatatest.AssertEqualProcessorSciWindowsUnavailable(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String(semconv.AttrSCIScope, semconv.AttrSCIScopeNode), attribute.String(semconv.AttrSCIReason, semconv.AttrSCIReasonCounterReset))},
		{Value: 2, Attributes: attribute.NewSet(attribute.String(semconv.AttrSCIScope, semconv.AttrSCIScopePod), attribute.String(semconv.AttrSCIReason, semconv.AttrSCIReasonCounterReset))},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorSciCounterResets(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorSciSeries(t, tel, []metricdata.DataPoint[int64]{
		{Value: 4, Attributes: attribute.NewSet(attribute.String("kind", "zone"))},
		{Value: 6, Attributes: attribute.NewSet(attribute.String("kind", "node"))},
		{Value: int64(len(c.Pods)), Attributes: attribute.NewSet(attribute.String("kind", "pod"))},
		{Value: 0, Attributes: attribute.NewSet(attribute.String("kind", "functional_unit"))},
	}, metricdatatest.IgnoreTimestamp())

	rejected, err := tel.GetMetric("otelcol_processor_sci_datapoints_rejected")
	if err != nil {
		t.Fatal(err)
	}
	byReason := map[string]int64{}
	for _, dp := range rejected.Data.(metricdata.Sum[int64]).DataPoints {
		reason, _ := dp.Attributes.Value("rejection")
		byReason[reason.AsString()] += dp.Value
	}
	if byReason["out_of_order"] != int64(len(c.Nodes)+len(c.Pods)) {
		t.Errorf("out_of_order rejections %d, want %d (the late batch's node and pod-level series)", byReason["out_of_order"], len(c.Nodes)+len(c.Pods))
	}
	if byReason["container_level"] == 0 {
		t.Error("container-level series not counted as refused")
	}
}
