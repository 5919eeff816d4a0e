// Package accumulator integrates Alumet's energy deltas into cumulative,
// monotonic counters — one per output series — and turns the series updated
// since the last flush into pmetric data, one Resource per node and per pod.
//
// Hot path: a Route (the cached answer of the mapper for one input series)
// is applied to a value with one uncontended shard lock per target series;
// nothing allocates. Series are created on first use, reset on a new relay
// Greet from their node or after a gap, and forgotten when they stop
// reporting.
package accumulator

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
)

// Config tunes a Store.
type Config struct {
	// GapReset starts a new counter (new start time) when two points of a
	// series are further apart than this; 0 disables.
	GapReset time.Duration
	// Expiry forgets series without a point for this long (wall clock).
	Expiry time.Duration
	// ScopeName and ScopeVersion name the instrumentation scope of the output.
	ScopeName, ScopeVersion string
}

const numShards = 64

type shard struct {
	mu     sync.Mutex
	dirty  []*Series
	finals []snapshot // last values of counters reset before being flushed
	_      [40]byte   // keep shards on separate cache lines
}

type node struct {
	name     string
	epoch    atomic.Uint32
	bestTier atomic.Uint32
	refs     int
}

type podKey struct{ uid, node string }

type pod struct {
	key             podKey
	name, namespace string // guarded by Store.mu
	refs            int
}

// Series is one output series.
type Series struct {
	key        mapping.Target
	node       *node
	pod        *pod
	shard      *shard
	domainBits atomic.Uint32
	lastUpdate atomic.Int64 // wall clock, ns

	// Guarded by shard.mu.
	startNs, lastNs int64
	value           float64
	epoch           uint32
	started, dirty  bool
	expired         bool
}

type snapshot struct {
	s               *Series
	startNs, lastNs int64
	value           float64
}

// Stats counts what a Store did; read with Store.Stats.
type Stats struct {
	Resets  int64 // counters restarted (Greet or gap)
	Expired int64 // series forgotten
	Active  int64 // series held now
}

// Store holds every series.
type Store struct {
	cfg    Config
	gapNs  int64
	mu     sync.Mutex
	series map[mapping.Target]*Series
	nodes  map[string]*node
	pods   map[podKey]*pod
	shards [numShards]shard
	next   uint32

	resets, expired atomic.Int64

	flushMu sync.Mutex
	snaps   []snapshot
}

// New returns an empty Store.
func New(cfg Config) *Store {
	return &Store{
		cfg: cfg, gapNs: int64(cfg.GapReset),
		series: map[mapping.Target]*Series{}, nodes: map[string]*node{}, pods: map[podKey]*pod{},
	}
}

// Stats returns the counters so far.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	active := int64(len(s.series))
	s.mu.Unlock()
	return Stats{Resets: s.resets.Load(), Expired: s.expired.Load(), Active: active}
}

// seriesKey drops the parts of a target that describe rather than identify.
func seriesKey(t mapping.Target) mapping.Target {
	t.PodName, t.Namespace, t.DomainBit = "", "", 0
	return t
}

