package sciprocessor

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadata"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// The processor built by its factory evaluates on its own timer and sends
// the results to the next consumer, while batches pass through it; Shutdown
// stops the timer goroutine (goleak checks in TestMain).
func TestTimerSendsResultsDownstream(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Window, cfg.Interval, cfg.Delay, cfg.MaxGap = 2*time.Second, 500*time.Millisecond, 500*time.Millisecond, 2*time.Second
	sink := &consumertest.MetricsSink{}
	p, err := NewFactory().CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	c := synthetic.Demo(time.Now().Add(-time.Hour))
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		now := time.Now()
		if i%20 == 0 {
			if err := p.ConsumeMetrics(context.Background(), c.Grid(now, 600)); err != nil {
				t.Fatal(err)
			}
			if err := p.ConsumeMetrics(context.Background(), c.Hardware(now)); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.ConsumeMetrics(context.Background(), c.Energy(now)); err != nil {
			t.Fatal(err)
		}
		for _, md := range sink.AllMetrics() {
			if _, ok := find(points(md), semconv.MetricSCIScore, nodeMatch("paris-m5-1")); ok {
				return // the pass-through batches are in the sink too; the SCI came from the timer
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no SCI reached the next consumer")
}
