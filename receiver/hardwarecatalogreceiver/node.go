package hardwarecatalogreceiver // import "github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver"

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ecotel/ecotel/internal/gridzone"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/catalog"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/inventory"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/matching"
	"github.com/ecotel/ecotel/semconv"
)

// Node labels and annotations the receiver reads. ecotel's own live under
// ecotel.io/; the rest are Kubernetes' well-known labels.
const (
	ZoneKey                = "ecotel.io/grid-zone" // label or annotation
	ProfileAnnotation      = matching.ProfileAnnotation
	PUEAnnotation          = "ecotel.io/pue"
	CommissionedAnnotation = "ecotel.io/commissioned"
	EmbodiedAnnotation     = "ecotel.io/embodied-kgco2e"
	regionLabel            = "topology.kubernetes.io/region"
	regionLabelBeta        = "failure-domain.beta.kubernetes.io/region"
	instanceTypeLabel      = "node.kubernetes.io/instance-type"
	instanceTypeLabelBeta  = "beta.kubernetes.io/instance-type"
)

const (
	hoursPerYear   = 365 * 24
	secondsPerYear = hoursPerYear * 3600
	gramsPerKg     = 1000
	bytesPerGiB    = 1 << 30
	// Annotation values outside these bounds are unit mistakes.
	maxAnnotatedEmbodiedKg = 100_000
)

// resolver turns inventory nodes into hardware facts with one catalog and
// rule set. It is immutable: a catalog reload swaps the whole resolver.
type resolver struct {
	catalog *catalog.Catalog
	matcher *matching.Matcher
}

// nodeFacts is everything the receiver emits about one node. Quantities are
// in the units of the metrics they feed.
type nodeFacts struct {
	Name       string
	Profile    string
	Match      string // semconv.AttrHardwareMatch*
	MatchRule  string
	ZoneCode   string
	ZoneSource string // semconv.AttrGridZoneSource*
	Provider   string
	Region     string
	HostType   string

	PUE               float64
	PUESource         string
	HasEmbodied       bool
	EmbodiedG         float64
	EmbodiedRateGPerH float64
	LifetimeS         float64
	HasAge            bool
	AgeS              float64
	VCPUs             float64
	MemoryBytes       float64
	HasPower          bool
	PowerIdleW        float64
	PowerMaxW         float64

	AllocatableCPU         float64
	AllocatableMemoryBytes float64

	// Problems are annotation values that could not be used.
	Problems []annotationProblem
	// Notes explain estimates (e.g. why no embodied figure), for logs.
	Notes []string
}

type annotationProblem struct {
	Key, Value, Fix string
}

// characterize resolves a node's profile, zone and figures. now is the time
// ages are measured at; defaultZone is a canonical zone code or empty.
func (r *resolver) characterize(n inventory.Node, defaultZone string, now time.Time) nodeFacts {
	f := nodeFacts{
		Name:                   n.Name,
		Region:                 firstLabel(n.Labels, regionLabel, regionLabelBeta),
		HostType:               firstLabel(n.Labels, instanceTypeLabel, instanceTypeLabelBeta),
		AllocatableCPU:         n.AllocatableCPU,
		AllocatableMemoryBytes: n.AllocatableMemoryBytes,
	}
	m := r.matcher.Match(n.Name, n.Labels, n.Annotations)
	f.Profile, f.Match, f.MatchRule = m.Profile, m.Method, m.Rule
	if m.InvalidAnnotation != "" {
		f.problem(ProfileAnnotation, m.InvalidAnnotation, "no such profile in the catalog; rules were applied instead (fix the name, or add the profile to a catalog file)")
	}
	hw, _ := r.catalog.Profile(f.Profile) // the matcher only returns known profiles

	f.Provider = providerFromID(n.ProviderID)
	if f.Provider == "" {
		f.Provider = hw.Provider
	}
	r.resolveZone(&f, n, defaultZone)

	f.PUE, f.PUESource = r.catalog.PUE(hw, f.Region)
	if v, ok := n.Annotations[PUEAnnotation]; ok {
		if pue, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && pue >= 1 && pue <= 5 {
			f.PUE, f.PUESource = pue, PUEAnnotation+" annotation"
		} else {
			f.problem(PUEAnnotation, v, "must be a number between 1 and 5 (facility energy / IT energy, e.g. 1.2); the profile's PUE is used")
		}
	}

	f.VCPUs = firstPositive(hw.VCPUs, n.CapacityCPU, math.Ceil(n.AllocatableCPU))
	f.MemoryBytes = firstPositive(hw.MemoryGiB*bytesPerGiB, n.CapacityMemoryBytes, n.AllocatableMemoryBytes)

	f.LifetimeS = hw.LifetimeYears * secondsPerYear
	r.embodied(&f, n, hw)

	commissioned := hw.Commissioned
	if v, ok := n.Annotations[CommissionedAnnotation]; ok {
		if t, err := catalog.ParseDate(v); err == nil && !t.After(now) {
			commissioned = t
		} else {
			f.problem(CommissionedAnnotation, v, "must be a past date (YYYY-MM-DD or RFC 3339); the profile's date, if any, is used")
		}
	}
	if !commissioned.IsZero() && !commissioned.After(now) {
		f.HasAge, f.AgeS = true, now.Sub(commissioned).Seconds()
	}

	if p := hw.Power; p != nil {
		switch {
		case !p.PerVCPU:
			f.HasPower, f.PowerIdleW, f.PowerMaxW = true, p.IdleW, p.MaxW
		case f.VCPUs > 0:
			f.HasPower, f.PowerIdleW, f.PowerMaxW = true, p.IdleW*f.VCPUs, p.MaxW*f.VCPUs
		}
	}
	return f
}

