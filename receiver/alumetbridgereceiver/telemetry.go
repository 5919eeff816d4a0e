package alumetbridgereceiver

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

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

// rateLimitedLogger logs a warning of each kind at most once per interval,
// saying how many were suppressed since.
type rateLimitedLogger struct {
	logger   *zap.Logger
	interval time.Duration
	mu       sync.Mutex
	last     map[string]time.Time
	dropped  map[string]int
}

func newRateLimitedLogger(logger *zap.Logger, interval time.Duration) *rateLimitedLogger {
	return &rateLimitedLogger{logger: logger, interval: interval, last: map[string]time.Time{}, dropped: map[string]int{}}
}

// Warn logs msg unless a warning of the same kind was logged recently.
func (l *rateLimitedLogger) Warn(kind, msg string, fields ...zap.Field) {
	l.mu.Lock()
	now := time.Now()
	if t, ok := l.last[kind]; ok && now.Sub(t) < l.interval {
		l.dropped[kind]++
		l.mu.Unlock()
		return
	}
	if n := l.dropped[kind]; n > 0 {
		fields = append(fields, zap.Int("suppressed_since_last", n))
	}
	l.last[kind], l.dropped[kind] = now, 0
	l.mu.Unlock()
	l.logger.Warn(msg, fields...)
}
