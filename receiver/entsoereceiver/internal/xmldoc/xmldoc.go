// Package xmldoc parses ENTSO-E Transparency Platform responses — generation
// and load documents (GL_MarketDocument: A75, A65, A69), publication documents
// (Publication_MarketDocument: A44 prices) and acknowledgements — into series
// of evenly spaced UTC values, with A03 curves decompressed. It matches
// elements by local name, so the namespace versions the platform drifts
// through (publicationdocument 7:0 and 7:3, acknowledgementdocument 7:0 and
// 8:0) all parse. Bodies may be ZIP archives of such documents.
//
// The parser never trusts its input: a point it cannot place or read is
// dropped and counted in Document.Dropped, a period it cannot lay out is
// dropped whole, and only a body that is not an ENTSO-E document at all is an
// error.
package xmldoc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Root element names of the documents the parser understands.
const (
	RootGenerationLoad  = "GL_MarketDocument"
	RootPublication     = "Publication_MarketDocument"
	RootAcknowledgement = "Acknowledgement_MarketDocument"
)

// Limits that keep a hostile or broken body from exhausting memory.
const (
	// MaxPositions is the most positions one Period may span: a leap year of
	// PT15M is 35,136, so this leaves room for PT1M over a few weeks.
	MaxPositions = 100_000
	// MaxPoints is the most values one document may hold in total.
	MaxPoints = 2_000_000
)

// Direction tells whether a generation/load series flows into the zone
// (inBiddingZone_Domain: generation) or out of it (outBiddingZone_Domain:
// consumption — storage charging, self-consumption, or total load for A65).
type Direction uint8

// Directions of a series.
const (
	DirectionIn Direction = iota
	DirectionOut
)

func (d Direction) String() string {
	if d == DirectionOut {
		return "out"
	}
	return "in"
}

// Document is one parsed ENTSO-E document.
type Document struct {
	// Root is the root element's local name (RootGenerationLoad or RootPublication).
	Root string
	// Type is the document type code (A75, A44, A65, A69, …).
	Type string
	// ProcessType is process.processType (A16 realised, A01 day ahead, …); empty for prices.
	ProcessType string
	MRID        string
	Revision    int
	Created     time.Time
	// Start and End are the document's time interval (zero when absent).
	Start, End time.Time
	Series     []Series
	// Dropped counts points and periods left out, by reason.
	Dropped Drops
}

// Series is one TimeSeries: a curve of one production type (or price, or
// load) for one domain and direction, in one unit.
type Series struct {
	MRID         string
	BusinessType string
	// Domain is the EIC code of the area the values are about.
	Domain    string
	Direction Direction
	// PSRType is the production type (B01…B25); empty for prices and load.
	PSRType string
	// Unit is quantity_Measure_Unit.name for quantities (MAW = MW).
	Unit string
	// Currency and PriceUnit are set on price series (EUR, MWH).
	Currency, PriceUnit string
	// Sequence is classificationSequence_AttributeInstanceComponent.position
	// (1 = SDAC, 2 = EXAA for DE-LU and AT), 0 when absent.
	Sequence  int
	CurveType string
	Periods   []Period
}

// Period is an evenly spaced run of values: Values[i] holds the average over
// [Start + i·Resolution, Start + (i+1)·Resolution). A NaN marks a position
// with no value (an A01 gap, or positions before an A03 curve's first point).
type Period struct {
	Start      time.Time
	Resolution time.Duration
	Values     []float64
}

// End returns the end of the period's last position.
func (p Period) End() time.Time {
	return p.Start.Add(time.Duration(len(p.Values)) * p.Resolution)
}

// Drops counts what the parser left out of a document.
type Drops struct {
	// InvalidPosition: a Point's position is missing, not a number, < 1 or past the Period's end.
	InvalidPosition int
	// InvalidValue: a Point's quantity or price is missing, not a number, NaN or infinite.
	InvalidValue int
	// DuplicatePosition: a position given twice in one Period (the later one is kept).
	DuplicatePosition int
	// InvalidPeriod: a Period (and its points) whose interval or resolution cannot be read.
	InvalidPeriod int
	// InvalidPeriodPoints: the points inside those Periods.
	InvalidPeriodPoints int
	// First describes the first drop, for a log line.
	First string
}

