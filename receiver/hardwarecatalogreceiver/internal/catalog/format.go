// Package catalog is the hardware catalog: the YAML format of hardware
// profiles (embodied emissions, lifetime, vCPUs, memory, power, PUE — every
// figure with its source), the built-in default catalog with cited public
// figures, validation with errors that name the profile, the field and the
// fix, profile inheritance (extends), and the component-based estimate of
// embodied emissions.
package catalog

import (
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/matching"
)

// File is one catalog file as written.
type File struct {
	// EmbodiedComponents are the factors of the component-based estimate
	// (Profile.Embodied.Components). The built-in catalog sets CCF's; a file
	// that sets them replaces them.
	EmbodiedComponents *ComponentFactors `yaml:"embodied_components,omitempty"`
	// Sites are data centres or providers with a PUE that profiles refer to.
	Sites []Site `yaml:"sites,omitempty"`
	// Profiles describe kinds of hardware.
	Profiles []Profile `yaml:"profiles,omitempty"`
	// Rules match nodes to profiles, in order; see package matching.
	Rules []matching.Rule `yaml:"rules,omitempty"`
}

// Site is a data centre, a provider or a provider's region with a PUE.
type Site struct {
	Name string `yaml:"name"`
	// PUE is the power usage effectiveness (facility energy / IT energy), ≥ 1.
	PUE *float64 `yaml:"pue"`
	// Source says where the figure comes from (required).
	Source string `yaml:"source"`
	// Note records caveats (e.g. conflicting published values).
	Note string `yaml:"note,omitempty"`
	// Regions override the PUE for nodes in a cloud region (cloud.region).
	Regions []RegionPUE `yaml:"regions,omitempty"`
}

// RegionPUE is a region-specific PUE of a site.
type RegionPUE struct {
	Region string   `yaml:"region"`
	PUE    *float64 `yaml:"pue"`
	Source string   `yaml:"source"`
}

// Profile is one kind of hardware. Pointer fields distinguish "unset"
// (inherited from the base profile) from zero.
type Profile struct {
	Name string `yaml:"name"`
	// Extends names a base profile whose fields this one inherits.
	Extends string `yaml:"extends,omitempty"`
	// Abstract profiles only serve as bases: they may be incomplete and are
	// never assigned to nodes.
	Abstract    bool   `yaml:"abstract,omitempty"`
	Description string `yaml:"description,omitempty"`
	// Provider is the cloud.provider of nodes of this profile (aws, gcp,
	// azure, …); it lets a node's cloud region name its bidding zone when the
	// node itself does not say which provider runs it.
	Provider string `yaml:"provider,omitempty"`

	Embodied *Embodied `yaml:"embodied,omitempty"`

	// LifetimeYears is the expected lifespan (EL in SCI); LifetimeSource cites it.
	LifetimeYears  *float64 `yaml:"lifetime_years,omitempty"`
	LifetimeSource string   `yaml:"lifetime_source,omitempty"`

	// Commissioned is the manufacture or commissioning date (YYYY-MM-DD or
	// RFC 3339), when the whole fleet of this profile shares one; nodes can
	// override it with the ecotel.io/commissioned annotation.
	Commissioned string `yaml:"commissioned,omitempty"`

	// VCPUs and MemoryGiB describe the node. Leave them unset for families of
	// cloud instances whose sizes differ: the node's own capacity is used.
	VCPUs     *float64 `yaml:"vcpus,omitempty"`
	MemoryGiB *float64 `yaml:"memory_gib,omitempty"`

	Power *Power `yaml:"power,omitempty"`

	// PUE of the hosting facility, with PUESource; or Site, a reference to a
	// site's PUE. Setting either replaces both inherited values.
	PUE       *float64 `yaml:"pue,omitempty"`
	PUESource string   `yaml:"pue_source,omitempty"`
	Site      string   `yaml:"site,omitempty"`

	// Labels are free-form facts: vendor, model, datasheet URL, CPU
	// microarchitecture, … (merged with the base profile's).
	Labels map[string]string `yaml:"labels,omitempty"`
}

// Embodied is a profile's total embodied emissions (TE in SCI): either a
// published total or a component-based estimate.
type Embodied struct {
	// TotalKgCO2e is the published total, in kilograms of CO2e.
	TotalKgCO2e *float64 `yaml:"total_kgco2e,omitempty"`
	// Components asks for the component-based estimate instead.
	Components *Components `yaml:"components,omitempty"`
	// HostVCPUs is set when the total describes a whole physical host shared
	// by virtual machines (cloud instance families): a node gets the share
	// node vCPUs / HostVCPUs, as Cloud Carbon Footprint does (RR/ToR with the
	// largest instance of the family as ToR).
	HostVCPUs *float64 `yaml:"host_vcpus,omitempty"`
	// Source cites the figure (required).
	Source string `yaml:"source"`
}

// Components describes a server for the component-based estimate.
type Components struct {
	// CPUs is the number of CPU sockets (the base server has one).
	CPUs int `yaml:"cpus"`
	// MemoryGB is the installed memory in GB.
	MemoryGB float64 `yaml:"memory_gb"`
	SSDs     int     `yaml:"ssds,omitempty"`
	HDDs     int     `yaml:"hdds,omitempty"`
	GPUs     int     `yaml:"gpus,omitempty"`
}

// ComponentFactors are the constants of the component-based estimate, in kgCO2e.
type ComponentFactors struct {
	BaseServerKgCO2e    float64 `yaml:"base_server_kgco2e"`
	BaseMemoryGB        float64 `yaml:"base_memory_gb"`
	MemoryKgCO2ePerGB   float64 `yaml:"memory_kgco2e_per_gb"`
	AdditionalCPUKgCO2e float64 `yaml:"additional_cpu_kgco2e"`
	SSDKgCO2e           float64 `yaml:"ssd_kgco2e"`
	HDDKgCO2e           float64 `yaml:"hdd_kgco2e"`
	GPUKgCO2e           float64 `yaml:"gpu_kgco2e"`
	Source              string  `yaml:"source"`
}

// Power is a profile's IT power draw (before PUE): absolute for the whole
// node, or per vCPU (scaled by the node's vCPUs).
type Power struct {
	IdleW        *float64 `yaml:"idle_w,omitempty"`
	MaxW         *float64 `yaml:"max_w,omitempty"`
	IdleWPerVCPU *float64 `yaml:"idle_w_per_vcpu,omitempty"`
	MaxWPerVCPU  *float64 `yaml:"max_w_per_vcpu,omitempty"`
	Source       string   `yaml:"source"`
}
