package griddata

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/emission"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/sharedtestdata"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
	"github.com/ecotel/ecotel/semconv"
)

// The conformance tests read the real recorded responses beside the
// repository (see ../shared/testdata/entsoe/SOURCES.md) and check the
// receiver's reading of them against figures computed independently with
// Electricity Maps' conventions (reference §3 and §5): production only,
// storage discharge excluded, lifecycle defaults, latest complete timestamp.

func parseShared(t *testing.T, name string) *xmldoc.Document {
	t.Helper()
	doc, err := xmldoc.Parse(sharedtestdata.Read(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func TestConformanceEveryFileParses(t *testing.T) {
	dir := sharedtestdata.Dir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".xml") {
			continue
		}
		n++
		body, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := xmldoc.Parse(body)
		var ack *xmldoc.AckError
		if errors.As(err, &ack) {
			if !ack.NoData() {
				t.Errorf("%s: acknowledgement %v should read as no data", e.Name(), ack)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if doc.Dropped.Points() != 0 || doc.Dropped.InvalidPeriod != 0 {
			t.Errorf("%s: dropped %+v", e.Name(), doc.Dropped)
		}
		if len(doc.Series) == 0 {
			t.Errorf("%s: no series", e.Name())
		}
		for _, s := range doc.Series {
			for _, p := range s.Periods {
				for i, v := range p.Values {
					// A01 and A03 alike: every position of these documents has a value once decompressed.
					if math.IsNaN(v) {
						t.Errorf("%s: series %s %s period %s: position %d has no value", e.Name(), s.MRID, s.PSRType, p.Start, i+1)
						break
					}
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("expected the 11 recorded files, found %d", n)
	}
}

func TestConformanceIntensity(t *testing.T) {
	for _, tc := range []struct {
		file, zone           string
		latest               time.Time
		intensity            float64
		renewable, lowCarbon float64
	}{
		{"FI_production.xml", "FI", time.Date(2025, 10, 24, 11, 45, 0, 0, time.UTC), 81.6, 0.436, 0.944},
		{"SE-SE4_production.xml", "SE-4", time.Date(2025, 10, 23, 9, 0, 0, 0, time.UTC), 143.6, 0.813, 0.813},
		{"NO-NO5_production.xml", "NO-5", time.Date(2023, 5, 11, 7, 0, 0, 0, time.UTC), 24.5, 1, 1},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			doc := parseShared(t, tc.file)
			// "now" is the end of the document: the moment the response was current.
			gen, issues, ok := LatestGeneration(doc, doc.Series[0].Domain, doc.End)
			if !ok || !issues.Empty() {
				t.Fatalf("no generation (ok=%v, issues %+v)", ok, issues)
			}
			if !gen.Start.Equal(tc.latest) {
				t.Errorf("latest complete interval starts %s, want %s", gen.Start, tc.latest)
			}
			r, ok := emission.Compute(gen.Production, emission.DefaultLifecycle(), emission.Options{})
			if !ok {
				t.Fatal("no intensity")
			}
			if math.Abs(r.IntensityGPerKWh-tc.intensity)/tc.intensity > 0.01 {
				t.Errorf("lifecycle intensity %.2f g/kWh, want %.1f ±1%%", r.IntensityGPerKWh, tc.intensity)
			}
			if math.Abs(r.RenewableShare-tc.renewable) > 0.001 || math.Abs(r.LowCarbonShare-tc.lowCarbon) > 0.001 {
				t.Errorf("renewable %.4f, low-carbon %.4f; want %.3f, %.3f", r.RenewableShare, r.LowCarbonShare, tc.renewable, tc.lowCarbon)
			}
			d, ok := emission.Compute(gen.Production, emission.DefaultDirect(), emission.Options{})
			if !ok || d.IntensityGPerKWh >= r.IntensityGPerKWh {
				t.Errorf("direct intensity %.2f should exist and be below lifecycle %.2f", d.IntensityGPerKWh, r.IntensityGPerKWh)
			}
			t.Logf("%s @%s: lifecycle %.2f, direct %.2f g/kWh, renewable %.3f, low-carbon %.3f",
				tc.zone, gen.Start.Format(time.RFC3339), r.IntensityGPerKWh, d.IntensityGPerKWh, r.RenewableShare, r.LowCarbonShare)
		})
	}
}

func TestConformanceCompressedCurveFilled(t *testing.T) {
	doc := parseShared(t, "FI_production.xml")
	for _, s := range doc.Series {
		if s.PSRType != "B04" {
			continue
		}
		if s.CurveType != "A03" || len(s.Periods) != 1 || len(s.Periods[0].Values) != 288 {
			t.Fatalf("B04: curve %s, %d periods, want one A03 period of 288 quarter-hours", s.CurveType, len(s.Periods))
		}
		return
	}
	t.Fatal("no B04 series")
}

func TestConformanceConsumptionSeparated(t *testing.T) {
	// Synthetic BE sample: B10 in both directions, B25 generating.
	doc := parseShared(t, "entsoe_production.xml")
	gen, _, ok := LatestGeneration(doc, "10YBE----------2", doc.End)
	if !ok {
		t.Fatal("no generation")
	}
	var b10in, b10out float64 = -1, -1
	for _, s := range gen.Production {
		if s.PSRType == "B10" {
			b10in = s.PowerMW
		}
	}
	for _, s := range gen.Charging {
		if s.PSRType == "B10" {
			b10out = s.PowerMW
		}
		if s.PSRType != "B10" && s.PSRType != "B25" {
			t.Errorf("charging holds non-storage %s", s.PSRType)
		}
	}
	if b10in < 0 || b10out < 0 || b10in == b10out {
		t.Errorf("B10 generation %v and charging %v must both be read, separately", b10in, b10out)
	}
	for _, s := range gen.Production {
		if s.PSRType == "B10" && s.Fuel != semconv.AttrGridFuelHydroStorage {
			t.Errorf("B10 fuel %s", s.Fuel)
		}
	}
}

func TestConformanceSplitSeriesMerged(t *testing.T) {
	// LU: every production type comes in two TimeSeries around a gap at 04:00Z;
	// the document's end is the latest complete interval.
	doc := parseShared(t, "LU_production.xml")
	gen, issues, ok := LatestGeneration(doc, "10YLU-CEGEDEL-NQ", doc.End)
	if !ok || !issues.Empty() {
		t.Fatalf("ok=%v issues=%+v", ok, issues)
	}
	if want := doc.End.Add(-15 * time.Minute); !gen.Start.Equal(want) {
		t.Errorf("latest complete interval %s, want %s", gen.Start, want)
	}
	if len(gen.Production) != 7 {
		t.Errorf("production types %d, want 7 (B01 B04 B11 B12 B16 B17 B19)", len(gen.Production))
	}
}

func TestConformanceMixedResolutionPrices(t *testing.T) {
	doc := parseShared(t, "ES_day_ahead_price.xml")
	// The first two days are hourly, the last two quarter-hourly (SDAC 15-min go-live).
	hourly, _, ok := CurrentPrice(doc, "10YES-REE------0", time.Date(2025, 9, 29, 10, 20, 0, 0, time.UTC))
	if !ok || hourly.End.Sub(hourly.Start) != time.Hour || hourly.Currency != "EUR" {
		t.Errorf("hourly day: %+v", hourly)
	}
	quarter, _, ok := CurrentPrice(doc, "10YES-REE------0", time.Date(2025, 10, 2, 10, 20, 0, 0, time.UTC))
	if !ok || quarter.End.Sub(quarter.Start) != 15*time.Minute || !quarter.Start.Equal(time.Date(2025, 10, 2, 10, 15, 0, 0, time.UTC)) {
		t.Errorf("quarter-hourly day: %+v", quarter)
	}
}

func TestConformanceSDACSequence(t *testing.T) {
	doc := parseShared(t, "response.xml")
	p, _, ok := CurrentPrice(doc, "10Y1001A1001A82H", time.Date(2021, 1, 1, 12, 40, 0, 0, time.UTC))
	if !ok {
		t.Fatal("no price")
	}
	if p.End.Sub(p.Start) != time.Hour {
		t.Errorf("price interval %s–%s: sequence 2 (EXAA, PT15M) leaked in; SDAC is hourly", p.Start, p.End)
	}
	// Day two's SDAC curve (A03) omits position 11 (09:00Z): it repeats 08:00Z's price.
	omitted, _, ok := CurrentPrice(doc, "10Y1001A1001A82H", time.Date(2021, 1, 2, 9, 30, 0, 0, time.UTC))
	before, _, _ := CurrentPrice(doc, "10Y1001A1001A82H", time.Date(2021, 1, 2, 8, 30, 0, 0, time.UTC))
	if !ok || omitted.PerMWh != before.PerMWh || !omitted.Start.Equal(time.Date(2021, 1, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("omitted position: %+v, position before: %+v", omitted, before)
	}
}

func TestConformanceLoad(t *testing.T) {
	doc := parseShared(t, "DK-DK1_consumption.xml")
	l, _, ok := LatestLoad(doc, "10YDK-1--------W", doc.End)
	if !ok || !l.End.Equal(time.Date(2023, 12, 30, 14, 0, 0, 0, time.UTC)) || l.PowerMW <= 0 {
		t.Errorf("latest load %+v", l)
	}
}
