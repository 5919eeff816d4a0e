package signal

import (
	"time"
)

// NodeSignal is the ranking signal of one node.
type NodeSignal struct {
	// CarbonPerVCPUGPerH is what one vCPU-hour on the node costs right now in
	// grams of CO2e (operational + amortized embodied); lower is greener.
	CarbonPerVCPUGPerH float64
	// Zone is the node's electricity bidding zone, when the source knows it.
	Zone string
	// ObservedAt is when the value was true: the annotation's update time,
	// or for Prometheus the fetch time less the zone's grid data age.
	ObservedAt time.Time
}

// ZoneSignal is the grid carbon intensity of one bidding zone.
type ZoneSignal struct {
	IntensityGPerKWh float64
	ObservedAt       time.Time
}

// Snapshot is one consistent, immutable view of the signals. Readers must not
// modify it.
type Snapshot struct {
	Nodes map[string]NodeSignal
	Zones map[string]ZoneSignal
	// FetchedAt is when the source was read; zero for the empty snapshot the
	// cache holds before its first successful refresh.
	FetchedAt time.Time
}

// emptySnapshot is served until the first refresh succeeds.
var emptySnapshot = &Snapshot{Nodes: map[string]NodeSignal{}, Zones: map[string]ZoneSignal{}}

// Node returns the node's signal when it is known and no older than maxAge at
// now.
func (s *Snapshot) Node(name string, now time.Time, maxAge time.Duration) (NodeSignal, bool) {
	n, ok := s.Nodes[name]
	if !ok || now.Sub(n.ObservedAt) > maxAge {
		return NodeSignal{}, false
	}
	return n, true
}

// Zone returns the zone's intensity when it is known and no older than maxAge
// at now.
func (s *Snapshot) Zone(code string, now time.Time, maxAge time.Duration) (ZoneSignal, bool) {
	z, ok := s.Zones[code]
	if !ok || now.Sub(z.ObservedAt) > maxAge {
		return ZoneSignal{}, false
	}
	return z, true
}

// BestZone returns the fresh zone with the lowest intensity (ties broken by
// code, so the answer is deterministic).
func (s *Snapshot) BestZone(now time.Time, maxAge time.Duration) (string, ZoneSignal, bool) {
	var (
		bestCode string
		best     ZoneSignal
		found    bool
	)
	for code, z := range s.Zones {
		if now.Sub(z.ObservedAt) > maxAge {
			continue
		}
		if !found || z.IntensityGPerKWh < best.IntensityGPerKWh ||
			(z.IntensityGPerKWh == best.IntensityGPerKWh && code < bestCode) {
			bestCode, best, found = code, z, true
		}
	}
	return bestCode, best, found
}
