package alumetbridgereceiver

import (
	"math"
	"sync"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/accumulator"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
)

// routeEntry is the cached decision for one input series: where its values
// go, or why they are dropped.
type routeEntry struct {
	route     *accumulator.Route // nil when dropped
	drop      outcome
	converted bool    // the unit factor is not 1
	gauge     bool    // values are levels, not deltas
	maxDelta  float64 // largest acceptable delta after conversion (counters)
}

func (r *alumetReceiver) newRouteEntry(p *mapping.Point, resetOnGreet bool) *routeEntry {
	res := r.mapper.Map(p)
	if res.Reason != "" {
		return &routeEntry{drop: outcomeOfReason(res.Reason)}
	}
	e := &routeEntry{
		route:     r.store.NewRoute(res, resetOnGreet),
		converted: res.Factor != 1,
		maxDelta:  math.Inf(1),
	}
	switch res.Targets[0].Kind {
	case mapping.HostPower:
		e.gauge = true
	case mapping.HostEnergy, mapping.HWEnergy, mapping.PodEnergy:
		e.maxDelta = r.cfg.MaxEnergyDelta
	}
	return e
}

// apply feeds one value to the entry's series and returns the outcome.
func (r *alumetReceiver) apply(e *routeEntry, value float64, tsNs, nowNs int64, c *pointCounts) {
	o := e.drop
	if e.route != nil {
		o = outcomeAccepted
		v := value * e.route.Factor()
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			o = outcomeInvalidValue
		case !e.gauge && (v < 0 || v > e.maxDelta):
			o = outcomeInvalidValue
		default:
			r.store.Apply(e.route, value, tsNs, nowNs)
			if e.converted {
				c.conversions++
			}
		}
	}
	c.byOutcome[o]++
}

// sharedRoutes caches route entries by a byte key for inputs whose requests
// come concurrently (OTLP, Prometheus, CSV).
type sharedRoutes struct {
	mu      sync.RWMutex
	entries map[string]*routeEntry
	limit   int
}

func newSharedRoutes(limit int) *sharedRoutes {
	return &sharedRoutes{entries: map[string]*routeEntry{}, limit: limit}
}

func (s *sharedRoutes) get(key []byte, build func() *routeEntry) *routeEntry {
	s.mu.RLock()
	e := s.entries[string(key)]
	s.mu.RUnlock()
	if e != nil {
		return e
	}
	e = build()
	s.mu.Lock()
	if len(s.entries) >= s.limit {
		// Bounded memory: series churn (pods come and go) must not grow the
		// cache forever. Routes are cheap to rebuild.
		clear(s.entries)
	}
	s.entries[string(key)] = e
	s.mu.Unlock()
	return e
}

// parseUnit reads a unit string from an exporter; ok is false when empty.
func parseUnit(s string) (u units.Unit, has bool) {
	if s == "" {
		return units.Unit{}, false
	}
	if u, ok := units.Parse(s); ok {
		return u, true
	}
	return units.Unit{Quantity: units.Unknown}, true
}
