package xmldoc

import (
	"archive/zip"
	"bytes"
	"errors"
	"math"
	"testing"
)

// FuzzParse feeds arbitrary bodies to the parser: it must never panic, never
// allocate beyond its limits, and whatever it returns must be consistent (a
// document or an error, periods on their grid, values finite or NaN).
func FuzzParse(f *testing.F) {
	// Small seeds only: the fuzzer minimizes every new interesting input,
	// which takes long on documents of kilobytes. These cover every root,
	// both directions, A01 and A03, prices and a ZIP body.
	gl := `<GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"><type>A75</type><process.processType>A16</process.processType>` +
		`<time_Period.timeInterval><start>2025-10-26T00:00Z</start><end>2025-10-26T02:00Z</end></time_Period.timeInterval>` +
		`<TimeSeries><mRID>1</mRID><inBiddingZone_Domain.mRID>10YNL----------L</inBiddingZone_Domain.mRID><quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name><curveType>A03</curveType><MktPSRType><psrType>B10</psrType></MktPSRType>` +
		`<Period><timeInterval><start>2025-10-26T00:00Z</start><end>2025-10-26T02:00Z</end></timeInterval><resolution>PT15M</resolution><Point><position>1</position><quantity>5.5</quantity></Point><Point><position>4</position><quantity>-1</quantity></Point></Period></TimeSeries>` +
		`<TimeSeries><mRID>2</mRID><outBiddingZone_Domain.mRID>10YNL----------L</outBiddingZone_Domain.mRID><curveType>A01</curveType><MktPSRType><psrType>B10</psrType></MktPSRType>` +
		`<Period><timeInterval><start>2025-10-26T00:00Z</start><end>2025-10-26T02:00Z</end></timeInterval><resolution>PT60M</resolution><Point><position>2</position><quantity>7</quantity></Point></Period></TimeSeries></GL_MarketDocument>`
	f.Add([]byte(gl))
	f.Add([]byte(`<Publication_MarketDocument><type>A44</type><TimeSeries><in_Domain.mRID>10YAT-APG------L</in_Domain.mRID><currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH</price_Measure_Unit.name>` +
		`<classificationSequence_AttributeInstanceComponent.position>2</classificationSequence_AttributeInstanceComponent.position><curveType>A03</curveType><Period><timeInterval><start>2025-10-25T22:00Z</start><end>2025-10-26T23:00Z</end></timeInterval>` +
		`<resolution>PT15M</resolution><Point><position>1</position><price.amount>1.5</price.amount></Point></Period></TimeSeries></Publication_MarketDocument>`))
	f.Add([]byte(`<Acknowledgement_MarketDocument><Reason><code>999</code><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>`))
	f.Add([]byte("<html><body>Requester banned until '2025-11-25T10:01:55.545Z'.</body></html>"))
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("a.xml")
	w.Write([]byte(gl))
	zw.Close()
	f.Add(zipped.Bytes())
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := Parse(body)
		if err != nil {
			if doc != nil {
				t.Fatal("document and error")
			}
			var ack *AckError
			if !errors.As(err, &ack) && !errors.Is(err, ErrNotENTSOE) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		total := 0
		for _, s := range doc.Series {
			for _, p := range s.Periods {
				if p.Resolution <= 0 || len(p.Values) > MaxPositions {
					t.Fatalf("period %+v", p)
				}
				total += len(p.Values)
				for _, v := range p.Values {
					if math.IsInf(v, 0) {
						t.Fatal("infinite value")
					}
				}
			}
		}
		if total > MaxPoints {
			t.Fatalf("%d values", total)
		}
	})
}
