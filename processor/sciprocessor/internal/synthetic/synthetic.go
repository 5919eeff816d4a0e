// Package synthetic builds the sci processor's inputs — grid, hardware,
// cluster inventory and energy metrics — exactly as the entsoe,
// hardwarecatalog and alumetbridge receivers emit them (names, units and
// attributes from the semconv registry), for a small cluster whose true
// energy is known. Unit tests, benchmarks and the end-to-end test use it;
// it is a stand-in for those receivers, not for the processor's peers.
package synthetic

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/semconv"
)

// Zone is one bidding zone's grid data.
type Zone struct {
	Code                            string
	LifecycleGPerKWh, DirectGPerKWh float64
	PricePerMWh                     float64
	RenewableShare, LowCarbonShare  float64
}

// Node is one node with its hardware profile and a constant power draw.
type Node struct {
	Name, Zone, Profile   string
	PUE                   float64
	TotalEmbodiedG        float64
	LifetimeS             float64
	VCPUs, AllocatableCPU float64
	IdleW, MaxW           float64
	// PowerW is the node's measured IT power (constant).
	PowerW float64
}

// Pod is one pod with a constant attributed power.
type Pod struct {
	UID, Name, Namespace, Node, Deployment string
	RequestCPU                             float64
	// PowerW is the power Alumet attributes to the pod (pod level).
	PowerW float64
}

// Cluster is a synthetic cluster whose counters started at Start.
type Cluster struct {
	Start time.Time
	Zones []Zone
	Nodes []Node
	Pods  []Pod
}

