package griddata

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/emission"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
	"github.com/ecotel/ecotel/semconv"
)

// The pitfall fixtures (testdata/replay/pitfalls) are written so that every
// expected number below can be checked by hand from the XML.

func parsePitfall(t *testing.T, name string) *xmldoc.Document {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("../../testdata/replay/pitfalls", name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := xmldoc.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04Z", s)
	if err != nil {
		panic(err)
	}
	return t
}

func byPSR(sources []emission.Source) map[string]float64 {
	m := map[string]float64{}
	for _, s := range sources {
		m[s.PSRType] = s.PowerMW
	}
	return m
}

const nl = "10YNL----------L"

func TestLatestGenerationPitfalls(t *testing.T) {
	doc := parsePitfall(t, "NL_A75_generation.xml")
	now := utc("2025-10-26T12:00Z")
	doc.TruncateAfter(now) // what the receiver does to actual documents
	g, issues, ok := LatestGeneration(doc, nl, now)
	if !ok || !issues.Empty() {
		t.Fatalf("ok=%v issues=%+v", ok, issues)
	}
	// Quarter-hours, half-hours and hours mixed: the finest grid wins.
	if !g.Start.Equal(utc("2025-10-26T11:45Z")) || !g.End.Equal(utc("2025-10-26T12:00Z")) {
		t.Errorf("interval %s–%s", g.Start, g.End)
	}
	want := map[string]float64{
		"B04": 0,    // -12 clamped; the outBiddingZone self-consumption (41) is not added
		"B14": 484,  // the hourly point 11:00–12:00 covers 11:45
		"B16": 900,  // second part of the split series; the future zeros are not data
		"B17": 300,  // half-hourly 11:30–12:00
		"B18": 1600, // the revision listed later wins over 1500
		"B19": 2350, // A03 trailing positions repeat position 9
		"B20": 150,  // 150000 kW
		"B25": 50,   // storage discharge: reported, not counted in the intensity
	}
	got := byPSR(g.Production)
	if len(got) != len(want) {
		t.Errorf("production %v, want %v", got, want)
	}
	for psr, v := range want {
		if got[psr] != v {
			t.Errorf("%s: %v MW, want %v", psr, got[psr], v)
		}
	}
	if c := byPSR(g.Charging); len(c) != 1 || c["B25"] != 120 {
		t.Errorf("charging %v, want B25 120 (B04's consumption is self-consumption, not storage)", c)
	}

	r, ok := emission.Compute(g.Production, emission.DefaultLifecycle(), emission.Options{})
	if !ok {
		t.Fatal("no intensity")
	}
	// (484·12 + 900·45 + 300·230 + (1600+2350)·11 + 150·700) / (484+900+300+3950+150)
	wantIntensity := (484*12 + 900*45 + 300*230 + 3950*11 + 150*700.0) / 5784
	if math.Abs(r.IntensityGPerKWh-wantIntensity) > 1e-9 {
		t.Errorf("lifecycle intensity %v, want %v", r.IntensityGPerKWh, wantIntensity)
	}
	if math.Abs(r.RenewableShare-5150.0/5784) > 1e-12 || math.Abs(r.LowCarbonShare-5634.0/5784) > 1e-12 {
		t.Errorf("shares %v %v", r.RenewableShare, r.LowCarbonShare)
	}
}

func TestLatestGenerationWaitsForLatePublication(t *testing.T) {
	doc := parsePitfall(t, "NL_A75_generation.xml")
	// At 11:50 the quarter 11:45–12:00 and the hour and half-hour containing it
	// are not over: the latest complete interval is 11:15–11:30, the last one
	// that every production type covers with a finished point.
	now := utc("2025-10-26T11:50Z")
	doc.TruncateAfter(now)
	g, _, ok := LatestGeneration(doc, nl, now)
	if !ok || !g.Start.Equal(utc("2025-10-26T10:45Z")) {
		t.Fatalf("latest complete %s (ok=%v)", g.Start, ok)
	}
}

func TestLatestGenerationForeignAndUnknown(t *testing.T) {
	doc := parsePitfall(t, "CZ_A75_generation.xml")
	g, issues, ok := LatestGeneration(doc, "10YCZ-CEPS-----N", utc("2025-10-26T12:00Z"))
	if !ok {
		t.Fatal("no generation")
	}
	if len(issues.UnknownPSRTypes) != 2 || issues.UnknownPSRTypes[0] != "B99" || issues.UnknownPSRTypes[1] != "B21" {
		t.Errorf("unknown PSR types %v", issues.UnknownPSRTypes)
	}
	if !g.Start.Equal(utc("2025-10-26T11:45Z")) || byPSR(g.Production)["B02"] != 3130 {
		t.Errorf("%+v", g)
	}
	// The unreadable position 2 (11:15) makes that quarter incomplete, not zero.
	g, _, _ = LatestGeneration(doc, "10YCZ-CEPS-----N", utc("2025-10-26T11:30Z"))
	if !g.Start.Equal(utc("2025-10-26T11:00Z")) {
		t.Errorf("with 11:15 unreadable, latest complete before 11:30 is 11:00, got %s", g.Start)
	}
	// Asked for another area, nothing of this document counts.
	if _, issues, ok := LatestGeneration(doc, nl, utc("2025-10-26T12:00Z")); ok || issues.ForeignDomain != 5 {
		t.Errorf("foreign: ok=%v %+v", ok, issues)
	}
}

func TestCurrentPricePitfalls(t *testing.T) {
	doc := parsePitfall(t, "NL_A44_prices.xml")
	p, issues, ok := CurrentPrice(doc, nl, utc("2025-10-26T12:00Z"))
	if !ok || !issues.Empty() {
		t.Fatal(ok, issues)
	}
	if p.PerMWh != 74 || p.Currency != "EUR" || !p.Start.Equal(utc("2025-10-26T12:00Z")) || p.End.Sub(p.Start) != 15*time.Minute {
		t.Errorf("revised price at 12:00: %+v, want 74 EUR", p)
	}
	// Position 100 of the 25-hour day, omitted by A03: repeats position 97.
	p, _, _ = CurrentPrice(doc, nl, utc("2025-10-26T22:50Z"))
	if p.PerMWh != 101.2 || !p.Start.Equal(utc("2025-10-26T22:45Z")) {
		t.Errorf("last quarter of the DST day: %+v", p)
	}
	// After the last published day: the last price, which the caller reports stale.
	p, _, ok = CurrentPrice(doc, nl, utc("2025-10-27T09:00Z"))
	if !ok || !p.End.Equal(utc("2025-10-26T23:00Z")) {
		t.Errorf("stale fallback %+v", p)
	}
	if _, _, ok := CurrentPrice(doc, nl, utc("2025-10-20T09:00Z")); ok {
		t.Error("a price before the first published day")
	}

	at := parsePitfall(t, "AT_A44_prices.xml")
	if p, _, _ := CurrentPrice(at, "10YAT-APG------L", utc("2025-10-26T12:00Z")); p.PerMWh != 70.1 {
		t.Errorf("AT: %v, want SDAC 70.1 (EXAA 66.6 is listed later)", p.PerMWh)
	}
	gb := parsePitfall(t, "GB_A44_prices.xml")
	if p, _, _ := CurrentPrice(gb, "10YGB----------A", utc("2025-10-26T12:10Z")); p.Currency != "GBP" || p.PerMWh != 82.35 {
		t.Errorf("GB: %+v", p)
	}
}

func TestCurrentPriceUnits(t *testing.T) {
	doc := &xmldoc.Document{Series: []xmldoc.Series{
		{Domain: nl, Currency: "EUR", PriceUnit: "KWH", Periods: []xmldoc.Period{{Start: utc("2025-10-26T00:00Z"), Resolution: time.Hour, Values: []float64{0.1}}}},
	}}
	if _, issues, ok := CurrentPrice(doc, nl, utc("2025-10-26T00:30Z")); ok || issues.UnsupportedUnit != 1 {
		t.Errorf("price per kWh must not pass as per MWh: ok=%v %+v", ok, issues)
	}
}

func TestLoadAndForecast(t *testing.T) {
	load := &xmldoc.Document{Series: []xmldoc.Series{{
		Domain: nl, Direction: xmldoc.DirectionOut, Unit: "MAW",
		Periods: []xmldoc.Period{{Start: utc("2025-10-26T10:00Z"), Resolution: 15 * time.Minute, Values: []float64{11000, 11200, 11300, math.NaN(), 11500}}},
	}}}
	l, _, ok := LatestLoad(load, nl, utc("2025-10-26T11:15Z"))
	if !ok || l.PowerMW != 11500 || !l.Start.Equal(utc("2025-10-26T11:00Z")) {
		t.Errorf("load %+v", l)
	}
	// At 11:05 the quarter 11:00–11:15 is not over; 10:45 has no value.
	l, _, _ = LatestLoad(load, nl, utc("2025-10-26T11:05Z"))
	if l.PowerMW != 11300 || !l.Start.Equal(utc("2025-10-26T10:30Z")) {
		t.Errorf("load before the gap %+v", l)
	}

	fc := &xmldoc.Document{Series: []xmldoc.Series{
		{Domain: nl, PSRType: "B16", Unit: "MAW", Periods: []xmldoc.Period{{Start: utc("2025-10-26T10:00Z"), Resolution: 15 * time.Minute, Values: []float64{100, 200, 300, 400, 500, 600, 700, 800}}}},
		{Domain: nl, PSRType: "B19", Unit: "MAW", Periods: []xmldoc.Period{{Start: utc("2025-10-26T10:00Z"), Resolution: time.Hour, Values: []float64{1000, 2000}}}},
		{Domain: nl, PSRType: "B18", Unit: "MAW", Periods: []xmldoc.Period{{Start: utc("2025-10-26T10:00Z"), Resolution: 15 * time.Minute, Values: []float64{10, 10, 10, 10, 20, 20, 20}}}},
	}}
	points, _ := UpcomingForecast(fc, nl, utc("2025-10-26T10:40Z"), time.Hour)
	got := map[string][]float64{}
	lead := map[string][]time.Duration{}
	for _, p := range points {
		got[p.Fuel] = append(got[p.Fuel], p.PowerMW)
		lead[p.Fuel] = append(lead[p.Fuel], p.LeadTime)
	}
	// Solar from the quarter containing 10:40 (10:30) to before 11:40.
	if s := got[semconv.AttrGridFuelSolar]; len(s) != 5 || s[0] != 300 || s[4] != 700 || lead[semconv.AttrGridFuelSolar][4] != time.Hour {
		t.Errorf("solar %v lead %v", s, lead[semconv.AttrGridFuelSolar])
	}
	// Wind: onshore (hourly) plus offshore (quarter-hourly) on the finest grid;
	// 11:45 has no offshore value, so it is left out.
	if w := got[semconv.AttrGridFuelWind]; len(w) != 5 || w[0] != 1010 || w[2] != 2020 || w[4] != 2020 {
		t.Errorf("wind %v", w)
	}
}
