package sciprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadata"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/sci"
	"github.com/ecotel/ecotel/semconv"
)

// signal is one value of the ranking or scaling signals.
type signal struct {
	kind   liveKind
	entity entity // node (+zone) for ranking; zone for headroom
	value  float64
	// profile is the node's hardware profile (ranking only).
	profile string
}

// signals computes the node ranking signal and the zone headroom signals
// from the current state. Store lock held.
func (e *evaluator) signals(nowNs int64) []signal {
	var out []signal
	store := e.p.store
	maxAge := int64(e.p.cfg.HardwareMaxAge)
	for _, name := range e.nodeNames {
		n := store.Nodes[name]
		if n == nil || !e.reportable(n, nowNs) || !e.hardwareOK(n, nowNs) || !n.VCPUs.FreshAt(nowNs, maxAge) {
			continue
		}
		intensity, reason := e.zoneIntensity(n.Zone, nowNs)
		if reason != reasonOK {
			continue
		}
		watts, measured := e.gauges.nodeWatts[name]
		if !measured {
			if !n.IdleW.FreshAt(nowNs, maxAge) || !n.MaxW.FreshAt(nowNs, maxAge) {
				continue
			}
			watts = sci.ProfileWatts(n.IdleW.V, n.MaxW.V, e.p.cfg.Ranking.AssumedUtilization)
		}
		v, ok := sci.CarbonPerVCPUHourG(watts, n.VCPUs.V, n.PUE.V, intensity, n.TotalEmbodiedG.V, n.LifetimeS.V)
		if !ok {
			continue
		}
		out = append(out, signal{kind: liveRanking, entity: entity{node: n.Name, zone: n.Zone}, value: v, profile: n.Profile})
	}
	for code, z := range store.Zones {
		if _, reason := e.zoneIntensity(code, nowNs); reason == reasonOK {
			lo, hi, _ := z.IntensityRange[e.p.method].Range()
			if h, ok := sci.Headroom(z.Intensity[e.p.method].V, lo, hi); ok {
				out = append(out, signal{kind: liveHeadroomGreen, entity: entity{zone: code}, value: h})
			}
		}
		if z.Price.Known() && gridAgeNs(z.Price, z.PriceAge, nowNs) <= int64(e.p.cfg.GridMaxAge) {
			lo, hi, _ := z.PriceRange.Range()
			if h, ok := sci.Headroom(z.Price.V, lo, hi); ok {
				out = append(out, signal{kind: liveHeadroomPrice, entity: entity{zone: code}, value: h})
			}
		}
	}
	return out
}

// sciGauges are the per-window series of an SCI value, in emission order.
var sciGauges = [...]struct {
	name, unit string
	value      func(r *result) float64
}{
	{semconv.MetricSCIScore, semconv.MetricSCIScoreUnit, func(r *result) float64 { return r.c.ScoreG }},
	{semconv.MetricSCIEnergy, semconv.MetricSCIEnergyUnit, func(r *result) float64 { return r.c.EnergyKWh }},
	{semconv.MetricSCICarbonIntensity, semconv.MetricSCICarbonIntensityUnit, func(r *result) float64 { return r.c.IntensityGPerKWh }},
	{semconv.MetricSCIPUE, semconv.MetricSCIPUEUnit, func(r *result) float64 { return r.c.PUE }},
	{semconv.MetricSCIEmbodied, semconv.MetricSCIEmbodiedUnit, func(r *result) float64 { return r.c.EmbodiedG }},
	{semconv.MetricSCIOperational, semconv.MetricSCIOperationalUnit, func(r *result) float64 { return r.c.OperationalG }},
	{semconv.MetricSCIFunctionalUnits, semconv.MetricSCIFunctionalUnitsUnit, func(r *result) float64 { return r.c.FunctionalUnits }},
	{semconv.MetricSCIWindow, semconv.MetricSCIWindowUnit, func(r *result) float64 { return r.windowS }},
}

