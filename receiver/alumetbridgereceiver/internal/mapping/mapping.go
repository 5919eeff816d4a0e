// Package mapping decides what one Alumet measurement series becomes in
// ecotel's data model: node energy (hw.host.energy, by host tier), component
// energy (hw.energy), host power (hw.host.power), pod or container energy
// (eco.pod.energy) or pod CPU time (eco.pod.cpu.time) — or nothing, with the
// reason. It knows Alumet's conventions (RAPL domains and their _total
// variants, the k8s plugin's attributes, cgroup paths, the energy-attribution
// output) so the rest of the receiver does not.
//
// It runs once per new series (the receiver caches its answer), so it may
// allocate.
package mapping

import (
	"regexp"
	"strings"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
	"github.com/ecotel/ecotel/semconv"
)

// Kind is the metric a target series feeds.
type Kind uint8

// Target kinds.
const (
	HostEnergy Kind = iota + 1 // hw.host.energy
	HWEnergy                   // hw.energy
	HostPower                  // hw.host.power (gauge)
	PodEnergy                  // eco.pod.energy
	PodCPUTime                 // eco.pod.cpu.time
)

// HostTier ranks the ways a node's energy can be measured. A node's
// hw.host.energy comes from the highest tier it reports, never from a sum
// across tiers: summing a socket's package domain and package_total, or
// platform and platform_total, counts the same joules twice.
type HostTier uint8

// Host tiers, best last.
const (
	TierNone          HostTier = iota
	TierEstimated              // energy-estimation-tdp's estimated_consumed_energy
	TierSockets                // Σ per-socket package + dram domains
	TierTotals                 // package_total + dram_total
	TierPlatform               // Σ platform (psys) domains
	TierPlatformTotal          // platform_total
)

// Domain bits record which RAPL domains a host series summed, for its
// eco.energy.domain label.
const (
	DomainPackage uint32 = 1 << iota
	DomainDRAM
)

// Target is the identity of one output series.
type Target struct {
	Kind   Kind
	Source string // eco.energy.source
	Node   string // k8s.node.name

	// HostEnergy
	Tier      HostTier
	DomainBit uint32
	// HWEnergy
	HWID, HWType string
	// PodEnergy, PodCPUTime
	PodUID, PodName, Namespace string
	Level, ContainerID         string
	Formula                    string
}

// Point is what the mapper needs of a measurement, from any input.
type Point struct {
	Source string
	Metric string // Alumet metric name, without exporter suffix or unit token
	Unit   units.Unit
	// HasUnit is false when the input gave no unit (e.g. Prometheus ≤ v0.9.5);
	// the mapper then assumes Alumet's documented unit for the metrics it knows.
	HasUnit                  bool
	ResourceKind, ResourceID string
	ConsumerKind, ConsumerID string
	Attributes               []Attribute
	// ClientNode is the node the transport identifies (relay client name,
	// configured node name); the point's `node` attribute wins over it.
	ClientNode string
}

// Attribute is a point attribute, stringified.
type Attribute struct{ Key, Value string }

