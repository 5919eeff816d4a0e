package sciprocessor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/internal/ecostatus"
	"github.com/ecotel/ecotel/internal/ratelog"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadata"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/sci"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/state"
	"github.com/ecotel/ecotel/semconv"
)

// sciProcessor passes every batch on unchanged (or without its inputs, with
// drop_inputs) after taking what it joins into its state, and on its own
// timer evaluates the windows and sends the results down the pipeline.
type sciProcessor struct {
	id     component.ID
	cfg    *Config
	logger *zap.Logger
	next   consumer.Metrics
	tb     *metadata.TelemetryBuilder
	store  *state.Store

	split     sci.SplitRule
	method    state.Method
	unitLabel string
	spacingNs int64
	now       func() time.Time

	// ingest telemetry options, built once so recording does not allocate.
	joinedOpts   [inputCount]metric.AddOption
	rejectedOpts [rejectionCount]metric.AddOption
	warn         *ratelog.Logger

	evalMu sync.Mutex // serializes evaluations (timer vs. shutdown flush)
	ev     *evaluator

	cancel context.CancelFunc
	wg     sync.WaitGroup
	// unregisterStatus removes the processor from the ecostatus page.
	unregisterStatus func()
}

func newSCIProcessor(set processor.Settings, cfg *Config, next consumer.Metrics) (*sciProcessor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create sci processor telemetry: %w", err)
	}
	split, _ := parseSplit(cfg.Split)
	method := state.Lifecycle
	if cfg.CarbonIntensityMethod == semconv.AttrCarbonIntensityMethodDirect {
		method = state.Direct
	}
	p := &sciProcessor{
		id:        set.ID,
		cfg:       cfg,
		logger:    set.Logger,
		next:      next,
		tb:        tb,
		split:     split,
		method:    method,
		unitLabel: cfg.FunctionalUnit.label(),
		now:       time.Now,
		warn:      ratelog.New(set.Logger, time.Minute),
		store: state.New(state.Limits{
			MaxZones:                cfg.Limits.MaxZones,
			MaxNodes:                cfg.Limits.MaxNodes,
			MaxPods:                 cfg.Limits.MaxPods,
			MaxFunctionalUnitSeries: cfg.Limits.MaxFunctionalUnitSeries,
			TTLNs:                   int64(cfg.Limits.SeriesTTL),
		}, int64(cfg.Headroom.Trailing)),
	}
	// The rings must span the longest window plus how late it ends and the
	// gap allowed around its start.
	cover := max(cfg.Window, cfg.interval()) + cfg.Delay + cfg.MaxGap + cfg.interval()
	p.spacingNs = sci.SampleSpacing(int64(cover))
	for i := range p.joinedOpts {
		p.joinedOpts[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("input", inputNames[i])))
	}
	for i := range p.rejectedOpts {
		p.rejectedOpts[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("rejection", rejectionNames[i])))
	}
	p.ev = newEvaluator(p)
	if err := tb.RegisterProcessorSciSeriesCallback(p.observeSeries); err != nil {
		return nil, err
	}
	if err := tb.RegisterProcessorSciStateSizeCallback(p.observeStateSize); err != nil {
		return nil, err
	}
	return p, nil
}

func parseSplit(s string) (sci.SplitRule, error) {
	for _, r := range []sci.SplitRule{sci.SplitRequests, sci.SplitUsage, sci.SplitNone} {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%q is not requests, usage or none", s)
}

func (p *sciProcessor) start(_ context.Context, host component.Host) error {
	p.unregisterStatus = ecostatus.Register(host, p.id, p)
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.wg.Add(1)
	go p.run(ctx)
	return nil
}

func (p *sciProcessor) shutdown(context.Context) error {
	if p.unregisterStatus != nil {
		p.unregisterStatus()
	}
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	p.tb.Shutdown()
	return nil
}

// run evaluates on the configured interval until shutdown. Evaluation is
// driven by the clock, not by batches, so a node whose data stops arriving
// still has its window evaluated (and reported unavailable).
func (p *sciProcessor) run(ctx context.Context) {
	defer p.wg.Done()
	ticker := time.NewTicker(p.cfg.interval())
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			md := p.evaluate(ctx, p.now())
			if md.DataPointCount() == 0 {
				continue
			}
			if err := p.next.ConsumeMetrics(ctx, md); err != nil && !errors.Is(err, context.Canceled) {
				p.warn.Warn("send", "The next consumer refused the SCI results; they are lost for this window (check the exporter).", zap.Error(err))
			}
		}
	}
}

// evaluate computes all windows ending delay before now and returns the
// metrics to send.
func (p *sciProcessor) evaluate(ctx context.Context, now time.Time) pmetric.Metrics {
	p.evalMu.Lock()
	defer p.evalMu.Unlock()
	began := time.Now()
	md := p.ev.evaluate(ctx, now.UnixNano())
	p.tb.ProcessorSciEvaluationDuration.Record(ctx, time.Since(began).Seconds())
	return md
}

func (p *sciProcessor) observeSeries(_ context.Context, o metric.Int64Observer) error {
	p.store.Lock()
	zones, nodes, pods, units := len(p.store.Zones), len(p.store.Nodes), len(p.store.Pods), len(p.store.FunctionalUnits)
	p.store.Unlock()
	for _, kv := range []struct {
		kind string
		n    int
	}{{"zone", zones}, {"node", nodes}, {"pod", pods}, {"functional_unit", units}} {
		o.Observe(int64(kv.n), metric.WithAttributes(attribute.String("kind", kv.kind)))
	}
	return nil
}

func (p *sciProcessor) observeStateSize(_ context.Context, o metric.Int64Observer) error {
	p.store.Lock()
	size := p.store.SizeBytes()
	p.store.Unlock()
	o.Observe(size)
	return nil
}
