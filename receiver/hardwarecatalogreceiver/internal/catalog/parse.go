package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Plausibility bounds. Values outside them are almost certainly unit mistakes
// (grams for kilograms, months for years, a percentage for a ratio).
const (
	minPUE              = 1.0 // facility energy can't be below IT energy
	maxPUE              = 5.0 // the industry average was 2.5 in 2007; 5 means a typo
	maxEmbodiedKgCO2e   = 100_000
	maxLifetimeYears    = 30
	maxVCPUs            = 100_000
	maxMemoryGiB        = 1 << 20
	maxNodePowerW       = 100_000
	maxPowerPerVCPUW    = 1_000
	maxComponentCount   = 1_000
	maxComponentCPUs    = 64
	maxComponentFactor  = 100_000
	maxNameLength       = 128
	futureCommissioning = 24 * time.Hour // clock skew tolerance
)

// Load reads and parses one catalog file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	return f, nil
}

// Parse decodes a catalog file and validates every field that can be checked
// within the file. Unknown keys are errors, so a misspelt field is reported
// instead of silently ignored. Cross-file checks (extends, site references,
// completeness) happen in Build.
func Parse(data []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("not a valid catalog (YAML with sites, profiles, rules): %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document: a catalog file holds exactly one")
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// Validate checks every field of the file, and returns all problems at once.
func (f *File) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c := f.EmbodiedComponents; c != nil {
		errs = append(errs, c.validate()...)
	}

	sites := map[string]bool{}
	for i, s := range f.Sites {
		where := fmt.Sprintf("sites[%d]", i)
		if err := checkName(s.Name); err != nil {
			add("%s: name: %v", where, err)
		} else {
			where = fmt.Sprintf("sites[%d] (%s)", i, s.Name)
			if sites[s.Name] {
				add("%s: duplicate site name (each site is defined once per file; rename one)", where)
			}
			sites[s.Name] = true
		}
		if s.PUE == nil {
			add("%s: pue is required (e.g. 1.135)", where)
		} else if err := checkPUE(*s.PUE); err != nil {
			add("%s: pue: %v", where, err)
		}
		if strings.TrimSpace(s.Source) == "" {
			add("%s: source is required (cite where the PUE comes from)", where)
		}
		regions := map[string]bool{}
		for j, r := range s.Regions {
			rw := fmt.Sprintf("%s: regions[%d]", where, j)
			if r.Region == "" {
				add("%s: region is required (the cloud.region value, e.g. europe-west1)", rw)
			} else if regions[r.Region] {
				add("%s: duplicate region %q", rw, r.Region)
			}
			regions[r.Region] = true
			if r.PUE == nil {
				add("%s: pue is required", rw)
			} else if err := checkPUE(*r.PUE); err != nil {
				add("%s: pue: %v", rw, err)
			}
			if strings.TrimSpace(r.Source) == "" {
				add("%s: source is required (cite where the PUE comes from)", rw)
			}
		}
	}

	profiles := map[string]bool{}
	for i, p := range f.Profiles {
		where := fmt.Sprintf("profiles[%d]", i)
		if err := checkName(p.Name); err != nil {
			add("%s: name: %v", where, err)
		} else {
			where = fmt.Sprintf("profiles[%d] (%s)", i, p.Name)
			if profiles[p.Name] {
				add("%s: duplicate profile name (each profile is defined once per file; rename one, or use extends)", where)
			}
			profiles[p.Name] = true
		}
		for _, err := range p.validate() {
			add("%s: %v", where, err)
		}
	}

	for i, r := range f.Rules {
		if err := r.Validate(); err != nil {
			add("rules[%d]: %v", i, err)
		}
	}
	return errors.Join(errs...)
}