// Points returns how many points were dropped in total.
func (d Drops) Points() int {
	return d.InvalidPosition + d.InvalidValue + d.DuplicatePosition + d.InvalidPeriodPoints
}

func (d *Drops) note(counter *int, n int, format string, args ...any) {
	*counter += n
	if d.First == "" {
		d.First = fmt.Sprintf(format, args...)
	}
}

// Add accumulates another document's drops.
func (d *Drops) Add(o Drops) {
	d.InvalidPosition += o.InvalidPosition
	d.InvalidValue += o.InvalidValue
	d.DuplicatePosition += o.DuplicatePosition
	d.InvalidPeriod += o.InvalidPeriod
	d.InvalidPeriodPoints += o.InvalidPeriodPoints
	if d.First == "" {
		d.First = o.First
	}
}

// AckError is an Acknowledgement_MarketDocument: the platform's answer when it
// has no data or rejects the request.
type AckError struct {
	Code string
	Text string
}

func (e *AckError) Error() string {
	return fmt.Sprintf("ENTSO-E acknowledgement (reason %s): %s", e.Code, e.Text)
}

// NoData reports whether the acknowledgement means "valid request, nothing
// published for it (yet)": reason 999 with "No matching data found". Anything
// else (invalid parameters, unknown area, too much data) is a request the
// platform will keep rejecting.
func (e *AckError) NoData() bool {
	return e.Code == "999" && strings.Contains(strings.ToLower(e.Text), "no matching data found")
}

// ErrNotENTSOE is wrapped by errors for bodies that are not ENTSO-E documents.
var ErrNotENTSOE = errors.New("not an ENTSO-E document")

// Parse reads one response body: an XML document, or a ZIP archive of XML
// documents (merged into one). An acknowledgement is returned as *AckError.
func Parse(body []byte) (*Document, error) {
	if IsZIP(body) {
		return parseZIP(body)
	}
	return parseXML(body)
}

// raw* mirror the XML. Tags carry no namespace, so encoding/xml matches
// elements by local name whatever namespace version the document declares.
type rawDocument struct {
	XMLName        xml.Name
	MRID           string       `xml:"mRID"`
	Revision       string       `xml:"revisionNumber"`
	Type           string       `xml:"type"`
	ProcessType    string       `xml:"process.processType"`
	Created        string       `xml:"createdDateTime"`
	TimeInterval   *rawInterval `xml:"time_Period.timeInterval"`
	PeriodInterval *rawInterval `xml:"period.timeInterval"`
	Series         []rawSeries  `xml:"TimeSeries"`
	Reasons        []rawReason  `xml:"Reason"`
}

type rawInterval struct {
	Start string `xml:"start"`
	End   string `xml:"end"`
}

type rawReason struct {
	Code string `xml:"code"`
	Text string `xml:"text"`
}

type rawSeries struct {
	MRID         string      `xml:"mRID"`
	BusinessType string      `xml:"businessType"`
	InBZ         string      `xml:"inBiddingZone_Domain.mRID"`
	OutBZ        string      `xml:"outBiddingZone_Domain.mRID"`
	InDomain     string      `xml:"in_Domain.mRID"`
	OutDomain    string      `xml:"out_Domain.mRID"`
	Unit         string      `xml:"quantity_Measure_Unit.name"`
	Currency     string      `xml:"currency_Unit.name"`
	PriceUnit    string      `xml:"price_Measure_Unit.name"`
	Sequence     string      `xml:"classificationSequence_AttributeInstanceComponent.position"`
	CurveType    string      `xml:"curveType"`
	PSRType      string      `xml:"MktPSRType>psrType"`
	Periods      []rawPeriod `xml:"Period"`
}

type rawPeriod struct {
	Interval   rawInterval `xml:"timeInterval"`
	Resolution string      `xml:"resolution"`
	Points     []rawPoint  `xml:"Point"`
}

