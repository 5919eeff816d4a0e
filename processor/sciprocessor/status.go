package sciprocessor

import (
	"github.com/ecotel/ecotel/internal/ecostatus"
	"github.com/ecotel/ecotel/semconv"
)

var _ ecostatus.Source = (*sciProcessor)(nil)

// StatusSnapshot implements ecostatus.Source: the node and pod SCI values,
// the ranking signal and the green headroom of the last evaluation, copied
// under the evaluation lock. It is called by the status page's handlers,
// never by the batch path, and waits at most for one evaluation to finish.
func (p *sciProcessor) StatusSnapshot() ecostatus.Snapshot {
	p.evalMu.Lock()
	defer p.evalMu.Unlock()
	return p.ev.statusSnapshot()
}

func (e *evaluator) statusSnapshot() ecostatus.Snapshot {
	var out ecostatus.Snapshot
	nodeIndex := map[string]int{}
	node := func(name, zone string) *ecostatus.Node {
		i, ok := nodeIndex[name]
		if !ok {
			i = len(out.Nodes)
			nodeIndex[name] = i
			out.Nodes = append(out.Nodes, ecostatus.Node{Name: name, Zone: zone})
		}
		return &out.Nodes[i]
	}
	for i := range e.gauges.results {
		r := &e.gauges.results[i]
		switch r.scope {
		case semconv.AttrSCIScopeNode:
			node(r.node, r.zone).SCI = e.statusSCI(r)
		case semconv.AttrSCIScopePod:
			out.Pods = append(out.Pods, ecostatus.Pod{
				UID: r.podUID, Name: r.podName, Namespace: r.namespace, Node: r.node, Deployment: r.deployment,
				SCI: e.statusSCI(r),
			})
		}
	}
	for _, s := range e.lastSignals {
		v := s.value
		switch s.kind {
		case liveRanking:
			node(s.entity.node, s.entity.zone).CarbonPerVCPUGPerHour = &v
		case liveHeadroomGreen:
			out.Zones = append(out.Zones, ecostatus.Zone{Code: s.entity.zone, GreenHeadroom: &v})
		}
	}
	return out
}

func (e *evaluator) statusSCI(r *result) *ecostatus.SCI {
	return &ecostatus.SCI{
		Score:            r.c.ScoreG,
		FunctionalUnit:   e.p.unitLabel,
		EnergyKWh:        r.c.EnergyKWh,
		IntensityGPerKWh: r.c.IntensityGPerKWh,
		PUE:              r.c.PUE,
		EmbodiedG:        r.c.EmbodiedG,
		OperationalG:     r.c.OperationalG,
		FunctionalUnits:  r.c.FunctionalUnits,
		WindowSeconds:    r.windowS,
	}
}