func (p *Profile) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Extends != "" && p.Extends == p.Name {
		add("extends: a profile cannot extend itself (name another profile, or remove extends)")
	}
	if e := p.Embodied; e != nil {
		switch {
		case e.TotalKgCO2e != nil && e.Components != nil:
			add("embodied: set total_kgco2e or components, not both")
		case e.TotalKgCO2e == nil && e.Components == nil:
			add("embodied: set total_kgco2e (a published total in kgCO2e) or components (for the component-based estimate)")
		case e.TotalKgCO2e != nil:
			if err := checkRange(*e.TotalKgCO2e, 0, maxEmbodiedKgCO2e, false); err != nil {
				add("embodied.total_kgco2e: %v (kilograms of CO2e, e.g. 1000 for a generic rack server; not grams or tonnes)", err)
			}
		default:
			errs = append(errs, e.Components.validate()...)
		}
		if e.HostVCPUs != nil {
			if err := checkRange(*e.HostVCPUs, 0, maxVCPUs, false); err != nil {
				add("embodied.host_vcpus: %v (the vCPUs of the whole physical host, e.g. 96 for AWS m5)", err)
			}
		}
		if strings.TrimSpace(e.Source) == "" {
			add("embodied.source is required (cite the LCA, datasheet or dataset the figure comes from)")
		}
	}
	if p.LifetimeYears != nil {
		if *p.LifetimeYears == 0 {
			add("lifetime_years: 0 would amortize the embodied emissions over no time at all (use the expected lifespan in years; 4 is the SCI, CCF and Boavizta default)")
		} else if err := checkRange(*p.LifetimeYears, 0, maxLifetimeYears, false); err != nil {
			add("lifetime_years: %v (years, e.g. 4)", err)
		}
		if strings.TrimSpace(p.LifetimeSource) == "" {
			add("lifetime_source is required with lifetime_years (cite where the lifespan comes from)")
		}
	}
	if p.Commissioned != "" {
		t, err := ParseDate(p.Commissioned)
		if err != nil {
			add("commissioned: %v", err)
		} else if t.After(time.Now().Add(futureCommissioning)) {
			add("commissioned: %s is in the future (use the date the hardware was manufactured or put into service)", p.Commissioned)
		}
	}
	if p.VCPUs != nil {
		if err := checkRange(*p.VCPUs, 0, maxVCPUs, false); err != nil {
			add("vcpus: %v (hardware threads of the node; leave unset to use the node's capacity)", err)
		}
	}
	if p.MemoryGiB != nil {
		if err := checkRange(*p.MemoryGiB, 0, maxMemoryGiB, false); err != nil {
			add("memory_gib: %v (GiB of installed memory; leave unset to use the node's capacity)", err)
		}
	}
	if p.Power != nil {
		errs = append(errs, p.Power.validate()...)
	}
	if p.PUE != nil {
		if err := checkPUE(*p.PUE); err != nil {
			add("pue: %v", err)
		}
		if p.Site != "" {
			add("set pue or site, not both (pue is this profile's own value, site refers to a shared one)")
		}
		if strings.TrimSpace(p.PUESource) == "" {
			add("pue_source is required with pue (cite where the PUE comes from)")
		}
	}
	for k := range p.Labels {
		if strings.TrimSpace(k) == "" {
			add("labels: empty key")
		}
	}
	return errs
}

func (c *Components) validate() []error {
	var errs []error
	if c.CPUs < 1 || c.CPUs > maxComponentCPUs {
		errs = append(errs, fmt.Errorf("embodied.components.cpus: %d is out of range (CPU sockets, 1 to %d)", c.CPUs, maxComponentCPUs))
	}
	if err := checkRange(c.MemoryGB, 0, maxMemoryGiB, true); err != nil {
		errs = append(errs, fmt.Errorf("embodied.components.memory_gb: %v (installed memory in GB)", err))
	}
	for _, n := range []struct {
		name  string
		count int
	}{{"ssds", c.SSDs}, {"hdds", c.HDDs}, {"gpus", c.GPUs}} {
		if n.count < 0 || n.count > maxComponentCount {
			errs = append(errs, fmt.Errorf("embodied.components.%s: %d is out of range (a count, 0 to %d)", n.name, n.count, maxComponentCount))
		}
	}
	return errs
}

