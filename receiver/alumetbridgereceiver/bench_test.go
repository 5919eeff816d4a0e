package alumetbridgereceiver

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/metadatatest"
)

// nodeFrame is one SendMeasurements batch of a node with pods pods, as an
// alumet-agent with rapl, k8s and energy-attribution sends it: 2 sockets ×
// (package, dram), the two totals, and per pod attributed energy and CPU time.
func nodeFrame(node string, pods int, secs uint64) ([]byte, int) {
	var ps []alumetrelay.Point
	for s := 0; s < 2; s++ {
		for _, d := range []struct{ kind, domain string }{{"cpu_package", "package"}, {"dram", "dram"}} {
			ps = append(ps, alumetrelay.Point{MetricID: 1, Secs: secs, Value: alumetrelay.F64Value(3.5),
				ResourceKind: d.kind, ResourceID: fmt.Sprint(s), ConsumerKind: "local_machine",
				Attributes: []alumetrelay.Attribute{{Key: "domain", Value: alumetrelay.StrValue(d.domain)}}})
		}
	}
	ps = append(ps, raplTotal("package_total", secs, 7), raplTotal("dram_total", secs, 1))
	for i := 0; i < pods; i++ {
		uid := fmt.Sprintf("5f32d849-6210-4886-a48d-%012d", i)
		attrs := []alumetrelay.Attribute{
			{Key: "domain", Value: alumetrelay.StrValue("package_total")}, {Key: "kind", Value: alumetrelay.StrValue("total")},
			{Key: "uid", Value: alumetrelay.StrValue(uid)}, {Key: "name", Value: alumetrelay.StrValue(fmt.Sprintf("web-%d", i))},
			{Key: "namespace", Value: alumetrelay.StrValue("shop")}, {Key: "node", Value: alumetrelay.StrValue(node)},
		}
		cg := "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid + ".slice"
		ps = append(ps,
			alumetrelay.Point{MetricID: 2, Secs: secs, Value: alumetrelay.F64Value(0.2), ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: cg, Attributes: attrs},
			alumetrelay.Point{MetricID: 3, Secs: secs, Value: alumetrelay.U64Value(250_000_000), ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: cg, Attributes: attrs[1:]})
	}
	return alumetrelay.AppendSendMeasurements(nil, node, ps), len(ps)
}

func benchReceiver(b *testing.B) *alumetReceiver {
	cfg := createDefaultConfig().(*Config)
	cfg.Relay.Get().Endpoint = "127.0.0.1:0"
	cfg.FlushInterval = time.Second
	tt := componenttest.NewTelemetry()
	r, err := newReceiver(metadatatest.NewSettings(tt), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Shutdown(context.Background()); _ = tt.Shutdown(context.Background()) })
	return r
}

// BenchmarkRelayFrameDecodeAndAccumulate measures the per-core hot path of
// the relay input: decode a 30-pod node frame, look every point's series up
// in the connection's route cache, and add it to its counters (no TCP).
func BenchmarkRelayFrameDecodeAndAccumulate(b *testing.B) {
	r := benchReceiver(b)
	frame, n := nodeFrame("node-a", 30, 1755604520)
	body, err := alumetrelay.ParseBody(frame[4:])
	if err != nil {
		b.Fatal(err)
	}
	pipe, other := net.Pipe()
	defer pipe.Close()
	defer other.Close()
	c := newRelayConn(r.relay, pipe)
	c.name, c.node = "node-a", "node-a"
	reg, err := alumetrelay.ParseBody(alumetrelay.AppendRegisterMetrics(nil, "node-a", testMetrics)[4:])
	if err != nil {
		b.Fatal(err)
	}
	c.register(context.Background(), reg.Payload)
	ctx := context.Background()
	c.measurements(ctx, body.Payload) // warm the route cache
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.measurements(ctx, body.Payload)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkRelayEndToEnd measures points per second through the whole relay
// input: 100 client connections over loopback TCP, each sending 30-pod node
// frames, until the receiver has accepted every point.
func BenchmarkRelayEndToEnd(b *testing.B) {
	r := benchReceiver(b)
	const clients = 100
	frames := make([][]byte, clients)
	var perFrame int
	conns := make([]net.Conn, clients)
	for i := range clients {
		name := fmt.Sprintf("node-%03d", i)
		frames[i], perFrame = nodeFrame(name, 30, 1755604520)
		conn, err := net.Dial("tcp", r.relay.addr())
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		_, _ = conn.Write(alumetrelay.AppendGreet(nil, name, alumetrelay.Greet{ProtocolVersion: 2}))
		_, _ = conn.Write(alumetrelay.AppendRegisterMetrics(nil, name, testMetrics))
		conns[i] = conn
	}
	var sent sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	per := (b.N + clients - 1) / clients
	for i := range clients {
		sent.Add(1)
		go func() {
			defer sent.Done()
			for j := 0; j < per; j++ {
				if _, err := conns[i].Write(frames[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	sent.Wait()
	want := int64(per * clients * perFrame)
	for r.accepted[inputRelay].Load() < want {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "points/s")
}
