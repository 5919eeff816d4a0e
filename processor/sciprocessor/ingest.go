package sciprocessor

import (
	"context"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/internal/fnv1a"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/sci"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/state"
	"github.com/ecotel/ecotel/semconv"
)

type input int

const (
	inputEnergy input = iota
	inputGrid
	inputHardware
	inputInventory
	inputFunctionalUnit
	inputCount
)

var inputNames = [inputCount]string{"energy", "grid", "hardware", "inventory", "functional_unit"}

type rejection int

const (
	rejectOutOfOrder rejection = iota
	rejectInvalidValue
	rejectMissingIdentity
	rejectSeriesLimit
	rejectContainerLevel
	rejectionCount
)

var rejectionNames = [rejectionCount]string{"out_of_order", "invalid_value", "missing_identity", "series_limit", "container_level"}

// rejectionHints is what the rate-limited warning tells the operator.
var rejectionHints = [rejectionCount]string{
	"Samples older than the newest one of their series were dropped; check that only one agent reports each node and pod.",
	"Datapoints with values that cannot be right (negative or non-finite energy, PUE < 1, lifetime ≤ 0, …) were dropped; check the hardware catalog and the energy source.",
	"Datapoints without the identity attribute they are joined on (k8s.node.name, k8s.pod.uid, eco.grid.zone.code) were dropped; check the k8sattributes processor and the receivers' resource attributes.",
	"A series limit was reached and new series were dropped; raise limits.max_* or lower limits.series_ttl.",
	"",
}

// tally counts one batch's ingest outcomes; recorded once per batch.
type tally struct {
	joined   [inputCount]int64
	rejected [rejectionCount]int64
	resets   int64
}

// identity is the join keys of one resource, read once per resource.
type identity struct {
	node, podUID, podName, namespace, deployment, zone, profile, level string
	// pod is the pod the resource's own pod identity resolved to in this
	// batch, reused by its datapoints that carry no pod identity of their
	// own (nil until resolved).
	pod *state.Pod
}

// readIdentity reads the join keys in one pass over the attributes (one
// Get per key would scan them once per key).
func readIdentity(res pcommon.Map) identity {
	var id identity
	id.overlay(res)
	return id
}

// overlay sets the join keys present in m, and reports whether m holds
// any pod identity (uid, name, namespace, node or deployment).
func (id *identity) overlay(m pcommon.Map) (podKeys bool) {
	m.Range(func(k string, v pcommon.Value) bool {
		if v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
			return true
		}
		switch k {
		case semconv.AttrK8sNodeName:
			id.node, podKeys = v.Str(), true
		case semconv.AttrK8sPodUID:
			id.podUID, podKeys = v.Str(), true
		case semconv.AttrK8sPodName:
			id.podName, podKeys = v.Str(), true
		case semconv.AttrK8sNamespaceName:
			id.namespace, podKeys = v.Str(), true
		case semconv.AttrK8sDeploymentName:
			id.deployment, podKeys = v.Str(), true
		case semconv.AttrGridZoneCode:
			id.zone = v.Str()
		case semconv.AttrHardwareProfile:
			id.profile = v.Str()
		case semconv.AttrEnergyAttributionLevel:
			id.level = v.Str()
		}
		return true
	})
	return podKeys
}

func strAttr(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

// pick prefers the datapoint's attribute over the resource's.
func pick(dp pcommon.Map, key, fromResource string) string {
	if dp.Len() > 0 {
		if v := strAttr(dp, key); v != "" {
			return v
		}
	}
	return fromResource
}

func numberValue(dp pmetric.NumberDataPoint) float64 {
	if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(dp.IntValue())
	}
	return dp.DoubleValue()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// processMetrics is the per-batch path: it joins what it recognizes into
// the state under one lock and passes the batch on. It allocates nothing
// per datapoint once the series exist.
func (p *sciProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	nowNs := p.now().UnixNano()
	var t tally
	rms := md.ResourceMetrics()
	p.store.Lock()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		id := readIdentity(rm.Resource().Attributes())
		var resHash uint64
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				if p.cfg.FunctionalUnit.Type == FunctionalUnitRequests && m.Name() == p.cfg.FunctionalUnit.Metric {
					if resHash == 0 {
						resHash = hashAttributes(fnvOffset, rm.Resource().Attributes())
					}
					p.ingestFunctionalUnits(m, &id, resHash, nowNs, &t)
					continue
				}
				p.ingestMetric(m, &id, nowNs, &t)
			}
		}
	}
	p.store.Unlock()
	p.record(ctx, &t)
	if p.cfg.DropInputs {
		dropInputs(md)
	}
	return md, nil
}

