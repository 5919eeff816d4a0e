//go:build integration

package autoscaling

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/gridzone"
)

// platform fakes the ENTSO-E Transparency Platform's REST API for the
// entsoe receiver in live mode. The real platform cannot be reached from
// here (and could not be made to change its grid on cue); the fake answers
// the receiver's real requests with documents in the platform's format
// (A75 generation per production type, A44 day-ahead prices, A03 curves on
// PT60M), built from the grid the test sets per zone. Every hour of the
// requested window carries the zone's current values, so the receiver's
// "latest complete interval" is whatever the test set last.
type platform struct {
	t   testing.TB
	srv *httptest.Server

	mu    sync.Mutex
	grids map[string]grid // by EIC
	hits  map[string]int  // requests by documentType
}

// grid is one zone's state: generation per ENTSO-E production type (MW) and
// the day-ahead price (EUR/MWh).
type grid struct {
	generationMW   map[string]float64
	priceEURPerMWh float64
}

// Production types used in the tests, with their lifecycle factors in the
// receiver's default table (Electricity Maps' defaults, IPCC 2014 medians).
const (
	psrHardCoal     = "B05" // coal: 820 g/kWh
	psrWindOnshore  = "B19" // wind: 11 g/kWh
	coalGPerKWh     = 820.0
	windGPerKWh     = 11.0
	platformToken   = "0f5c7a2e-test-token-never-real"
	platformAPIPath = "/api"
)

// windAndCoal is a grid of 1000 MW whose wind share is windShare; its
// lifecycle intensity is windShare·11 + (1−windShare)·820 g/kWh.
func windAndCoal(windShare, priceEURPerMWh float64) grid {
	return grid{
		generationMW:   map[string]float64{psrWindOnshore: 1000 * windShare, psrHardCoal: 1000 * (1 - windShare)},
		priceEURPerMWh: priceEURPerMWh,
	}
}

// intensityGPerKWh is what the receiver must compute for a windAndCoal grid.
func intensityGPerKWh(windShare float64) float64 {
	return windShare*windGPerKWh + (1-windShare)*coalGPerKWh
}

func newPlatform(t testing.TB) *platform {
	p := &platform{t: t, grids: map[string]grid{}, hits: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// Endpoint is the API URL for the receiver's `endpoint` setting.
func (p *platform) Endpoint() string { return p.srv.URL + platformAPIPath }

// Set changes a zone's grid; the receiver sees it at its next fetch.
func (p *platform) Set(zone string, g grid) {
	z, err := gridzone.Lookup(zone)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.grids[z.EIC] = g
}

// Requests returns how many documents of a type were asked for.
func (p *platform) Requests(documentType string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[documentType]
}

func (p *platform) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.URL.Path != platformAPIPath || q.Get("securityToken") != platformToken {
		http.Error(w, "<html><body>401 Unauthorized</body></html>", http.StatusUnauthorized)
		return
	}
	docType := q.Get("documentType")
	start, err1 := time.Parse("200601021504", q.Get("periodStart"))
	end, err2 := time.Parse("200601021504", q.Get("periodEnd"))
	eic := q.Get("in_Domain")
	p.mu.Lock()
	p.hits[docType]++
	g, known := p.grids[eic]
	p.mu.Unlock()
	if err1 != nil || err2 != nil || !end.After(start) {
		acknowledge(w, "999", "Invalid time interval")
		return
	}
	hours := int(end.Sub(start) / time.Hour)
	var series strings.Builder
	switch {
	case !known:
		acknowledge(w, "999", "No matching data found")
		return
	case docType == "A75" && q.Get("processType") == "A16":
		psrTypes := make([]string, 0, len(g.generationMW))
		for psr := range g.generationMW {
			psrTypes = append(psrTypes, psr)
		}
		sort.Strings(psrTypes)
		for i, psr := range psrTypes {
			fmt.Fprintf(&series, `
	<TimeSeries>
		<mRID>%d</mRID>
		<businessType>A01</businessType>
		<objectAggregation>A08</objectAggregation>
		<inBiddingZone_Domain.mRID codingScheme="A01">%s</inBiddingZone_Domain.mRID>
		<quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>
		<curveType>A03</curveType>
		<MktPSRType><psrType>%s</psrType></MktPSRType>
		%s
	</TimeSeries>`, i+1, eic, psr, period(start, hours, "quantity", g.generationMW[psr]))
		}
		writeDocument(w, `<GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0">
	<mRID>ecotel-test</mRID><revisionNumber>1</revisionNumber><type>A75</type>
	<process.processType>A16</process.processType>`, start, end, series.String(), "</GL_MarketDocument>")
	case docType == "A44":
		fmt.Fprintf(&series, `
	<TimeSeries>
		<mRID>1</mRID>
		<auction.type>A01</auction.type>
		<businessType>A62</businessType>
		<in_Domain.mRID codingScheme="A01">%s</in_Domain.mRID>
		<out_Domain.mRID codingScheme="A01">%s</out_Domain.mRID>
		<contract_MarketAgreement.type>A01</contract_MarketAgreement.type>
		<currency_Unit.name>EUR</currency_Unit.name>
		<price_Measure_Unit.name>MWH</price_Measure_Unit.name>
		<curveType>A03</curveType>
		%s
	</TimeSeries>`, eic, eic, period(start, hours, "price.amount", g.priceEURPerMWh))
		writeDocument(w, `<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">
	<mRID>ecotel-test</mRID><revisionNumber>1</revisionNumber><type>A44</type>`, start, end, series.String(), "</Publication_MarketDocument>")
	default:
		acknowledge(w, "999", "No matching data found for "+docType)
	}
}

// period is an A03 curve of one value over hours hourly positions: the
// platform's compressed form, where omitted positions repeat the last value.
func period(start time.Time, hours int, element string, value float64) string {
	return fmt.Sprintf(`<Period>
			<timeInterval><start>%s</start><end>%s</end></timeInterval>
			<resolution>PT60M</resolution>
			<Point><position>1</position><%s>%g</%s></Point>
		</Period>`, start.Format("2006-01-02T15:04Z"), start.Add(time.Duration(hours)*time.Hour).Format("2006-01-02T15:04Z"), element, value, element)
}

func writeDocument(w http.ResponseWriter, head string, start, end time.Time, series, tail string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
%s
	<time_Period.timeInterval><start>%s</start><end>%s</end></time_Period.timeInterval>%s
%s`, head, start.Format("2006-01-02T15:04Z"), end.Format("2006-01-02T15:04Z"), series, tail)
}

func acknowledge(w http.ResponseWriter, code, text string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
	<mRID>ecotel-test</mRID><createdDateTime>%s</createdDateTime>
	<Reason><code>%s</code><text>%s</text></Reason>
</Acknowledgement_MarketDocument>`, time.Now().UTC().Format(time.RFC3339), code, text)
}
