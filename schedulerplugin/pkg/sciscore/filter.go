package sciscore

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	fwk "k8s.io/kube-scheduler/framework"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginmetrics"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

const filterStateKey fwk.StateKey = Name + ".preFilter"

// filterState lists the nodes the intensity cap excludes in this cycle.
type filterState struct {
	excluded map[string]excludedNode
}

type excludedNode struct {
	zone             string
	intensityGPerKWh float64
}

// Clone implements fwk.StateData; the state is read-only.
func (s *filterState) Clone() fwk.StateData { return s }

// PreFilter decides, once per cycle, which nodes the zone intensity cap
// excludes. A node whose zone intensity is unknown or stale is never
// excluded (no data is no evidence of a dirty grid). When the cap would
// exclude every node, it is not applied in this cycle and an event on the
// pod says so.
func (pl *SCIScore) PreFilter(_ context.Context, state fwk.CycleState, pod *v1.Pod, nodes []fwk.NodeInfo) (*fwk.PreFilterResult, *fwk.Status) {
	limit := pl.args.ZoneIntensityCap
	if limit <= 0 || len(nodes) == 0 {
		return nil, fwk.NewStatus(fwk.Skip)
	}
	snap, now, maxAge := pl.cache.Snapshot(), pl.now(), pl.args.StalenessLimit.Duration
	excluded := map[string]excludedNode{}
	for _, ni := range nodes {
		node := ni.Node()
		zone := nodeZone(node, snap, pl.args.AnnotationPrefix)
		if zone == "" {
			continue
		}
		z, ok := snap.Zone(zone, now, maxAge)
		if ok && z.IntensityGPerKWh > limit {
			excluded[node.Name] = excludedNode{zone: zone, intensityGPerKWh: z.IntensityGPerKWh}
		}
	}
	if len(excluded) == 0 {
		return nil, fwk.NewStatus(fwk.Skip)
	}
	if len(excluded) == len(nodes) {
		pluginmetrics.FilterFallbacks.Inc()
		pl.handle.EventRecorder().Eventf(pod, nil, v1.EventTypeNormal, "CarbonCapNotApplied", "Scheduling",
			"Every node's grid zone is above the carbon intensity cap of %g gCO2e/kWh; scheduling without the cap", limit)
		return nil, fwk.NewStatus(fwk.Skip)
	}
	state.Write(filterStateKey, &filterState{excluded: excluded})
	return nil, nil
}

// nodeZone is the node's bidding zone: its <prefix>/grid-zone label, else
// the zone the signal source reported for it.
func nodeZone(node *v1.Node, snap *signal.Snapshot, prefix string) string {
	if z := node.Labels[signal.Key(prefix, signal.KeyGridZone)]; z != "" {
		return z
	}
	if z := node.Annotations[signal.Key(prefix, signal.KeyGridZone)]; z != "" {
		return z
	}
	return snap.Nodes[node.Name].Zone
}

// PreFilterExtensions implements fwk.PreFilterPlugin; the cap does not
// depend on other pods.
func (pl *SCIScore) PreFilterExtensions() fwk.PreFilterExtensions { return nil }

// Filter rejects the nodes PreFilter excluded.
func (pl *SCIScore) Filter(_ context.Context, state fwk.CycleState, _ *v1.Pod, nodeInfo fwk.NodeInfo) *fwk.Status {
	d, err := state.Read(filterStateKey)
	if err != nil {
		return fwk.AsStatus(fmt.Errorf("reading %q from cycle state: %w", filterStateKey, err))
	}
	s, ok := d.(*filterState)
	if !ok {
		return fwk.AsStatus(fmt.Errorf("%q has type %T, want *filterState", filterStateKey, d))
	}
	if ex, found := s.excluded[nodeInfo.Node().Name]; found {
		return fwk.NewStatus(fwk.Unschedulable, fmt.Sprintf("node's grid zone %s is at %.0f gCO2e/kWh, above the cap of %g",
			ex.zone, ex.intensityGPerKWh, pl.args.ZoneIntensityCap))
	}
	return nil
}

// EventsToRegister implements fwk.EnqueueExtensions: a pod the cap rejected
// may fit after a node is added or its labels or annotations (zone, carbon
// values written by ecotel) change. Falling intensity read from Prometheus
// raises no cluster event; such pods are retried by the scheduler's periodic
// flush of unschedulable pods.
func (pl *SCIScore) EventsToRegister(context.Context) ([]fwk.ClusterEventWithHint, error) {
	return []fwk.ClusterEventWithHint{
		{Event: fwk.ClusterEvent{Resource: fwk.Node, ActionType: fwk.Add | fwk.UpdateNodeLabel | fwk.UpdateNodeAnnotation}},
	}, nil
}
