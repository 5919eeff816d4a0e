package entsoereceiver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/internal/ecostatus"
	"github.com/ecotel/ecotel/internal/gridzone"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/client"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/emission"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/griddata"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/metadata"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/replay"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
	"github.com/ecotel/ecotel/semconv"
)

// document is one kind of ENTSO-E document the receiver fetches per zone.
type document int

const (
	docGeneration document = iota
	docPrice
	docLoad
	docForecast
	numDocuments
)

var documentInfo = [numDocuments]struct {
	// name is the eco.grid.document value.
	name string
	// documentType and processType are the API's codes.
	documentType, processType string
	// actual documents hold measured values: nothing after the fetch time.
	actual bool
}{
	docGeneration: {semconv.AttrGridDocumentGeneration, "A75", "A16", true},
	docPrice:      {semconv.AttrGridDocumentPrice, "A44", "", false},
	docLoad:       {semconv.AttrGridDocumentLoad, "A65", "A16", true},
	docForecast:   {semconv.AttrGridDocumentForecast, "A69", "A01", false},
}

func (d document) String() string { return documentInfo[d].name }

// task is one (zone, document) pair: what to fetch, when, and the last good answer.
type task struct {
	zone     *zoneRuntime
	doc      document
	eic      string
	interval time.Duration

	// Guarded by gridScraper.mu.
	last         *xmldoc.Document // last document with data
	fetchedAt    time.Time
	stale        bool // the last attempt brought nothing new
	failures     int  // consecutive failed attempts
	failingSince time.Time
	nextDue      time.Time
}

type zoneRuntime struct {
	zone              gridzone.Zone
	lifecycle, direct emission.Factors
	tasks             [numDocuments]*task
}

// fetcher answers a (zone, document, window) query: the live API client, or replay.
type fetcher interface {
	fetch(ctx context.Context, t *task, start, end time.Time) (*xmldoc.Document, error)
}

type gridScraper struct {
	cfg      *Config
	settings receiver.Settings
	logger   *zap.Logger
	mb       *metadata.MetricsBuilder
	tb       *metadata.TelemetryBuilder
	zones    []*zoneRuntime
	tasks    []*task
	opts     emission.Options
	warnings *logLimiter

	fetcher fetcher
	now     func() time.Time

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// status is what the last scrape emitted per zone, for the status page
	// (guarded by mu; see status.go).
	status           []zoneStatus
	unregisterStatus func()
}

func newGridScraper(cfg *Config, set receiver.Settings) (*gridScraper, error) {
	zones, errs := cfg.resolveZones()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &gridScraper{
		cfg:      cfg,
		settings: set,
		logger:   set.Logger,
		mb:       metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		opts:     emission.Options{CountStorage: cfg.CountStorageDischarge},
		warnings: newLogLimiter(set.Logger, 15*time.Minute),
		now:      time.Now,
	}
	d := cfg.Documents
	enabled := [numDocuments]bool{d.Generation.Enabled, d.Price.Enabled, d.Load.Enabled, d.Forecast.Enabled}
	intervals := [numDocuments]time.Duration{d.Generation.PollInterval, d.Price.PollInterval, d.Load.PollInterval, d.Forecast.PollInterval}
	for _, z := range zones {
		zs := cfg.settingsFor(z)
		zr := &zoneRuntime{
			zone:      z,
			lifecycle: emission.DefaultLifecycle().With(cfg.EmissionFactors.Lifecycle).With(zs.EmissionFactors.Lifecycle),
			direct:    emission.DefaultDirect().With(cfg.EmissionFactors.Direct).With(zs.EmissionFactors.Direct),
		}
		overrides := [numDocuments]string{zs.GenerationEIC, zs.PriceEIC, zs.LoadEIC, zs.ForecastEIC}
		for doc := range numDocuments {
			if !enabled[doc] {
				continue
			}
			eic := z.EIC
			if overrides[doc] != "" {
				eic = overrides[doc]
			}
			t := &task{zone: zr, doc: doc, eic: eic, interval: intervals[doc]}
			zr.tasks[doc] = t
			s.tasks = append(s.tasks, t)
		}
		s.zones = append(s.zones, zr)
	}
	return s, nil
}

