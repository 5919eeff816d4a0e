package synthetic

import (
	"testing"
	"time"

	"github.com/ecotel/ecotel/semconv"
)

// TestEnergyFollowsTimestamps checks that every energy counter is exactly
// power × (timestamp − start timestamp), the fields the processor reads,
// for times with and without a monotonic clock reading. The values used to
// come from time.Sub, which follows the monotonic readings: a time.Now()
// whose thread was descheduled between its wall-clock and monotonic reads
// (measured on this VM under load: 1 call in ~10⁶ more than 1 ms apart, up
// to 200 ms) then put one sample off the line of its timestamps, and every
// window bracketed by it came out off by power × skew.
func TestEnergyFollowsTimestamps(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	c := Demo(start)
	now := time.Now()
	for _, at := range []time.Time{now, now.Round(0), now.Add(1500 * time.Millisecond)} {
		sms := c.Energy(at).ResourceMetrics().At(0).ScopeMetrics().At(0)
		m := sms.Metrics().At(0)
		if m.Name() != semconv.MetricHWHostEnergy {
			t.Fatalf("first metric %s, want %s", m.Name(), semconv.MetricHWHostEnergy)
		}
		dp := m.Sum().DataPoints().At(0)
		wantJ := c.Nodes[0].PowerW * (float64(int64(dp.Timestamp())-int64(dp.StartTimestamp())) / 1e9)
		if got := dp.DoubleValue(); got != wantJ {
			t.Errorf("node energy %.9f J at %d, want %.9f J", got, dp.Timestamp(), wantJ)
		}
	}
}
