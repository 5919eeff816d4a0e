package entsoereceiver

import (
	"sort"
	"time"

	"github.com/ecotel/ecotel/internal/ecostatus"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/emission"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/griddata"
)

var _ ecostatus.Source = (*gridScraper)(nil)

// zoneStatus is what one scrape emitted about a zone, kept for the status
// page. Every scrape builds new values, so a snapshot can share them.
type zoneStatus struct {
	zone ecostatus.Zone
	// generationEnd is the end of the interval the intensity describes; the
	// data age is measured from it when the page is asked.
	generationEnd time.Time
}

// setGeneration records the mix, summed per fuel (several production types
// map to one fuel), and the interval.
func (st *zoneStatus) setGeneration(g griddata.Generation) {
	byFuel := map[string]float64{}
	for _, src := range g.Production {
		byFuel[src.Fuel] += src.PowerMW
	}
	mix := make([]ecostatus.FuelMW, 0, len(byFuel))
	for fuel, mw := range byFuel {
		mix = append(mix, ecostatus.FuelMW{Fuel: fuel, MW: mw})
	}
	sort.Slice(mix, func(i, j int) bool { return mix[i].Fuel < mix[j].Fuel })
	start := g.Start
	st.zone.Mix, st.zone.IntervalStart, st.generationEnd = mix, &start, g.End
}

func (st *zoneStatus) setLifecycle(r emission.Result) {
	st.zone.IntensityLifecycleGPerKWh = &r.IntensityGPerKWh
	st.zone.RenewableShare = &r.RenewableShare
	st.zone.LowCarbonShare = &r.LowCarbonShare
}

// StatusSnapshot implements ecostatus.Source: every zone's intensities,
// shares, mix and price as last emitted, and the age of its generation data
// now. Called by the status page's handlers, never by the scrape.
func (s *gridScraper) StatusSnapshot() ecostatus.Snapshot {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := ecostatus.Snapshot{Zones: make([]ecostatus.Zone, 0, len(s.status))}
	for _, st := range s.status {
		z := st.zone
		if !st.generationEnd.IsZero() {
			age := max(now.Sub(st.generationEnd), 0).Seconds()
			z.DataAgeSeconds = &age
		}
		out.Zones = append(out.Zones, z)
	}
	return out
}
