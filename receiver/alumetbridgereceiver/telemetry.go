package alumetbridgereceiver

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
)

// input is where a point came from (the `input` attribute of own telemetry).
type input uint8

const (
	inputRelay input = iota
	inputOTLP
	inputPrometheus
	inputCSV
	numInputs
)

var inputNames = [numInputs]string{"relay", "otlp", "prometheus", "csv"}

// outcome is what became of a point (the `outcome` attribute).
type outcome uint8

const (
	outcomeAccepted outcome = iota
	outcomeUnmapped
	outcomeUnsupportedUnit
	outcomeNoNode
	outcomeNoPod
	outcomeUnknownMetric
	outcomeInvalidValue
	outcomeInvalidTimestamp
	outcomeMalformedFrame
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	"accepted", "unmapped", "unsupported_unit", "no_node", "no_pod",
	"unknown_metric", "invalid_value", "invalid_timestamp", "malformed_frame",
}

func outcomeOfReason(reason string) outcome {
	switch reason {
	case mapping.ReasonUnsupportedUnit:
		return outcomeUnsupportedUnit
	case mapping.ReasonNoNode:
		return outcomeNoNode
	case mapping.ReasonNoPod:
		return outcomeNoPod
	}
	return outcomeUnmapped
}

// pointCounts accumulates outcomes locally (per frame, per request) so the
// hot path only increments array slots; report adds them to telemetry.
type pointCounts struct {
	byOutcome   [numOutcomes]int64
	conversions int64
}

// attribute sets, precomputed so recording telemetry does not allocate.
type telemetryAttrs struct {
	// Slices, not single options, so the variadic calls do not allocate.
	points [numInputs][numOutcomes][]metric.AddOption
	inputs [numInputs][]metric.AddOption
}

func newTelemetryAttrs() *telemetryAttrs {
	t := &telemetryAttrs{}
	for i := range numInputs {
		t.inputs[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("input", inputNames[i])))}
		for o := range numOutcomes {
			t.points[i][o] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
				attribute.String("input", inputNames[i]), attribute.String("outcome", outcomeNames[o])))}
		}
	}
	return t
}

func (r *alumetReceiver) report(ctx context.Context, in input, c *pointCounts) {
	r.accepted[in].Add(c.byOutcome[outcomeAccepted])
	for o, n := range c.byOutcome {
		if n != 0 {
			r.tb.ReceiverAlumetbridgePoints.Add(ctx, n, r.attrs.points[in][o]...)
			c.byOutcome[o] = 0
		}
	}
	if c.conversions != 0 {
		r.tb.ReceiverAlumetbridgeUnitConversions.Add(ctx, c.conversions, r.attrs.inputs[in]...)
		c.conversions = 0
	}
}

func (r *alumetReceiver) decodeError(ctx context.Context, in input, reason string) {
	r.tb.ReceiverAlumetbridgeDecodeErrors.Add(ctx, 1, metric.WithAttributes(
		attribute.String("input", inputNames[in]), attribute.String("reason", reason)))
}
