package sci

import "math"

// TrailingRangeBuckets is how many buckets a TrailingRange keeps; with a 24 h
// span each covers 15 minutes, the finest interval ENTSO-E publishes.
const TrailingRangeBuckets = 96

// TrailingRange tracks the minimum and maximum of a signal over a trailing
// span (24 h for the headroom signals) in fixed memory: the span is cut into
// buckets that each keep their own min and max, so the range is exact at
// bucket granularity whatever the sample rate. Time is the data's own time
// (the interval a grid value describes), not the time it arrived.
type TrailingRange struct {
	spanNs  int64
	buckets [TrailingRangeBuckets]struct {
		id       int64 // bucket number since the epoch; 0 = empty
		min, max float64
	}
	latestT int64
}

// NewTrailingRange returns a range over the given span (ns).
func NewTrailingRange(spanNs int64) TrailingRange {
	return TrailingRange{spanNs: spanNs}
}

func (r *TrailingRange) width() int64 { return r.spanNs / TrailingRangeBuckets }

// Add records value v at time t (unix ns). Values older than the span
// before the newest are ignored.
func (r *TrailingRange) Add(t int64, v float64) {
	if r.spanNs <= 0 || math.IsNaN(v) || math.IsInf(v, 0) || t <= 0 {
		return
	}
	if t > r.latestT {
		r.latestT = t
	}
	if t <= r.latestT-r.spanNs {
		return
	}
	id := t/r.width() + 1
	b := &r.buckets[id%TrailingRangeBuckets]
	if b.id != id {
		b.id, b.min, b.max = id, v, v
		return
	}
	b.min = math.Min(b.min, v)
	b.max = math.Max(b.max, v)
}

// Range returns the minimum and maximum over the span before the newest
// sample, and false when nothing is recorded.
func (r *TrailingRange) Range() (lo, hi float64, ok bool) {
	oldest := (r.latestT-r.spanNs)/r.width() + 1
	for i := range r.buckets {
		b := &r.buckets[i]
		if b.id == 0 || b.id <= oldest {
			continue
		}
		if !ok {
			lo, hi, ok = b.min, b.max, true
			continue
		}
		lo = math.Min(lo, b.min)
		hi = math.Max(hi, b.max)
	}
	return lo, hi, ok
}

// Headroom maps current into [0,1] within [lo, hi], inverted: 1 when current
// is the lowest value of the span (cleanest or cheapest), 0 when it is the
// highest. It returns false when the span holds a single distinct value,
// because then there is no range to be green or dirty against, and a
// signal of 1 would make every HPA scale out at once.
func Headroom(current, lo, hi float64) (float64, bool) {
	if !(hi > lo) || math.IsNaN(current) {
		return 0, false
	}
	h := (hi - current) / (hi - lo)
	return math.Min(math.Max(h, 0), 1), true
}