func (s *gridScraper) start(ctx context.Context, host component.Host) error {
	tb, err := metadata.NewTelemetryBuilder(s.settings.TelemetrySettings)
	if err != nil {
		return err
	}
	s.tb = tb
	s.unregisterStatus = ecostatus.Register(host, s.settings.ID, s)
	if dir := s.cfg.Replay.Directory; dir != "" {
		return s.startReplay(ctx, dir)
	}
	if err := s.setupLive(ctx, host, time.Now); err != nil {
		return err
	}
	s.logger.Info("Fetching ENTSO-E grid data",
		zap.Strings("zones", s.zoneCodes()), zap.String("endpoint", s.cfg.Endpoint),
		zap.Float64("rate_limit_per_minute", s.cfg.RateLimit.RequestsPerMinute))
	// Fetching runs on its own schedule, apart from the scrapes, so a slow
	// or banned API never delays the emission of the last good values.
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go s.run(runCtx)
	return nil
}

// setupLive creates the API client; now is the clock bans are measured with.
func (s *gridScraper) setupLive(ctx context.Context, host component.Host, now func() time.Time) error {
	httpClient, err := s.cfg.ToClient(ctx, host.GetExtensions(), s.settings.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("entsoe: HTTP client: %w", err)
	}
	c, err := client.New(httpClient, client.Config{
		Endpoint:          s.cfg.Endpoint,
		Token:             s.cfg.tokenSource(),
		RequestsPerMinute: s.cfg.RateLimit.RequestsPerMinute,
		Burst:             s.cfg.RateLimit.Burst,
		Now:               now,
	})
	if err != nil {
		return fmt.Errorf("entsoe: %w", err)
	}
	s.fetcher = &liveFetcher{client: c, tb: s.tb}
	return nil
}

// startReplay loads the recorded responses and answers every task once, at
// the replay instant. Nothing changes afterwards: the clock is frozen.
func (s *gridScraper) startReplay(ctx context.Context, dir string) error {
	src, problems, err := replay.Load(dir)
	if err != nil {
		return fmt.Errorf("entsoe: %w", err)
	}
	for _, p := range problems {
		var ack *xmldoc.AckError
		if errors.As(p.Err, &ack) {
			s.logger.Info("Replay file is an acknowledgement (no data); skipped", zap.String("file", p.Name), zap.String("reason", ack.Text))
			continue
		}
		s.tb.EntsoeParseErrors.Add(ctx, 1, metric.WithAttributes(attribute.String("document", "replay")))
		s.logger.Warn("Replay file skipped: not a readable ENTSO-E document", zap.String("file", p.Name), zap.Error(p.Err))
	}
	now := s.cfg.Replay.Now
	if now.IsZero() {
		if now, err = src.DataEnd(); err != nil {
			return fmt.Errorf("entsoe: replay.directory %s: %w", dir, err)
		}
	}
	now = now.UTC()
	s.now = func() time.Time { return now }
	s.fetcher = &replayFetcher{src: src}
	s.logger.Info("Replaying recorded ENTSO-E responses",
		zap.String("directory", dir), zap.Int("files", len(src.Files())), zap.Time("now", now), zap.Strings("zones", s.zoneCodes()))
	s.pollDue(ctx)
	return nil
}