// Demo returns a cluster shaped like distribution/demo/cluster.yaml: six
// nodes in four zones with a handful of pods of four deployments.
func Demo(start time.Time) *Cluster {
	const fourYearsS = 4 * 365 * 24 * 3600
	c := &Cluster{
		Start: start,
		Zones: []Zone{
			{Code: "FR", LifecycleGPerKWh: 56, DirectGPerKWh: 21, PricePerMWh: 84.5, RenewableShare: 0.27, LowCarbonShare: 0.93},
			{Code: "DE-LU", LifecycleGPerKWh: 391, DirectGPerKWh: 342, PricePerMWh: 101.2, RenewableShare: 0.52, LowCarbonShare: 0.52},
			{Code: "SE-3", LifecycleGPerKWh: 31, DirectGPerKWh: 6, PricePerMWh: 35.1, RenewableShare: 0.58, LowCarbonShare: 0.98},
			{Code: "SE-4", LifecycleGPerKWh: 64, DirectGPerKWh: 30, PricePerMWh: 62.3, RenewableShare: 0.71, LowCarbonShare: 0.9},
		},
		Nodes: []Node{
			{Name: "paris-m5-1", Zone: "FR", Profile: "aws-m5", PUE: 1.135, TotalEmbodiedG: 1_610_790, LifetimeS: fourYearsS, VCPUs: 8, AllocatableCPU: 8, IdleW: 60, MaxW: 240, PowerW: 150},
			{Name: "paris-m5-2", Zone: "FR", Profile: "aws-m5", PUE: 1.135, TotalEmbodiedG: 1_610_790, LifetimeS: fourYearsS, VCPUs: 8, AllocatableCPU: 8, IdleW: 60, MaxW: 240, PowerW: 120},
			{Name: "frankfurt-n2-1", Zone: "DE-LU", Profile: "gcp-n2", PUE: 1.1, TotalEmbodiedG: 1_400_000, LifetimeS: fourYearsS, VCPUs: 8, AllocatableCPU: 8, IdleW: 55, MaxW: 220, PowerW: 140},
			{Name: "frankfurt-n2-2", Zone: "DE-LU", Profile: "gcp-n2", PUE: 1.1, TotalEmbodiedG: 1_400_000, LifetimeS: fourYearsS, VCPUs: 8, AllocatableCPU: 8, IdleW: 55, MaxW: 220, PowerW: 90},
			{Name: "malmo-rack-1", Zone: "SE-4", Profile: "generic-rack-server", PUE: 1.4, TotalEmbodiedG: 900_000, LifetimeS: 5 * 365 * 24 * 3600, VCPUs: 32, AllocatableCPU: 32, IdleW: 120, MaxW: 450, PowerW: 260},
			{Name: "stockholm-rack-1", Zone: "SE-3", Profile: "generic-rack-server", PUE: 1.4, TotalEmbodiedG: 900_000, LifetimeS: 5 * 365 * 24 * 3600, VCPUs: 32, AllocatableCPU: 32, IdleW: 120, MaxW: 450, PowerW: 310},
		},
	}
	pods := []struct {
		uid, name, ns, node, deploy string
		cpu, w                      float64
	}{
		{"6513270e-269e-4d37-b2a7-4de452e6b438", "web-65132", "shop", "paris-m5-1", "web", 0.5, 8},
		{"d23f0824-128b-4f33-8c5c-7fd0a6a3a450", "cart-d23f0", "shop", "paris-m5-1", "cart", 0.25, 3},
		{"9531985d-5d9d-49f8-9818-e811892f902b", "encoder-95319", "batch", "paris-m5-1", "encoder", 2, 35},
		{"36f675cc-81e7-4ef5-a8e2-5d940ed90475", "trainer-36f67", "ml", "paris-m5-1", "trainer", 4, 40},
		{"6b0d549b-6f03-475a-9600-a35a099950d8", "cart-6b0d5", "shop", "paris-m5-2", "cart", 0.25, 2},
		{"8d116ece-1738-47d9-bd9c-172411e20b8f", "encoder-8d116", "batch", "paris-m5-2", "encoder", 2, 30},
		{"0fd630f1-f29d-4da9-953f-48f1a09f76b5", "encoder-0fd63", "batch", "frankfurt-n2-1", "encoder", 2, 33},
		{"0cb1e29c-658c-4a14-95e6-0af593bd04cf", "trainer-0cb1e", "ml", "frankfurt-n2-1", "trainer", 4, 45},
		{"92276658-1e27-41c0-8a6a-63ec24ede6a4", "trainer-92276", "ml", "frankfurt-n2-2", "trainer", 4, 20},
		{"907a70c3-1012-4037-b64c-e4228c38fb29", "exporter-907a7", "monitoring", "malmo-rack-1", "exporter", 0.1, 1},
		{"ec66a787-95e7-41d1-b731-af10506bf2ef", "encoder-ec66a", "batch", "malmo-rack-1", "encoder", 2, 60},
		{"4cdd2055-930d-4eaf-94f4-733f3e7d1bfb", "encoder-4cdd2", "batch", "stockholm-rack-1", "encoder", 2, 58},
		{"57ee05cd-e009-42c7-bebf-f20686734721", "trainer-57ee0", "ml", "stockholm-rack-1", "trainer", 4, 90},
	}
	for _, p := range pods {
		c.Pods = append(c.Pods, Pod{UID: p.uid, Name: p.name, Namespace: p.ns, Node: p.node, Deployment: p.deploy, RequestCPU: p.cpu, PowerW: p.w})
	}
	return c
}

func ts(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }

func gauge(ms pmetric.MetricSlice, name, unit string, t time.Time, v float64) pmetric.NumberDataPoint {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(ts(t))
	dp.SetDoubleValue(v)
	return dp
}

func counter(ms pmetric.MetricSlice, name, unit string, start, t time.Time, v float64) pmetric.NumberDataPoint {
	m := ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	dp := s.DataPoints().AppendEmpty()
	dp.SetStartTimestamp(ts(start))
	dp.SetTimestamp(ts(t))
	dp.SetDoubleValue(v)
	return dp
}