func (s *Store) resolve(t mapping.Target) *Series {
	key := seriesKey(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	sr, ok := s.series[key]
	if !ok {
		sr = &Series{key: key, shard: &s.shards[s.next%numShards]}
		sr.lastUpdate.Store(time.Now().UnixNano())
		s.next++
		n, ok := s.nodes[t.Node]
		if !ok {
			n = &node{name: t.Node}
			s.nodes[t.Node] = n
		}
		n.refs++
		sr.node = n
		if t.PodUID != "" {
			pk := podKey{uid: t.PodUID, node: t.Node}
			p, ok := s.pods[pk]
			if !ok {
				p = &pod{key: pk}
				s.pods[pk] = p
			}
			p.refs++
			sr.pod = p
		}
		s.series[key] = sr
	}
	if sr.pod != nil {
		if sr.pod.name == "" {
			sr.pod.name = t.PodName
		}
		if sr.pod.namespace == "" {
			sr.pod.namespace = t.Namespace
		}
	}
	if t.DomainBit != 0 {
		sr.domainBits.Or(t.DomainBit)
	}
	return sr
}

// NodeGreeted records a relay Greet from a node's client: that node's relay
// counters restart at their next point (the agent restarted, or reconnected
// after a gap it could not measure across).
func (s *Store) NodeGreeted(name string) {
	s.mu.Lock()
	if n, ok := s.nodes[name]; ok {
		n.epoch.Add(1)
	}
	s.mu.Unlock()
}

// Route is the cached mapping of one input series: the output series it
// feeds and the factor to their unit. It is safe for concurrent use.
type Route struct {
	targets      [2]atomic.Pointer[Series]
	n            int
	factor       float64
	resetOnGreet bool
}

// Factor is the unit conversion factor of the route.
func (r *Route) Factor() float64 { return r.factor }

// NewRoute resolves a mapping result to its series. resetOnGreet makes the
// series restart on NodeGreeted (relay input).
func (s *Store) NewRoute(res mapping.Result, resetOnGreet bool) *Route {
	r := &Route{factor: res.Factor, resetOnGreet: resetOnGreet}
	for _, t := range res.Targets[:min(len(res.Targets), len(r.targets))] {
		r.targets[r.n].Store(s.resolve(t))
		r.n++
	}
	return r
}

// Apply adds value (in the input's unit) observed at tsNs to the route's
// counters, or sets its gauges. nowNs is the wall clock, for expiry.
func (s *Store) Apply(r *Route, value float64, tsNs, nowNs int64) {
	v := value * r.factor
	for i := 0; i < r.n; i++ {
		s.add(&r.targets[i], v, tsNs, nowNs, r.resetOnGreet)
	}
}

func (s *Store) add(ptr *atomic.Pointer[Series], v float64, ts, now int64, resetOnGreet bool) {
	sr := ptr.Load()
	sh := sr.shard
	sh.mu.Lock()
	for sr.expired {
		// Forgotten while this route was idle: bring the series back.
		sh.mu.Unlock()
		sr = s.resolve(sr.key)
		ptr.Store(sr)
		sh = sr.shard
		sh.mu.Lock()
	}
	if sr.key.Kind == mapping.HostPower {
		if !sr.started || ts >= sr.lastNs {
			sr.value, sr.lastNs = v, ts
			if !sr.started {
				sr.startNs, sr.started = ts, true
			}
		}
	} else {
		epoch := sr.node.epoch.Load()
		if !sr.started || (resetOnGreet && sr.epoch != epoch) || (s.gapNs > 0 && ts-sr.lastNs > s.gapNs) {
			if sr.started {
				s.resets.Add(1)
				if sr.dirty {
					sh.finals = append(sh.finals, snapshot{s: sr, startNs: sr.startNs, lastNs: sr.lastNs, value: sr.value})
				}
			}
			sr.startNs, sr.lastNs, sr.value, sr.epoch, sr.started = ts, ts, 0, epoch, true
		}
		sr.value += v
		if ts > sr.lastNs {
			sr.lastNs = ts
		}
	}
	if !sr.dirty {
		sr.dirty = true
		sh.dirty = append(sh.dirty, sr)
	}
	sh.mu.Unlock()
	sr.lastUpdate.Store(now)
	if tier := uint32(sr.key.Tier); tier > sr.node.bestTier.Load() {
		for {
			cur := sr.node.bestTier.Load()
			if tier <= cur || sr.node.bestTier.CompareAndSwap(cur, tier) {
				break
			}
		}
	}
}

// Expire forgets series whose last point is older than the expiry, and
// returns how many.
func (s *Store) Expire(now time.Time) int {
	if s.cfg.Expiry <= 0 {
		return 0
	}
	cutoff := now.Add(-s.cfg.Expiry).UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for key, sr := range s.series {
		if sr.lastUpdate.Load() > cutoff {
			continue
		}
		sh := sr.shard
		sh.mu.Lock()
		stale := !sr.dirty && sr.lastUpdate.Load() <= cutoff
		if stale {
			sr.expired = true
		}
		sh.mu.Unlock()
		if !stale {
			continue
		}
		delete(s.series, key)
		n++
		if sr.node.refs--; sr.node.refs == 0 {
			delete(s.nodes, sr.node.name)
		}
		if sr.pod != nil {
			if sr.pod.refs--; sr.pod.refs == 0 {
				delete(s.pods, sr.pod.key)
			}
		}
	}
	s.expired.Add(int64(n))
	return n
}