func (p *sciProcessor) record(ctx context.Context, t *tally) {
	for i, n := range t.joined {
		if n > 0 {
			p.tb.ProcessorSciDatapointsJoined.Add(ctx, n, p.joinedOpts[i])
		}
	}
	for i, n := range t.rejected {
		if n > 0 {
			p.tb.ProcessorSciDatapointsRejected.Add(ctx, n, p.rejectedOpts[i])
			if rejectionHints[i] != "" {
				p.warn.Warn(rejectionNames[i], rejectionHints[i], zap.Int64("datapoints", n))
			}
		}
	}
	if t.resets > 0 {
		p.tb.ProcessorSciCounterResets.Add(ctx, t.resets)
	}
}

func (p *sciProcessor) ingestMetric(m pmetric.Metric, id *identity, nowNs int64, t *tally) {
	switch m.Name() {
	case semconv.MetricHWHostEnergy:
		p.ingestCounter(m, inputEnergy, t, func(dp pcommon.Map) *state.Series {
			node := pick(dp, semconv.AttrK8sNodeName, id.node)
			if node == "" {
				t.rejected[rejectMissingIdentity]++
				return nil
			}
			n := p.store.Node(node, nowNs)
			if n == nil {
				t.rejected[rejectSeriesLimit]++
				return nil
			}
			return &n.Energy
		}, nowNs)
	case semconv.MetricPodEnergy:
		p.ingestCounter(m, inputEnergy, t, func(dp pcommon.Map) *state.Series {
			pod := p.podFor(dp, id, nowNs, t, true)
			if pod == nil {
				return nil
			}
			return &pod.Energy
		}, nowNs)
	case semconv.MetricPodCPUTime:
		if p.split != sci.SplitUsage {
			return
		}
		p.ingestCounter(m, inputEnergy, t, func(dp pcommon.Map) *state.Series {
			pod := p.podFor(dp, id, nowNs, t, true)
			if pod == nil {
				return nil
			}
			if pod.CPUTime == nil {
				pod.CPUTime = &state.Series{}
			}
			return pod.CPUTime
		}, nowNs)
	case semconv.MetricGridCarbonIntensity, semconv.MetricGridPriceDayAhead, semconv.MetricGridRenewableShare,
		semconv.MetricGridLowCarbonShare, semconv.MetricGridDataAge:
		p.ingestGrid(m, id, nowNs, t)
	case semconv.MetricNodePUE, semconv.MetricNodeEmbodiedTotal, semconv.MetricNodeLifetime, semconv.MetricNodeVCPUs,
		semconv.MetricNodePowerIdle, semconv.MetricNodePowerMax, semconv.MetricK8sNodeAllocatableCPU:
		p.ingestHardware(m, id, nowNs, t)
	case semconv.MetricPodCPURequest:
		gaugeOrSum(m, func(dp pmetric.NumberDataPoint) {
			v := numberValue(dp)
			if !finite(v) || v < 0 {
				t.rejected[rejectInvalidValue]++
				return
			}
			pod := p.podFor(dp.Attributes(), id, nowNs, t, false)
			if pod == nil {
				return
			}
			pod.RequestCPU.Set(v, int64(dp.Timestamp()), nowNs)
			t.joined[inputInventory]++
		})
	}
}

