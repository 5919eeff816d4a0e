package griddata

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/emission"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
)

// threeDayA75 writes an actual generation document like DE-LU's: 15
// production types plus pumped-storage consumption, 3 days of quarter-hours
// (288 positions each, every position present: the costliest A01 shape).
func threeDayA75() []byte {
	var b strings.Builder
	start := time.Date(2025, 11, 9, 12, 0, 0, 0, time.UTC)
	end := start.Add(72 * time.Hour)
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0">` + "\n")
	fmt.Fprintf(&b, "\t<mRID>bench</mRID>\n\t<revisionNumber>1</revisionNumber>\n\t<type>A75</type>\n\t<process.processType>A16</process.processType>\n")
	fmt.Fprintf(&b, "\t<createdDateTime>2025-11-12T12:05:00Z</createdDateTime>\n\t<time_Period.timeInterval>\n\t\t<start>%s</start>\n\t\t<end>%s</end>\n\t</time_Period.timeInterval>\n",
		start.Format("2006-01-02T15:04Z"), end.Format("2006-01-02T15:04Z"))
	psrs := []string{"B01", "B02", "B04", "B05", "B06", "B09", "B10", "B11", "B12", "B15", "B16", "B17", "B18", "B19", "B20", "B10"}
	for i, psr := range psrs {
		domain := "inBiddingZone_Domain.mRID"
		if i == len(psrs)-1 {
			domain = "outBiddingZone_Domain.mRID"
		}
		fmt.Fprintf(&b, "\t<TimeSeries>\n\t\t<mRID>%d</mRID>\n\t\t<businessType>A01</businessType>\n\t\t<objectAggregation>A08</objectAggregation>\n", i+1)
		fmt.Fprintf(&b, "\t\t<%s codingScheme=\"A01\">10Y1001A1001A82H</%s>\n\t\t<quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>\n\t\t<curveType>A01</curveType>\n", domain, domain)
		fmt.Fprintf(&b, "\t\t<MktPSRType>\n\t\t\t<psrType>%s</psrType>\n\t\t</MktPSRType>\n\t\t<Period>\n\t\t\t<timeInterval>\n\t\t\t\t<start>%s</start>\n\t\t\t\t<end>%s</end>\n\t\t\t</timeInterval>\n\t\t\t<resolution>PT15M</resolution>\n",
			psr, start.Format("2006-01-02T15:04Z"), end.Format("2006-01-02T15:04Z"))
		for pos := 1; pos <= 288; pos++ {
			v := 1000 + 800*math.Sin(float64(pos+i*17)/20)
			fmt.Fprintf(&b, "\t\t\t<Point>\n\t\t\t\t<position>%d</position>\n\t\t\t\t<quantity>%.2f</quantity>\n\t\t\t</Point>\n", pos, v)
		}
		b.WriteString("\t\t</Period>\n\t</TimeSeries>\n")
	}
	b.WriteString("</GL_MarketDocument>\n")
	return []byte(b.String())
}

var benchNow = time.Date(2025, 11, 12, 12, 0, 0, 0, time.UTC)

func BenchmarkParseA75ThreeDaysPT15M(b *testing.B) {
	body := threeDayA75()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xmldoc.Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComputeA75ThreeDaysPT15M(b *testing.B) {
	doc, err := xmldoc.Parse(threeDayA75())
	if err != nil {
		b.Fatal(err)
	}
	lifecycle, direct := emission.DefaultLifecycle(), emission.DefaultDirect()
	b.ReportAllocs()
	for b.Loop() {
		g, _, ok := LatestGeneration(doc, "10Y1001A1001A82H", benchNow)
		if !ok {
			b.Fatal("no generation")
		}
		emission.Compute(g.Production, lifecycle, emission.Options{})
		emission.Compute(g.Production, direct, emission.Options{})
	}
}

func BenchmarkParseAndComputeA75ThreeDaysPT15M(b *testing.B) {
	body := threeDayA75()
	lifecycle, direct := emission.DefaultLifecycle(), emission.DefaultDirect()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := xmldoc.Parse(body)
		if err != nil {
			b.Fatal(err)
		}
		g, _, ok := LatestGeneration(doc, "10Y1001A1001A82H", benchNow)
		if !ok {
			b.Fatal("no generation")
		}
		emission.Compute(g.Production, lifecycle, emission.Options{})
		emission.Compute(g.Production, direct, emission.Options{})
	}
}

func TestBenchDocumentIsComplete(t *testing.T) {
	doc, err := xmldoc.Parse(threeDayA75())
	if err != nil {
		t.Fatal(err)
	}
	g, _, ok := LatestGeneration(doc, "10Y1001A1001A82H", benchNow)
	if !ok || len(g.Production) != 15 || len(g.Charging) != 1 || !g.Start.Equal(benchNow.Add(-15*time.Minute)) {
		t.Fatalf("%v %+v", ok, g)
	}
}
