package entsoereceiver

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/metadata"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/metadatatest"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

// The live-mode tests run the receiver against an httptest server standing in
// for the Transparency Platform, because the real one cannot be made to fail
// on cue (and must not be hammered from tests). Its good answers are the
// project's recordings; its bad ones copy the platform's documented failure
// shapes (reference §1 and §7).

const secretToken = "9d1c55e0-7a7f-4b7e-bf6e-1e2f3a4b5c6d"

// platform is the fake Transparency Platform. mode selects how it answers
// the next requests; every request is recorded with the test clock's time.
type platform struct {
	t        *testing.T
	clock    *testClock
	mu       sync.Mutex
	mode     string
	requests []request
	docs     map[string][]byte // by documentType
}

type request struct {
	at    time.Time
	query url.Values
}

func newPlatform(t *testing.T, clock *testClock) (*platform, *httptest.Server) {
	p := &platform{t: t, clock: clock, mode: "ok", docs: map[string][]byte{}}
	for docType, file := range map[string]string{"A75": "FR_A75_generation.xml", "A44": "FR_A44_prices.xml"} {
		b, err := os.ReadFile("testdata/replay/basic/" + file)
		require.NoError(t, err)
		p.docs[docType] = b
	}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *platform) setMode(m string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
}

func (p *platform) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.requests)
}

func (p *platform) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, request{p.clock.Now(), r.URL.Query()})
	mode := p.mode
	p.mu.Unlock()
	q := r.URL.Query()
	if q.Get("securityToken") != secretToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body := p.docs[q.Get("documentType")]
	switch mode {
	case "ok":
		w.Write(body)
	case "zip":
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		f, _ := zw.Create("document.xml")
		f.Write(body)
		zw.Close()
		w.Header().Set("Content-Type", "application/zip")
		w.Write(buf.Bytes())
	case "503":
		http.Error(w, "<html><body>Scheduled maintenance</body></html>", http.StatusServiceUnavailable)
	case "404":
		http.NotFound(w, r)
	case "401":
		w.WriteHeader(http.StatusUnauthorized)
	case "slow":
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	case "drop":
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	case "ack999":
		fmt.Fprint(w, `<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0"><Reason><code>999</code><text>No matching data found for Data item AGGREGATED_GENERATION_PER_TYPE_R3 [16.1.B&amp;C]</text></Reason></Acknowledgement_MarketDocument>`)
	case "garbage":
		fmt.Fprint(w, "\x00\x01 definitely not XML")
	case "ban":
		w.WriteHeader(http.StatusTooManyRequests)
		until := p.clock.Now().Add(10 * time.Minute).UTC()
		fmt.Fprintf(w, "<html><body><p>Requester banned until '%s'.</p></body></html>", until.Format("2006-01-02T15:04:05.000Z"))
	default:
		p.t.Errorf("unknown mode %s", mode)
	}
}

// testClock is the receiver's clock in these tests, moved by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// newLiveScraper sets up a live-mode scraper on the test clock without its
// background loop: the test drives pollDue itself, as the loop would.
func newLiveScraper(t *testing.T, cfg *Config, clock *testClock, logger *zap.Logger) (*gridScraper, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { tel.Shutdown(context.Background()) })
	set := metadatatest.NewSettings(tel)
	set.Logger = logger
	s, err := newGridScraper(cfg, set)
	require.NoError(t, err)
	s.now = clock.Now
	s.tb, err = metadata.NewTelemetryBuilder(set.TelemetrySettings)
	require.NoError(t, err)
	require.NoError(t, s.setupLive(context.Background(), componenttest.NewNopHost(), clock.Now))
	return s, tel
}

func liveConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.Token = secretToken
	cfg.Zones = []string{"FR"}
	cfg.ClientConfig.Timeout = 300 * time.Millisecond
	cfg.RateLimit.RequestsPerMinute = 200
	cfg.RateLimit.Burst = 50
	cfg.BackOff.RandomizationFactor = 0 // exact delays, to check the doubling
	return cfg
}

