// Package griddata reads, from parsed ENTSO-E documents, the values the
// receiver reports at a given instant ("now"): the generation mix of the
// latest complete interval, the day-ahead price of the current interval, the
// latest total load and the upcoming wind/solar forecast. It applies the
// platform's conventions: generation (inBiddingZone) and consumption
// (outBiddingZone) never mix, storage charging is kept apart, negative
// generation is clamped to 0, only intervals that have ended count as actual,
// points in the future are ignored, and for DE-LU/AT prices only the SDAC
// auction (classification sequence 1) is used.
package griddata

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/emission"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/timeline"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
)

// Issues are the parts of a document left unused because they cannot be
// interpreted (as opposed to parts that are deliberately not reported, such
// as self-consumption series).
type Issues struct {
	// UnsupportedUnit counts series with a unit other than MW/kW (or €/MWh for prices).
	UnsupportedUnit int
	// UnknownPSRTypes lists production types with no fuel mapping.
	UnknownPSRTypes []string
	// ForeignDomain counts series about another area than the one asked for.
	ForeignDomain int
}

func (i *Issues) unknownPSRType(psr string) {
	for _, p := range i.UnknownPSRTypes {
		if p == psr {
			return
		}
	}
	i.UnknownPSRTypes = append(i.UnknownPSRTypes, psr)
}

// Empty reports whether nothing was left unused.
func (i Issues) Empty() bool {
	return i.UnsupportedUnit == 0 && len(i.UnknownPSRTypes) == 0 && i.ForeignDomain == 0
}

// powerScale converts a quantity unit to MW; ENTSO-E reports MAW (megawatt,
// the average power over the interval).
func powerScale(unit string) (float64, bool) {
	switch unit {
	case "MAW", "MW":
		return 1, true
	case "KWT":
		return 1e-3, true
	}
	return 0, false
}

// matches reports whether a series is about the queried area. An empty
// domain accepts every series (replay has already matched the document).
func matches(s *xmldoc.Series, domain string, issues *Issues) bool {
	if domain == "" || s.Domain == domain {
		return true
	}
	issues.ForeignDomain++
	return false
}

// Generation is the mix of one interval.
type Generation struct {
	Start, End time.Time
	// Production is the average generation per production type (negative
	// values clamped to 0), sorted by PSR type; storage discharge included.
	Production []emission.Source
	// Charging is the average power drawn by storage (B10, B25 in the
	// outBiddingZone direction), sorted by PSR type.
	Charging []emission.Source
}

type curveKey struct {
	psr string
	dir xmldoc.Direction
}

