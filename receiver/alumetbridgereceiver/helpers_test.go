package alumetbridgereceiver

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/metadatatest"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

type testReceiver struct {
	*alumetReceiver
	sink *consumertest.MetricsSink
	tt   *componenttest.Telemetry
	seen int
	vals map[string]float64
}

// startReceiver runs the receiver with its relay on a free loopback port.
func startReceiver(t testing.TB, mutate func(*Config)) *testReceiver {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Relay.Get().Endpoint = "127.0.0.1:0"
	cfg.FlushInterval = 50 * time.Millisecond
	if mutate != nil {
		mutate(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tt := componenttest.NewTelemetry()
	sink := new(consumertest.MetricsSink)
	r, err := newReceiver(metadatatest.NewSettings(tt), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		_ = tt.Shutdown(context.Background())
	})
	return &testReceiver{alumetReceiver: r, sink: sink, tt: tt}
}

// relayClient is a hand-driven Alumet relay client.
type relayClient struct {
	t    testing.TB
	name string
	conn net.Conn
	br   *bufio.Reader
}

func dial(t testing.TB, r *testReceiver, name string) *relayClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", r.relay.addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &relayClient{t: t, name: name, conn: conn, br: bufio.NewReader(conn)}
}

func (c *relayClient) write(b []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// greet sends a Greet and returns the server's answer.
func (c *relayClient) greet(version uint32) alumetrelay.GreetResponse {
	c.t.Helper()
	c.write(alumetrelay.AppendGreet(nil, c.name, alumetrelay.Greet{AlumetCoreVersion: "0.9.5", RelayPluginVersion: "0.6.0", ProtocolVersion: version}))
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	fr := alumetrelay.NewFrameReader(c.br, 1<<16)
	body, _, err := fr.Next()
	if err != nil {
		c.t.Fatalf("read GreetResponse: %v", err)
	}
	b, err := alumetrelay.ParseBody(body)
	if err != nil || b.Kind != alumetrelay.KindGreetResponse || len(b.Sender) != 0 {
		c.t.Fatalf("not a GreetResponse: %+v %v", b, err)
	}
	resp, err := alumetrelay.DecodeGreetResponse(b.Payload)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

var testMetrics = []alumetrelay.Metric{
	{ID: 1, Name: "rapl_consumed_energy", ValueType: alumetrelay.ValueTypeF64, Unit: alumetrelay.Unit{Base: "J"}},
	{ID: 2, Name: "attributed_energy", ValueType: alumetrelay.ValueTypeF64, Unit: alumetrelay.Unit{Base: "J"}},
	{ID: 3, Name: "cpu_time_delta", ValueType: alumetrelay.ValueTypeU64, Unit: alumetrelay.Unit{Base: "s", Prefix: "nano"}},
	{ID: 4, Name: "nvml_energy_consumption", ValueType: alumetrelay.ValueTypeF64, Unit: alumetrelay.Unit{Base: "J", Prefix: "milli"}},
	{ID: 5, Name: "co2_estimate", ValueType: alumetrelay.ValueTypeF64, Unit: alumetrelay.Unit{Base: "g_CO2"}},
	{ID: 6, Name: "cpu_percent", ValueType: alumetrelay.ValueTypeF64, Unit: alumetrelay.Unit{Base: "%"}},
}

func (c *relayClient) register() {
	c.write(alumetrelay.AppendRegisterMetrics(nil, c.name, testMetrics))
}

func (c *relayClient) send(ps ...alumetrelay.Point) {
	c.write(alumetrelay.AppendSendMeasurements(nil, c.name, ps))
}

func raplTotal(domain string, secs uint64, j float64) alumetrelay.Point {
	return alumetrelay.Point{MetricID: 1, Secs: secs, Value: alumetrelay.F64Value(j),
		ResourceKind: "local_machine", ConsumerKind: "local_machine",
		Attributes: []alumetrelay.Attribute{{Key: "domain", Value: alumetrelay.StrValue(domain)}}}
}

const (
	testPodUID  = "5f32d849-6210-4886-a48d-e0d90e1d0206"
	testPodPath = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f32d849_6210_4886_a48d_e0d90e1d0206.slice"
)

func podEnergy(secs uint64, j float64, scope string) alumetrelay.Point {
	path := testPodPath
	if scope != "" {
		path += "/" + scope
	}
	return alumetrelay.Point{MetricID: 2, Secs: secs, Value: alumetrelay.F64Value(j),
		ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: path,
		Attributes: []alumetrelay.Attribute{
			{Key: "domain", Value: alumetrelay.StrValue("package_total")}, {Key: "kind", Value: alumetrelay.StrValue("total")},
			{Key: "uid", Value: alumetrelay.StrValue(testPodUID)}, {Key: "name", Value: alumetrelay.StrValue("web-7c5d")},
			{Key: "namespace", Value: alumetrelay.StrValue("shop")}, {Key: "node", Value: alumetrelay.StrValue("node-a")},
		}}
}

// latest returns the value of the newest data point of every series the
// receiver emitted, keyed by metric and identifying attributes.
func (r *testReceiver) latest(t testing.TB) map[string]float64 {
	t.Helper()
	if r.vals == nil {
		r.vals = map[string]float64{}
	}
	all := r.sink.AllMetrics()
	for _, md := range all[r.seen:] {
		if err := semconvtest.CheckMetrics(md); err != nil {
			t.Fatalf("data model: %v", err)
		}
		forEachPoint(md, func(key string, dp pmetric.NumberDataPoint) { r.vals[key] = dp.DoubleValue() })
	}
	r.seen = len(all)
	return r.vals
}

func forEachPoint(md pmetric.Metrics, fn func(key string, dp pmetric.NumberDataPoint)) {
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		ent := ""
		for _, k := range []string{semconv.AttrK8sNodeName, semconv.AttrK8sPodUID} {
			if v, ok := rm.Resource().Attributes().Get(k); ok {
				ent += v.Str() + "/"
			}
		}
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			ms := rm.ScopeMetrics().At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				default:
					continue
				}
				for l := 0; l < dps.Len(); l++ {
					dp := dps.At(l)
					key := m.Name() + "{" + ent
					for _, a := range []string{semconv.AttrEnergyDomain, semconv.AttrHWID, semconv.AttrEnergyAttributionLevel, semconv.AttrContainerID} {
						if v, ok := dp.Attributes().Get(a); ok {
							key += "|" + v.Str()
						}
					}
					fn(key+"}", dp)
				}
			}
		}
	}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// counter sums an own-telemetry counter over the data points whose
// attributes include want.
func (r *testReceiver) counter(t testing.TB, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	m, err := r.tt.GetMetric("otelcol_" + name)
	if err != nil {
		return 0
	}
	var total int64
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is %T", name, m.Data)
	}
	for _, dp := range sum.DataPoints {
		match := true
		for _, kv := range want {
			if v, ok := dp.Attributes.Value(kv.Key); !ok || v != kv.Value {
				match = false
			}
		}
		if match {
			total += dp.Value
		}
	}
	return total
}

func outcomeIs(o string) attribute.KeyValue { return attribute.String("outcome", o) }
func inputIs(i string) attribute.KeyValue   { return attribute.String("input", i) }
