package alumetbridgereceiver

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/internal/ratelog"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/accumulator"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/metadata"
)

// alumetReceiver owns the inputs, the accumulator and the flush loop.
type alumetReceiver struct {
	set    receiver.Settings
	cfg    *Config
	next   consumer.Metrics
	tb     *metadata.TelemetryBuilder
	attrs  *telemetryAttrs
	obs    *receiverhelper.ObsReport
	warn   *ratelog.Logger
	mapper *mapping.Mapper
	store  *accumulator.Store
	shared *sharedRoutes
	// accepted counts accepted points per input (tests, benchmarks).
	accepted [numInputs]atomic.Int64

	relay      *relayServer
	otlp       *otlpServer
	scrapers   []*promScraper
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	lastStats  accumulator.Stats
	statsMu    sync.Mutex
	shutdownMu sync.Mutex
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Metrics) (*alumetReceiver, error) {
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: set.ID, Transport: "tcp", ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	var hostPower *regexp.Regexp
	if cfg.HostPowerMetrics != "" {
		hostPower = regexp.MustCompile(cfg.HostPowerMetrics) // validated
	}
	r := &alumetReceiver{
		set: set, cfg: cfg, next: next, obs: obs,
		attrs: newTelemetryAttrs(),
		warn:  ratelog.New(set.Logger, time.Minute),
		mapper: mapping.New(mapping.Config{
			AttributedEnergy: regexp.MustCompile(cfg.AttributedEnergyMetrics),
			HostPower:        hostPower,
		}),
		store: accumulator.New(accumulator.Config{
			GapReset: cfg.GapReset, Expiry: cfg.SeriesExpiry,
			ScopeName: metadata.ScopeName, ScopeVersion: set.BuildInfo.Version,
		}),
		shared: newSharedRoutes(1 << 20),
	}
	return r, nil
}

// Start binds the inputs' listeners and starts the flush loop.
func (r *alumetReceiver) Start(ctx context.Context, host component.Host) error {
	tb, err := metadata.NewTelemetryBuilder(r.set.TelemetrySettings)
	if err != nil {
		return err
	}
	r.tb = tb
	if err := tb.RegisterReceiverAlumetbridgeSeriesActiveCallback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(r.store.Stats().Active)
		return nil
	}); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if r.cfg.Relay.HasValue() {
		r.relay = newRelayServer(r, r.cfg.Relay.Get())
		if err := r.relay.start(ctx); err != nil {
			return errors.Join(err, r.Shutdown(ctx))
		}
	}
	if r.cfg.OTLP.HasValue() {
		r.otlp = newOTLPServer(r, r.cfg.OTLP.Get())
		if err := r.otlp.start(ctx, host); err != nil {
			return errors.Join(err, r.Shutdown(ctx))
		}
	}
	if r.cfg.Prometheus.HasValue() {
		p := r.cfg.Prometheus.Get()
		for i := range p.Targets {
			s, err := newPromScraper(ctx, r, &p.Targets[i], p.CollectionInterval, host)
			if err != nil {
				return errors.Join(err, r.Shutdown(ctx))
			}
			r.scrapers = append(r.scrapers, s)
			r.wg.Add(1)
			go func() { defer r.wg.Done(); s.run(runCtx) }()
		}
	}
	if r.cfg.CSV.HasValue() {
		for _, f := range r.cfg.CSV.Get().Files {
			r.wg.Add(1)
			go func() { defer r.wg.Done(); r.importCSV(runCtx, f) }()
		}
	}
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.flushLoop(runCtx) }()
	return nil
}

// Shutdown stops the inputs, flushes what they accumulated, and returns.
func (r *alumetReceiver) Shutdown(ctx context.Context) error {
	r.shutdownMu.Lock()
	defer r.shutdownMu.Unlock()
	var errs []error
	if r.relay != nil {
		errs = append(errs, r.relay.shutdown())
		r.relay = nil
	}
	if r.otlp != nil {
		r.otlp.shutdown()
		r.otlp = nil
	}
	if r.cancel != nil {
		r.cancel()
		r.wg.Wait()
		r.cancel = nil
		r.flush(ctx)
	}
	if r.tb != nil {
		r.tb.Shutdown()
	}
	return errors.Join(errs...)
}

func (r *alumetReceiver) flushLoop(ctx context.Context) {
	t := time.NewTicker(r.cfg.FlushInterval)
	defer t.Stop()
	expireEvery := max(r.cfg.FlushInterval, r.cfg.SeriesExpiry/10)
	lastExpire := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.flush(ctx)
			if now.Sub(lastExpire) >= expireEvery {
				r.store.Expire(now)
				lastExpire = now
			}
		}
	}
}

// flush emits every series updated since the last flush.
func (r *alumetReceiver) flush(ctx context.Context) {
	md, n := r.store.Flush()
	r.reportStoreStats(ctx)
	if n == 0 {
		return
	}
	// The flush loop's context ends at Shutdown; the last flush must still go out.
	ctx = context.WithoutCancel(ctx)
	opCtx := r.obs.StartMetricsOp(ctx)
	err := r.next.ConsumeMetrics(opCtx, md)
	r.obs.EndMetricsOp(opCtx, metadata.Type.String(), n, err)
	if err != nil {
		r.warn.Warn("consume", "Next consumer refused alumetbridge's counters; the next flush carries their updated totals",
			zap.Int("data_points", n), zap.Error(err))
	}
}

func (r *alumetReceiver) reportStoreStats(ctx context.Context) {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	st := r.store.Stats()
	if d := st.Resets - r.lastStats.Resets; d > 0 {
		r.tb.ReceiverAlumetbridgeSeriesResets.Add(ctx, d)
	}
	if d := st.Expired - r.lastStats.Expired; d > 0 {
		r.tb.ReceiverAlumetbridgeSeriesExpired.Add(ctx, d)
	}
	r.lastStats = st
}
