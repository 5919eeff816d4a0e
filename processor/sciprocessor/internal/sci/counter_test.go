package sci

import (
	"math/rand/v2"
	"testing"
)

const sec = int64(1e9)

func TestCounterInterpolatesBoundaries(t *testing.T) {
	var c Counter
	// 10 W from t=100 s: value = 10 × (t − 100) J, sampled every 5 s.
	for ts := int64(100); ts <= 200; ts += 5 {
		if r := c.Add(100*sec, ts*sec, float64(10*(ts-100)), 0); r != Added {
			t.Fatalf("add at %d: %v", ts, r)
		}
	}
	w, reason := c.Delta(112*sec, 172*sec, 10*sec, false)
	if reason != OK {
		t.Fatalf("reason %v", reason)
	}
	assertRel(t, "Δ over 60 s at 10 W", w.Delta, 600, 1e-12)
	if w.From != 112*sec {
		t.Errorf("from %d", w.From)
	}
}

func TestCounterReasons(t *testing.T) {
	newCounter := func(samples ...[2]int64) *Counter {
		c := &Counter{}
		for _, s := range samples {
			c.Add(50*sec, s[0]*sec, float64(s[1]), 0)
		}
		return c
	}
	cases := []struct {
		name       string
		c          *Counter
		from, to   int64
		allowStart bool
		want       Reason
		wantDelta  float64
	}{
		{"empty", &Counter{}, 100, 160, false, NoData, 0},
		{"not reaching the end", newCounter([2]int64{90, 0}, [2]int64{150, 60}), 100, 160, false, NoData, 0},
		{"not reaching the start", newCounter([2]int64{110, 0}, [2]int64{170, 60}), 100, 160, false, NoData, 0},
		{"gap at the start", newCounter([2]int64{60, 0}, [2]int64{130, 70}, [2]int64{165, 105}), 100, 160, false, Gap, 0},
		{"gap at the end", newCounter([2]int64{100, 0}, [2]int64{110, 10}, [2]int64{200, 100}), 100, 160, false, Gap, 0},
		{"gap inside is fine (cumulative)", newCounter([2]int64{100, 0}, [2]int64{101, 1}, [2]int64{159, 59}, [2]int64{160, 60}), 100, 160, false, OK, 60},
		{"reset by a lower value", newCounter([2]int64{95, 500}, [2]int64{130, 530}, [2]int64{135, 3}, [2]int64{165, 33}), 100, 160, false, CounterReset, 0},
		{"reset before the window is fine", newCounter([2]int64{80, 500}, [2]int64{90, 3}, [2]int64{100, 13}, [2]int64{160, 73}), 100, 160, false, OK, 60},
	}
	for _, tc := range cases {
		w, got := tc.c.Delta(tc.from*sec, tc.to*sec, 20*sec, tc.allowStart)
		if got != tc.want {
			t.Errorf("%s: reason %v, want %v", tc.name, got, tc.want)
			continue
		}
		if got == OK {
			assertRel(t, tc.name+": Δ", w.Delta, tc.wantDelta, 1e-12)
		}
	}
}

func TestCounterResetByStartTime(t *testing.T) {
	var c Counter
	c.Add(10*sec, 100*sec, 100, 0)
	c.Add(10*sec, 130*sec, 130, 0)
	// Restarted at 140 s; by 150 s it has counted 200 (larger than before,
	// so only the start time tells).
	if r := c.Add(140*sec, 150*sec, 200, 0); r != Reset {
		t.Fatalf("got %v, want Reset", r)
	}
	c.Add(140*sec, 170*sec, 220, 0)
	if _, reason := c.Delta(110*sec, 160*sec, 30*sec, false); reason != CounterReset {
		t.Errorf("reason %v, want CounterReset", reason)
	}
}

