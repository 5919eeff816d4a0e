package timeline

import (
	"math"
	"testing"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
)

var t0 = time.Date(2025, 10, 26, 9, 0, 0, 0, time.UTC)

func period(offset time.Duration, res time.Duration, values ...float64) xmldoc.Period {
	return xmldoc.Period{Start: t0.Add(offset), Resolution: res, Values: values}
}

func values(c Curve) []float64 {
	out := make([]float64, len(c))
	for i, p := range c {
		out[i] = p.Value
	}
	return out
}

func TestBuildSplitSeries(t *testing.T) {
	// Two periods around a gap, given out of order.
	c := Build([]xmldoc.Period{
		period(time.Hour, 15*time.Minute, 5, 6),
		period(0, 15*time.Minute, 1, 2),
	})
	if got := values(c); len(got) != 4 || got[0] != 1 || got[3] != 6 {
		t.Fatalf("values %v", got)
	}
	if _, ok := c.At(t0.Add(40 * time.Minute)); ok {
		t.Error("the gap has a value")
	}
	if p, ok := c.At(t0.Add(70 * time.Minute)); !ok || p.Value != 5 || !p.Start.Equal(t0.Add(time.Hour)) {
		t.Errorf("At in second period: %+v %v", p, ok)
	}
}

func TestBuildLaterWins(t *testing.T) {
	c := Build([]xmldoc.Period{
		period(0, 15*time.Minute, 1, 1, 1, 1),
		period(30*time.Minute, 15*time.Minute, 9, 9), // a revision of the second half hour
	})
	if got := values(c); len(got) != 4 || got[1] != 1 || got[2] != 9 || got[3] != 9 {
		t.Errorf("values %v, want [1 1 9 9]", got)
	}
}

func TestBuildFinestWins(t *testing.T) {
	c := Build([]xmldoc.Period{
		period(0, 15*time.Minute, 1, 2, 3, 4),   // quarter-hours 09:00–10:00
		period(0, time.Hour, 100, 200),          // hours 09:00–11:00, later in the document
		period(0, 30*time.Minute, 50, 50, 7, 8), // half-hours 09:00–11:00
	})
	// 09:00–10:00 from the quarter-hours; 10:00–11:00 from the half-hours;
	// the hourly points overlap both and lose.
	want := []float64{1, 2, 3, 4, 7, 8}
	if got := values(c); len(got) != len(want) {
		t.Fatalf("values %v, want %v", got, want)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("values %v, want %v", got, want)
			}
		}
	}
	for i := 1; i < len(c); i++ {
		if c[i].Start.Before(c[i-1].End) {
			t.Fatalf("overlap at %d: %+v %+v", i, c[i-1], c[i])
		}
	}
}

func TestBuildSkipsGapsAndMisalignedOverlaps(t *testing.T) {
	c := Build([]xmldoc.Period{
		period(0, time.Hour, 1, math.NaN(), 3),
		period(30*time.Minute, time.Hour, 8), // misaligned: overlaps 09:00–10:00 and the gap
	})
	if len(c) != 2 {
		t.Fatalf("curve %+v", c)
	}
	// The later, misaligned point wins where it starts first in sort order only
	// if it does not overlap a kept point; either way nothing overlaps.
	for i := 1; i < len(c); i++ {
		if c[i].Start.Before(c[i-1].End) {
			t.Fatalf("overlap: %+v", c)
		}
	}
	if Build(nil) != nil || Build([]xmldoc.Period{period(0, time.Hour)}) != nil {
		t.Error("empty input should give an empty curve")
	}
}

func TestLastEndingBy(t *testing.T) {
	c := Build([]xmldoc.Period{period(0, time.Hour, 1, 2, 3)})
	if _, ok := c.LastEndingBy(t0.Add(59 * time.Minute)); ok {
		t.Error("nothing has ended at 09:59")
	}
	if p, ok := c.LastEndingBy(t0.Add(2*time.Hour + 30*time.Minute)); !ok || p.Value != 2 {
		t.Errorf("at 11:30: %+v", p)
	}
	if p, ok := c.LastEndingBy(t0.Add(48 * time.Hour)); !ok || p.Value != 3 {
		t.Errorf("long after: %+v", p)
	}
}
