package nodeshardexporter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/exporter/nodeshardexporter/internal/metadata"
	"github.com/ecotel/ecotel/internal/fnv1a"
)

// gateway is one endpoint with its own otlp exporter.
type gateway struct {
	endpoint string
	seed     uint64 // hash of the endpoint, the rendezvous weight's seed
	exp      exporter.Metrics
}

type shardExporter struct {
	cfg    *Config
	set    exporter.Settings
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	otlp   exporter.Factory
	lookup func(ctx context.Context, host string) ([]string, error)

	mu       sync.RWMutex
	gateways []*gateway // sorted by endpoint
	host     component.Host

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newShardExporter(cfg *Config, set exporter.Settings) (*shardExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create node_shard telemetry: %w", err)
	}
	e := &shardExporter{cfg: cfg, set: set, logger: set.Logger, tb: tb, otlp: otlpexporter.NewFactory(),
		lookup: net.DefaultResolver.LookupHost}
	if err := tb.RegisterExporterNodeShardEndpointsCallback(func(_ context.Context, o metric.Int64Observer) error {
		e.mu.RLock()
		defer e.mu.RUnlock()
		o.Observe(int64(len(e.gateways)))
		return nil
	}); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *shardExporter) start(ctx context.Context, host component.Host) error {
	e.host = host
	if s := e.cfg.Resolver.Static.Get(); e.cfg.Resolver.Static.HasValue() {
		var endpoints []string
		for _, h := range s.Hostnames {
			ep, err := withDefaultPort(h)
			if err != nil {
				return err
			}
			endpoints = append(endpoints, ep)
		}
		return e.setEndpoints(ctx, endpoints)
	}
	d := e.cfg.Resolver.DNS.Get()
	// A Service without ready gateways yet is normal at rollout: keep
	// resolving; batches are refused (and retried upstream) meanwhile.
	e.resolve(ctx, d)
	loopCtx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(d.Interval)
		defer t.Stop()
		for {
			select {
			case <-loopCtx.Done():
				return
			case <-t.C:
				e.resolve(loopCtx, d)
			}
		}
	}()
	return nil
}

// resolve looks the headless Service up and moves to its addresses.
func (e *shardExporter) resolve(ctx context.Context, d *DNSResolverConfig) {
	lctx, cancel := context.WithTimeout(ctx, d.Timeout)
	addrs, err := e.lookup(lctx, d.Hostname)
	cancel()
	outcome := "unchanged"
	defer func() {
		e.tb.ExporterNodeShardResolutions.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
	}()
	if err != nil {
		outcome = "error"
		e.logger.Warn("Cannot resolve the gateways; keeping the current ones (check resolver.dns.hostname and the headless Service)",
			zap.String("hostname", d.Hostname), zap.Error(err))
		return
	}
	endpoints := make([]string, 0, len(addrs))
	for _, a := range addrs {
		endpoints = append(endpoints, net.JoinHostPort(a, strconv.Itoa(d.Port)))
	}
	if len(endpoints) == 0 {
		outcome = "error"
		return
	}
	if e.sameEndpoints(endpoints) {
		return
	}
	outcome = "changed"
	if err := e.setEndpoints(ctx, endpoints); err != nil {
		outcome = "error"
		e.logger.Warn("Cannot start exporters for the resolved gateways", zap.Strings("endpoints", endpoints), zap.Error(err))
	}
}

func (e *shardExporter) sameEndpoints(endpoints []string) bool {
	slices.Sort(endpoints)
	endpoints = slices.Compact(endpoints)
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.EqualFunc(e.gateways, endpoints, func(g *gateway, ep string) bool { return g.endpoint == ep })
}