type rawPoint struct {
	Position string `xml:"position"`
	Quantity string `xml:"quantity"`
	Price    string `xml:"price.amount"`
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func parseXML(body []byte) (*Document, error) {
	body = bytes.TrimPrefix(body, utf8BOM)
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charsetReader
	var raw rawDocument
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: empty body", ErrNotENTSOE)
		}
		return nil, fmt.Errorf("%w: %v", ErrNotENTSOE, err)
	}
	switch raw.XMLName.Local {
	case RootAcknowledgement:
		ack := &AckError{}
		if len(raw.Reasons) > 0 {
			ack.Code = strings.TrimSpace(raw.Reasons[0].Code)
			texts := make([]string, 0, len(raw.Reasons))
			for _, r := range raw.Reasons {
				texts = append(texts, strings.TrimSpace(r.Text))
			}
			ack.Text = strings.Join(texts, "; ")
		}
		return nil, ack
	case RootGenerationLoad, RootPublication:
	default:
		return nil, fmt.Errorf("%w: root element <%s>", ErrNotENTSOE, raw.XMLName.Local)
	}
	return convert(&raw)
}

// charsetReader accepts the encodings ENTSO-E declares (utf-8 in any case)
// and the ASCII subsets of it.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q (ENTSO-E sends utf-8)", charset)
}

func convert(raw *rawDocument) (*Document, error) {
	doc := &Document{
		Root:        raw.XMLName.Local,
		Type:        strings.TrimSpace(raw.Type),
		ProcessType: strings.TrimSpace(raw.ProcessType),
		MRID:        strings.TrimSpace(raw.MRID),
	}
	doc.Revision, _ = strconv.Atoi(strings.TrimSpace(raw.Revision))
	doc.Created, _ = ParseTime(raw.Created)
	interval := raw.TimeInterval
	if interval == nil {
		interval = raw.PeriodInterval
	}
	if interval != nil {
		doc.Start, _ = ParseTime(interval.Start)
		doc.End, _ = ParseTime(interval.End)
	}
	isPrice := doc.Root == RootPublication
	total := 0
	doc.Series = make([]Series, 0, len(raw.Series))
	for i := range raw.Series {
		rs := &raw.Series[i]
		s := Series{
			MRID:         strings.TrimSpace(rs.MRID),
			BusinessType: strings.TrimSpace(rs.BusinessType),
			PSRType:      strings.TrimSpace(rs.PSRType),
			Unit:         strings.TrimSpace(rs.Unit),
			Currency:     strings.TrimSpace(rs.Currency),
			PriceUnit:    strings.TrimSpace(rs.PriceUnit),
			CurveType:    strings.TrimSpace(rs.CurveType),
		}
		s.Sequence, _ = strconv.Atoi(strings.TrimSpace(rs.Sequence))
		switch {
		case strings.TrimSpace(rs.InBZ) != "":
			s.Domain, s.Direction = strings.TrimSpace(rs.InBZ), DirectionIn
		case strings.TrimSpace(rs.OutBZ) != "":
			s.Domain, s.Direction = strings.TrimSpace(rs.OutBZ), DirectionOut
		case strings.TrimSpace(rs.InDomain) != "":
			s.Domain, s.Direction = strings.TrimSpace(rs.InDomain), DirectionIn
		default:
			s.Domain, s.Direction = strings.TrimSpace(rs.OutDomain), DirectionOut
		}
		for j := range rs.Periods {
			p, ok := convertPeriod(&rs.Periods[j], s.CurveType, isPrice, &doc.Dropped)
			if !ok {
				continue
			}
			total += len(p.Values)
			if total > MaxPoints {
				return nil, fmt.Errorf("%w: more than %d values in one document", ErrNotENTSOE, MaxPoints)
			}
			s.Periods = append(s.Periods, p)
		}
		doc.Series = append(doc.Series, s)
	}
	return doc, nil
}

