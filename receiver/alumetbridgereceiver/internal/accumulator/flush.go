package accumulator

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/semconv"
)

// entityMetrics is one Resource being built and its metrics by kind.
type entityMetrics struct {
	sm      pmetric.ScopeMetrics
	metrics [mapping.PodCPUTime + 1]pmetric.Metric
	has     [mapping.PodCPUTime + 1]bool
}

// Flush returns the current value of every series that received points
// since the last flush (and the final value of counters that were reset in
// between), grouped into one Resource per node and per pod. A node's host
// energy series of a lower tier than its best are left out. It returns the
// number of data points.
func (s *Store) Flush() (pmetric.Metrics, int) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	snaps := s.snaps[:0]
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		snaps = append(snaps, sh.finals...)
		for _, sr := range sh.dirty {
			snaps = append(snaps, snapshot{s: sr, startNs: sr.startNs, lastNs: sr.lastNs, value: sr.value})
			sr.dirty = false
		}
		clear(sh.dirty)
		sh.dirty = sh.dirty[:0]
		clear(sh.finals)
		sh.finals = sh.finals[:0]
		sh.mu.Unlock()
	}
	md := pmetric.NewMetrics()
	if len(snaps) == 0 {
		s.snaps = snaps
		return md, 0
	}
	nodes := map[*node]*entityMetrics{}
	pods := map[*pod]*entityMetrics{}
	points := 0
	s.mu.Lock() // pod names and namespaces
	for i := range snaps {
		sn := &snaps[i]
		sr := sn.s
		k := &sr.key
		if k.Kind == mapping.HostEnergy && uint32(k.Tier) < sr.node.bestTier.Load() {
			continue
		}
		var em *entityMetrics
		if sr.pod != nil {
			if em = pods[sr.pod]; em == nil {
				em = s.newEntity(md)
				res := md.ResourceMetrics().At(md.ResourceMetrics().Len() - 1).Resource().Attributes()
				res.PutStr(semconv.AttrK8sPodUID, sr.pod.key.uid)
				if sr.pod.name != "" {
					res.PutStr(semconv.AttrK8sPodName, sr.pod.name)
				}
				if sr.pod.namespace != "" {
					res.PutStr(semconv.AttrK8sNamespaceName, sr.pod.namespace)
				}
				res.PutStr(semconv.AttrK8sNodeName, sr.pod.key.node)
				pods[sr.pod] = em
			}
		} else if em = nodes[sr.node]; em == nil {
			em = s.newEntity(md)
			md.ResourceMetrics().At(md.ResourceMetrics().Len()-1).Resource().Attributes().PutStr(semconv.AttrK8sNodeName, sr.node.name)
			nodes[sr.node] = em
		}
		var dp pmetric.NumberDataPoint
		if k.Kind == mapping.HostPower {
			dp = em.metric(k.Kind).Gauge().DataPoints().AppendEmpty()
		} else {
			dp = em.metric(k.Kind).Sum().DataPoints().AppendEmpty()
			dp.SetStartTimestamp(pcommon.Timestamp(sn.startNs))
		}
		dp.SetTimestamp(pcommon.Timestamp(sn.lastNs))
		dp.SetDoubleValue(sn.value)
		attrs := dp.Attributes()
		switch k.Kind {
		case mapping.HostEnergy:
			attrs.PutStr(semconv.AttrEnergyDomain, mapping.DomainLabel(k.Tier, sr.domainBits.Load()))
		case mapping.HWEnergy:
			attrs.PutStr(semconv.AttrHWID, k.HWID)
			attrs.PutStr(semconv.AttrHWType, k.HWType)
		case mapping.PodEnergy, mapping.PodCPUTime:
			attrs.PutStr(semconv.AttrEnergyAttributionLevel, k.Level)
			if k.ContainerID != "" {
				attrs.PutStr(semconv.AttrContainerID, k.ContainerID)
			}
			if k.Formula != "" {
				attrs.PutStr(semconv.AttrEnergyFormula, k.Formula)
			}
		}
		if k.Source != "" && k.Kind != mapping.PodCPUTime {
			attrs.PutStr(semconv.AttrEnergySource, k.Source)
		}
		points++
	}
	s.mu.Unlock()
	clear(snaps)
	s.snaps = snaps[:0]
	return md, points
}

func (s *Store) newEntity(md pmetric.Metrics) *entityMetrics {
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(s.cfg.ScopeName)
	sm.Scope().SetVersion(s.cfg.ScopeVersion)
	return &entityMetrics{sm: sm}
}

func (em *entityMetrics) metric(kind mapping.Kind) pmetric.Metric {
	if em.has[kind] {
		return em.metrics[kind]
	}
	m := em.sm.Metrics().AppendEmpty()
	d := outputMetrics[kind]
	m.SetName(d.name)
	m.SetUnit(d.unit)
	m.SetDescription(d.brief)
	if kind == mapping.HostPower {
		m.SetEmptyGauge()
	}
	if kind != mapping.HostPower {
		sum := m.SetEmptySum()
		sum.SetIsMonotonic(true)
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	}
	em.metrics[kind], em.has[kind] = m, true
	return m
}

// outputMetrics names each target kind's metric, from the registry.
var outputMetrics = [mapping.PodCPUTime + 1]struct{ name, unit, brief string }{
	mapping.HostEnergy: {semconv.MetricHWHostEnergy, semconv.MetricHWHostEnergyUnit, semconv.MetricHWHostEnergyBrief},
	mapping.HWEnergy:   {semconv.MetricHWEnergy, semconv.MetricHWEnergyUnit, semconv.MetricHWEnergyBrief},
	mapping.HostPower:  {semconv.MetricHWHostPower, semconv.MetricHWHostPowerUnit, semconv.MetricHWHostPowerBrief},
	mapping.PodEnergy:  {semconv.MetricPodEnergy, semconv.MetricPodEnergyUnit, semconv.MetricPodEnergyBrief},
	mapping.PodCPUTime: {semconv.MetricPodCPUTime, semconv.MetricPodCPUTimeUnit, semconv.MetricPodCPUTimeBrief},
}