func (c *ComponentFactors) validate() []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"base_server_kgco2e", c.BaseServerKgCO2e}, {"base_memory_gb", c.BaseMemoryGB},
		{"memory_kgco2e_per_gb", c.MemoryKgCO2ePerGB}, {"additional_cpu_kgco2e", c.AdditionalCPUKgCO2e},
		{"ssd_kgco2e", c.SSDKgCO2e}, {"hdd_kgco2e", c.HDDKgCO2e}, {"gpu_kgco2e", c.GPUKgCO2e},
	} {
		if err := checkRange(f.v, 0, maxComponentFactor, true); err != nil {
			errs = append(errs, fmt.Errorf("embodied_components.%s: %v", f.name, err))
		}
	}
	if c.BaseServerKgCO2e == 0 {
		errs = append(errs, errors.New("embodied_components.base_server_kgco2e: must be > 0 (CCF uses 1000 kgCO2e)"))
	}
	if strings.TrimSpace(c.Source) == "" {
		errs = append(errs, errors.New("embodied_components.source is required (cite where the factors come from)"))
	}
	return errs
}

func (p *Power) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	abs := p.IdleW != nil || p.MaxW != nil
	per := p.IdleWPerVCPU != nil || p.MaxWPerVCPU != nil
	switch {
	case abs && per:
		add("power: set idle_w/max_w (whole node) or idle_w_per_vcpu/max_w_per_vcpu, not both")
	case abs:
		errs = append(errs, checkPowerPair("idle_w", "max_w", p.IdleW, p.MaxW, maxNodePowerW)...)
	case per:
		errs = append(errs, checkPowerPair("idle_w_per_vcpu", "max_w_per_vcpu", p.IdleWPerVCPU, p.MaxWPerVCPU, maxPowerPerVCPUW)...)
	default:
		add("power: set idle_w and max_w, or idle_w_per_vcpu and max_w_per_vcpu (or remove power)")
	}
	if strings.TrimSpace(p.Source) == "" {
		add("power.source is required (cite the datasheet, SPECpower run or dataset)")
	}
	return errs
}

func checkPowerPair(idleName, maxName string, idle, peak *float64, limit float64) []error {
	var errs []error
	if idle == nil || peak == nil {
		return []error{fmt.Errorf("power: %s and %s go together (set both)", idleName, maxName)}
	}
	if err := checkRange(*idle, 0, limit, true); err != nil {
		errs = append(errs, fmt.Errorf("power.%s: %v (watts)", idleName, err))
	}
	if err := checkRange(*peak, 0, limit, false); err != nil {
		errs = append(errs, fmt.Errorf("power.%s: %v (watts)", maxName, err))
	}
	if len(errs) == 0 && *idle > *peak {
		errs = append(errs, fmt.Errorf("power: %s (%g W) is above %s (%g W); swap them", idleName, *idle, maxName, *peak))
	}
	return errs
}

func checkPUE(v float64) error {
	if v != v || v < minPUE || v > maxPUE {
		return fmt.Errorf("%g is out of range (PUE = facility energy / IT energy, between %g and %g; e.g. 1.135)", v, minPUE, maxPUE)
	}
	return nil
}

// checkRange accepts (lo, hi], or [lo, hi] when zeroOK.
func checkRange(v, lo, hi float64, zeroOK bool) error {
	switch {
	case v != v:
		return errors.New("NaN is not a number")
	case v < lo:
		return fmt.Errorf("%g is negative", v)
	case v == lo && !zeroOK:
		return fmt.Errorf("%g must be greater than %g", v, lo)
	case v > hi:
		return fmt.Errorf("%g is implausibly large (at most %g)", v, hi)
	}
	return nil
}

func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("is required")
	case len(name) > maxNameLength:
		return fmt.Errorf("longer than %d characters", maxNameLength)
	case strings.ContainsAny(name, " \t\r\n"):
		return fmt.Errorf("%q contains whitespace (use letters, digits, '.', '-', '_')", name)
	}
	return nil
}

// ParseDate accepts a date (2023-04-01) or an RFC 3339 time.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (use YYYY-MM-DD, e.g. 2023-04-01, or RFC 3339)", s)
}
