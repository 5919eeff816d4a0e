package catalog

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/matching"
)

// Source is one parsed catalog file and a name for it in messages (the file
// path, or "built-in").
type Source struct {
	Name string
	File *File
}

// Hardware is a resolved, complete profile: inheritance applied, the
// component estimate computed, every figure with its source.
type Hardware struct {
	Name        string
	Description string
	Provider    string
	// Origin is the catalog file that defined the profile.
	Origin string

	// EmbodiedKgCO2e is the total embodied emissions of what the figure
	// describes: the whole host when EmbodiedHostVCPUs > 0, else the node.
	EmbodiedKgCO2e    float64
	EmbodiedHostVCPUs float64
	EmbodiedSource    string
	// EmbodiedDerivation explains an estimated total (component estimate);
	// empty for a published total.
	EmbodiedDerivation string

	LifetimeYears  float64
	LifetimeSource string
	// Commissioned is the zero time when unknown.
	Commissioned time.Time

	// VCPUs and MemoryGiB are 0 when the node's capacity is to be used.
	VCPUs     float64
	MemoryGiB float64

	// Power is nil when the profile gives no power figures.
	Power *ResolvedPower

	// PUE is the profile's own PUE (0 when it refers to Site).
	PUE       float64
	PUESource string
	Site      string

	Labels map[string]string
}

// ResolvedPower is a profile's idle and maximum IT power.
type ResolvedPower struct {
	// PerVCPU: the figures are per vCPU, to be multiplied by the node's vCPUs.
	PerVCPU bool
	IdleW   float64
	MaxW    float64
	Source  string
}

// Catalog is the merged, validated set of sites, profiles and rules from the
// built-in catalog and the operator's files. It is immutable.
type Catalog struct {
	profiles map[string]*Hardware
	sites    map[string]Site
	factors  *ComponentFactors
	ruleSets []matching.RuleSet
	// Overrides lists definitions replaced by a later file, for logging.
	Overrides []string
}

