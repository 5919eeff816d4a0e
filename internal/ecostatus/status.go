// Package ecostatus is the narrow interface between components that know
// part of ecotel's live state and the ecostatus extension that shows it.
// Components (the entsoe receiver, the sci processor, …) look for a
// Registrar among the host's extensions in Start and register a Source; the
// extension merges the partial Snapshots of all sources on each request.
// Neither side imports the other.
package ecostatus

import (
	"time"

	"go.opentelemetry.io/collector/component"
)

// Registrar is implemented by the ecostatus extension.
type Registrar interface {
	// RegisterStatusSource adds a source; the returned function removes it
	// (call it from the component's Shutdown).
	RegisterStatusSource(id component.ID, src Source) (unregister func())
}

// Source gives a snapshot of what a component knows. It is called from the
// extension's HTTP handlers, concurrently with the component's work, so it
// must copy under its own lock and return quickly.
type Source interface {
	StatusSnapshot() Snapshot
}

// Register registers src with every Registrar among host's extensions and
// returns a function that undoes it. Components call it in Start.
func Register(host component.Host, id component.ID, src Source) (unregister func()) {
	var undo []func()
	for _, ext := range host.GetExtensions() {
		if r, ok := ext.(Registrar); ok {
			undo = append(undo, r.RegisterStatusSource(id, src))
		}
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

// Snapshot is a partial view of the state; the extension merges the
// snapshots of all sources by zone code, node name and pod UID.
type Snapshot struct {
	Zones []Zone `json:"zones,omitempty"`
	Nodes []Node `json:"nodes,omitempty"`
	Pods  []Pod  `json:"pods,omitempty"`
}

// Zone is a bidding zone's grid state. Zero values mean "not known".
type Zone struct {
	Code                      string     `json:"code"`
	IntensityLifecycleGPerKWh *float64   `json:"intensity_lifecycle_g_per_kwh,omitempty"`
	IntensityDirectGPerKWh    *float64   `json:"intensity_direct_g_per_kwh,omitempty"`
	RenewableShare            *float64   `json:"renewable_share,omitempty"`
	LowCarbonShare            *float64   `json:"low_carbon_share,omitempty"`
	PricePerMWh               *float64   `json:"price_per_mwh,omitempty"`
	Currency                  string     `json:"currency,omitempty"`
	GreenHeadroom             *float64   `json:"green_headroom,omitempty"`
	Mix                       []FuelMW   `json:"mix,omitempty"`
	IntervalStart             *time.Time `json:"interval_start,omitempty"`
	DataAgeSeconds            *float64   `json:"data_age_seconds,omitempty"`
}

// FuelMW is one fuel's generation.
type FuelMW struct {
	Fuel string  `json:"fuel"`
	MW   float64 `json:"mw"`
}

// Node is one node's hardware and carbon state.
type Node struct {
	Name                  string   `json:"name"`
	Zone                  string   `json:"zone,omitempty"`
	Profile               string   `json:"profile,omitempty"`
	PUE                   *float64 `json:"pue,omitempty"`
	EmbodiedRateGPerHour  *float64 `json:"embodied_rate_g_per_hour,omitempty"`
	VCPUs                 *float64 `json:"vcpus,omitempty"`
	CarbonPerVCPUGPerHour *float64 `json:"carbon_per_vcpu_g_per_hour,omitempty"`
	SCI                   *SCI     `json:"sci,omitempty"`
}

// Pod is one pod's carbon state.
type Pod struct {
	UID        string `json:"uid"`
	Name       string `json:"name,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Node       string `json:"node,omitempty"`
	Deployment string `json:"deployment,omitempty"`
	SCI        *SCI   `json:"sci,omitempty"`
}

// SCI is one SCI value with the components that reproduce it:
// Score = (EnergyKWh × IntensityGPerKWh + EmbodiedG) / FunctionalUnits.
type SCI struct {
	Score            float64 `json:"score_g"`
	FunctionalUnit   string  `json:"functional_unit"`
	EnergyKWh        float64 `json:"energy_kwh"`
	IntensityGPerKWh float64 `json:"intensity_g_per_kwh"`
	PUE              float64 `json:"pue"`
	EmbodiedG        float64 `json:"embodied_g"`
	OperationalG     float64 `json:"operational_g"`
	FunctionalUnits  float64 `json:"functional_units"`
	WindowSeconds    float64 `json:"window_seconds"`
}