func TestCounterStartInsideWindow(t *testing.T) {
	var c Counter
	// A pod started at 130 s; first sample at 135 s.
	c.Add(130*sec, 135*sec, 5, 0)
	c.Add(130*sec, 155*sec, 25, 0)
	c.Add(130*sec, 165*sec, 35, 0)
	if _, reason := c.Delta(100*sec, 160*sec, 20*sec, false); reason != NoData {
		t.Errorf("without allowStart: %v, want NoData", reason)
	}
	w, reason := c.Delta(100*sec, 160*sec, 20*sec, true)
	if reason != OK {
		t.Fatalf("with allowStart: %v", reason)
	}
	assertRel(t, "Δ since start", w.Delta, 30, 1e-12)
	if w.From != 130*sec {
		t.Errorf("covered from %d, want 130 s", w.From/sec)
	}
}

func TestCounterOrderingAndThinning(t *testing.T) {
	var c Counter
	c.Add(0, 100*sec, 0, 0)
	c.Add(0, 110*sec, 10, 0)
	if r := c.Add(0, 110*sec, 10, 0); r != Duplicate {
		t.Errorf("duplicate: %v", r)
	}
	if r := c.Add(0, 105*sec, 5, 0); r != OutOfOrder {
		t.Errorf("out of order: %v", r)
	}
	// Thinning: samples 1 s apart with 4 s spacing keep the count small but
	// always end with the newest sample.
	var d Counter
	for ts := int64(0); ts < 1000; ts++ {
		d.Add(0, ts*sec, float64(ts), 4*sec)
	}
	if d.Len() > CounterCapacity {
		t.Fatalf("len %d", d.Len())
	}
	last, _ := d.Latest()
	if last.T != 999*sec {
		t.Errorf("latest %d, want 999 s", last.T/sec)
	}
	w, reason := d.Delta(900*sec, 990*sec, 10*sec, false)
	if reason != OK {
		t.Fatalf("reason %v", reason)
	}
	assertRel(t, "Δ", w.Delta, 90, 1e-12)
}

// Property: for a counter fed a random monotonic power profile, any covered
// window's delta is non-negative and the deltas of adjacent windows add up
// to the delta of their union.
func TestCounterAdditivity(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 300 {
		var c Counter
		var v float64
		ts := int64(1000) * sec
		for range 80 {
			ts += int64(1+rng.IntN(5)) * sec
			v += rng.Float64() * 100
			c.Add(1, ts, v, 0)
		}
		first := c.at(0).T
		last := c.at(c.n - 1).T
		a := first + (last-first)/5
		b := a + (last-a)/3
		e := b + (last-b)/2
		w1, r1 := c.Delta(a, b, 10*sec, false)
		w2, r2 := c.Delta(b, e, 10*sec, false)
		w, r := c.Delta(a, e, 10*sec, false)
		if r1 != OK || r2 != OK || r != OK {
			t.Fatalf("reasons %v %v %v", r1, r2, r)
		}
		if w1.Delta < 0 || w2.Delta < 0 {
			t.Fatalf("negative delta")
		}
		assertRel(t, "additivity", w1.Delta+w2.Delta, w.Delta, 1e-9)
	}
}

// Thinning keeps only some samples, but a real gap between received
// samples is still seen at a boundary, and dense data is never taken for a gap.
func TestCounterThinningKeepsGaps(t *testing.T) {
	var c Counter
	spacing := SampleSpacing(3 * 3600 * sec) // a 1 h window's rings: 4.5 min
	v := 0.0
	for ts := int64(0); ts <= 7200; ts += 10 {
		if ts > 3000 && ts < 3100 { // 100 s without samples
			continue
		}
		v += 10
		c.Add(1, ts*sec, v, spacing)
	}
	if _, reason := c.Delta(3050*sec, 6000*sec, 30*sec, false); reason != Gap {
		t.Errorf("boundary inside a real 100 s gap: %v, want Gap", reason)
	}
	w, reason := c.Delta(3600*sec, 7200*sec, 30*sec, false)
	if reason != OK {
		t.Fatalf("dense hour: %v", reason)
	}
	assertRel(t, "Δ over the dense hour", w.Delta, 3600, 1e-9)
}
