package signal

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Node annotation and label keys, below a prefix (default "ecotel.io"), that
// ecotel's node-annotation exporter writes.
const (
	// KeyCarbonPerVCPU: the ranking signal in gCO2e per vCPU-hour, as a
	// decimal string ("12.25").
	KeyCarbonPerVCPU = "carbon-per-vcpu"
	// KeyCarbonUpdated: RFC 3339 time the values were true; values without
	// it are not used, since their age is unknown.
	KeyCarbonUpdated = "carbon-updated"
	// KeyGridZone: the node's bidding zone; read from the node's labels
	// first, then its annotations.
	KeyGridZone = "grid-zone"
	// KeyCarbonIntensity: the zone's grid carbon intensity in gCO2e/kWh.
	KeyCarbonIntensity = "carbon-intensity"
)

// AnnotationSource reads signals from Node annotations through a lister
// (normally an informer's cache, so a fetch makes no API call).
type AnnotationSource struct {
	prefix    string
	listNodes func() ([]*corev1.Node, error)
	now       func() time.Time
}

// NewAnnotationSource reads the keys below prefix (e.g. "ecotel.io") from
// the nodes listNodes returns.
func NewAnnotationSource(prefix string, listNodes func() ([]*corev1.Node, error)) *AnnotationSource {
	return &AnnotationSource{prefix: prefix, listNodes: listNodes, now: time.Now}
}

// Key returns the full annotation key for name (one of the Key* constants).
func Key(prefix, name string) string { return prefix + "/" + name }

// Name implements Source.
func (a *AnnotationSource) Name() string { return "annotation" }

// Fetch implements Source.
func (a *AnnotationSource) Fetch(_ context.Context) (*Snapshot, []Problem, error) {
	nodes, err := a.listNodes()
	if err != nil {
		return nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	now := a.now()
	snap := &Snapshot{Nodes: make(map[string]NodeSignal, len(nodes)), Zones: map[string]ZoneSignal{}, FetchedAt: now}
	var problems []Problem
	for _, n := range nodes {
		v, pr := ParseNodeAnnotations(a.prefix, n.Name, n.Labels, n.Annotations, now)
		problems = append(problems, pr...)
		if v.hasNode {
			snap.Nodes[n.Name] = v.node
		}
		if v.hasZone {
			// Several nodes carry their zone's intensity: keep the newest.
			if prev, ok := snap.Zones[v.zoneCode]; !ok || v.zone.ObservedAt.After(prev.ObservedAt) {
				snap.Zones[v.zoneCode] = v.zone
			}
		}
	}
	return snap, problems, nil
}

// NodeValues is what one node's annotations say.
type NodeValues struct {
	node     NodeSignal
	zone     ZoneSignal
	zoneCode string
	hasNode  bool
	hasZone  bool
}

// Node returns the node signal, if the annotations held a valid one.
func (v NodeValues) Node() (NodeSignal, bool) { return v.node, v.hasNode }

// Zone returns the node's zone and its intensity, if the annotations held
// a valid one.
func (v NodeValues) Zone() (string, ZoneSignal, bool) { return v.zoneCode, v.zone, v.hasZone }

// maxClockSkew is how far in the future an update time may lie before it is
// rejected as malformed (clocks of the writer and the scheduler differ).
const maxClockSkew = 5 * time.Minute

// ParseNodeAnnotations reads one node's carbon annotations. Invalid values
// are dropped and reported; a node without any ecotel annotation yields
// nothing and no problem.
func ParseNodeAnnotations(prefix, node string, labels, annotations map[string]string, now time.Time) (NodeValues, []Problem) {
	var (
		out      NodeValues
		problems []Problem
	)
	carbonStr, hasCarbon := annotations[Key(prefix, KeyCarbonPerVCPU)]
	intensityStr, hasIntensity := annotations[Key(prefix, KeyCarbonIntensity)]
	if !hasCarbon && !hasIntensity {
		return out, nil
	}
	updatedKey := Key(prefix, KeyCarbonUpdated)
	updatedStr, ok := annotations[updatedKey]
	if !ok {
		return out, []Problem{problemf(ProblemMalformedTime,
			"node %s: annotation %s is missing, so the age of its carbon values is unknown; write it as RFC 3339 along with the values", node, updatedKey)}
	}
	updated, err := time.Parse(time.RFC3339, strings.TrimSpace(updatedStr))
	if err != nil {
		return out, []Problem{problemf(ProblemMalformedTime,
			"node %s: annotation %s=%q is not an RFC 3339 time (e.g. 2026-09-01T12:00:00Z)", node, updatedKey, updatedStr)}
	}
	if updated.After(now.Add(maxClockSkew)) {
		return out, []Problem{problemf(ProblemFutureTime,
			"node %s: annotation %s=%q lies in the future; check the writer's clock", node, updatedKey, updatedStr)}
	}
	zone := labels[Key(prefix, KeyGridZone)]
	if zone == "" {
		zone = annotations[Key(prefix, KeyGridZone)]
	}
	if hasCarbon {
		if v, pr, ok := parseQuantity(carbonStr, MaxCarbonPerVCPUGPerH, fmt.Sprintf("node %s: annotation %s", node, Key(prefix, KeyCarbonPerVCPU))); ok {
			out.node = NodeSignal{CarbonPerVCPUGPerH: v, Zone: zone, ObservedAt: updated}
			out.hasNode = true
		} else {
			problems = append(problems, pr)
		}
	}
	if hasIntensity {
		switch v, pr, ok := parseQuantity(intensityStr, MaxIntensityGPerKWh, fmt.Sprintf("node %s: annotation %s", node, Key(prefix, KeyCarbonIntensity))); {
		case !ok:
			problems = append(problems, pr)
		case zone == "":
			problems = append(problems, problemf(ProblemMissingLabel,
				"node %s: annotation %s is set but the node has no %s label or annotation; add it", node, Key(prefix, KeyCarbonIntensity), Key(prefix, KeyGridZone)))
		default:
			out.zone = ZoneSignal{IntensityGPerKWh: v, ObservedAt: updated}
			out.zoneCode = zone
			out.hasZone = true
		}
	}
	return out, problems
}

// parseQuantity parses a decimal in [0, maxV].
func parseQuantity(s string, maxV float64, what string) (float64, Problem, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, problemf(ProblemMalformedValue, "%s=%q is not a decimal number (e.g. 12.25)", what, s), false
	}
	if pr, ok := checkValue(v, maxV, what); !ok {
		return 0, pr, false
	}
	return v, Problem{}, true
}