// setEndpoints starts an otlp exporter for every new endpoint, switches
// routing to the new set, then shuts the exporters of the endpoints that
// left down (they flush what they queued).
func (e *shardExporter) setEndpoints(ctx context.Context, endpoints []string) error {
	slices.Sort(endpoints)
	endpoints = slices.Compact(endpoints)
	e.mu.RLock()
	old := map[string]*gateway{}
	for _, g := range e.gateways {
		old[g.endpoint] = g
	}
	e.mu.RUnlock()

	next := make([]*gateway, 0, len(endpoints))
	for _, ep := range endpoints {
		if g := old[ep]; g != nil {
			next = append(next, g)
			delete(old, ep)
			continue
		}
		g, err := e.newGateway(ctx, ep)
		if err != nil {
			for _, started := range next {
				if _, kept := old[started.endpoint]; !kept {
					_ = started.exp.Shutdown(ctx)
				}
			}
			return err
		}
		next = append(next, g)
	}
	e.mu.Lock()
	e.gateways = next
	e.mu.Unlock()
	e.logger.Info("Gateways", zap.Strings("endpoints", endpoints))
	var errs []error
	for _, g := range old {
		errs = append(errs, g.exp.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

func (e *shardExporter) newGateway(ctx context.Context, endpoint string) (*gateway, error) {
	cfg := e.cfg.Protocol.OTLP // a copy; only the endpoint differs
	cfg.ClientConfig.Endpoint = endpoint
	set := e.set
	set.ID = component.NewIDWithName(e.otlp.Type(), endpoint)
	set.Logger = e.logger.With(zap.String("gateway", endpoint))
	exp, err := e.otlp.CreateMetrics(ctx, set, &cfg)
	if err != nil {
		return nil, fmt.Errorf("create the otlp exporter for %s: %w", endpoint, err)
	}
	if err := exp.Start(ctx, e.host); err != nil {
		return nil, fmt.Errorf("start the otlp exporter for %s: %w", endpoint, err)
	}
	return &gateway{endpoint: endpoint, seed: hashString(fnvOffset, endpoint), exp: exp}, nil
}

func (e *shardExporter) shutdown(ctx context.Context) error {
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
	e.mu.Lock()
	gws := e.gateways
	e.gateways = nil
	e.mu.Unlock()
	var errs []error
	for _, g := range gws {
		errs = append(errs, g.exp.Shutdown(ctx))
	}
	e.tb.Shutdown()
	return errors.Join(errs...)
}

// errNoGateway refuses a batch while no gateway is known, so that the
// pipeline's retry (or the sender's) tries again later.
var errNoGateway = errors.New("node_shard: no gateway resolved yet")

// consume moves each resource to the batch of its gateway and hands the
// batches to the gateways' exporters.
func (e *shardExporter) consume(ctx context.Context, md pmetric.Metrics) error {
	e.mu.RLock()
	gws := e.gateways
	e.mu.RUnlock()
	if len(gws) == 0 {
		return errNoGateway
	}
	if len(gws) == 1 {
		return gws[0].exp.ConsumeMetrics(ctx, md)
	}
	batches := make([]pmetric.Metrics, len(gws))
	var unkeyed int64
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		key, ok := routingKey(rm.Resource().Attributes(), e.cfg.RoutingAttribute)
		if !ok {
			unkeyed++
		}
		g := pick(gws, key)
		if batches[g] == (pmetric.Metrics{}) {
			batches[g] = pmetric.NewMetrics()
		}
		rm.MoveTo(batches[g].ResourceMetrics().AppendEmpty())
	}
	if unkeyed > 0 {
		e.tb.ExporterNodeShardResourcesUnkeyed.Add(ctx, unkeyed)
	}
	var errs []error
	for i, b := range batches {
		if b == (pmetric.Metrics{}) {
			continue
		}
		if err := gws[i].exp.ConsumeMetrics(ctx, b); err != nil {
			errs = append(errs, fmt.Errorf("gateway %s: %w", gws[i].endpoint, err))
		}
	}
	return errors.Join(errs...)
}

func routingKey(attrs pcommon.Map, name string) (string, bool) {
	v, ok := attrs.Get(name)
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		return "", false
	}
	return v.Str(), true
}

// pick returns the index of the gateway that rendezvous (highest random
// weight) hashing assigns key to: each gateway's weight is a hash of its
// endpoint and the key, and the highest wins. Every agent computes the
// same answer from the same gateway list, and when a gateway joins or
// leaves only the keys it wins or had won move (1/N of the nodes).
func pick(gws []*gateway, key string) int {
	best, bestW := 0, uint64(0)
	for i, g := range gws {
		if w := mix(hashString(g.seed, key)); i == 0 || w > bestW {
			best, bestW = i, w
		}
	}
	return best
}

// FNV-1a, then a 64-bit finalizer (splitmix64) so that weights of
// similar endpoints are independent.
const fnvOffset = fnv1a.Offset

func hashString(h uint64, s string) uint64 { return fnv1a.String(h, s) }

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