// putEntity writes the entity's attributes, plus extra key/value pairs,
// into an empty map sized once (growing it pair by pair dominated the cost
// of an evaluation).
func putEntity(attrs pcommon.Map, e *entity, extra ...string) {
	kvs := [...][2]string{
		{semconv.AttrSCIScope, e.scope},
		{semconv.AttrK8sNodeName, e.node},
		{semconv.AttrK8sPodUID, e.podUID},
		{semconv.AttrK8sPodName, e.podName},
		{semconv.AttrK8sNamespaceName, e.namespace},
		{semconv.AttrK8sDeploymentName, e.deployment},
		{semconv.AttrGridZoneCode, e.zone},
	}
	n := len(extra) / 2
	for _, kv := range kvs {
		if kv[1] != "" {
			n++
		}
	}
	attrs.EnsureCapacity(n)
	for _, kv := range kvs {
		if kv[1] != "" {
			attrs.PutStr(kv[0], kv[1])
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] != "" {
			attrs.PutStr(extra[i], extra[i+1])
		}
	}
}

// emit builds the batch for one evaluation: every SCI value with its
// components under identical attributes, the cumulative carbon and
// unavailability counters, the signals, and a staleness marker
// (NoRecordedValue) for every series emitted last time but not now, so no
// exporter keeps serving an old SCI as if it were current.
func (e *evaluator) emit(endNs, nowNs int64, signals []signal) pmetric.Metrics {
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	ms := sm.Metrics()
	ts := pcommon.Timestamp(endNs)
	seq := e.nextSeq()

	gauges := make([]pmetric.NumberDataPointSlice, len(sciGauges))
	for i, g := range sciGauges {
		m := ms.AppendEmpty()
		m.SetName(g.name)
		m.SetUnit(g.unit)
		gauges[i] = m.SetEmptyGauge().DataPoints()
		gauges[i].EnsureCapacity(len(e.gauges.results))
	}
	podGauges := e.p.cfg.Output.podGauges()
	for i := range e.gauges.results {
		r := &e.gauges.results[i]
		n := len(sciGauges)
		if r.scope == semconv.AttrSCIScopePod {
			n = podGauges
		}
		if n == 0 {
			continue
		}
		for j, g := range sciGauges[:n] {
			dp := gauges[j].AppendEmpty()
			dp.SetTimestamp(ts)
			dp.SetDoubleValue(g.value(r))
			putEntity(dp.Attributes(), &r.entity, semconv.AttrSCIFunctionalUnit, e.p.unitLabel)
		}
		e.markLive(liveSCI, r.entity, "", seq)
	}

	operational := newSum(ms, semconv.MetricCarbonOperational, semconv.MetricCarbonOperationalUnit)
	embodied := newSum(ms, semconv.MetricCarbonEmbodied, semconv.MetricCarbonEmbodiedUnit)
	operational.EnsureCapacity(len(e.cumulative))
	embodied.EnsureCapacity(len(e.cumulative))
	for _, c := range e.cumulative {
		o := operational.AppendEmpty()
		o.SetStartTimestamp(pcommon.Timestamp(c.startNs))
		o.SetTimestamp(pcommon.Timestamp(c.updateNs))
		o.SetDoubleValue(c.operationalG)
		putEntity(o.Attributes(), &c.entity)
		// One embodied series per basis the entity has had (a pod whose
		// requests became known moves from energy_share to requests).
		for b, g := range c.embodiedG {
			if !c.hasBasis[b] {
				continue
			}
			m := embodied.AppendEmpty()
			m.SetStartTimestamp(pcommon.Timestamp(c.startNs))
			m.SetTimestamp(pcommon.Timestamp(c.updateNs))
			m.SetDoubleValue(g)
			putEntity(m.Attributes(), &c.entity, semconv.AttrSCIEmbodiedBasis, basisNames[b])
		}
	}

	unavail := newSum(ms, semconv.MetricSCIUnavailable, semconv.MetricSCIUnavailableUnit)
	for k, c := range e.unavailable {
		dp := unavail.AppendEmpty()
		dp.SetStartTimestamp(pcommon.Timestamp(c.startNs))
		dp.SetTimestamp(pcommon.Timestamp(nowNs))
		dp.SetIntValue(c.n)
		dp.Attributes().PutStr(semconv.AttrSCIScope, k.scope)
		dp.Attributes().PutStr(semconv.AttrSCIReason, k.reason)
		if k.node != "" {
			dp.Attributes().PutStr(semconv.AttrK8sNodeName, k.node)
		}
	}

	signalMetrics := map[liveKind]pmetric.NumberDataPointSlice{}
	signalMetric := func(kind liveKind) pmetric.NumberDataPointSlice {
		if s, ok := signalMetrics[kind]; ok {
			return s
		}
		m := ms.AppendEmpty()
		switch kind {
		case liveRanking:
			m.SetName(semconv.MetricNodeCarbonPerVCPU)
			m.SetUnit(semconv.MetricNodeCarbonPerVCPUUnit)
		case liveHeadroomGreen:
			m.SetName(semconv.MetricGridGreenHeadroom)
			m.SetUnit(semconv.MetricGridGreenHeadroomUnit)
		case liveHeadroomPrice:
			m.SetName(semconv.MetricGridPriceHeadroom)
			m.SetUnit(semconv.MetricGridPriceHeadroomUnit)
		}
		s := m.SetEmptyGauge().DataPoints()
		signalMetrics[kind] = s
		return s
	}
	for _, s := range signals {
		dp := signalMetric(s.kind).AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(nowNs))
		dp.SetDoubleValue(s.value)
		putEntity(dp.Attributes(), &s.entity, semconv.AttrHardwareProfile, s.profile)
		e.markLive(s.kind, s.entity, s.profile, seq)
	}

	// Staleness markers for what was emitted before and is not now, and for
	// series whose attributes changed (a pod's name learnt late, a node's
	// profile changed): their old label sets must not linger either.
	stale := e.replaced
	for k, l := range e.live {
		if l.seen != seq {
			delete(e.live, k)
			stale = append(stale, l)
		}
	}
	for _, l := range stale {
		switch l.kind {
		case liveSCI:
			n := len(sciGauges)
			if l.entity.scope == semconv.AttrSCIScopePod {
				n = podGauges
			}
			for j := range sciGauges[:n] {
				dp := gauges[j].AppendEmpty()
				dp.SetTimestamp(pcommon.Timestamp(nowNs))
				dp.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
				putEntity(dp.Attributes(), &l.entity, semconv.AttrSCIFunctionalUnit, e.p.unitLabel)
			}
		default:
			dp := signalMetric(l.kind).AppendEmpty()
			dp.SetTimestamp(pcommon.Timestamp(nowNs))
			dp.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
			putEntity(dp.Attributes(), &l.entity, semconv.AttrHardwareProfile, l.profile)
		}
	}
	e.replaced = e.replaced[:0]
	// Drop metrics that ended up without datapoints.
	ms.RemoveIf(func(m pmetric.Metric) bool { return dataPointCount(m) == 0 })
	return md
}

func newSum(ms pmetric.MetricSlice, name, unit string) pmetric.NumberDataPointSlice {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	return s.DataPoints()
}

func (e *evaluator) markLive(kind liveKind, ent entity, profile string, seq uint64) {
	k := liveKey{kind: kind}
	switch kind {
	case liveRanking:
		k.a = ent.node
	case liveHeadroomGreen, liveHeadroomPrice:
		k.a = ent.zone
	default:
		k.entityKey = ent.key()
	}
	if old, ok := e.live[k]; ok && (old.entity != ent || old.profile != profile) {
		e.replaced = append(e.replaced, old)
	}
	e.live[k] = liveSeries{kind: kind, entity: ent, profile: profile, seen: seq}
}

// liveKey identifies an emitted series group: an SCI entity, or a node's
// ranking signal or a zone's headroom signal.
type liveKey struct {
	kind liveKind
	entityKey
}

func (e *evaluator) nextSeq() uint64 {
	e.seq++
	return e.seq
}