// Build merges catalog files in order — a later file's profile, site or
// component factors replace an earlier file's of the same name — resolves
// extends chains and checks every profile is complete. Rules are kept per
// file with later files first, so an operator's rules win over built-in ones.
func Build(sources ...Source) (*Catalog, error) {
	c := &Catalog{profiles: map[string]*Hardware{}, sites: map[string]Site{}}
	raw := map[string]Profile{}
	origin := map[string]string{}
	for _, src := range sources {
		if src.File == nil {
			continue
		}
		if src.File.EmbodiedComponents != nil {
			c.factors = src.File.EmbodiedComponents
		}
		for _, s := range src.File.Sites {
			if _, ok := c.sites[s.Name]; ok {
				c.Overrides = append(c.Overrides, fmt.Sprintf("site %q redefined by %s", s.Name, src.Name))
			}
			c.sites[s.Name] = s
		}
		for _, p := range src.File.Profiles {
			if prev, ok := origin[p.Name]; ok {
				c.Overrides = append(c.Overrides, fmt.Sprintf("profile %q from %s replaced by %s", p.Name, prev, src.Name))
			}
			raw[p.Name] = p
			origin[p.Name] = src.Name
		}
	}
	for i := len(sources) - 1; i >= 0; i-- {
		if sources[i].File != nil && len(sources[i].File.Rules) > 0 {
			c.ruleSets = append(c.ruleSets, matching.RuleSet{Origin: sources[i].Name, Rules: sources[i].File.Rules})
		}
	}

	var errs []error
	for _, name := range sortedNames(raw) {
		where := fmt.Sprintf("%s: profile %s", origin[name], name)
		merged, err := flatten(name, raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if merged.Abstract {
			continue
		}
		hw, err := c.resolve(merged)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		hw.Origin = origin[name]
		c.profiles[name] = hw
	}
	for _, rs := range c.ruleSets {
		for i, r := range rs.Rules {
			if _, ok := c.profiles[r.Profile]; !ok && r.Profile != "" {
				hint := "define it, or fix the name"
				if p, ok := raw[r.Profile]; ok && p.Abstract {
					hint = "it is abstract; point the rule at a profile that extends it"
				}
				errs = append(errs, fmt.Errorf("%s: rules[%d]: profile %q is not in the catalog (%s)", rs.Origin, i, r.Profile, hint))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// flatten applies the extends chain of a profile, base first.
func flatten(name string, raw map[string]Profile) (Profile, error) {
	var chain []Profile
	seen := map[string]bool{}
	for cur := name; cur != ""; {
		if seen[cur] {
			return Profile{}, fmt.Errorf("extends: cycle through %q (%s)", cur, chainNames(chain))
		}
		seen[cur] = true
		p, ok := raw[cur]
		if !ok {
			return Profile{}, fmt.Errorf("extends: unknown base profile %q (define it, or fix the name; built-in bases: generic-rack-server)", cur)
		}
		chain = append(chain, p)
		cur = p.Extends
	}
	out := chain[len(chain)-1]
	for i := len(chain) - 2; i >= 0; i-- {
		out = overlay(out, chain[i])
	}
	out.Name, out.Abstract = chain[0].Name, chain[0].Abstract
	return out, nil
}

func chainNames(chain []Profile) string {
	names := make([]string, len(chain))
	for i, p := range chain {
		names[i] = p.Name
	}
	return strings.Join(names, " → ")
}

// overlay returns base with every field child sets. Figures travel with their
// source, so blocks (embodied, power) and value/source pairs are replaced
// whole, never mixed between a base and a child.
func overlay(base, child Profile) Profile {
	out := base
	if child.Description != "" {
		out.Description = child.Description
	}
	if child.Provider != "" {
		out.Provider = child.Provider
	}
	if child.Embodied != nil {
		out.Embodied = child.Embodied
	}
	if child.LifetimeYears != nil {
		out.LifetimeYears, out.LifetimeSource = child.LifetimeYears, child.LifetimeSource
	}
	if child.Commissioned != "" {
		out.Commissioned = child.Commissioned
	}
	if child.VCPUs != nil {
		out.VCPUs = child.VCPUs
	}
	if child.MemoryGiB != nil {
		out.MemoryGiB = child.MemoryGiB
	}
	if child.Power != nil {
		out.Power = child.Power
	}
	if child.PUE != nil || child.Site != "" {
		out.PUE, out.PUESource, out.Site = child.PUE, child.PUESource, child.Site
	}
	if len(child.Labels) > 0 {
		labels := maps.Clone(base.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		maps.Copy(labels, child.Labels)
		out.Labels = labels
	}
	return out
}

// resolve checks a flattened profile is complete and computes its figures.
func (c *Catalog) resolve(p Profile) (*Hardware, error) {
	var errs []error
	hw := &Hardware{
		Name: p.Name, Description: p.Description, Provider: p.Provider,
		Site: p.Site, PUESource: p.PUESource, Labels: p.Labels,
	}
	switch {
	case p.Embodied == nil:
		errs = append(errs, errors.New("embodied is required (embodied: {total_kgco2e: …, source: …} or a component estimate; or extend generic-rack-server)"))
	case p.Embodied.Components != nil:
		if c.factors == nil {
			errs = append(errs, errors.New("embodied.components needs embodied_components factors (enable the built-in catalog, or define them in a catalog file)"))
			break
		}
		hw.EmbodiedKgCO2e, hw.EmbodiedDerivation = c.factors.Estimate(*p.Embodied.Components)
		hw.EmbodiedSource = p.Embodied.Source + "; factors: " + c.factors.Source
	default:
		hw.EmbodiedKgCO2e, hw.EmbodiedSource = *p.Embodied.TotalKgCO2e, p.Embodied.Source
	}
	if p.Embodied != nil && p.Embodied.HostVCPUs != nil {
		hw.EmbodiedHostVCPUs = *p.Embodied.HostVCPUs
	}
	if p.LifetimeYears == nil {
		errs = append(errs, errors.New("lifetime_years is required (4 is the SCI, CCF and Boavizta default; cite it in lifetime_source)"))
	} else {
		hw.LifetimeYears, hw.LifetimeSource = *p.LifetimeYears, p.LifetimeSource
	}
	if p.Commissioned != "" {
		hw.Commissioned, _ = ParseDate(p.Commissioned) // validated in Parse
	}
	if p.VCPUs != nil {
		hw.VCPUs = *p.VCPUs
	}
	if p.MemoryGiB != nil {
		hw.MemoryGiB = *p.MemoryGiB
	}
	if pw := p.Power; pw != nil {
		if pw.IdleWPerVCPU != nil {
			hw.Power = &ResolvedPower{PerVCPU: true, IdleW: *pw.IdleWPerVCPU, MaxW: *pw.MaxWPerVCPU, Source: pw.Source}
		} else {
			hw.Power = &ResolvedPower{IdleW: *pw.IdleW, MaxW: *pw.MaxW, Source: pw.Source}
		}
	}
	switch {
	case p.PUE != nil:
		hw.PUE = *p.PUE
	case p.Site != "":
		if _, ok := c.sites[p.Site]; !ok {
			errs = append(errs, fmt.Errorf("site: unknown site %q (define it under sites, or use one of: %s)", p.Site, strings.Join(sortedNames(c.sites), ", ")))
		}
	default:
		errs = append(errs, errors.New("no PUE: set pue (with pue_source) or site (a site's PUE, e.g. aws, gcp, azure, enterprise-average)"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return hw, nil
}

// Profile returns a resolved profile by name.
func (c *Catalog) Profile(name string) (*Hardware, bool) {
	hw, ok := c.profiles[name]
	return hw, ok
}

// Has reports whether a non-abstract profile exists.
func (c *Catalog) Has(name string) bool {
	_, ok := c.profiles[name]
	return ok
}

// ProfileNames returns all profile names, sorted.
func (c *Catalog) ProfileNames() []string { return sortedNames(c.profiles) }

// RuleSets returns the catalog's rules, highest precedence first.
func (c *Catalog) RuleSets() []matching.RuleSet { return c.ruleSets }

// PUE returns the PUE for a node of profile hw in a cloud region (empty when
// unknown), and its source: the profile's own PUE, else the site's region
// value, else the site's.
func (c *Catalog) PUE(hw *Hardware, region string) (float64, string) {
	if hw.PUE > 0 {
		return hw.PUE, hw.PUESource
	}
	site := c.sites[hw.Site]
	for _, r := range site.Regions {
		if region != "" && strings.EqualFold(r.Region, region) {
			return *r.PUE, r.Source
		}
	}
	if site.PUE == nil {
		return 0, ""
	}
	return *site.PUE, site.Source
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
