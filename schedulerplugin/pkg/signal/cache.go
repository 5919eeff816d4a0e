package signal

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/klog/v2"
)

// Source reads the current signals. Fetch may block on the network; only the
// cache's background loop calls it.
type Source interface {
	// Name is the source kind as configured ("prometheus", "annotation").
	Name() string
	// Fetch returns a complete snapshot and the input it dropped, or an
	// error when nothing consistent could be read.
	Fetch(ctx context.Context) (*Snapshot, []Problem, error)
}

// Observer is told about every refresh (for the plugins' metrics).
type Observer interface {
	RefreshSucceeded(source string, snap *Snapshot, problems []Problem)
	RefreshFailed(source string, err error)
}

// Cache serves the latest snapshot read from a Source and refreshes it in
// the background.
type Cache struct {
	source   Source
	interval time.Duration
	observer Observer
	logger   klog.Logger
	logLimit *rateLimiter

	snap        atomic.Pointer[Snapshot]
	lastSuccess atomic.Int64 // unix nanoseconds; 0 before the first success
}

// NewCache returns a cache that reads source every interval once Run is
// called. observer may be nil.
func NewCache(source Source, interval time.Duration, observer Observer, logger klog.Logger) *Cache {
	c := &Cache{
		source:   source,
		interval: interval,
		observer: observer,
		logger:   logger.WithValues("signalSource", source.Name()),
		logLimit: newRateLimiter(time.Minute),
	}
	c.snap.Store(emptySnapshot)
	return c
}

// Snapshot returns the latest snapshot; never nil, never blocks.
func (c *Cache) Snapshot() *Snapshot { return c.snap.Load() }

// SourceName is the configured source kind.
func (c *Cache) SourceName() string { return c.source.Name() }

// LastSuccess is when the last refresh succeeded (zero if none has).
func (c *Cache) LastSuccess() time.Time {
	ns := c.lastSuccess.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// Run refreshes at once and then every interval until ctx ends.
func (c *Cache) Run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		_ = c.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh reads the source once. On failure the previous snapshot stays in
// place; it ages, and the plugins stop trusting it past their staleness
// limit.
func (c *Cache) Refresh(ctx context.Context) error {
	snap, problems, err := c.source.Fetch(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return err // shutting down: not a backend failure
		}
		if c.observer != nil {
			c.observer.RefreshFailed(c.source.Name(), err)
		}
		if c.logLimit.allow("refresh") {
			c.logger.Error(err, "Refreshing carbon signals failed; scoring goes on with the last values until they are stale, then neutral",
				"lastSuccess", c.LastSuccess())
		}
		return err
	}
	snap = carryOver(c.snap.Load(), snap)
	c.snap.Store(snap)
	c.lastSuccess.Store(snap.FetchedAt.UnixNano())
	if c.observer != nil {
		c.observer.RefreshSucceeded(c.source.Name(), snap, problems)
	}
	for _, p := range problems {
		if c.logLimit.allow(p.Kind) {
			c.logger.Info("Dropped invalid carbon signal input (repeats of this kind are suppressed for a minute)",
				"kind", p.Kind, "detail", p.Detail)
		}
	}
	c.logger.V(5).Info("Refreshed carbon signals", "nodes", len(snap.Nodes), "zones", len(snap.Zones), "dropped", len(problems))
	return nil
}

// rateLimiter allows one event per key and period.
type rateLimiter struct {
	period time.Duration
	mu     sync.Mutex
	last   map[string]time.Time
}

func newRateLimiter(period time.Duration) *rateLimiter {
	return &rateLimiter{period: period, last: map[string]time.Time{}}
}

func (r *rateLimiter) allow(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if t, ok := r.last[key]; ok && now.Sub(t) < r.period {
		return false
	}
	r.last[key] = now
	return true
}

// carryOver adds to next the values of prev it lacks, with their old
// observation times. A series can vanish for one refresh (a failed scrape
// makes Prometheus mark it stale at once); forgetting the node or zone then
// would make one missed scrape release deferred pods or reshuffle scores.
// Carried values age out through the plugins' staleness limit instead.
func carryOver(prev, next *Snapshot) *Snapshot {
	for name, n := range prev.Nodes {
		if _, ok := next.Nodes[name]; !ok {
			next.Nodes[name] = n
		}
	}
	for code, z := range prev.Zones {
		if _, ok := next.Zones[code]; !ok {
			next.Zones[code] = z
		}
	}
	return next
}

// NewCacheWithSnapshot returns a cache that serves snap and never refreshes
// (for benchmarks and tools that bring their own data).
func NewCacheWithSnapshot(snap *Snapshot) *Cache {
	c := &Cache{source: staticSource{snap}, logLimit: newRateLimiter(time.Minute)}
	c.snap.Store(snap)
	c.lastSuccess.Store(snap.FetchedAt.UnixNano())
	return c
}

type staticSource struct{ snap *Snapshot }

func (s staticSource) Name() string { return "static" }
func (s staticSource) Fetch(context.Context) (*Snapshot, []Problem, error) {
	return s.snap, nil, nil
}