// convertPeriod lays a Period's points out on its evenly spaced grid and, for
// curve type A03, fills every omitted position (trailing ones included) with
// the value before it.
func convertPeriod(rp *rawPeriod, curveType string, isPrice bool, drops *Drops) (Period, bool) {
	start, errStart := ParseTime(rp.Interval.Start)
	res, errRes := ParseResolution(rp.Resolution)
	if errStart != nil || errRes != nil {
		drops.note(&drops.InvalidPeriod, 1, "period %q/%q: %v", rp.Interval.Start, rp.Resolution, errors.Join(errStart, errRes))
		drops.InvalidPeriodPoints += len(rp.Points)
		return Period{}, false
	}
	n := 0
	if end, err := ParseTime(rp.Interval.End); err == nil {
		span := end.Sub(start)
		if span <= 0 || span%res != 0 || span/res > MaxPositions {
			drops.note(&drops.InvalidPeriod, 1, "period %s–%s is not a positive whole number (≤ %d) of %s", rp.Interval.Start, rp.Interval.End, MaxPositions, rp.Resolution)
			drops.InvalidPeriodPoints += len(rp.Points)
			return Period{}, false
		}
		n = int(span / res)
	} else {
		// No end: the period runs to its last position.
		for _, pt := range rp.Points {
			if pos, err := strconv.Atoi(strings.TrimSpace(pt.Position)); err == nil && pos > n && pos <= MaxPositions {
				n = pos
			}
		}
	}
	values := make([]float64, n)
	for i := range values {
		values[i] = math.NaN()
	}
	set := make([]bool, n)
	for _, pt := range rp.Points {
		pos, err := strconv.Atoi(strings.TrimSpace(pt.Position))
		if err != nil || pos < 1 || pos > n {
			drops.note(&drops.InvalidPosition, 1, "point position %q outside 1…%d", pt.Position, n)
			continue
		}
		text := pt.Quantity
		if isPrice {
			text = pt.Price
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			drops.note(&drops.InvalidValue, 1, "point %d: value %q is not a finite number", pos, text)
			continue
		}
		if set[pos-1] {
			drops.note(&drops.DuplicatePosition, 1, "point position %d given twice", pos)
		}
		values[pos-1], set[pos-1] = v, true
	}
	if curveType == "A03" {
		fillA03(values, set)
	}
	return Period{Start: start, Resolution: res, Values: values}, true
}

// fillA03 decompresses an A03 (variable-sized block) curve: a position with no
// point repeats the value of the block before it, up to the period's end.
func fillA03(values []float64, set []bool) {
	last, have := 0.0, false
	for i := range values {
		if set[i] {
			last, have = values[i], true
		} else if have {
			values[i] = last
		}
	}
}

// ParseTime reads the platform's UTC timestamps ("2025-10-21T12:00Z", with
// or without seconds, or full RFC 3339).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04Z", "2006-01-02T15:04:05Z", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not yyyy-mm-ddThh:mmZ", s)
}

// ParseResolution reads an ISO 8601 duration of fixed length as used by the
// platform: PT15M, PT30M, PT60M, PT1H, PT1M, P1D, P7D. Month and year
// resolutions (P1M, P1Y) have no fixed length and are refused.
func ParseResolution(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("resolution %q is not a fixed ISO 8601 duration (PT15M, PT60M, P1D, …)", s)
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, bad
	}
	rest := s[1:]
	var d time.Duration
	inTime, timeParts := false, 0
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return 0, bad
			}
			inTime, rest = true, rest[1:]
			continue
		}
		if inTime {
			timeParts++
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 6 {
			return 0, bad
		}
		n, _ := strconv.Atoi(rest[:i])
		var unit time.Duration
		switch {
		case !inTime && rest[i] == 'D':
			unit = 24 * time.Hour
		case !inTime && rest[i] == 'W':
			unit = 7 * 24 * time.Hour
		case inTime && rest[i] == 'H':
			unit = time.Hour
		case inTime && rest[i] == 'M':
			unit = time.Minute
		case inTime && rest[i] == 'S':
			unit = time.Second
		default:
			return 0, bad
		}
		d += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	if d <= 0 || (inTime && timeParts == 0) {
		return 0, bad
	}
	return d, nil
}

// TruncateAfter removes every position that has not ended by t. Actual
// values (generation, load) cannot exist for an interval still running;
// some TSOs publish placeholder zeros for the future, which would otherwise
// turn into a "complete" zero mix once that time has passed.
func (d *Document) TruncateAfter(t time.Time) {
	for i := range d.Series {
		s := &d.Series[i]
		kept := s.Periods[:0]
		for _, p := range s.Periods {
			n := len(p.Values)
			if p.End().After(t) {
				n = max(0, int(t.Sub(p.Start)/p.Resolution))
			}
			if n > 0 {
				p.Values = p.Values[:n]
				kept = append(kept, p)
			}
		}
		s.Periods = kept
	}
}