// podFor finds (or creates) the pod a datapoint is about and refreshes its
// identity. With energy set, container-level series are refused: they
// overlap the pod level and must never be added to it.
func (p *sciProcessor) podFor(dp pcommon.Map, id *identity, nowNs int64, t *tally, energy bool) *state.Pod {
	// The datapoint's attributes take precedence over the resource's.
	dpID, own := *id, false
	if dp.Len() > 0 {
		own = dpID.overlay(dp)
	}
	if energy && dpID.level != semconv.AttrEnergyAttributionLevelPod {
		t.rejected[rejectContainerLevel]++
		return nil
	}
	if !own && id.pod != nil {
		return id.pod // same identity as the resource's, already resolved
	}
	if dpID.podUID == "" {
		t.rejected[rejectMissingIdentity]++
		return nil
	}
	pod := p.store.Pod(dpID.podUID, nowNs)
	if pod == nil {
		t.rejected[rejectSeriesLimit]++
		return nil
	}
	state.Update(&pod.Node, dpID.node)
	state.Update(&pod.Name, dpID.podName)
	state.Update(&pod.Namespace, dpID.namespace)
	state.Update(&pod.Deployment, dpID.deployment)
	if !own {
		id.pod = pod
	}
	return pod
}

// ingestCounter adds the datapoints of a cumulative (or delta) Sum to the
// series that seriesFor returns for each.
func (p *sciProcessor) ingestCounter(m pmetric.Metric, in input, t *tally, seriesFor func(dp pcommon.Map) *state.Series, nowNs int64) {
	if m.Type() != pmetric.MetricTypeSum {
		t.rejected[rejectInvalidValue] += int64(dataPointCount(m))
		return
	}
	delta := m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityDelta
	dps := m.Sum().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		v := numberValue(dp)
		if !finite(v) || v < 0 || dp.Flags().NoRecordedValue() {
			t.rejected[rejectInvalidValue]++
			continue
		}
		s := seriesFor(dp.Attributes())
		if s == nil {
			continue
		}
		p.addSample(s, delta, int64(dp.StartTimestamp()), int64(dp.Timestamp()), v, nowNs, in, t)
	}
}

func (p *sciProcessor) addSample(s *state.Series, delta bool, startNs, tsNs int64, v float64, nowNs int64, in input, t *tally) {
	if delta {
		// Integrate deltas into a cumulative counter of our own.
		if last, ok := s.Latest(); ok {
			v += last.V
		}
		startNs = 0
	}
	switch s.Add(startNs, tsNs, v, p.spacingNs) {
	case sci.OutOfOrder:
		t.rejected[rejectOutOfOrder]++
		return
	case sci.Duplicate:
		return
	case sci.Reset:
		t.resets++
	}
	s.ReceivedT = nowNs
	t.joined[in]++
}

func (p *sciProcessor) ingestGrid(m pmetric.Metric, id *identity, nowNs int64, t *tally) {
	name := m.Name()
	gaugeOrSum(m, func(dp pmetric.NumberDataPoint) {
		attrs := dp.Attributes()
		v := numberValue(dp)
		if !finite(v) {
			t.rejected[rejectInvalidValue]++
			return
		}
		code := pick(attrs, semconv.AttrGridZoneCode, id.zone)
		if code == "" {
			t.rejected[rejectMissingIdentity]++
			return
		}
		z := p.store.Zone(code, nowNs)
		if z == nil {
			t.rejected[rejectSeriesLimit]++
			return
		}
		ts := int64(dp.Timestamp())
		switch name {
		case semconv.MetricGridCarbonIntensity:
			if v < 0 {
				t.rejected[rejectInvalidValue]++
				return
			}
			m := state.Lifecycle
			switch strAttr(attrs, semconv.AttrCarbonIntensityMethod) {
			case semconv.AttrCarbonIntensityMethodDirect:
				m = state.Direct
			case semconv.AttrCarbonIntensityMethodLifecycle:
			default:
				t.rejected[rejectInvalidValue]++
				return
			}
			// A backfilled older interval widens the range but never
			// replaces the latest value.
			if ts >= z.Intensity[m].DataT {
				z.Intensity[m].Set(v, ts, nowNs)
			}
			z.IntensityRange[m].Add(ts, v)
		case semconv.MetricGridPriceDayAhead:
			if ts >= z.Price.DataT {
				z.Price.Set(v, ts, nowNs)
			}
			z.PriceRange.Add(ts, v)
			state.Update(&z.Currency, strAttr(attrs, semconv.AttrGridPriceCurrency))
		case semconv.MetricGridRenewableShare:
			z.RenewableShare.Set(v, ts, nowNs)
		case semconv.MetricGridLowCarbonShare:
			z.LowCarbonShare.Set(v, ts, nowNs)
		case semconv.MetricGridDataAge:
			if v < 0 {
				t.rejected[rejectInvalidValue]++
				return
			}
			switch strAttr(attrs, semconv.AttrGridDocument) {
			case semconv.AttrGridDocumentGeneration:
				z.GenerationAge.Set(v, ts, nowNs)
			case semconv.AttrGridDocumentPrice:
				z.PriceAge.Set(v, ts, nowNs)
			}
		}
		t.joined[inputGrid]++
	})
}

