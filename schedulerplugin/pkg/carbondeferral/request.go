package carbondeferral

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

// Pod annotation keys, below the configured prefix (default "ecotel.io").
const (
	// KeyDeferUntil marks a pod as deferrable: it may wait in the queue for
	// a greener grid until this RFC 3339 time, and no longer.
	KeyDeferUntil = "defer-until"
	// KeyMaxCarbonIntensity is the pod's threshold in gCO2e/kWh (decimal).
	KeyMaxCarbonIntensity = "max-carbon-intensity"
)

// Request is what a deferrable pod asks for.
type Request struct {
	// Deadline is when the pod is released whatever the grid: its
	// defer-until, capped at creation + MaxDeferral.
	Deadline time.Time
	// MaxIntensityGPerKWh is the threshold the zone must be at or below.
	MaxIntensityGPerKWh float64
	// Zone is the bidding zone the pod is pinned to by its nodeSelector on
	// the <prefix>/grid-zone node label; empty means "any zone", so the
	// cluster's greenest zone decides.
	Zone string
}

// ParseRequest reads a pod's deferral annotations. deferrable is false for
// a pod without defer-until (such pods are never touched) or with an
// unusable one; problem then explains the fix. A malformed threshold falls
// back to the default and is reported too.
func ParseRequest(pod *v1.Pod, prefix string, defaultMaxIntensity float64, maxDeferral time.Duration) (req Request, deferrable bool, problem string) {
	untilKey := signal.Key(prefix, KeyDeferUntil)
	untilStr, ok := pod.Annotations[untilKey]
	if !ok {
		return Request{}, false, ""
	}
	until, err := time.Parse(time.RFC3339, strings.TrimSpace(untilStr))
	if err != nil {
		return Request{}, false, fmt.Sprintf("annotation %s=%q is not an RFC 3339 time (e.g. 2026-09-01T18:00:00Z); the pod is scheduled without deferral", untilKey, untilStr)
	}
	req.Deadline = until
	if created := pod.CreationTimestamp.Time; !created.IsZero() && until.After(created.Add(maxDeferral)) {
		req.Deadline = created.Add(maxDeferral)
	}
	req.MaxIntensityGPerKWh = defaultMaxIntensity
	maxKey := signal.Key(prefix, KeyMaxCarbonIntensity)
	if s, ok := pod.Annotations[maxKey]; ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			problem = fmt.Sprintf("annotation %s=%q is not a non-negative number of gCO2e/kWh (e.g. 120); using the default threshold %g", maxKey, s, defaultMaxIntensity)
		} else {
			req.MaxIntensityGPerKWh = v
		}
	}
	req.Zone = pod.Spec.NodeSelector[signal.Key(prefix, signal.KeyGridZone)]
	return req, true, problem
}

// Outcomes of a decision (also the values of the decisions metric).
const (
	OutcomeDeferred         = "deferred"
	OutcomeReleasedGreen    = "released_green"
	OutcomeReleasedDeadline = "released_deadline"
	OutcomeReleasedNoData   = "released_no_data"
)

// Decision says whether a deferrable pod waits, and why.
type Decision struct {
	Defer   bool
	Outcome string
	Message string
}

// Decide applies a request to the current signals. A pod is held only on
// evidence: a fresh intensity above its threshold. Without fresh data it is
// released, so that a metrics outage never holds work back.
func Decide(req Request, snap *signal.Snapshot, now time.Time, maxAge time.Duration) Decision {
	if !now.Before(req.Deadline) {
		return Decision{Outcome: OutcomeReleasedDeadline,
			Message: fmt.Sprintf("deferral deadline %s reached", req.Deadline.UTC().Format(time.RFC3339))}
	}
	zone, z, ok := req.Zone, signal.ZoneSignal{}, false
	if zone != "" {
		z, ok = snap.Zone(zone, now, maxAge)
	} else {
		zone, z, ok = snap.BestZone(now, maxAge)
	}
	if !ok {
		where := "any zone"
		if req.Zone != "" {
			where = "zone " + req.Zone
		}
		return Decision{Outcome: OutcomeReleasedNoData,
			Message: fmt.Sprintf("no fresh grid carbon intensity for %s; not deferring", where)}
	}
	if z.IntensityGPerKWh <= req.MaxIntensityGPerKWh {
		return Decision{Outcome: OutcomeReleasedGreen,
			Message: fmt.Sprintf("grid carbon intensity in %s is %.0f gCO2e/kWh, at or below the pod's threshold of %g", zone, z.IntensityGPerKWh, req.MaxIntensityGPerKWh)}
	}
	best := ""
	if req.Zone == "" {
		best = "greenest zone "
	}
	return Decision{Defer: true, Outcome: OutcomeDeferred,
		Message: fmt.Sprintf("waiting for a greener grid: %s%s is at %.0f gCO2e/kWh, above the pod's threshold of %g; released at %s at the latest",
			best, zone, z.IntensityGPerKWh, req.MaxIntensityGPerKWh, req.Deadline.UTC().Format(time.RFC3339))}
}
