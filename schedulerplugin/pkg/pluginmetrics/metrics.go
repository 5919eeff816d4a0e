// Package pluginmetrics holds the ecotel plugins' own metrics, served with
// the scheduler's on its /metrics endpoint (component-base legacy registry).
package pluginmetrics

import (
	"sync"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

const (
	namespace = "ecotel"
	subsystem = "scheduler"
)

var (
	// SignalRefreshes counts background cache refreshes by source and result
	// ("success", "error").
	SignalRefreshes = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "signal_refreshes_total",
		Help:           "Refreshes of the carbon signal cache, by source and result (success, error).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"source", "result"})

	// SignalDropped counts source input dropped as invalid, by kind.
	SignalDropped = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "signal_dropped_total",
		Help:           "Carbon signal values dropped as invalid (malformed, negative, missing label, duplicate, bad time), by source and kind.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"source", "kind"})

	// SignalNodes is the number of nodes with a ranking signal in the cache.
	SignalNodes = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "signal_nodes",
		Help:           "Nodes with a ranking signal in the latest successful refresh, by source.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"source"})

	// NodesWithoutSignal is the number of nodes scored without a fresh
	// signal in the latest scheduling cycle (they got the neutral score).
	NodesWithoutSignal = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "nodes_without_signal",
		Help:           "Feasible nodes that had no fresh ranking signal in the latest SCIScore scoring cycle and got the neutral score.",
		StabilityLevel: metrics.ALPHA,
	})

	// DeferredPods is the number of pods CarbonDeferral currently holds back.
	DeferredPods = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "deferred_pods",
		Help:           "Pods CarbonDeferral currently holds in the queue because grid carbon intensity is above their threshold.",
		StabilityLevel: metrics.ALPHA,
	})

	// DeferralDecisions counts CarbonDeferral's decisions by outcome.
	DeferralDecisions = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "deferral_decisions_total",
		Help:           "CarbonDeferral decisions on deferrable pods: deferred, released_green, released_deadline, released_no_data, invalid_annotation.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"decision"})

	// FilterFallbacks counts scheduling cycles in which the zone intensity
	// cap would have excluded every node and was therefore not applied.
	FilterFallbacks = metrics.NewCounter(&metrics.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: "intensity_cap_fallbacks_total",
		Help:           "Scheduling cycles in which SCIScore's zone intensity cap would have excluded every node and was not applied.",
		StabilityLevel: metrics.ALPHA,
	})
)

var registerOnce sync.Once

// Register adds the metrics to the legacy registry (the one kube-scheduler
// serves); safe to call many times.
func Register() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(SignalRefreshes, SignalDropped, SignalNodes, NodesWithoutSignal,
			DeferredPods, DeferralDecisions, FilterFallbacks)
		legacyregistry.CustomMustRegister(ages)
	})
}

// Observer returns a signal.Observer that records refresh outcomes.
func Observer() signal.Observer { return observer{} }

type observer struct{}

func (observer) RefreshSucceeded(source string, snap *signal.Snapshot, problems []signal.Problem) {
	SignalRefreshes.WithLabelValues(source, "success").Inc()
	SignalNodes.WithLabelValues(source).Set(float64(len(snap.Nodes)))
	for _, p := range problems {
		SignalDropped.WithLabelValues(source, p.Kind).Inc()
	}
}

func (observer) RefreshFailed(source string, _ error) {
	SignalRefreshes.WithLabelValues(source, "error").Inc()
}

// TrackCacheAge makes the cache's age (time since its last successful
// refresh) part of the signal_age_seconds metric until the returned function
// is called.
func TrackCacheAge(c *signal.Cache) (untrack func()) {
	ages.mu.Lock()
	defer ages.mu.Unlock()
	ages.caches[c]++
	return func() {
		ages.mu.Lock()
		defer ages.mu.Unlock()
		if ages.caches[c]--; ages.caches[c] <= 0 {
			delete(ages.caches, c)
		}
	}
}

// ageCollector computes the caches' ages when scraped.
type ageCollector struct {
	metrics.BaseStableCollector
	mu     sync.Mutex
	caches map[*signal.Cache]int
}

var ageDesc = metrics.NewDesc(
	namespace+"_"+subsystem+"_signal_age_seconds",
	"Seconds since the carbon signal cache last refreshed successfully, by source (absent before the first success).",
	[]string{"source"}, nil, metrics.ALPHA, "")

var ages = &ageCollector{caches: map[*signal.Cache]int{}}

func (a *ageCollector) DescribeWithStability(ch chan<- *metrics.Desc) { ch <- ageDesc }

func (a *ageCollector) CollectWithStability(ch chan<- metrics.Metric) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Several caches of one source kind report the oldest.
	oldest := map[string]float64{}
	for c := range a.caches {
		last := c.LastSuccess()
		if last.IsZero() {
			continue
		}
		age := time.Since(last).Seconds()
		if prev, ok := oldest[c.SourceName()]; !ok || age > prev {
			oldest[c.SourceName()] = age
		}
	}
	for source, age := range oldest {
		ch <- metrics.NewLazyConstMetric(ageDesc, metrics.GaugeValue, age, source)
	}
}
