package alumetrelay

import (
	"fmt"
	"testing"
)

// benchFrame is one node's SendMeasurements batch as alumet-agent with the
// rapl, k8s and energy-attribution plugins sends it: RAPL domains plus, per
// pod, attributed energy and CPU time with the k8s plugin's attributes.
func benchFrame(pods int) ([]byte, int) {
	var ps []Point
	for _, d := range []string{"package_total", "dram_total"} {
		ps = append(ps, Point{MetricID: 1, Secs: 1755604520, Nanos: 1, Value: F64Value(3.5),
			ResourceKind: "local_machine", ConsumerKind: "local_machine",
			Attributes: []Attribute{{Key: "domain", Value: StrValue(d)}}})
	}
	for i := 0; i < pods; i++ {
		uid := fmt.Sprintf("5f32d849-6210-4886-a48d-%012d", i)
		attrs := []Attribute{
			{Key: "domain", Value: StrValue("package_total")}, {Key: "kind", Value: StrValue("total")},
			{Key: "uid", Value: StrValue(uid)}, {Key: "name", Value: StrValue(fmt.Sprintf("web-%d", i))},
			{Key: "namespace", Value: StrValue("shop")}, {Key: "node", Value: StrValue("node-a")},
		}
		cg := "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid + ".slice"
		ps = append(ps,
			Point{MetricID: 2, Secs: 1755604520, Value: F64Value(0.72), ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: cg, Attributes: attrs},
			Point{MetricID: 3, Secs: 1755604520, Value: U64Value(123456789), ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: cg, Attributes: attrs[1:]},
		)
	}
	frame := AppendSendMeasurements(nil, "node-a", ps)
	return frame[4:], len(ps)
}

// BenchmarkDecodeMeasurements decodes every point of a 30-pod node batch,
// reading each point's fields and identity as the receiver does.
func BenchmarkDecodeMeasurements(b *testing.B) {
	body, n := benchFrame(30)
	var key []byte
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bd, err := ParseBody(body)
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewMeasurementReader(bd.Payload)
		if err != nil {
			b.Fatal(err)
		}
		var p PointView
		for r.Next(&p) {
			key = p.AppendIdentity(key[:0])
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkEncodeMeasurements encodes the same batch (alumet-sim's cost).
func BenchmarkEncodeMeasurements(b *testing.B) {
	body, _ := benchFrame(30)
	bd, _ := ParseBody(body)
	ps, _ := DecodeSendMeasurements(bd.Payload)
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = AppendSendMeasurements(buf[:0], "node-a", ps)
	}
	b.ReportMetric(float64(len(ps))*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}