func (p *sciProcessor) ingestHardware(m pmetric.Metric, id *identity, nowNs int64, t *tally) {
	name := m.Name()
	gaugeOrSum(m, func(dp pmetric.NumberDataPoint) {
		attrs := dp.Attributes()
		v := numberValue(dp)
		if !plausibleHardware(name, v) {
			t.rejected[rejectInvalidValue]++
			return
		}
		nodeName := pick(attrs, semconv.AttrK8sNodeName, id.node)
		if nodeName == "" {
			t.rejected[rejectMissingIdentity]++
			return
		}
		n := p.store.Node(nodeName, nowNs)
		if n == nil {
			t.rejected[rejectSeriesLimit]++
			return
		}
		state.Update(&n.Zone, pick(attrs, semconv.AttrGridZoneCode, id.zone))
		state.Update(&n.Profile, pick(attrs, semconv.AttrHardwareProfile, id.profile))
		ts := int64(dp.Timestamp())
		switch name {
		case semconv.MetricNodePUE:
			n.PUE.Set(v, ts, nowNs)
		case semconv.MetricNodeEmbodiedTotal:
			n.TotalEmbodiedG.Set(v, ts, nowNs)
		case semconv.MetricNodeLifetime:
			n.LifetimeS.Set(v, ts, nowNs)
		case semconv.MetricNodeVCPUs:
			n.VCPUs.Set(v, ts, nowNs)
		case semconv.MetricNodePowerIdle:
			n.IdleW.Set(v, ts, nowNs)
		case semconv.MetricNodePowerMax:
			n.MaxW.Set(v, ts, nowNs)
		case semconv.MetricK8sNodeAllocatableCPU:
			n.AllocatableCPU.Set(v, ts, nowNs)
			t.joined[inputInventory]++
			return
		}
		t.joined[inputHardware]++
	})
}

// plausibleHardware refuses values no real node has: they would turn into
// confidently wrong carbon numbers.
func plausibleHardware(name string, v float64) bool {
	if !finite(v) {
		return false
	}
	switch name {
	case semconv.MetricNodePUE:
		return v >= 1 && v <= 5
	case semconv.MetricNodeLifetime, semconv.MetricNodeVCPUs, semconv.MetricK8sNodeAllocatableCPU:
		return v > 0
	default:
		return v >= 0
	}
}

// numberPoints returns the datapoints of a Gauge or Sum.
func numberPoints(m pmetric.Metric) (pmetric.NumberDataPointSlice, bool) {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints(), true
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints(), true
	}
	return pmetric.NumberDataPointSlice{}, false
}

func gaugeOrSum(m pmetric.Metric, f func(pmetric.NumberDataPoint)) {
	dps, ok := numberPoints(m)
	if !ok {
		return
	}
	for i := 0; i < dps.Len(); i++ {
		if dp := dps.At(i); !dp.Flags().NoRecordedValue() {
			f(dp)
		}
	}
}

func dataPointCount(m pmetric.Metric) int {
	if dps, ok := numberPoints(m); ok {
		return dps.Len()
	}
	if m.Type() == pmetric.MetricTypeHistogram {
		return m.Histogram().DataPoints().Len()
	}
	return 0
}

