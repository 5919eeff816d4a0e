package state

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/sci"
)

// Method indexes the carbon-intensity methods a zone carries.
type Method int

const (
	// Lifecycle emission factors (ecotel's default).
	Lifecycle Method = iota
	// Direct (combustion-only) emission factors.
	Direct
	methodCount
)

// Value is the latest value of a gauge-like input.
type Value struct {
	V float64
	// DataT is the datapoint's timestamp (unix ns): for grid values the
	// interval described, not when it was sent.
	DataT int64
	// ReceivedT is when the processor received it (unix ns); 0 = never.
	ReceivedT int64
}

// Known reports whether the value was ever received.
func (v Value) Known() bool { return v.ReceivedT != 0 }

// FreshAt reports whether the value was received within maxAgeNs before now.
func (v Value) FreshAt(nowNs, maxAgeNs int64) bool {
	return v.ReceivedT != 0 && nowNs-v.ReceivedT <= maxAgeNs
}

// Set records a value with its data time, received at nowNs.
func (v *Value) Set(x float64, dataT, nowNs int64) { *v = Value{V: x, DataT: dataT, ReceivedT: nowNs} }

// Zone is what is known about one bidding zone.
type Zone struct {
	Code      string
	Intensity [methodCount]Value
	// GenerationAge is the entsoe receiver's eco.grid.data.age for the
	// generation document: how old the intensity's interval was when sent.
	GenerationAge  Value
	PriceAge       Value
	Price          Value
	Currency       string
	RenewableShare Value
	LowCarbonShare Value
	IntensityRange [methodCount]sci.TrailingRange
	PriceRange     sci.TrailingRange
	tracked
}

// Node is what is known about one Kubernetes node.
type Node struct {
	Name, Zone, Profile string
	PUE                 Value
	TotalEmbodiedG      Value
	LifetimeS           Value
	VCPUs               Value
	IdleW, MaxW         Value
	AllocatableCPU      Value
	Energy              Series
	FirstSeen           int64
	tracked
}

// Pod is what is known about one pod, keyed by its UID.
type Pod struct {
	UID, Name, Namespace, Node, Deployment string
	RequestCPU                             Value
	Energy                                 Series
	// CPUTime is kept only for the usage split rule (nil otherwise).
	CPUTime   *Series
	FirstSeen int64
	tracked
}

// Series is a cumulative counter with the time its last sample arrived.
type Series struct {
	sci.Counter
	ReceivedT int64
}

// FunctionalUnitSeries is one series of the application metric that counts
// functional units (e.g. one route's request count of one pod).
type FunctionalUnitSeries struct {
	PodUID, PodName, Namespace, Deployment string
	Series
	tracked
}

// Limits bound the store's memory.
type Limits struct {
	MaxZones, MaxNodes, MaxPods, MaxFunctionalUnitSeries int
	// TTLNs: an entity that received nothing for this long is forgotten.
	TTLNs int64
}

// Store holds the joined state. Lock it around every use.
type Store struct {
	sync.Mutex
	limits Limits
	Zones  map[string]*Zone
	Nodes  map[string]*Node
	Pods   map[string]*Pod
	// FunctionalUnits is keyed by a hash of the series' identity.
	FunctionalUnits map[uint64]*FunctionalUnitSeries
	headroomSpanNs  int64
}

// New returns an empty store with maps pre-sized to a tenth of the limits.
func New(limits Limits, headroomSpanNs int64) *Store {
	return &Store{
		limits:          limits,
		Zones:           make(map[string]*Zone, min(limits.MaxZones, 64)),
		Nodes:           make(map[string]*Node, min(limits.MaxNodes/10, 1024)),
		Pods:            make(map[string]*Pod, min(limits.MaxPods/10, 16384)),
		FunctionalUnits: make(map[uint64]*FunctionalUnitSeries, min(limits.MaxFunctionalUnitSeries/10, 16384)),
		headroomSpanNs:  headroomSpanNs,
	}
}

// tracked is embedded in every entity: when it last received data.
type tracked struct{ lastSeen int64 }

