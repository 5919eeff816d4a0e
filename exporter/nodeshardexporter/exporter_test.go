package nodeshardexporter

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"

	"github.com/ecotel/ecotel/exporter/nodeshardexporter/internal/metadata"
	"github.com/ecotel/ecotel/semconv"
)

// otlpGateway is a real OTLP/gRPC metrics server on loopback that records
// the node names it received.
type otlpGateway struct {
	pmetricotlp.UnimplementedGRPCServer
	addr  string
	srv   *grpc.Server
	mu    sync.Mutex
	nodes map[string]int
}

func startGateway(t *testing.T, addr string) *otlpGateway {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	g := &otlpGateway{addr: l.Addr().String(), srv: grpc.NewServer(), nodes: map[string]int{}}
	pmetricotlp.RegisterGRPCServer(g.srv, g)
	go func() { _ = g.srv.Serve(l) }()
	t.Cleanup(g.srv.Stop)
	return g
}

func (g *otlpGateway) Export(_ context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rms := req.Metrics().ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		name, _ := rms.At(i).Resource().Attributes().Get(semconv.AttrK8sNodeName)
		g.nodes[name.Str()]++
	}
	return pmetricotlp.NewExportResponse(), nil
}

func (g *otlpGateway) received() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]int{}
	for k, v := range g.nodes {
		out[k] = v
	}
	return out
}

// start starts the exporter and shuts it down at the end of the test.
func start(t *testing.T, e *shardExporter) {
	t.Helper()
	if err := e.start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
}

// nodeBatch is one energy datapoint for each of n nodes.
func nodeBatch(n int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for i := range n {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr(semconv.AttrK8sNodeName, fmt.Sprintf("node-%04d", i))
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName(semconv.MetricHWHostEnergy)
		m.SetUnit(semconv.MetricHWHostEnergyUnit)
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dp := s.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		dp.SetDoubleValue(float64(i))
	}
	return md
}

func newTestExporter(t *testing.T, mutate func(*Config)) *shardExporter {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Protocol.OTLP.ClientConfig.TLS.Insecure = true
	// No queue: ConsumeMetrics returns once the gateway has the data.
	cfg.Protocol.OTLP.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	mutate(cfg)
	e, err := newShardExporter(cfg, exportertest.NewNopSettings(metadata.Type))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEachNodeReachesExactlyOneGateway sends 300 nodes' data through the
// exporter to two real OTLP/gRPC servers: every node arrives exactly once,
// at the gateway rendezvous hashing names, and both gateways get a share.
func TestEachNodeReachesExactlyOneGateway(t *testing.T) {
	a, b := startGateway(t, "127.0.0.1:0"), startGateway(t, "127.0.0.1:0")
	e := newTestExporter(t, func(c *Config) {
		c.Resolver.Static = configoptional.Some(StaticResolverConfig{Hostnames: []string{b.addr, a.addr}})
	})
	ctx := context.Background()
	start(t, e)
	const n = 300
	for range 2 { // twice: the same node goes to the same gateway again
		if err := e.consume(ctx, nodeBatch(n)); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]map[string]int{a.addr: a.received(), b.addr: b.received()}
	for i := range n {
		node := fmt.Sprintf("node-%04d", i)
		want := e.gateways[pick(e.gateways, node)].endpoint
		for addr, nodes := range got {
			switch {
			case addr == want && nodes[node] != 2:
				t.Errorf("%s: %d batches at its gateway %s, want 2", node, nodes[node], addr)
			case addr != want && nodes[node] != 0:
				t.Errorf("%s: %d batches at %s, which is not its gateway", node, nodes[node], addr)
			}
		}
	}
	for addr, nodes := range got {
		if len(nodes) < n/4 {
			t.Errorf("%s got %d of %d nodes: the split is lopsided", addr, len(nodes), n)
		}
	}
}

// TestRendezvousMovesOnlyTheNewGatewaysShare: a third gateway takes about
// a third of the nodes, all from the other two, and nothing else moves.
func TestRendezvousMovesOnlyTheNewGatewaysShare(t *testing.T) {
	gws := func(eps ...string) []*gateway {
		var out []*gateway
		for _, ep := range eps {
			out = append(out, &gateway{endpoint: ep, seed: hashString(fnvOffset, ep)})
		}
		return out
	}
	two, three := gws("10.0.0.1:4317", "10.0.0.2:4317"), gws("10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.3:4317")
	const n = 30000
	moved := 0
	for i := range n {
		node := fmt.Sprintf("sim-node-%05d", i)
		before, after := two[pick(two, node)].endpoint, three[pick(three, node)].endpoint
		if before != after {
			moved++
			if after != "10.0.0.3:4317" {
				t.Fatalf("%s moved from %s to %s, not to the new gateway", node, before, after)
			}
		}
	}
	if share := float64(moved) / n; share < 0.30 || share > 0.37 {
		t.Errorf("%.3f of the nodes moved to the new gateway, want about 1/3", share)
	}
}

// TestDNSResolverFollowsTheService: the gateways come from the lookup and
// follow its changes; batches are refused while nothing resolved.
func TestDNSResolverFollowsTheService(t *testing.T) {
	a := startGateway(t, "127.0.0.1:0")
	_, portStr, _ := net.SplitHostPort(a.addr)
	port, _ := strconv.Atoi(portStr)
	b := startGateway(t, net.JoinHostPort("127.0.0.2", portStr))
	var mu sync.Mutex
	answer := []string{}
	e := newTestExporter(t, func(c *Config) {
		c.Resolver.DNS = configoptional.Some(DNSResolverConfig{Hostname: "ecotel-gateway-headless", Port: port, Interval: 20 * time.Millisecond, Timeout: time.Second})
	})
	e.lookup = func(_ context.Context, host string) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		if host != "ecotel-gateway-headless" {
			return nil, fmt.Errorf("unexpected lookup of %q", host)
		}
		if len(answer) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return append([]string(nil), answer...), nil
	}
	ctx := context.Background()
	start(t, e)
	if err := e.consume(ctx, nodeBatch(10)); err != errNoGateway {
		t.Fatalf("consume before any gateway resolved: %v, want errNoGateway", err)
	}
	set := func(addrs ...string) {
		mu.Lock()
		answer = addrs
		mu.Unlock()
		deadline := time.Now().Add(5 * time.Second)
		for !e.sameEndpoints(endpointsOf(portStr, addrs)) {
			if time.Now().After(deadline) {
				t.Fatalf("gateways never became %v", addrs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	set("127.0.0.1")
	if err := e.consume(ctx, nodeBatch(100)); err != nil {
		t.Fatal(err)
	}
	if got := len(a.received()); got != 100 {
		t.Errorf("one gateway: it got %d of 100 nodes", got)
	}
	set("127.0.0.2", "127.0.0.1")
	if err := e.consume(ctx, nodeBatch(100)); err != nil {
		t.Fatal(err)
	}
	if got := len(b.received()); got == 0 || got == 100 {
		t.Errorf("two gateways: the new one got %d of 100 nodes", got)
	}
}

func endpointsOf(port string, addrs []string) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, net.JoinHostPort(a, port))
	}
	return out
}