// ingestFunctionalUnits keeps one counter per series of the application
// metric that counts functional units: a Sum's value or a Histogram's count.
func (p *sciProcessor) ingestFunctionalUnits(m pmetric.Metric, id *identity, resHash uint64, nowNs int64, t *tally) {
	add := func(attrs pcommon.Map, delta bool, startNs, tsNs int64, v float64) {
		if !finite(v) || v < 0 {
			t.rejected[rejectInvalidValue]++
			return
		}
		podUID := pick(attrs, semconv.AttrK8sPodUID, id.podUID)
		podName := pick(attrs, semconv.AttrK8sPodName, id.podName)
		namespace := pick(attrs, semconv.AttrK8sNamespaceName, id.namespace)
		deployment := pick(attrs, semconv.AttrK8sDeploymentName, id.deployment)
		if podUID == "" && (podName == "" || namespace == "") && (deployment == "" || namespace == "") {
			t.rejected[rejectMissingIdentity]++
			return
		}
		f := p.store.FunctionalUnitSeries(hashAttributes(resHash, attrs), nowNs)
		if f == nil {
			t.rejected[rejectSeriesLimit]++
			return
		}
		state.Update(&f.PodUID, podUID)
		state.Update(&f.PodName, podName)
		state.Update(&f.Namespace, namespace)
		state.Update(&f.Deployment, deployment)
		p.addSample(&f.Series, delta, startNs, tsNs, v, nowNs, inputFunctionalUnit, t)
	}
	switch m.Type() {
	case pmetric.MetricTypeSum:
		delta := m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityDelta
		dps := m.Sum().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			add(dp.Attributes(), delta, int64(dp.StartTimestamp()), int64(dp.Timestamp()), numberValue(dp))
		}
	case pmetric.MetricTypeHistogram:
		delta := m.Histogram().AggregationTemporality() == pmetric.AggregationTemporalityDelta
		dps := m.Histogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			add(dp.Attributes(), delta, int64(dp.StartTimestamp()), int64(dp.Timestamp()), float64(dp.Count()))
		}
	default:
		t.rejected[rejectInvalidValue] += int64(dataPointCount(m))
	}
}

// dropInputs removes the metrics the processor joins, for drop_inputs.
func dropInputs(md pmetric.Metrics) {
	md.ResourceMetrics().RemoveIf(func(rm pmetric.ResourceMetrics) bool {
		rm.ScopeMetrics().RemoveIf(func(sm pmetric.ScopeMetrics) bool {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool { return joinedInputs[m.Name()] })
			return sm.Metrics().Len() == 0
		})
		return rm.ScopeMetrics().Len() == 0
	})
}

var joinedInputs = map[string]bool{
	semconv.MetricHWHostEnergy: true, semconv.MetricPodEnergy: true, semconv.MetricPodCPUTime: true,
	semconv.MetricGridCarbonIntensity: true, semconv.MetricGridPriceDayAhead: true, semconv.MetricGridRenewableShare: true,
	semconv.MetricGridLowCarbonShare: true, semconv.MetricGridDataAge: true,
	semconv.MetricNodePUE: true, semconv.MetricNodeEmbodiedTotal: true, semconv.MetricNodeLifetime: true,
	semconv.MetricNodeVCPUs: true, semconv.MetricNodePowerIdle: true, semconv.MetricNodePowerMax: true,
	semconv.MetricK8sNodeAllocatableCPU: true, semconv.MetricPodCPURequest: true,
}

// FNV-1a over attribute keys and values, without allocating.
const fnvOffset = fnv1a.Offset

func hashString(h uint64, s string) uint64 {
	return fnv1a.String(h, s) ^ 0xff // separator, so ("ab","c") ≠ ("a","bc")
}

func hashAttributes(h uint64, m pcommon.Map) uint64 {
	m.Range(func(k string, v pcommon.Value) bool {
		h = hashString(h, k)
		switch v.Type() {
		case pcommon.ValueTypeStr:
			h = hashString(h, v.Str())
		case pcommon.ValueTypeInt:
			h = hashUint(h, uint64(v.Int()))
		case pcommon.ValueTypeDouble:
			h = hashUint(h, math.Float64bits(v.Double()))
		case pcommon.ValueTypeBool:
			if v.Bool() {
				h = hashUint(h, 1)
			} else {
				h = hashUint(h, 0)
			}
		default:
			h = hashString(h, v.AsString())
		}
		return true
	})
	return h
}

func hashUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnv1a.Prime
		v >>= 8
	}
	return h
}
