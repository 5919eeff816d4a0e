package xmldoc

import (
	"archive/zip"
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const pitfalls = "../../testdata/replay/pitfalls"

func parseFile(t *testing.T, name string) *Document {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(pitfalls, name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Parse(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
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

func TestGenerationDocument(t *testing.T) {
	doc := parseFile(t, "NL_A75_generation.xml")
	if doc.Root != RootGenerationLoad || doc.Type != "A75" || doc.ProcessType != "A16" || doc.Revision != 1 {
		t.Fatalf("header: %+v", doc)
	}
	if !doc.Start.Equal(utc("2025-10-24T12:00Z")) || !doc.End.Equal(utc("2025-10-26T13:00Z")) {
		t.Errorf("interval %s–%s", doc.Start, doc.End)
	}
	if len(doc.Series) != 13 {
		t.Fatalf("%d series, want 13", len(doc.Series))
	}
	byMRID := map[string]Series{}
	for _, s := range doc.Series {
		byMRID[s.MRID] = s
	}
	// Direction from the domain element.
	if s := byMRID["1"]; s.PSRType != "B04" || s.Direction != DirectionIn || s.Domain != "10YNL----------L" {
		t.Errorf("series 1: %+v", s)
	}
	if s := byMRID["2"]; s.PSRType != "B04" || s.Direction != DirectionOut {
		t.Errorf("series 2 should be the outBiddingZone (consumption) B04: %+v", s)
	}
	// Negative values survive parsing (clamping is the mix's job).
	if v := byMRID["1"].Periods[0].Values[11]; v != -12 {
		t.Errorf("last gas value %v, want -12", v)
	}
	// Resolution per period.
	for mrid, want := range map[string]time.Duration{"1": 15 * time.Minute, "3": time.Hour, "7": 30 * time.Minute} {
		if got := byMRID[mrid].Periods[0].Resolution; got != want {
			t.Errorf("series %s resolution %s, want %s", mrid, got, want)
		}
	}
	// A03: omitted positions, trailing ones included, repeat the block before.
	wind := byMRID["9"]
	want := []float64{2100, 2100, 2100, 2100, 2200, 2200, 2200, 2200, 2350, 2350, 2350, 2350}
	if got := wind.Periods[0].Values; !equal(got, want) {
		t.Errorf("A03 wind %v, want %v", got, want)
	}
	if end := wind.Periods[0].End(); !end.Equal(utc("2025-10-26T12:00Z")) {
		t.Errorf("A03 period end %s", end)
	}
	if s := byMRID["10"]; s.Unit != "KWT" {
		t.Errorf("unit read per series: %q", s.Unit)
	}
	if doc.Dropped.Points() != 0 {
		t.Errorf("dropped %+v", doc.Dropped)
	}
}

func TestA01GapsStayEmpty(t *testing.T) {
	doc := parseFile(t, "CZ_A75_generation.xml")
	lignite := doc.Series[0]
	got := lignite.Periods[0].Values
	// Position 2 unreadable (NaN: an A01 gap is no data, never a zero or a repeat),
	// position 3 given twice (later kept), position 7 outside the hour (dropped).
	if got[0] != 3100 || !math.IsNaN(got[1]) || got[2] != 3125 || got[3] != 3130 || len(got) != 4 {
		t.Errorf("values %v", got)
	}
	d := doc.Dropped
	if d.InvalidValue != 1 || d.DuplicatePosition != 1 || d.InvalidPosition != 1 || d.InvalidPeriod != 1 || d.InvalidPeriodPoints != 1 {
		t.Errorf("drops %+v", d)
	}
	if d.Points() != 4 || d.First == "" {
		t.Errorf("points dropped %d, first %q", d.Points(), d.First)
	}
	// The period with resolution P1M is gone; its series remains, empty.
	if s := doc.Series[2]; s.PSRType != "B16" || len(s.Periods) != 0 {
		t.Errorf("B16 %+v", s)
	}
	// A03 with a single block fills the whole period.
	if v := doc.Series[1].Periods[0].Values; !equal(v, []float64{4000, 4000, 4000, 4000}) {
		t.Errorf("nuclear %v", v)
	}
}

func TestPriceDocumentDST(t *testing.T) {
	doc := parseFile(t, "NL_A44_prices.xml")
	if doc.Root != RootPublication || doc.Type != "A44" {
		t.Fatalf("header %+v", doc)
	}
	s := doc.Series[0]
	if s.Currency != "EUR" || s.PriceUnit != "MWH" || s.Sequence != 1 || s.Domain != "10YNL----------L" {
		t.Errorf("series %+v", s)
	}
	p := s.Periods[0]
	// The CEST→CET day has 25 hours: 100 quarter-hours, laid out in UTC.
	if len(p.Values) != 100 || !p.End().Equal(utc("2025-10-26T23:00Z")) {
		t.Fatalf("%d values ending %s", len(p.Values), p.End())
	}
	if p.Values[99] != 101.2 || p.Values[56] != 72.5 || p.Values[55] != 80 {
		t.Errorf("positions 56, 57, 100: %v %v %v", p.Values[55], p.Values[56], p.Values[99])
	}
}

func TestSequencesAndCurrency(t *testing.T) {
	at := parseFile(t, "AT_A44_prices.xml")
	if at.Series[0].Sequence != 1 || at.Series[1].Sequence != 2 {
		t.Errorf("sequences %d %d", at.Series[0].Sequence, at.Series[1].Sequence)
	}
	gb := parseFile(t, "GB_A44_prices.xml")
	if s := gb.Series[0]; s.Currency != "GBP" || s.Sequence != 0 || s.Periods[0].Resolution != 30*time.Minute || len(s.Periods[0].Values) != 50 {
		t.Errorf("GB series %+v", s)
	}
}

func TestAcknowledgements(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(pitfalls, "PL_A75_acknowledgement.xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(body)
	var ack *AckError
	if !errors.As(err, &ack) || !ack.NoData() || ack.Code != "999" {
		t.Fatalf("namespace 8:0, R3 text: %v", err)
	}
	for _, tc := range []struct {
		body   string
		noData bool
	}{
		{`<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0"><Reason><code>999</code><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>`, true},
		{`<Acknowledgement_MarketDocument><Reason><code>999</code><text>Input parameters do not match the dependency tables, check you request against dependency tables</text></Reason></Acknowledgement_MarketDocument>`, false},
		{`<Acknowledgement_MarketDocument><Reason><code>999</code><text>The amount of requested data exceeds allowed limit.</text></Reason></Acknowledgement_MarketDocument>`, false},
		{`<Acknowledgement_MarketDocument><Reason><code>A01</code><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>`, false},
		{`<Acknowledgement_MarketDocument/>`, false},
	} {
		_, err := Parse([]byte(tc.body))
		var ack *AckError
		if !errors.As(err, &ack) {
			t.Errorf("%s: %v is not an acknowledgement", tc.body, err)
			continue
		}
		if ack.NoData() != tc.noData {
			t.Errorf("%s: NoData()=%v", tc.body, ack.NoData())
		}
	}
}

func TestZIPBody(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(pitfalls, "AT_A75_generation.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if !IsZIP(body) {
		t.Fatal("magic bytes not recognised")
	}
	doc, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Type != "A75" || len(doc.Series) != 5 {
		t.Errorf("zipped document %s with %d series", doc.Type, len(doc.Series))
	}

	// Several members merge; acknowledgements among them are ignored.
	xml1, _ := os.ReadFile(filepath.Join(pitfalls, "NL_A75_generation.xml"))
	ack, _ := os.ReadFile(filepath.Join(pitfalls, "PL_A75_acknowledgement.xml"))
	merged, err := Parse(zipOf(t, map[string][]byte{"a.xml": xml1, "b.xml": ack, "c.xml": xml1}))
	if err != nil || len(merged.Series) != 26 {
		t.Fatalf("merged: %v, %d series", err, len(merged.Series))
	}
	if _, err := Parse(zipOf(t, map[string][]byte{"only.xml": ack})); !errors.As(err, new(*AckError)) {
		t.Errorf("archive of one acknowledgement: %v", err)
	}
	if _, err := Parse(zipOf(t, map[string][]byte{"x.xml": []byte("<html/>")})); !errors.Is(err, ErrNotENTSOE) {
		t.Errorf("archive of garbage: %v", err)
	}
	if _, err := Parse(zipOf(t, nil)); !errors.Is(err, ErrNotENTSOE) {
		t.Errorf("empty archive: %v", err)
	}
	if _, err := Parse([]byte("PK\x03\x04garbage")); !errors.Is(err, ErrNotENTSOE) {
		t.Errorf("truncated archive: %v", err)
	}
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"a.xml", "b.xml", "c.xml", "only.xml", "x.xml"} {
		data, ok := files[name]
		if !ok {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNotENTSOE(t *testing.T) {
	maintenance, _ := os.ReadFile(filepath.Join(pitfalls, "broken_maintenance.xml"))
	for name, body := range map[string]string{
		"empty":       "",
		"maintenance": string(maintenance),
		"banned":      "<html><body><p>Requester banned until '2025-11-25T10:01:55.545Z'.</p></body></html>",
		"truncated":   `<GL_MarketDocument><TimeSeries><Period><Point><position>1`,
		"json":        `{"error": "not found"}`,
		"latin1":      `<?xml version="1.0" encoding="ISO-8859-1"?><GL_MarketDocument/>`,
	} {
		if _, err := Parse([]byte(body)); !errors.Is(err, ErrNotENTSOE) {
			t.Errorf("%s: %v, want ErrNotENTSOE", name, err)
		}
	}
	// A byte-order mark and upper-case encoding name are fine.
	doc, err := Parse([]byte("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><GL_MarketDocument><type>A75</type></GL_MarketDocument>"))
	if err != nil || doc.Type != "A75" {
		t.Errorf("BOM: %v", err)
	}
}

func TestLimits(t *testing.T) {
	// A period claiming more positions than MaxPositions is refused, not allocated.
	body := `<GL_MarketDocument><TimeSeries><curveType>A03</curveType><Period><timeInterval><start>2000-01-01T00:00Z</start><end>2030-01-01T00:00Z</end></timeInterval><resolution>PT1M</resolution><Point><position>1</position><quantity>1</quantity></Point></Period></TimeSeries></GL_MarketDocument>`
	doc, err := Parse([]byte(body))
	if err != nil || doc.Dropped.InvalidPeriod != 1 || len(doc.Series[0].Periods) != 0 {
		t.Errorf("huge period: %v %+v", err, doc)
	}
	// A period without end runs to its last position, within the limit.
	body = `<GL_MarketDocument><TimeSeries><Period><timeInterval><start>2025-01-01T00:00Z</start></timeInterval><resolution>PT60M</resolution><Point><position>3</position><quantity>7</quantity></Point><Point><position>999999999</position><quantity>1</quantity></Point></Period></TimeSeries></GL_MarketDocument>`
	doc, err = Parse([]byte(body))
	if err != nil || len(doc.Series[0].Periods[0].Values) != 3 || doc.Dropped.InvalidPosition != 1 {
		t.Errorf("open period: %v %+v", err, doc)
	}
}

func TestParseResolution(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT15M": 15 * time.Minute, "PT30M": 30 * time.Minute, "PT60M": time.Hour, "PT1H": time.Hour,
		"PT1M": time.Minute, "P1D": 24 * time.Hour, "P7D": 7 * 24 * time.Hour, "P1W": 7 * 24 * time.Hour, " PT15M ": 15 * time.Minute,
	} {
		if got, err := ParseResolution(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "P", "PT", "P1M", "P1Y", "PT0M", "15M", "PTM", "PT15", "P1DT", "PT1HT1M", "PT9999999M"} {
		if got, err := ParseResolution(in); err == nil {
			t.Errorf("%q: accepted as %s", in, got)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, in := range []string{"2025-10-26T01:00Z", "2025-10-26T01:00:00Z", "2025-10-26T02:00:00+01:00", "2025-10-26T01:00:00.000Z"} {
		got, err := ParseTime(in)
		if err != nil || !got.Equal(utc("2025-10-26T01:00Z")) || got.Location() != time.UTC {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseTime("26/10/2025 01:00"); err == nil {
		t.Error("accepted a local date")
	}
}

func TestTruncateAfter(t *testing.T) {
	doc := parseFile(t, "NL_A75_generation.xml")
	doc.TruncateAfter(utc("2025-10-26T11:50Z"))
	for _, s := range doc.Series {
		for _, p := range s.Periods {
			if p.End().After(utc("2025-10-26T11:50Z")) {
				t.Errorf("series %s keeps %s–%s", s.MRID, p.Start, p.End())
			}
		}
	}
	// The future placeholders (12:00–13:00) are gone entirely; the hourly
	// nuclear keeps 09:00 and 10:00 only.
	for _, s := range doc.Series {
		if s.MRID == "6" && len(s.Periods) != 0 {
			t.Error("future placeholder period kept")
		}
		if s.MRID == "3" && len(s.Periods[0].Values) != 2 {
			t.Errorf("hourly nuclear keeps %d hours", len(s.Periods[0].Values))
		}
	}
}

func TestDirectionString(t *testing.T) {
	if DirectionIn.String() != "in" || DirectionOut.String() != "out" {
		t.Error(DirectionIn, DirectionOut)
	}
	if !strings.Contains((&AckError{Code: "999", Text: "x"}).Error(), "999") {
		t.Error("AckError text")
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