// LatestGeneration finds, in an actual generation per production type
// document (A75), the latest interval that has ended by now and for which
// every production type publishes: Electricity Maps' rule of dropping
// timestamps reported by fewer series than the most any timestamp has, so a
// TSO's late publication of one type never makes a fossil-free (or fossil-only)
// mix out of a partial one. Documents with mixed resolutions are read on the
// finest grid: a coarser point covers each finer interval inside it.
func LatestGeneration(doc *xmldoc.Document, domain string, now time.Time) (Generation, Issues, bool) {
	var issues Issues
	periods := map[curveKey][]xmldoc.Period{}
	scale := map[curveKey]float64{}
	eachProductionSeries(doc, domain, &issues, func(s *xmldoc.Series, k float64) {
		key := curveKey{s.PSRType, s.Direction}
		if old, seen := scale[key]; seen && old != k {
			// One production type in two units: keep the first, count the other.
			issues.UnsupportedUnit++
			return
		}
		scale[key] = k
		periods[key] = append(periods[key], s.Periods...)
	})

	type sourceCurve struct {
		key   curveKey
		curve timeline.Curve
	}
	var production, charging []sourceCurve
	for key, ps := range periods {
		c := timeline.Build(ps)
		if len(c) == 0 {
			continue
		}
		fuel, _ := emission.FuelOf(key.psr)
		switch {
		case key.dir == xmldoc.DirectionIn:
			production = append(production, sourceCurve{key, c})
		case emission.IsStorage(fuel):
			charging = append(charging, sourceCurve{key, c})
		default:
			// Self-consumption of a generation type: not generation, not
			// storage; Electricity Maps ignores it too.
		}
	}
	sort.Slice(production, func(i, j int) bool { return production[i].key.psr < production[j].key.psr })
	sort.Slice(charging, func(i, j int) bool { return charging[i].key.psr < charging[j].key.psr })
	if len(production) == 0 {
		return Generation{}, issues, false
	}

	// Candidate interval starts: every start of a production point that has ended by now.
	var starts []time.Time
	for _, sc := range production {
		for _, p := range sc.curve {
			if !p.End.After(now) {
				starts = append(starts, p.Start)
			}
		}
	}
	if len(starts) == 0 {
		return Generation{}, issues, false
	}
	slices.SortFunc(starts, time.Time.Compare)
	starts = slices.CompactFunc(starts, time.Time.Equal)

	// Count, for every start, the production types with a finished point
	// covering it: one forward sweep per curve (starts and points are sorted).
	counts := make([]int, len(starts))
	for _, sc := range production {
		j := 0
		for i, t := range starts {
			for j < len(sc.curve) && !sc.curve[j].End.After(t) {
				j++
			}
			if j < len(sc.curve) && !sc.curve[j].Start.After(t) && !sc.curve[j].End.After(now) {
				counts[i]++
			}
		}
	}
	maxCount := slices.Max(counts)
	chosen := -1
	for i := len(starts) - 1; i >= 0; i-- {
		if counts[i] == maxCount {
			chosen = i
			break
		}
	}
	covering := func(c timeline.Curve, t time.Time) (timeline.Point, bool) {
		p, ok := c.At(t)
		if !ok || p.End.After(now) {
			return timeline.Point{}, false
		}
		return p, true
	}
	t := starts[chosen]
	g := Generation{Start: t}
	for _, sc := range production {
		p, ok := covering(sc.curve, t)
		if !ok {
			continue
		}
		if g.End.IsZero() || p.End.Before(g.End) {
			g.End = p.End
		}
		fuel, _ := emission.FuelOf(sc.key.psr)
		g.Production = append(g.Production, emission.Source{PSRType: sc.key.psr, Fuel: fuel, PowerMW: math.Max(p.Value*scale[sc.key], 0)})
	}
	for _, sc := range charging {
		p, ok := sc.curve.At(t)
		if !ok {
			continue
		}
		fuel, _ := emission.FuelOf(sc.key.psr)
		g.Charging = append(g.Charging, emission.Source{PSRType: sc.key.psr, Fuel: fuel, PowerMW: math.Max(p.Value*scale[sc.key], 0)})
	}
	return g, issues, true
}

// eachProductionSeries calls use with every series of a generation document
// that is about domain, in a power unit and of a production type with a fuel,
// and with the factor converting its values to MW; the others are counted
// in issues.
func eachProductionSeries(doc *xmldoc.Document, domain string, issues *Issues, use func(s *xmldoc.Series, scaleMW float64)) {
	for i := range doc.Series {
		s := &doc.Series[i]
		if !matches(s, domain, issues) {
			continue
		}
		k, ok := scaleOf(s, issues)
		if !ok {
			continue
		}
		if _, ok := emission.FuelOf(s.PSRType); !ok {
			issues.unknownPSRType(s.PSRType)
			continue
		}
		use(s, k)
	}
}

func scaleOf(s *xmldoc.Series, issues *Issues) (float64, bool) {
	k, ok := powerScale(s.Unit)
	if !ok {
		issues.UnsupportedUnit++
	}
	return k, ok
}

// Price is the day-ahead price of one interval.
type Price struct {
	Start, End time.Time
	// PerMWh is the price per MWh in Currency.
	PerMWh   float64
	Currency string
}

// CurrentPrice returns the day-ahead price (A44) of the interval containing
// now; when the document has none (publication late, or the source
// unreachable for a day), the latest price before now, which the caller
// reports as stale. Only the SDAC auction counts (classification sequence 1,
// or no sequence); overlapping resolutions resolve to the finest.
func CurrentPrice(doc *xmldoc.Document, domain string, now time.Time) (Price, Issues, bool) {
	var issues Issues
	periods := map[string][]xmldoc.Period{}
	var currencies []string
	for i := range doc.Series {
		s := &doc.Series[i]
		if !matches(s, domain, &issues) {
			continue
		}
		if s.Sequence > 1 {
			continue // EXAA (sequence 2) and other non-SDAC auctions
		}
		if s.PriceUnit != "MWH" || s.Currency == "" {
			issues.UnsupportedUnit++
			continue
		}
		if _, seen := periods[s.Currency]; !seen {
			currencies = append(currencies, s.Currency)
		}
		periods[s.Currency] = append(periods[s.Currency], s.Periods...)
	}
	var best Price
	found := false
	// With several currencies (rare), the latest-listed one covering now wins.
	for i := len(currencies) - 1; i >= 0 && !found; i-- {
		c := timeline.Build(periods[currencies[i]])
		if p, ok := c.At(now); ok {
			best, found = Price{p.Start, p.End, p.Value, currencies[i]}, true
		}
	}
	if found {
		return best, issues, true
	}
	for _, cur := range currencies {
		c := timeline.Build(periods[cur])
		if p, ok := c.LastEndingBy(now); ok && (!found || p.End.After(best.End)) {
			best, found = Price{p.Start, p.End, p.Value, cur}, true
		}
	}
	return best, issues, found
}

