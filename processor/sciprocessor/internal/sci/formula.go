package sci

import (
	"errors"
	"math"
)

// JoulesPerKWh converts measured energy (J) to the kWh SCI is expressed in.
const JoulesPerKWh = 3.6e6

// SecondsPerHour converts durations to the hours of time-based functional units.
const SecondsPerHour = 3600.0

// ErrNoFunctionalUnits is returned when R is zero, negative or not a number:
// SCI is undefined then, and the processor reports the window as unavailable
// instead of inventing a value (Impact Framework's Sci falls back to
// sci = carbon in that case; we do not).
var ErrNoFunctionalUnits = errors.New("functional units R must be > 0")

// Components are the terms of one SCI value, each in the unit the
// specification uses, so that ScoreG = (EnergyKWh × IntensityGPerKWh + EmbodiedG) / FunctionalUnits
// holds exactly for the emitted numbers.
type Components struct {
	// ITEnergyKWh is the energy measured at the IT equipment, before PUE.
	ITEnergyKWh float64
	// PUE is the data-centre overhead factor applied to ITEnergyKWh.
	PUE float64
	// EnergyKWh is E = ITEnergyKWh × PUE.
	EnergyKWh float64
	// IntensityGPerKWh is I, the grid carbon intensity.
	IntensityGPerKWh float64
	// OperationalG is O = E × I.
	OperationalG float64
	// EmbodiedG is M = TE × (TiR / EL) × (RR / ToR).
	EmbodiedG float64
	// FunctionalUnits is R.
	FunctionalUnits float64
	// ScoreG is SCI = (O + M) / R, in grams per functional unit.
	ScoreG float64
}

// CarbonG is C = O + M, the carbon of the boundary over the window.
func (c Components) CarbonG() float64 { return c.OperationalG + c.EmbodiedG }

// EmbodiedG is the specification's M = TE × (TiR / EL) × (RR / ToR): total
// embodied emissions amortized to the time reserved and to the share of the
// hardware reserved. TiR and EL are in seconds; resourceShare is RR/ToR.
func EmbodiedG(totalEmbodiedG, reservedS, lifetimeS, resourceShare float64) float64 {
	if lifetimeS <= 0 {
		return 0
	}
	return totalEmbodiedG * (reservedS / lifetimeS) * resourceShare
}

// Compose builds the SCI components from IT energy in joules, PUE, grid
// intensity, embodied emissions and R. It refuses a non-positive R
// (ErrNoFunctionalUnits) and any input that is negative or not finite, so
// a score is never negative and never made up.
func Compose(itEnergyJ, pue, intensityGPerKWh, embodiedG, functionalUnits float64) (Components, error) {
	if !(functionalUnits > 0) || math.IsInf(functionalUnits, 0) {
		return Components{}, ErrNoFunctionalUnits
	}
	for _, v := range [...]float64{itEnergyJ, pue, intensityGPerKWh, embodiedG} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return Components{}, errors.New("SCI inputs must be finite and non-negative")
		}
	}
	c := Components{
		ITEnergyKWh:      itEnergyJ / JoulesPerKWh,
		PUE:              pue,
		IntensityGPerKWh: intensityGPerKWh,
		EmbodiedG:        embodiedG,
		FunctionalUnits:  functionalUnits,
	}
	c.EnergyKWh = c.ITEnergyKWh * pue
	c.OperationalG = c.EnergyKWh * intensityGPerKWh
	c.ScoreG = (c.OperationalG + c.EmbodiedG) / functionalUnits
	return c, nil
}

// Sum adds components of several boundaries that share R's kind (a
// deployment's pods, a namespace's pods), as the specification allows for
// SCIs with the same functional unit. E, O and M add up; I and PUE of the sum
// are the energy-weighted means (O/E and E/IT), so that the roll-up's score
// still equals (E × I + M) / R exactly. R is given by the caller because it
// is not always the sum of the parts (time-based R is the window's hours for
// any boundary).
func Sum(parts []Components, functionalUnits float64) (Components, error) {
	if !(functionalUnits > 0) || math.IsInf(functionalUnits, 0) {
		return Components{}, ErrNoFunctionalUnits
	}
	var s Components
	for _, p := range parts {
		s.ITEnergyKWh += p.ITEnergyKWh
		s.EnergyKWh += p.EnergyKWh
		s.OperationalG += p.OperationalG
		s.EmbodiedG += p.EmbodiedG
	}
	if s.EnergyKWh > 0 {
		s.IntensityGPerKWh = s.OperationalG / s.EnergyKWh
	} else if len(parts) > 0 {
		// No energy at all: I does not weigh in; report the plain mean so the
		// series stays meaningful.
		for _, p := range parts {
			s.IntensityGPerKWh += p.IntensityGPerKWh / float64(len(parts))
		}
	}
	if s.ITEnergyKWh > 0 {
		s.PUE = s.EnergyKWh / s.ITEnergyKWh
	} else if len(parts) > 0 {
		for _, p := range parts {
			s.PUE += p.PUE / float64(len(parts))
		}
	}
	// Recompute O from the published E and I so that E × I reproduces it to
	// the last bit a float allows.
	s.OperationalG = s.EnergyKWh * s.IntensityGPerKWh
	s.FunctionalUnits = functionalUnits
	s.ScoreG = (s.OperationalG + s.EmbodiedG) / functionalUnits
	return s, nil
}

// ProfileWatts is a node's IT power interpolated from its hardware profile's
// idle and max power at the given utilization (the linear power model of
// SPECpower-style profiles). The ranking signal uses it when the node reports
// no measured energy.
func ProfileWatts(idleW, maxW, utilization float64) float64 {
	if utilization < 0 {
		utilization = 0
	}
	if utilization > 1 {
		utilization = 1
	}
	return idleW + (maxW-idleW)*utilization
}

// CarbonPerVCPUHourG is the node ranking signal: grams of CO2e that one
// vCPU-hour on this node costs now, operational plus amortized embodied:
//
//	W/vCPU × PUE × I / 1000  +  TE / (EL in hours) / vCPUs
//
// Both terms are per vCPU, so nodes of different sizes and hardware compare.
func CarbonPerVCPUHourG(nodeWatts, vcpus, pue, intensityGPerKWh, totalEmbodiedG, lifetimeS float64) (float64, bool) {
	if !(vcpus > 0) || !(lifetimeS > 0) || nodeWatts < 0 || pue <= 0 || intensityGPerKWh < 0 || totalEmbodiedG < 0 {
		return 0, false
	}
	operational := nodeWatts / vcpus * pue * intensityGPerKWh / 1000
	embodied := totalEmbodiedG / (lifetimeS / SecondsPerHour) / vcpus
	return operational + embodied, true
}