// embodied sets the node's total embodied emissions (TE) and its hourly
// amortization (TE / EL). A cloud profile describes a whole host: the node
// carries the share of the host its vCPUs reserve, as Cloud Carbon Footprint
// computes it. The ecotel.io/embodied-kgco2e annotation gives the node's own
// total directly.
func (r *resolver) embodied(f *nodeFacts, n inventory.Node, hw *catalog.Hardware) {
	totalKg := hw.EmbodiedKgCO2e
	annotated := false
	if v, ok := n.Annotations[EmbodiedAnnotation]; ok {
		if kg, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && kg > 0 && kg <= maxAnnotatedEmbodiedKg {
			totalKg, annotated = kg, true
		} else {
			f.problem(EmbodiedAnnotation, v, fmt.Sprintf("must be the node's total embodied emissions in kgCO2e, > 0 and at most %d (e.g. 1200); the profile's figure is used", maxAnnotatedEmbodiedKg))
		}
	}
	if !annotated && hw.EmbodiedHostVCPUs > 0 {
		if f.VCPUs <= 0 {
			f.Notes = append(f.Notes, "no embodied figure: the profile describes a shared host but the node's vCPUs are unknown (set capacity or allocatable cpu, or vcpus in the profile)")
			return
		}
		totalKg *= math.Min(1, f.VCPUs/hw.EmbodiedHostVCPUs)
	}
	f.HasEmbodied = true
	f.EmbodiedG = totalKg * gramsPerKg
	f.EmbodiedRateGPerH = f.EmbodiedG / (hw.LifetimeYears * hoursPerYear)
}

// resolveZone applies, in order: the explicit ecotel.io/grid-zone label (then
// annotation), the cloud region → bidding zone table, the default zone.
func (r *resolver) resolveZone(f *nodeFacts, n inventory.Node, defaultZone string) {
	for _, explicit := range []map[string]string{n.Labels, n.Annotations} {
		v := strings.TrimSpace(explicit[ZoneKey])
		if v == "" {
			continue
		}
		z, err := gridzone.Lookup(v)
		if err == nil {
			f.ZoneCode, f.ZoneSource = z.Code, semconv.AttrGridZoneSourceLabel
			return
		}
		f.problem(ZoneKey, v, err.Error()+"; the cloud region or default zone is used")
	}
	if f.Region != "" {
		if z, provider, ok := zoneOfRegion(f.Provider, f.Region); ok {
			f.ZoneCode, f.ZoneSource, f.Provider = z.Code, semconv.AttrGridZoneSourceCloudRegion, provider
			return
		}
	}
	if defaultZone != "" {
		f.ZoneCode, f.ZoneSource = defaultZone, semconv.AttrGridZoneSourceDefault
		return
	}
	f.ZoneCode, f.ZoneSource = "", semconv.AttrGridZoneSourceUnresolved
}

// zoneOfRegion maps a cloud region to its bidding zone. When the provider is
// unknown, a region name that exactly one provider uses identifies it
// ("eu-west-3" is only AWS's, "europe-west3" only Google's).
func zoneOfRegion(provider, region string) (gridzone.Zone, string, bool) {
	if provider != "" {
		z, ok := gridzone.FromCloudRegion(provider, region)
		return z, provider, ok
	}
	var found gridzone.Zone
	var foundProvider string
	for _, p := range cloudProviders {
		if z, ok := gridzone.FromCloudRegion(p, region); ok {
			if foundProvider != "" {
				return gridzone.Zone{}, "", false // ambiguous
			}
			found, foundProvider = z, p
		}
	}
	return found, foundProvider, foundProvider != ""
}

var cloudProviders = func() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range gridzone.CloudRegions() {
		if !seen[r.Provider] {
			seen[r.Provider] = true
			out = append(out, r.Provider)
		}
	}
	return out
}()

// providerFromID maps the scheme of spec.providerID to cloud.provider.
func providerFromID(id string) string {
	scheme, _, ok := strings.Cut(id, "://")
	if !ok {
		return ""
	}
	switch scheme {
	case "aws":
		return "aws"
	case "gce":
		return "gcp"
	case "azure":
		return "azure"
	case "hcloud":
		return "hetzner"
	case "scaleway":
		return "scaleway"
	}
	return ""
}

func (f *nodeFacts) problem(key, value, fix string) {
	f.Problems = append(f.Problems, annotationProblem{Key: key, Value: value, Fix: fix})
}

func firstLabel(labels map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return ""
}

func firstPositive(vs ...float64) float64 {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}