// Attr returns the value of the first attribute named key.
func (p *Point) Attr(key string) string {
	for _, a := range p.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// Reasons a point maps to nothing.
const (
	ReasonUnmapped        = "unmapped"         // a metric ecotel does not model (cpu_percent, memory_usage, …)
	ReasonUnsupportedUnit = "unsupported_unit" // a unit that is not the metric's quantity, or a custom unit
	ReasonNoNode          = "no_node"          // no node identity at all
	ReasonNoPod           = "no_pod"           // attributed energy or CPU time without pod identity
)

// Result says what a series becomes: up to two targets fed with the value
// times Factor (a RAPL socket point feeds its component series and the host
// series), or Reason when nothing.
type Result struct {
	Targets []Target
	Factor  float64
	Reason  string
}

// Config tunes the mapper.
type Config struct {
	// AttributedEnergy matches energy-attribution output metric names.
	AttributedEnergy *regexp.Regexp
	// HostPower matches metrics that are the whole node's power, if any.
	HostPower *regexp.Regexp
}

// Mapper maps points; it is safe for concurrent use.
type Mapper struct{ cfg Config }

// New returns a Mapper.
func New(cfg Config) *Mapper { return &Mapper{cfg: cfg} }

// Alumet metric names with fixed meaning.
const (
	metricRAPL           = "rapl_consumed_energy"
	metricEstimated      = "estimated_consumed_energy"
	metricCPUTimeDelta   = "cpu_time_delta"
	resourceLocal        = "local_machine"
	resourceCPUPackage   = "cpu_package"
	resourceDRAM         = "dram"
	resourceGPU          = "gpu"
	resourceGPUPartition = "gpu_partition"
)

// Map decides the targets of p's series.
func (m *Mapper) Map(p *Point) Result {
	unit := p.Unit
	node := p.Attr("node")
	if node == "" {
		node = p.Attr("relay_client")
	}
	if node == "" {
		node = p.ClientNode
	}
	switch {
	case m.cfg.AttributedEnergy != nil && m.cfg.AttributedEnergy.MatchString(p.Metric):
		// energy-attribution always creates its metric in joules.
		if !p.HasUnit {
			unit = units.Unit{Quantity: units.Energy, Factor: 1}
		}
		if unit.Quantity != units.Energy {
			return Result{Reason: ReasonUnsupportedUnit}
		}
		return podResult(p, node, PodEnergy, p.Metric, unit)

	case p.Metric == metricCPUTimeDelta && p.ConsumerKind != resourceLocal:
		if !p.HasUnit {
			unit = units.Unit{Quantity: units.Time, Factor: 1e-9}
		}
		if unit.Quantity != units.Time {
			return Result{Reason: ReasonUnsupportedUnit}
		}
		// user and system are parts of total: keep total only.
		if k := p.Attr("kind"); k != "" && k != "total" {
			return Result{Reason: ReasonUnmapped}
		}
		return podResult(p, node, PodCPUTime, "", unit)
	}

	if node == "" {
		return Result{Reason: ReasonNoNode}
	}
	if !p.HasUnit {
		switch {
		case p.Metric == metricRAPL || p.Metric == metricEstimated:
			unit = units.Unit{Quantity: units.Energy, Factor: 1}
		case strings.HasPrefix(p.Metric, "nvml_energy") || strings.HasSuffix(p.Metric, "_energy_consumption"):
			unit = units.Unit{Quantity: units.Energy, Factor: 1e-3}
		}
	}
	switch unit.Quantity {
	case units.Energy:
		return m.mapEnergy(p, node, unit)
	case units.Power:
		if m.cfg.HostPower != nil && m.cfg.HostPower.MatchString(p.Metric) &&
			p.ResourceKind == resourceLocal && (p.ConsumerKind == resourceLocal || p.ConsumerKind == "") {
			return Result{Targets: []Target{{Kind: HostPower, Source: p.Source, Node: node}}, Factor: unit.Factor}
		}
	case units.Unknown:
		if p.HasUnit {
			return Result{Reason: ReasonUnsupportedUnit}
		}
	}
	return Result{Reason: ReasonUnmapped}
}

func (m *Mapper) mapEnergy(p *Point, node string, unit units.Unit) Result {
	// Energy of a consumer (process, cgroup) that is not attribution output
	// is not a node or component total.
	if p.ConsumerKind != resourceLocal && p.ConsumerKind != "" {
		return Result{Reason: ReasonUnmapped}
	}
	host := Target{Kind: HostEnergy, Source: p.Source, Node: node}
	hw := Target{Kind: HWEnergy, Source: p.Source, Node: node}
	r := Result{Factor: unit.Factor}
	switch {
	case p.Metric == metricRAPL:
		domain := p.Attr("domain")
		switch p.ResourceKind {
		case resourceCPUPackage:
			hw.HWID, hw.HWType = resourceCPUPackage+"/"+p.ResourceID, "cpu"
			switch domain {
			case "package", "":
				host.Tier, host.DomainBit = TierSockets, DomainPackage
				r.Targets = []Target{hw, host}
			case "pp0", "pp1":
				// Core and uncore planes are parts of the package.
				hw.HWID += "/" + domain
				r.Targets = []Target{hw}
			}
		case resourceDRAM:
			hw.HWID, hw.HWType = resourceDRAM+"/"+p.ResourceID, "memory"
			host.Tier, host.DomainBit = TierSockets, DomainDRAM
			r.Targets = []Target{hw, host}
		case resourceLocal:
			switch domain {
			case "package_total":
				hw.HWID, hw.HWType = domain, "cpu"
				host.Tier, host.DomainBit = TierTotals, DomainPackage
				r.Targets = []Target{hw, host}
			case "dram_total":
				hw.HWID, hw.HWType = domain, "memory"
				host.Tier, host.DomainBit = TierTotals, DomainDRAM
				r.Targets = []Target{hw, host}
			case "pp0_total", "pp1_total":
				hw.HWID, hw.HWType = domain, "cpu"
				r.Targets = []Target{hw}
			case "platform_total":
				host.Tier = TierPlatformTotal
				r.Targets = []Target{host}
			case "platform":
				host.Tier = TierPlatform
				r.Targets = []Target{host}
			}
		}
	case p.ResourceKind == resourceGPU || p.ResourceKind == resourceGPUPartition:
		hw.HWID, hw.HWType = p.ResourceKind+"/"+p.ResourceID, "gpu"
		r.Targets = []Target{hw}
	case p.Metric == metricEstimated && p.ResourceKind == resourceLocal:
		host.Tier = TierEstimated
		r.Targets = []Target{host}
	}
	if len(r.Targets) == 0 {
		return Result{Reason: ReasonUnmapped}
	}
	return r
}

// DomainLabel is the eco.energy.domain value of a host series.
func DomainLabel(tier HostTier, bits uint32) string {
	switch tier {
	case TierPlatformTotal:
		return "platform_total"
	case TierPlatform:
		return "platform"
	case TierEstimated:
		return "estimated_tdp"
	case TierTotals:
		switch bits {
		case DomainPackage:
			return "package_total"
		case DomainDRAM:
			return "dram_total"
		}
		return "package_total+dram_total"
	case TierSockets:
		switch bits {
		case DomainPackage:
			return "package"
		case DomainDRAM:
			return "dram"
		}
		return "package+dram"
	}
	return ""
}

// podResult maps a pod-level series (attributed energy, CPU time).
func podResult(p *Point, node string, kind Kind, formula string, unit units.Unit) Result {
	pod, ok := podOf(p, node)
	if !ok {
		return Result{Reason: ReasonNoPod}
	}
	if pod.Node == "" {
		return Result{Reason: ReasonNoNode}
	}
	pod.Kind, pod.Source, pod.Formula = kind, p.Source, formula
	return Result{Targets: []Target{pod}, Factor: unit.Factor}
}

// podOf finds the pod (and container) a point is about: the k8s plugin's
// uid/name/namespace attributes, else the uid in a systemd-driver cgroup path.
func podOf(p *Point, node string) (Target, bool) {
	t := Target{
		Node: node, PodUID: p.Attr("uid"), PodName: p.Attr("name"), Namespace: p.Attr("namespace"),
		Level: semconv.AttrEnergyAttributionLevelPod,
	}
	if p.ConsumerKind == "cgroup" {
		pathUID, containerID := ParseCgroupPath(p.ConsumerID)
		if t.PodUID == "" {
			t.PodUID = pathUID
		}
		if containerID != "" {
			t.Level, t.ContainerID = semconv.AttrEnergyAttributionLevelContainer, containerID
		}
	}
	return t, t.PodUID != ""
}

// containerScopes are the runtime prefixes of container-level cgroup scopes.
var containerScopes = []string{"cri-containerd-", "crio-", "docker-", "cri-dockerd-"}

// ParseCgroupPath extracts the pod uid and, for a container-level cgroup, the
// container id from a Kubernetes cgroup path (systemd driver:
// …/kubepods-burstable-pod<uid_with_underscores>.slice[/crio-<id>.scope];
// cgroupfs driver: …/pod<uid>[/<id>]). On cgroup v1 the path may be prefixed
// with "controllers:".
func ParseCgroupPath(path string) (podUID, containerID string) {
	if i := strings.IndexByte(path, ':'); i >= 0 && !strings.Contains(path[:i], "/") {
		path = path[i+1:]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range segs {
		uid, ok := podSegmentUID(seg)
		if !ok {
			continue
		}
		podUID = uid
		if i+1 < len(segs) {
			containerID = containerSegmentID(segs[i+1])
		}
		return podUID, containerID
	}
	return "", ""
}

func podSegmentUID(seg string) (string, bool) {
	if s, ok := strings.CutSuffix(seg, ".slice"); ok {
		i := strings.LastIndex(s, "-pod")
		if i < 0 {
			if !strings.HasPrefix(s, "pod") {
				return "", false
			}
			i = -1
		}
		uid := strings.ReplaceAll(s[i+4:], "_", "-")
		return uid, isUID(uid)
	}
	if uid, ok := strings.CutPrefix(seg, "pod"); ok && isUID(uid) {
		return uid, true
	}
	return "", false
}

func containerSegmentID(seg string) string {
	if s, ok := strings.CutSuffix(seg, ".scope"); ok {
		for _, p := range containerScopes {
			if id, ok := strings.CutPrefix(s, p); ok && id != "" {
				return id
			}
		}
		return ""
	}
	if isHex(seg) && len(seg) >= 12 {
		return seg // cgroupfs driver: the container id is the segment
	}
	return ""
}

func isUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