// gauge returns the value of a metric's datapoint with the given attribute
// value (any attribute), or false.
func gauge(md pmetric.Metrics, name, attrValue string) (float64, bool) {
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			if ms.At(j).Name() != name {
				continue
			}
			dps := ms.At(j).Gauge().DataPoints()
			for k := 0; k < dps.Len(); k++ {
				match := attrValue == ""
				dps.At(k).Attributes().Range(func(_ string, v pcommon.Value) bool {
					match = match || v.AsString() == attrValue
					return true
				})
				if match {
					return dps.At(k).DoubleValue(), true
				}
			}
		}
	}
	return 0, false
}

func TestLiveMisbehavingPlatform(t *testing.T) {
	clock := &testClock{now: time.Date(2025, 11, 12, 11, 5, 0, 0, time.UTC)}
	p, srv := newPlatform(t, clock)
	cfg := liveConfig(srv.URL + "/api")
	require.NoError(t, cfg.Validate())

	core, logs := observer.New(zap.DebugLevel)
	s, tel := newLiveScraper(t, cfg, clock, zap.New(core))
	ctx := context.Background()

	// poll runs what the background loop runs: fetch what is due, and move
	// the clock to the next due time.
	poll := func() time.Time {
		next := s.pollDue(ctx)
		return next
	}
	scrape := func() pmetric.Metrics {
		md, err := s.scrape(ctx)
		require.NoError(t, err)
		require.NoError(t, semconvtest.CheckMetrics(md))
		return md
	}
	const intensity = semconv.MetricGridCarbonIntensity
	const age = semconv.MetricGridDataAge

	// 1. All good: generation and price fetched once each.
	next := poll()
	require.Equal(t, 2, p.count())
	md := scrape()
	lifecycle, ok := gauge(md, intensity, "lifecycle")
	require.True(t, ok, "intensity after a good fetch")
	genAge, _ := gauge(md, age, "generation")
	assert.Equal(t, 5*60.0, genAge, "FR's latest hour ends 11:00; now is 11:05")
	assert.Equal(t, clock.Now().Add(15*time.Minute), next, "generation is due again in 15 minutes")

	// 2. The platform goes down for maintenance: last values stay, marked stale,
	// and the retries back off: 30 s, 1 min, 2 min, 4 min, 8 min.
	p.setMode("503")
	clock.Set(next)
	next = poll()
	var delays []time.Duration
	for _, mode := range []string{"503", "slow", "drop", "404"} {
		delays = append(delays, next.Sub(clock.Now()))
		p.setMode(mode)
		clock.Set(next)
		next = poll()
	}
	delays = append(delays, next.Sub(clock.Now()))
	assert.Equal(t, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}, delays)
	md = scrape()
	stillThere, ok := gauge(md, intensity, "lifecycle")
	assert.True(t, ok)
	assert.Equal(t, lifecycle, stillThere, "the last good intensity is served during the outage")
	genAge, _ = gauge(md, age, "generation")
	assert.Equal(t, clock.Now().Sub(time.Date(2025, 11, 12, 11, 0, 0, 0, time.UTC)).Seconds(), genAge, "data age grows")
	metadatatest.AssertEqualEntsoeStale(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	// 3. The token gets banned: nothing is sent until the ban ends.
	p.setMode("ban")
	clock.Set(next)
	next = poll()
	sent := p.count()
	assert.True(t, next.Sub(clock.Now()) >= 10*time.Minute, "next try after the ban, not before")
	clock.Set(clock.Now().Add(5 * time.Minute))
	poll()
	assert.Equal(t, sent, p.count(), "a request went out during the ban")

	// 4. After the ban, the platform has nothing new (acknowledgement 999):
	// no error, no zeros, the last values stay.
	p.setMode("ack999")
	clock.Set(next)
	next = poll()
	assert.Greater(t, p.count(), sent)
	md = scrape()
	v, ok := gauge(md, intensity, "lifecycle")
	assert.True(t, ok)
	assert.Equal(t, lifecycle, v)
	assert.Equal(t, clock.Now().Add(15*time.Minute), next, "no data is not a failure: regular schedule")

	// 5. Garbage is counted as a parse error; a ZIP answer is read.
	p.setMode("garbage")
	clock.Set(next)
	next = poll()
	p.setMode("zip")
	clock.Set(next)
	poll()
	md = scrape()
	genAge, _ = gauge(md, age, "generation")
	assert.Equal(t, clock.Now().Sub(time.Date(2025, 11, 12, 11, 0, 0, 0, time.UTC)).Seconds(), genAge)
	metadatatest.AssertEqualEntsoeParseErrors(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("document", "generation"))},
	}, metricdatatest.IgnoreTimestamp())

	// 6. A refused token is a configuration error: logged, retried rarely.
	p.setMode("401")
	clock.Set(clock.Now().Add(time.Hour))
	next = poll()
	assert.Equal(t, clock.Now().Add(30*time.Minute), next, "rejected: retry at max_interval")

	// The receiver's own accounting of requests.
	statuses := map[string]int64{}
	rm, err := tel.GetMetric("otelcol_entsoe.requests")
	require.NoError(t, err)
	for _, dp := range rm.Data.(metricdata.Sum[int64]).DataPoints {
		st, _ := dp.Attributes.Value("status")
		statuses[st.AsString()] += dp.Value
	}
	for _, want := range []string{"200", "503", "timeout", "network", "404", "429", "ack_no_data", "invalid_body", "401"} {
		assert.Positive(t, statuses[want], "requests with status %s", want)
	}
	latency, err := tel.GetMetric("otelcol_entsoe.request.duration")
	require.NoError(t, err)
	var timed uint64
	for _, dp := range latency.Data.(metricdata.Histogram[float64]).DataPoints {
		timed += dp.Count
	}
	assert.Equal(t, uint64(p.count()), timed, "every request sent is timed")

	// Nothing logged carries the token; the outage, ban and rejection were logged.
	var text strings.Builder
	for _, e := range logs.All() {
		fmt.Fprintf(&text, "%s %v\n", e.Message, e.ContextMap())
	}
	assert.NotContains(t, text.String(), secretToken)
	for _, want := range []string{"ENTSO-E unavailable", "rate limit", "rejected the request", "check endpoint"} {
		assert.Contains(t, text.String(), want)
	}
	// Repeated warnings are rate-limited: one per kind of failure (503 twice,
	// logged once; timeout; dropped connection; 404; garbage).
	assert.Equal(t, 5, strings.Count(text.String(), "ENTSO-E unavailable"))
	assert.Equal(t, 1, strings.Count(text.String(), "HTTP 503"))
}

