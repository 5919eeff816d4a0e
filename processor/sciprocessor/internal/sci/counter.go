package sci

import "math"

// CounterCapacity is how many samples a Counter keeps, at 24 bytes each.
// Samples closer than the caller's spacing replace the newest one instead of
// being appended; the processor picks the spacing so that the ring always
// spans the window plus its delay and gap allowances (see SampleSpacing).
const CounterCapacity = 48

// SampleSpacing is the thinning distance that lets a Counter span coverNs.
func SampleSpacing(coverNs int64) int64 { return coverNs / (CounterCapacity - 8) }

// Reason is why a windowed quantity could not be computed.
type Reason int

// Reasons, in the order the processor reports them.
const (
	OK Reason = iota
	// NoData: the series has no sample at or after the window's end, or none
	// at or before its start (too new, and not started inside the window).
	NoData
	// CounterReset: the counter restarted (new start time, or a lower value)
	// between the samples that bracket the window.
	CounterReset
	// Gap: a window boundary falls between two samples further apart than the
	// allowed gap, so interpolating there would be a guess.
	Gap
)

// Sample is one observation of a cumulative counter.
type Sample struct {
	T       int64 // unix nanoseconds
	V       float64
	Segment uint32 // incremented at every counter reset
	// GapMs is the widest distance between consecutive received samples
	// from the previous kept sample to this one (ms): thinning drops samples,
	// but a boundary is interpolated only where the data really was dense.
	GapMs uint32
}

// AddResult says what Counter.Add did with a sample.
type AddResult int

const (
	// Added: the sample was stored (appended or replacing a too-close newest one).
	Added AddResult = iota
	// Duplicate: same timestamp as the newest sample; ignored.
	Duplicate
	// OutOfOrder: older than the newest sample; dropped (the windows it
	// belongs to may already have been evaluated).
	OutOfOrder
	// Reset: the counter restarted; the sample starts a new segment.
	Reset
)

// Counter keeps the recent samples of one cumulative, monotonic counter in a
// fixed ring, and answers how much it grew over any window it covers by
// linear interpolation between the samples that bracket the window's ends.
// Counters are cumulative, so missing samples inside a window lose nothing;
// only the boundaries are interpolated. The zero value is ready to use.
type Counter struct {
	ring  [CounterCapacity]Sample
	head  int // index of the oldest sample
	n     int
	start int64 // start time of the current segment (unix ns, 0 = unknown)
	// firstStart is the start time of segment 0 (0 = unknown): the counter
	// was 0 then, which lets a series that began inside a window be charged
	// from its start.
	firstStart int64
	segment    uint32
}

// Len returns the number of samples kept.
func (c *Counter) Len() int { return c.n }

func (c *Counter) at(i int) *Sample { return &c.ring[(c.head+i)%CounterCapacity] }

// Latest returns the newest sample and whether there is one.
func (c *Counter) Latest() (Sample, bool) {
	if c.n == 0 {
		return Sample{}, false
	}
	return *c.at(c.n - 1), true
}

// Add records a sample with its start time (0 when unknown) at time t. A
// value lower than the previous one, or a changed non-zero start time, is a
// counter reset. minSpacingNs thins samples: a sample closer than that to
// the one before the newest replaces the newest.
func (c *Counter) Add(startT, t int64, v float64, minSpacingNs int64) AddResult {
	if c.n == 0 {
		c.start = startT
		if startT > 0 && startT <= t {
			c.firstStart = startT
		}
		c.push(Sample{T: t, V: v})
		return Added
	}
	last := c.at(c.n - 1)
	switch {
	case t == last.T:
		return Duplicate
	case t < last.T:
		return OutOfOrder
	}
	res := Added
	if v < last.V || (startT != 0 && c.start != 0 && startT != c.start) {
		c.segment++
		res = Reset
	}
	c.start = startT
	s := Sample{T: t, V: v, Segment: c.segment, GapMs: gapMs(t - last.T)}
	if res == Added && c.n >= 2 && last.Segment == c.segment && c.at(c.n-2).Segment == c.segment && t-c.at(c.n-2).T < minSpacingNs {
		s.GapMs = max(s.GapMs, last.GapMs)
		*last = s
		return Added
	}
	c.push(s)
	return res
}

func gapMs(ns int64) uint32 {
	ms := ns / 1e6
	if ms > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(ms)
}

// gapBefore is the widest real distance between received samples from
// the kept sample before s up to s.
func gapBefore(s *Sample) int64 { return int64(s.GapMs) * 1e6 }

func (c *Counter) push(s Sample) {
	if c.n == CounterCapacity {
		c.head = (c.head + 1) % CounterCapacity
		c.n--
	}
	c.ring[(c.head+c.n)%CounterCapacity] = s
	c.n++
}

// Window is the result of Counter.Delta.
type Window struct {
	// Delta is how much the counter grew over the covered part of the window.
	Delta float64
	// From is where coverage starts (unix ns): the window's start, or the
	// counter's start time when allowStart let a series that began inside
	// the window be counted from there.
	From int64
}

// Delta returns how much the counter grew over [from, to] (unix ns). The
// samples must bracket both ends; a boundary between two samples further
// apart than maxGapNs gives Gap, and a reset between the brackets gives
// CounterReset. With allowStart, a counter whose first segment started
// inside the window (start time ≥ from) counts from 0 at its start time —
// right for a pod that began inside the window, whose energy before its
// start is genuinely zero.
func (c *Counter) Delta(from, to, maxGapNs int64, allowStart bool) (Window, Reason) {
	if c.n == 0 || to <= from {
		return Window{}, NoData
	}
	// b: first sample with T >= to.
	bi := -1
	for i := c.n - 1; i >= 0; i-- {
		if c.at(i).T < to {
			break
		}
		bi = i
	}
	if bi < 0 {
		return Window{}, NoData
	}
	// a: last sample with T <= from.
	ai := -1
	for i := 0; i < c.n; i++ {
		if c.at(i).T > from {
			break
		}
		ai = i
	}
	// Segments only grow, so equal segments at both brackets mean no reset in between.
	b := c.at(bi)
	w := Window{From: from}
	var startV float64
	switch {
	case ai >= 0:
		a := c.at(ai)
		if a.Segment != b.Segment {
			return Window{}, CounterReset
		}
		if a.T == from {
			startV = a.V
		} else {
			next := c.at(ai + 1) // exists: a.T < from < to <= b.T
			if gapBefore(next) > maxGapNs {
				return Window{}, Gap
			}
			startV = interpolate(a.T, a.V, next.T, next.V, from)
		}
	case allowStart && c.firstStart >= from && c.firstStart < to && b.Segment == 0:
		w.From = c.firstStart // the counter was 0 at its start time
	default:
		return Window{}, NoData
	}
	endV := b.V
	if b.T != to {
		prevT, prevV, gap := w.From, startV, b.T-w.From
		if bi > 0 && c.at(bi-1).T > prevT {
			prevT, prevV, gap = c.at(bi-1).T, c.at(bi-1).V, gapBefore(b)
		}
		if gap > maxGapNs {
			return Window{}, Gap
		}
		endV = interpolate(prevT, prevV, b.T, b.V, to)
	}
	d := endV - startV
	if d < 0 {
		return Window{}, CounterReset
	}
	w.Delta = d
	return w, OK
}

func interpolate(aT int64, aV float64, bT int64, bV float64, t int64) float64 {
	return aV + (bV-aV)*float64(t-aT)/float64(bT-aT)
}