// Grid returns what the entsoe receiver emits for every zone: values of the
// interval that ended ageS seconds before now, stamped with that interval.
func (c *Cluster) Grid(now time.Time, ageS float64) pmetric.Metrics {
	md := pmetric.NewMetrics()
	interval := now.Add(-time.Duration(ageS * float64(time.Second))).Add(-15 * time.Minute)
	for _, z := range c.Zones {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr(semconv.AttrGridZoneCode, z.Code)
		rm.Resource().Attributes().PutStr(semconv.AttrGridZoneEIC, "10Y-SYNTHETIC-"+z.Code)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		ci := ms.AppendEmpty()
		ci.SetName(semconv.MetricGridCarbonIntensity)
		ci.SetUnit(semconv.MetricGridCarbonIntensityUnit)
		cis := ci.SetEmptyGauge().DataPoints()
		for _, mv := range []struct {
			method string
			v      float64
		}{{semconv.AttrCarbonIntensityMethodLifecycle, z.LifecycleGPerKWh}, {semconv.AttrCarbonIntensityMethodDirect, z.DirectGPerKWh}} {
			dp := cis.AppendEmpty()
			dp.SetTimestamp(ts(interval))
			dp.SetDoubleValue(mv.v)
			dp.Attributes().PutStr(semconv.AttrCarbonIntensityMethod, mv.method)
		}
		gauge(ms, semconv.MetricGridPriceDayAhead, semconv.MetricGridPriceDayAheadUnit, interval, z.PricePerMWh).
			Attributes().PutStr(semconv.AttrGridPriceCurrency, "EUR")
		gauge(ms, semconv.MetricGridRenewableShare, semconv.MetricGridRenewableShareUnit, interval, z.RenewableShare)
		gauge(ms, semconv.MetricGridLowCarbonShare, semconv.MetricGridLowCarbonShareUnit, interval, z.LowCarbonShare)
		age := ms.AppendEmpty()
		age.SetName(semconv.MetricGridDataAge)
		age.SetUnit(semconv.MetricGridDataAgeUnit)
		ages := age.SetEmptyGauge().DataPoints()
		for _, doc := range []string{semconv.AttrGridDocumentGeneration, semconv.AttrGridDocumentPrice} {
			p := ages.AppendEmpty()
			p.SetTimestamp(ts(now))
			p.SetDoubleValue(ageS)
			p.Attributes().PutStr(semconv.AttrGridDocument, doc)
		}
	}
	return md
}

// Hardware returns what the hardwarecatalog receiver emits: per node its
// profile's figures and allocatable CPU, per pod its CPU requests.
func (c *Cluster) Hardware(now time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for _, n := range c.Nodes {
		rm := md.ResourceMetrics().AppendEmpty()
		res := rm.Resource().Attributes()
		res.PutStr(semconv.AttrK8sNodeName, n.Name)
		res.PutStr(semconv.AttrGridZoneCode, n.Zone)
		res.PutStr(semconv.AttrHardwareProfile, n.Profile)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		gauge(ms, semconv.MetricNodePUE, semconv.MetricNodePUEUnit, now, n.PUE)
		gauge(ms, semconv.MetricNodeEmbodiedTotal, semconv.MetricNodeEmbodiedTotalUnit, now, n.TotalEmbodiedG)
		gauge(ms, semconv.MetricNodeLifetime, semconv.MetricNodeLifetimeUnit, now, n.LifetimeS)
		gauge(ms, semconv.MetricNodeVCPUs, semconv.MetricNodeVCPUsUnit, now, n.VCPUs)
		gauge(ms, semconv.MetricNodePowerIdle, semconv.MetricNodePowerIdleUnit, now, n.IdleW)
		gauge(ms, semconv.MetricNodePowerMax, semconv.MetricNodePowerMaxUnit, now, n.MaxW)
		gauge(ms, semconv.MetricNodeEmbodiedRate, semconv.MetricNodeEmbodiedRateUnit, now, n.TotalEmbodiedG/(n.LifetimeS/3600))
		gauge(ms, semconv.MetricK8sNodeAllocatableCPU, semconv.MetricK8sNodeAllocatableCPUUnit, now, n.AllocatableCPU)
	}
	for _, p := range c.Pods {
		rm := md.ResourceMetrics().AppendEmpty()
		res := rm.Resource().Attributes()
		res.PutStr(semconv.AttrK8sPodUID, p.UID)
		res.PutStr(semconv.AttrK8sPodName, p.Name)
		res.PutStr(semconv.AttrK8sNamespaceName, p.Namespace)
		res.PutStr(semconv.AttrK8sNodeName, p.Node)
		if p.Deployment != "" {
			res.PutStr(semconv.AttrK8sDeploymentName, p.Deployment)
		}
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		gauge(ms, semconv.MetricPodCPURequest, semconv.MetricPodCPURequestUnit, now, p.RequestCPU)
		gauge(ms, semconv.MetricPodMemoryRequest, semconv.MetricPodMemoryRequestUnit, now, 256<<20)
	}
	return md
}