func (s *gridScraper) shutdown(context.Context) error {
	if s.unregisterStatus != nil {
		s.unregisterStatus()
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.tb != nil {
		s.tb.Shutdown()
	}
	return nil
}

func (s *gridScraper) zoneCodes() []string {
	out := make([]string, len(s.zones))
	for i, z := range s.zones {
		out[i] = z.zone.Code
	}
	return out
}

// run polls until ctx ends, sleeping until the next task is due.
func (s *gridScraper) run(ctx context.Context) {
	defer s.wg.Done()
	for {
		next := s.pollDue(ctx)
		wait := min(max(time.Until(next), time.Second), time.Minute)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// pollDue fetches every task that is due, one after the other (the token
// bucket paces them), and returns when the next one will be due.
func (s *gridScraper) pollDue(ctx context.Context) time.Time {
	var next time.Time
	for _, t := range s.tasks {
		if ctx.Err() != nil {
			return next
		}
		s.mu.Lock()
		due := t.nextDue
		s.mu.Unlock()
		if now := s.now(); !due.After(now) {
			s.poll(ctx, t, now)
			s.mu.Lock()
			due = t.nextDue
			s.mu.Unlock()
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	return next
}

// window is the period a task asks for at now, in whole UTC hours as the
// platform expects.
func (s *gridScraper) window(t *task, now time.Time) (time.Time, time.Time) {
	d := s.cfg.Documents
	switch t.doc {
	case docGeneration:
		return floorHour(now.Add(-d.Generation.Lookback)), ceilHour(now)
	case docLoad:
		return floorHour(now.Add(-d.Load.Lookback)), ceilHour(now)
	case docPrice:
		// Prices come in whole market days: yesterday's (a fallback when
		// today's are late), today's and, after the auction, tomorrow's.
		return floorHour(now.Add(-24 * time.Hour)), ceilHour(now.Add(24 * time.Hour))
	default:
		return floorHour(now), ceilHour(now.Add(d.Forecast.Horizon))
	}
}

func floorHour(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

func ceilHour(t time.Time) time.Time {
	f := floorHour(t)
	if f.Equal(t) {
		return f
	}
	return f.Add(time.Hour)
}

// poll fetches one task and updates its state.
func (s *gridScraper) poll(ctx context.Context, t *task, now time.Time) {
	start, end := s.window(t, now)
	doc, err := s.fetcher.fetch(ctx, t, start, end)
	if err != nil && ctx.Err() != nil {
		return // shutting down
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := t.zone.zone.Code + "/" + t.doc.String()
	if err == nil {
		if documentInfo[t.doc].actual {
			doc.TruncateAfter(now)
		}
		s.countDrops(ctx, t, doc, now)
		t.last, t.fetchedAt, t.stale, t.failures = doc, now, false, 0
		t.nextDue = now.Add(t.interval)
		return
	}
	t.stale = true
	kind, ce := classify(err)
	switch kind {
	case client.KindNoData:
		// Nothing published in the window (yet): not an error, never zeros.
		t.nextDue = now.Add(t.interval)
		s.logger.Debug("No ENTSO-E data published for the window", zap.String("zone", t.zone.zone.Code), zap.Stringer("document", t.doc))
	case client.KindRateLimited:
		t.nextDue = ce.RetryAt
		s.warnings.Warn(key+"/ban", "ENTSO-E rate limit: serving last values until the ban ends",
			zap.String("zone", t.zone.zone.Code), zap.Stringer("document", t.doc), zap.Time("retry_at", ce.RetryAt), zap.Error(err))
	case client.KindRejected:
		// A configuration problem: asking again soon cannot help.
		t.nextDue = now.Add(max(s.cfg.BackOff.MaxInterval, t.interval))
		s.warnings.Error(key+"/rejected", "ENTSO-E rejected the request; fix the configuration (retrying rarely)",
			zap.String("zone", t.zone.zone.Code), zap.Stringer("document", t.doc), zap.Error(err))
	default:
		t.failures++
		if t.failures == 1 {
			t.failingSince = now
		}
		delay := t.interval
		if s.cfg.BackOff.Enabled {
			delay = client.Backoff{
				Initial: s.cfg.BackOff.InitialInterval, Max: s.cfg.BackOff.MaxInterval,
				Multiplier: s.cfg.BackOff.Multiplier, Jitter: s.cfg.BackOff.RandomizationFactor,
			}.Delay(t.failures)
			// Past max_elapsed_time of failures, stop retrying faster than
			// the regular schedule.
			if s.cfg.BackOff.MaxElapsedTime > 0 && now.Sub(t.failingSince) >= s.cfg.BackOff.MaxElapsedTime {
				delay = max(delay, t.interval)
			}
		}
		t.nextDue = now.Add(delay)
		if ce != nil && ce.Status == "invalid_body" {
			s.tb.EntsoeParseErrors.Add(ctx, 1, metric.WithAttributes(attribute.String("document", t.doc.String())))
		}
		status := "error"
		if ce != nil {
			status = ce.Status
		}
		// One warning per kind of failure and period: a 404 after a run of
		// 503s still says to check the endpoint.
		s.warnings.Warn(key+"/transient/"+status, "ENTSO-E unavailable: serving last values, retrying with backoff",
			zap.String("zone", t.zone.zone.Code), zap.Stringer("document", t.doc), zap.Int("failures", t.failures),
			zap.Duration("retry_in", delay), zap.Error(err))
	}
}

// classify sorts a fetch error: the client's own classification, or for
// replay an acknowledgement; anything else counts as transient.
func classify(err error) (client.Kind, *client.Error) {
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.Kind, ce
	}
	var ack *xmldoc.AckError
	if errors.As(err, &ack) {
		if ack.NoData() {
			return client.KindNoData, nil
		}
		return client.KindRejected, nil
	}
	return client.KindTransient, nil
}

// countDrops records what a fresh document holds that cannot be used.
func (s *gridScraper) countDrops(ctx context.Context, t *task, doc *xmldoc.Document, now time.Time) {
	record := func(reason string, n int) {
		if n > 0 {
			s.tb.EntsoePointsDropped.Add(ctx, int64(n), metric.WithAttributes(
				attribute.String("document", t.doc.String()), attribute.String("reason", reason)))
		}
	}
	dr := doc.Dropped
	record("invalid_position", dr.InvalidPosition)
	record("invalid_value", dr.InvalidValue)
	record("duplicate_position", dr.DuplicatePosition)
	record("invalid_period", dr.InvalidPeriodPoints)
	var issues griddata.Issues
	switch t.doc {
	case docGeneration:
		_, issues, _ = griddata.LatestGeneration(doc, t.eic, now)
	case docPrice:
		_, issues, _ = griddata.CurrentPrice(doc, t.eic, now)
	case docLoad:
		_, issues, _ = griddata.LatestLoad(doc, t.eic, now)
	case docForecast:
		_, issues = griddata.UpcomingForecast(doc, t.eic, now, s.cfg.Documents.Forecast.Horizon)
	}
	record("unsupported_unit", issues.UnsupportedUnit)
	record("unknown_psr_type", len(issues.UnknownPSRTypes))
	record("foreign_domain", issues.ForeignDomain)
	key := t.zone.zone.Code + "/" + t.doc.String()
	if dr.Points() > 0 || dr.InvalidPeriod > 0 {
		s.warnings.Warn(key+"/drops", "Dropped unreadable points from an ENTSO-E document",
			zap.String("zone", t.zone.zone.Code), zap.Stringer("document", t.doc), zap.Int("points", dr.Points()), zap.String("first", dr.First))
	}
	if !issues.Empty() {
		s.warnings.Warn(key+"/issues", "Left series of an ENTSO-E document unused",
			zap.String("zone", t.zone.zone.Code), zap.Stringer("document", t.doc), zap.Int("unsupported_unit", issues.UnsupportedUnit),
			zap.Strings("unknown_psr_types", issues.UnknownPSRTypes), zap.Int("foreign_domain", issues.ForeignDomain))
	}
}

// scrape emits the last good values of every zone as of now.
func (s *gridScraper) scrape(ctx context.Context) (pmetric.Metrics, error) {
	now := s.now()
	nowTS := pcommon.NewTimestampFromTime(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	stale := 0
	status := make([]zoneStatus, 0, len(s.zones))
	for _, z := range s.zones {
		st := zoneStatus{zone: ecostatus.Zone{Code: z.zone.Code}}
		recorded := false
		for _, t := range z.tasks {
			if t == nil {
				continue
			}
			if t.stale {
				stale++
			}
			if t.last == nil {
				continue
			}
			var age time.Duration
			var ok bool
			switch t.doc {
			case docGeneration:
				age, ok = s.recordGeneration(z, t, now, &st)
			case docPrice:
				age, ok = s.recordPrice(t, now, &st)
			case docLoad:
				age, ok = s.recordLoad(t, now)
			case docForecast:
				age, ok = s.recordForecast(t, now)
			}
			if ok {
				s.mb.RecordEcoGridDataAgeDataPoint(nowTS, max(age, 0).Seconds(), metadata.MapAttributeDocument[t.doc.String()])
				recorded = true
			}
		}
		if recorded {
			rb := s.mb.NewResourceBuilder()
			rb.SetEcoGridZoneCode(z.zone.Code)
			rb.SetEcoGridZoneEic(z.zone.EIC)
			s.mb.EmitForResource(metadata.WithResource(rb.Emit()))
			status = append(status, st)
		}
	}
	s.status = status
	if s.tb != nil {
		s.tb.EntsoeStale.Record(ctx, int64(stale))
	}
	return s.mb.Emit(), nil
}

func (s *gridScraper) recordGeneration(z *zoneRuntime, t *task, now time.Time, st *zoneStatus) (time.Duration, bool) {
	g, _, ok := griddata.LatestGeneration(t.last, t.eic, now)
	if !ok {
		return 0, false
	}
	ts := pcommon.NewTimestampFromTime(g.Start)
	for _, src := range g.Production {
		s.mb.RecordEcoGridGenerationDataPoint(ts, src.PowerMW, src.PSRType, metadata.MapAttributeFuel[src.Fuel])
	}
	for _, src := range g.Charging {
		s.mb.RecordEcoGridStorageChargingDataPoint(ts, src.PowerMW, src.PSRType, metadata.MapAttributeFuel[src.Fuel])
	}
	st.setGeneration(g)
	if r, ok := emission.Compute(g.Production, z.lifecycle, s.opts); ok {
		s.mb.RecordEcoGridCarbonIntensityDataPoint(ts, r.IntensityGPerKWh, metadata.AttributeMethodLifecycle)
		s.mb.RecordEcoGridRenewableShareDataPoint(ts, r.RenewableShare)
		s.mb.RecordEcoGridLowCarbonShareDataPoint(ts, r.LowCarbonShare)
		st.setLifecycle(r)
	}
	if r, ok := emission.Compute(g.Production, z.direct, s.opts); ok {
		s.mb.RecordEcoGridCarbonIntensityDataPoint(ts, r.IntensityGPerKWh, metadata.AttributeMethodDirect)
		st.zone.IntensityDirectGPerKWh = &r.IntensityGPerKWh
	}
	return now.Sub(g.End), true
}

func (s *gridScraper) recordPrice(t *task, now time.Time, st *zoneStatus) (time.Duration, bool) {
	p, _, ok := griddata.CurrentPrice(t.last, t.eic, now)
	if !ok {
		return 0, false
	}
	s.mb.RecordEcoGridPriceDayAheadDataPoint(pcommon.NewTimestampFromTime(p.Start), p.PerMWh, p.Currency)
	st.zone.PricePerMWh, st.zone.Currency = &p.PerMWh, p.Currency
	return now.Sub(p.End), true
}

func (s *gridScraper) recordLoad(t *task, now time.Time) (time.Duration, bool) {
	l, _, ok := griddata.LatestLoad(t.last, t.eic, now)
	if !ok {
		return 0, false
	}
	s.mb.RecordEcoGridLoadDataPoint(pcommon.NewTimestampFromTime(l.Start), l.PowerMW)
	return now.Sub(l.End), true
}

func (s *gridScraper) recordForecast(t *task, now time.Time) (time.Duration, bool) {
	points, _ := griddata.UpcomingForecast(t.last, t.eic, now, s.cfg.Documents.Forecast.Horizon)
	if len(points) == 0 {
		return 0, false
	}
	for _, p := range points {
		s.mb.RecordEcoGridForecastGenerationDataPoint(pcommon.NewTimestampFromTime(p.Start), p.PowerMW,
			metadata.MapAttributeFuel[p.Fuel], int64(p.LeadTime/time.Second))
	}
	// A forecast is as old as the fetch that brought it.
	return now.Sub(t.fetchedAt), true
}

// liveFetcher asks the platform.
type liveFetcher struct {
	client *client.Client
	tb     *metadata.TelemetryBuilder
}

func (f *liveFetcher) fetch(ctx context.Context, t *task, start, end time.Time) (*xmldoc.Document, error) {
	info := documentInfo[t.doc]
	params := url.Values{}
	params.Set("documentType", info.documentType)
	if info.processType != "" {
		params.Set("processType", info.processType)
	}
	switch t.doc {
	case docPrice:
		params.Set("in_Domain", t.eic)
		params.Set("out_Domain", t.eic)
		params.Set("contract_MarketAgreement.type", "A01")
		if code := t.zone.zone.Code; code == "DE-LU" || code == "AT" {
			// Two auctions publish here; sequence 1 is SDAC.
			params.Set("classificationSequence_AttributeInstanceComponent.position", "1")
		}
	case docLoad:
		params.Set("outBiddingZone_Domain", t.eic)
	default:
		params.Set("in_Domain", t.eic)
	}
	params.Set("periodStart", start.UTC().Format("200601021504"))
	params.Set("periodEnd", end.UTC().Format("200601021504"))

	doc, res, err := f.client.Fetch(ctx, params)
	docAttr := attribute.String("document", t.doc.String())
	if res.Status != "" && res.Status != "canceled" {
		f.tb.EntsoeRequests.Add(ctx, 1, metric.WithAttributes(docAttr, attribute.String("status", res.Status)))
	}
	if res.Sent {
		f.tb.EntsoeRequestDuration.Record(ctx, res.Duration.Seconds(), metric.WithAttributes(docAttr, attribute.String("status", res.Status)))
	}
	if res.RateLimitWait > 0 || res.Status == "banned" {
		f.tb.EntsoeRateLimitWaits.Add(ctx, 1, metric.WithAttributes(docAttr))
		f.tb.EntsoeRateLimitWaitTime.Add(ctx, res.RateLimitWait.Seconds(), metric.WithAttributes(docAttr))
	}
	return doc, err
}

// replayFetcher answers from recorded files.
type replayFetcher struct {
	src *replay.Source
}

func (f *replayFetcher) fetch(_ context.Context, t *task, start, end time.Time) (*xmldoc.Document, error) {
	info := documentInfo[t.doc]
	return f.src.Fetch(replay.Query{DocumentType: info.documentType, ProcessType: info.processType, Domain: t.eic, Start: start, End: end})
}

// logLimiter logs each kind of repeated warning at most once per period.
type logLimiter struct {
	logger *zap.Logger
	every  time.Duration
	mu     sync.Mutex
	last   map[string]time.Time
}

func newLogLimiter(logger *zap.Logger, every time.Duration) *logLimiter {
	return &logLimiter{logger: logger, every: every, last: map[string]time.Time{}}
}

func (l *logLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.every {
		return false
	}
	l.last[key] = now
	return true
}

// Warn logs at warning level unless the same key was logged recently.
func (l *logLimiter) Warn(key, msg string, fields ...zap.Field) {
	if l.allow(key) {
		l.logger.Warn(msg, fields...)
	}
}

// Error logs at error level unless the same key was logged recently.
func (l *logLimiter) Error(key, msg string, fields ...zap.Field) {
	if l.allow(key) {
		l.logger.Error(msg, fields...)
	}
}