func (t *tracked) touch(nowNs int64) { t.lastSeen = nowNs }

func (t *tracked) seen() int64 { return t.lastSeen }

// getOrCreate returns m[key] marked as seen now, creating it with create
// when absent and the map holds fewer than limit entries; nil when the limit
// is reached.
func getOrCreate[K comparable, V any, P interface {
	*V
	touch(int64)
}](m map[K]P, key K, limit int, nowNs int64, create func() (K, P)) P {
	v, ok := m[key]
	if !ok {
		if len(m) >= limit {
			return nil
		}
		var k K
		k, v = create()
		m[k] = v
	}
	v.touch(nowNs)
	return v
}

// Zone returns the zone with the given code, creating it; nil when the
// zone limit is reached.
func (s *Store) Zone(code string, nowNs int64) *Zone {
	return getOrCreate(s.Zones, code, s.limits.MaxZones, nowNs, func() (string, *Zone) {
		z := &Zone{Code: strings.Clone(code), PriceRange: sci.NewTrailingRange(s.headroomSpanNs)}
		for i := range z.IntensityRange {
			z.IntensityRange[i] = sci.NewTrailingRange(s.headroomSpanNs)
		}
		return z.Code, z
	})
}

// Node returns the node with the given name, creating it; nil when the node
// limit is reached.
func (s *Store) Node(name string, nowNs int64) *Node {
	return getOrCreate(s.Nodes, name, s.limits.MaxNodes, nowNs, func() (string, *Node) {
		n := &Node{Name: strings.Clone(name), FirstSeen: nowNs}
		return n.Name, n
	})
}

// Pod returns the pod with the given UID, creating it; nil when the pod
// limit is reached.
func (s *Store) Pod(uid string, nowNs int64) *Pod {
	return getOrCreate(s.Pods, uid, s.limits.MaxPods, nowNs, func() (string, *Pod) {
		p := &Pod{UID: strings.Clone(uid), FirstSeen: nowNs}
		return p.UID, p
	})
}

// FunctionalUnitSeries returns the series with the given identity hash,
// creating it; nil when the limit is reached.
func (s *Store) FunctionalUnitSeries(key uint64, nowNs int64) *FunctionalUnitSeries {
	return getOrCreate(s.FunctionalUnits, key, s.limits.MaxFunctionalUnitSeries, nowNs, func() (uint64, *FunctionalUnitSeries) {
		return key, &FunctionalUnitSeries{}
	})
}

// Update sets *dst to v unless it already holds an equal string, so that
// steady-state updates do not allocate and do not pin the incoming batch.
func Update(dst *string, v string) {
	if v != "" && *dst != v {
		*dst = strings.Clone(v)
	}
}

// Expire forgets every entity that received nothing within the TTL and
// returns how many of each kind it removed.
func (s *Store) Expire(nowNs int64) (zones, nodes, pods, units int) {
	cut := nowNs - s.limits.TTLNs
	return expire(s.Zones, cut), expire(s.Nodes, cut), expire(s.Pods, cut), expire(s.FunctionalUnits, cut)
}

func expire[K comparable, V any, P interface {
	*V
	seen() int64
}](m map[K]P, cut int64) (removed int) {
	for k, v := range m {
		if v.seen() < cut {
			delete(m, k)
			removed++
		}
	}
	return removed
}

// SizeBytes estimates the memory the store holds: the entity structs (with
// their fixed sample rings) plus map overhead; strings are small and left out.
func (s *Store) SizeBytes() int64 {
	const mapEntry = 48 // key header, pointer, bucket overhead
	return int64(len(s.Zones))*(int64(unsafe.Sizeof(Zone{}))+mapEntry) +
		int64(len(s.Nodes))*(int64(unsafe.Sizeof(Node{}))+mapEntry) +
		int64(len(s.Pods))*(int64(unsafe.Sizeof(Pod{}))+mapEntry) +
		int64(len(s.FunctionalUnits))*(int64(unsafe.Sizeof(FunctionalUnitSeries{}))+mapEntry)
}