// Energy returns what the alumetbridge receiver emits at time t: cumulative
// node energy and pod energy since Start, at pod level, plus one
// container-level series per pod (which must never be added to the pod's).
func (c *Cluster) Energy(t time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	elapsedS := ElapsedS(c.Start, t)
	for _, n := range c.Nodes {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr(semconv.AttrK8sNodeName, n.Name)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		dp := counter(ms, semconv.MetricHWHostEnergy, semconv.MetricHWHostEnergyUnit, c.Start, t, n.PowerW*elapsedS)
		dp.Attributes().PutStr(semconv.AttrEnergyDomain, "package_total+dram_total")
		dp.Attributes().PutStr(semconv.AttrEnergySource, semconv.AttrEnergySourceAlumetRelay)
	}
	for _, p := range c.Pods {
		rm := md.ResourceMetrics().AppendEmpty()
		res := rm.Resource().Attributes()
		res.PutStr(semconv.AttrK8sPodUID, p.UID)
		res.PutStr(semconv.AttrK8sPodName, p.Name)
		res.PutStr(semconv.AttrK8sNamespaceName, p.Namespace)
		res.PutStr(semconv.AttrK8sNodeName, p.Node)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		m := ms.AppendEmpty()
		m.SetName(semconv.MetricPodEnergy)
		m.SetUnit(semconv.MetricPodEnergyUnit)
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		for _, level := range []string{semconv.AttrEnergyAttributionLevelPod, semconv.AttrEnergyAttributionLevelContainer} {
			dp := s.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(ts(c.Start))
			dp.SetTimestamp(ts(t))
			dp.SetDoubleValue(p.PowerW * elapsedS)
			dp.Attributes().PutStr(semconv.AttrEnergyAttributionLevel, level)
			if level == semconv.AttrEnergyAttributionLevelContainer {
				dp.Attributes().PutStr(semconv.AttrContainerID, "c0ffee"+p.UID[:6])
			}
		}
		cpu := counter(ms, semconv.MetricPodCPUTime, semconv.MetricPodCPUTimeUnit, c.Start, t, p.RequestCPU*0.8*elapsedS)
		cpu.Attributes().PutStr(semconv.AttrEnergyAttributionLevel, semconv.AttrEnergyAttributionLevelPod)
	}
	return md
}

// ElapsedS is the time from start to t in seconds, from the wall-clock
// readings alone: the ones the datapoints' timestamps carry. time.Sub would
// use the monotonic readings when both times have one, and a time.Now()
// reads the two clocks one after the other: a thread descheduled between
// the reads (a loaded machine does that for milliseconds, see
// TestEnergyFollowsTimestamps) gets a monotonic reading that is late
// against its wall-clock one. A counter computed from it then sits off the
// straight line its timestamps draw, and every window bracketed by that
// sample is off by power × skew.
func ElapsedS(start, t time.Time) float64 {
	return float64(t.UnixNano()-start.UnixNano()) / 1e9
}

// NodeByName returns the node with the given name.
func (c *Cluster) NodeByName(name string) *Node {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i]
		}
	}
	return nil
}

// ZoneByCode returns the zone with the given code.
func (c *Cluster) ZoneByCode(code string) *Zone {
	for i := range c.Zones {
		if c.Zones[i].Code == code {
			return &c.Zones[i]
		}
	}
	return nil
}