// Load is the average total load of one interval.
type Load struct {
	Start, End time.Time
	PowerMW    float64
}

// LatestLoad returns the latest interval of actual total load (A65) that has
// ended by now.
func LatestLoad(doc *xmldoc.Document, domain string, now time.Time) (Load, Issues, bool) {
	var issues Issues
	var periods []xmldoc.Period
	var k float64
	for i := range doc.Series {
		s := &doc.Series[i]
		if !matches(s, domain, &issues) {
			continue
		}
		sk, ok := scaleOf(s, &issues)
		if !ok || (k != 0 && sk != k) {
			continue
		}
		k = sk
		periods = append(periods, s.Periods...)
	}
	p, ok := timeline.Build(periods).LastEndingBy(now)
	if !ok {
		return Load{}, issues, false
	}
	return Load{p.Start, p.End, p.Value * k}, issues, true
}

// ForecastPoint is a forecast of one fuel's generation over one interval.
type ForecastPoint struct {
	Fuel       string
	Start, End time.Time
	PowerMW    float64
	// LeadTime is how far Start lies after the start of the interval
	// containing now (0 for the current interval).
	LeadTime time.Duration
}

// UpcomingForecast returns the wind and solar day-ahead forecast (A69) from
// the interval containing now up to now+horizon, summed per fuel (wind
// onshore and offshore together). An interval is left out for a fuel when one
// of that fuel's production types has no value for it.
func UpcomingForecast(doc *xmldoc.Document, domain string, now time.Time, horizon time.Duration) ([]ForecastPoint, Issues) {
	var issues Issues
	periods := map[string][]xmldoc.Period{}
	scale := map[string]float64{}
	eachProductionSeries(doc, domain, &issues, func(s *xmldoc.Series, k float64) {
		if s.Direction == xmldoc.DirectionIn {
			scale[s.PSRType] = k
			periods[s.PSRType] = append(periods[s.PSRType], s.Periods...)
		}
	})
	byFuel := map[string][]string{}
	curves := map[string]timeline.Curve{}
	for psr, ps := range periods {
		fuel, _ := emission.FuelOf(psr)
		byFuel[fuel] = append(byFuel[fuel], psr)
		curves[psr] = timeline.Build(ps)
	}
	until := now.Add(horizon)
	var out []ForecastPoint
	for fuel, psrs := range byFuel {
		var starts []time.Time
		for _, psr := range psrs {
			for _, p := range curves[psr] {
				if p.End.After(now) && p.Start.Before(until) {
					starts = append(starts, p.Start)
				}
			}
		}
		slices.SortFunc(starts, time.Time.Compare)
		for _, t := range slices.CompactFunc(starts, time.Time.Equal) {
			fp := ForecastPoint{Fuel: fuel, Start: t}
			complete := true
			for _, psr := range psrs {
				p, ok := curves[psr].At(t)
				if !ok {
					complete = false
					break
				}
				if fp.End.IsZero() || p.End.Before(fp.End) {
					fp.End = p.End
				}
				fp.PowerMW += math.Max(p.Value*scale[psr], 0)
			}
			if !complete || !fp.End.After(now) {
				continue // a fuel type without value, or a slice already over
			}
			res := fp.End.Sub(fp.Start)
			current := now.Truncate(res)
			if current.Before(fp.Start) || current.Equal(fp.Start) {
				fp.LeadTime = fp.Start.Sub(current)
			}
			out = append(out, fp)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Fuel != out[j].Fuel {
			return out[i].Fuel < out[j].Fuel
		}
		return out[i].Start.Before(out[j].Start)
	})
	return out, issues
}