// TestLiveReceiverRunsInBackground starts the whole receiver in live mode
// (real clock, background polling) and checks it delivers and stops cleanly.
func TestLiveReceiverRunsInBackground(t *testing.T) {
	clock := &testClock{now: time.Now()}
	p, srv := newPlatform(t, clock)
	cfg := liveConfig(srv.URL + "/api")
	cfg.CollectionInterval = 20 * time.Millisecond
	cfg.InitialDelay = 0
	sink := new(consumertest.MetricsSink)
	rcv := startReceiver(t, cfg, sink)
	// The recordings are from November 2025, so today every value is old:
	// the price falls back to the last published quarter-hour, and the data
	// age says how old.
	require.Eventually(t, func() bool {
		for _, md := range sink.AllMetrics() {
			if _, ok := gauge(md, semconv.MetricGridPriceDayAhead, "EUR"); ok {
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	assert.Equal(t, 2, p.count(), "one request per zone and document, not per scrape")
	last := sink.AllMetrics()[len(sink.AllMetrics())-1]
	priceAge, ok := gauge(last, semconv.MetricGridDataAge, "price")
	require.True(t, ok)
	assert.Greater(t, priceAge, 24*3600.0)
}

// TestLiveBackoffGivesUp checks retry_on_failure.max_elapsed_time: after that
// long of failures, retries fall back to the regular poll interval.
func TestLiveBackoffGivesUp(t *testing.T) {
	clock := &testClock{now: time.Date(2025, 11, 12, 11, 5, 0, 0, time.UTC)}
	p, srv := newPlatform(t, clock)
	p.setMode("503")
	cfg := liveConfig(srv.URL + "/api")
	cfg.Documents.Price.Enabled = false
	cfg.BackOff.MaxElapsedTime = 2 * time.Minute
	s, _ := newLiveScraper(t, cfg, clock, zap.NewNop())
	var delays []time.Duration
	for range 5 {
		next := s.pollDue(context.Background())
		delays = append(delays, next.Sub(clock.Now()))
		clock.Set(next)
	}
	// 30 s, 1 min, 2 min of backoff; from 3.5 min of failures on, the poll interval.
	assert.Equal(t, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 15 * time.Minute, 15 * time.Minute}, delays)
}
