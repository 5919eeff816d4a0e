package sciprocessor

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/synthetic"
	"github.com/ecotel/ecotel/semconv"
)

// TestIngestDuringEvaluation: an evaluation takes the store lock one node
// at a time, so batches are ingested while it runs. Run with -race (make
// test does not; `go test -race ./processor/sciprocessor/` does): batches
// keep arriving — later samples of the same series (within what a
// counter keeps), and new pods — while
// evaluations run, and every evaluation still gives every node the SCI its
// true power implies.
func TestIngestDuringEvaluation(t *testing.T) {
	h := newHarness(t, nil)
	c := synthetic.Demo(t0.Add(-time.Hour))
	h.feed(c, 0, 90*time.Second, 5*time.Second, 600)
	at := t0.Add(80 * time.Second) // window [10 s, 70 s]
	h.p.now = func() time.Time { return at }

	more := *c
	more.Pods = append([]synthetic.Pod(nil), c.Pods...)
	for i, p := range c.Pods[:4] { // new pods appear while evaluating
		p.UID = p.UID[:len(p.UID)-1] + string(rune('a'+i))
		p.Name += "-new"
		more.Pods = append(more.Pods, p)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Go(func() {
		for d := 91 * time.Second; d <= 140*time.Second; d += time.Second {
			if _, err := h.p.processMetrics(ctx, more.Energy(t0.Add(d))); err != nil {
				t.Error(err)
			}
		}
	})
	const windowS, hours = 60.0, 60.0 / 3600
	for range 20 {
		pts := points(h.p.evaluate(ctx, at))
		for _, n := range c.Nodes {
			z := c.ZoneByCode(n.Zone)
			want := (n.PowerW*windowS/3.6e6*n.PUE*z.LifecycleGPerKWh + n.TotalEmbodiedG*windowS/n.LifetimeS) / hours
			if got, ok := find(pts, semconv.MetricSCIScore, nodeMatch(n.Name)); !ok || rel(got, want) > 1e-9 {
				t.Fatalf("node %s: SCI %v (found %v) while batches arrive, want %v", n.Name, got, ok, want)
			}
		}
	}
	wg.Wait()
}
