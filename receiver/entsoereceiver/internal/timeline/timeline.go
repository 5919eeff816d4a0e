// Package timeline merges the periods of one quantity (a production type in
// one direction, a price sequence, the load) into a single step curve without
// overlaps. ENTSO-E documents split one curve over several TimeSeries and
// Periods (at gaps), repeat it (duplicates, contract revisions) and mix
// resolutions (PT60M and PT15M in one document); the rules here decide which
// value holds for each instant.
package timeline

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
)

// Point is the average value over [Start, End).
type Point struct {
	Start, End time.Time
	Value      float64
}

// Curve is a sequence of non-overlapping points sorted by start.
type Curve []Point

type candidate struct {
	Point
	res   time.Duration
	order int
}

// Build merges periods given in document order. Positions without a value
// (NaN) are skipped. Where points overlap, the finer resolution wins (it is
// the more detailed publication of the same quantity), and between points of
// equal resolution the later one in document order wins (a duplicate or a
// revision published after the original).
func Build(periods []xmldoc.Period) Curve {
	var byRes map[time.Duration][]candidate
	order := 0
	n := 0
	for _, p := range periods {
		n += len(p.Values)
	}
	if n == 0 {
		return nil
	}
	byRes = make(map[time.Duration][]candidate, 2)
	for _, p := range periods {
		group := byRes[p.Resolution]
		if group == nil {
			group = make([]candidate, 0, n)
		}
		for i, v := range p.Values {
			order++
			if math.IsNaN(v) {
				continue
			}
			start := p.Start.Add(time.Duration(i) * p.Resolution)
			group = append(group, candidate{Point{start, start.Add(p.Resolution), v}, p.Resolution, order})
		}
		byRes[p.Resolution] = group
	}
	resolutions := make([]time.Duration, 0, len(byRes))
	for r := range byRes {
		resolutions = append(resolutions, r)
	}
	slices.Sort(resolutions)

	var accepted Curve
	for _, r := range resolutions {
		group := byRes[r]
		// Latest in document order first among equal starts, so it survives.
		// Documents are nearly always in order already: skip the sort then.
		if !slices.IsSortedFunc(group, byStartThenLatest) {
			slices.SortFunc(group, byStartThenLatest)
		}
		kept := make(Curve, 0, len(group))
		ai := 0
		for _, c := range group {
			if len(kept) > 0 && kept[len(kept)-1].End.After(c.Start) {
				continue // duplicate start, or misaligned overlap within this resolution
			}
			for ai < len(accepted) && !accepted[ai].End.After(c.Start) {
				ai++
			}
			if ai < len(accepted) && accepted[ai].Start.Before(c.End) {
				continue // a finer point already covers part of it
			}
			kept = append(kept, c.Point)
		}
		accepted = merge(accepted, kept)
	}
	return accepted
}

func byStartThenLatest(a, b candidate) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	return b.order - a.order
}

func merge(a, b Curve) Curve {
	if len(a) == 0 {
		return b
	}
	out := make(Curve, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].Start.Before(b[j].Start) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// At returns the point whose interval contains t.
func (c Curve) At(t time.Time) (Point, bool) {
	i := sort.Search(len(c), func(i int) bool { return c[i].End.After(t) })
	if i < len(c) && !c[i].Start.After(t) {
		return c[i], true
	}
	return Point{}, false
}

// LastEndingBy returns the latest point that has ended by t (End ≤ t).
func (c Curve) LastEndingBy(t time.Time) (Point, bool) {
	i := sort.Search(len(c), func(i int) bool { return c[i].End.After(t) })
	if i == 0 {
		return Point{}, false
	}
	return c[i-1], true
}
