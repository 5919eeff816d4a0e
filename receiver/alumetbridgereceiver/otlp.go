package alumetbridgereceiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
	"github.com/ecotel/ecotel/semconv"
)

// Alumet's opentelemetry output identifies itself only by these.
const (
	alumetOTLPServiceName = "alumet-otlp-grpc"
	alumetOTLPScopeName   = "alumet"
	// alumetEmpty is what Alumet's OTLP output writes for an empty value.
	alumetEmpty = "empty"
)

// otlpServer is an OTLP/gRPC metrics endpoint for Alumet's opentelemetry
// output. It never answers with an error: Alumet stops its output for good
// on one (WriteError::Fatal). Points it cannot use are reported through
// partial_success instead.
type otlpServer struct {
	pmetricotlp.UnimplementedGRPCServer
	r      *alumetReceiver
	cfg    *configgrpc.ServerConfig
	srv    *grpc.Server
	ln     net.Listener
	wg     sync.WaitGroup
	keyBuf sync.Pool
}

func newOTLPServer(r *alumetReceiver, cfg *configgrpc.ServerConfig) *otlpServer {
	s := &otlpServer{r: r, cfg: cfg}
	s.keyBuf.New = func() any { b := make([]byte, 0, 256); return &b }
	return s
}

func (s *otlpServer) start(ctx context.Context, host component.Host) error {
	srv, err := s.cfg.ToServer(ctx, host.GetExtensions(), s.r.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("alumetbridge otlp: %w", err)
	}
	ln, err := s.cfg.NetAddr.Listen(ctx)
	if err != nil {
		return fmt.Errorf("alumetbridge otlp: listen on %s: %w", s.cfg.NetAddr.Endpoint, err)
	}
	s.srv, s.ln = srv, ln
	pmetricotlp.RegisterGRPCServer(srv, s)
	s.r.set.Logger.Info("Alumet OTLP endpoint listening", zap.String("endpoint", ln.Addr().String()))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.r.set.Logger.Error("Alumet OTLP endpoint stopped", zap.Error(err))
		}
	}()
	return nil
}

func (s *otlpServer) shutdown() {
	if s.srv != nil {
		s.srv.GracefulStop()
	}
	s.wg.Wait()
}

// Export ingests one request from Alumet's opentelemetry output.
func (s *otlpServer) Export(ctx context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	var c pointCounts
	s.r.ingestOTLP(req.Metrics(), &c)
	rejected := dropped(&c)
	s.r.report(ctx, inputOTLP, &c)
	resp := pmetricotlp.NewExportResponse()
	if rejected > 0 {
		ps := resp.PartialSuccess()
		ps.SetRejectedDataPoints(rejected)
		ps.SetErrorMessage("alumetbridge: some points were not energy, CPU time or power series it models, or had invalid values (see the receiver_alumetbridge_points metric)")
	}
	return resp, nil
}

func dropped(c *pointCounts) int64 {
	var n int64
	for o, v := range c.byOutcome {
		if outcome(o) != outcomeAccepted {
			n += v
		}
	}
	return n
}

// ingestOTLP maps every gauge and sum data point of md.
func (r *alumetReceiver) ingestOTLP(md pmetric.Metrics, c *pointCounts) {
	now := time.Now().UnixNano()
	kb := r.otlp.keyBuf.Get().(*[]byte)
	defer r.otlp.keyBuf.Put(kb)
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		node := r.cfg.NodeName
		if v, ok := rm.Resource().Attributes().Get(semconv.AttrK8sNodeName); ok && v.Str() != "" {
			node = v.Str()
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			if !isAlumetOTLP(rm.Resource(), sms.At(j).Scope()) {
				r.warn.Warn("otlp_not_alumet", "Data on the alumetbridge OTLP endpoint does not come from Alumet's opentelemetry output (service.name alumet-otlp-grpc, scope alumet); mapping it anyway",
					zap.String("scope", sms.At(j).Scope().Name()))
			}
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				default:
					c.byOutcome[outcomeUnmapped] += int64(dataPointCount(m))
					continue
				}
				for l := 0; l < dps.Len(); l++ {
					dp := dps.At(l)
					key := otlpKey((*kb)[:0], node, m, dp.Attributes())
					*kb = key
					e := r.shared.get(key, func() *routeEntry { return r.otlpRoute(node, m, dp.Attributes()) })
					value := dp.DoubleValue()
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						value = float64(dp.IntValue())
					}
					ts := int64(dp.Timestamp())
					if ts == 0 {
						ts = now
					}
					r.apply(e, value, ts, now, c)
				}
			}
		}
	}
}

func isAlumetOTLP(res pcommon.Resource, scope pcommon.InstrumentationScope) bool {
	if scope.Name() == alumetOTLPScopeName {
		return true
	}
	v, ok := res.Attributes().Get("service.name")
	return ok && v.Str() == alumetOTLPServiceName
}

func otlpKey(b []byte, node string, m pmetric.Metric, attrs pcommon.Map) []byte {
	b = append(b, "otlp\x00"...)
	b = append(b, node...)
	b = append(b, 0)
	b = append(b, m.Name()...)
	b = append(b, 0)
	b = append(b, m.Unit()...)
	attrs.Range(func(k string, v pcommon.Value) bool {
		b = append(b, 0)
		b = append(b, k...)
		b = append(b, '=')
		if v.Type() == pcommon.ValueTypeStr {
			b = append(b, v.Str()...)
		} else {
			b = append(b, v.AsString()...)
		}
		return true
	})
	return b
}

func (r *alumetReceiver) otlpRoute(node string, m pmetric.Metric, attrs pcommon.Map) *routeEntry {
	name, unit, has := units.SplitName(m.Name(), r.cfg.MetricPrefix, r.cfg.MetricSuffix)
	if u, ok := parseUnit(m.Unit()); ok {
		unit, has = u, true
	}
	p := mapping.Point{Source: semconv.AttrEnergySourceAlumetOtlp, Metric: name, Unit: unit, HasUnit: has, ClientNode: node}
	attrs.Range(func(k string, v pcommon.Value) bool {
		s := v.AsString()
		if s == alumetEmpty {
			s = ""
		}
		switch k {
		case "resource_kind":
			p.ResourceKind = s
		case "resource_id":
			p.ResourceID = s
		case "resource_consumer_kind":
			p.ConsumerKind = s
		case "resource_consumer_id":
			p.ConsumerID = s
		default:
			p.Attributes = append(p.Attributes, mapping.Attribute{Key: k, Value: s})
		}
		return true
	})
	return r.newRouteEntry(&p, false)
}

func dataPointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}
