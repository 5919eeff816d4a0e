package alumetbridgereceiver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
	"github.com/ecotel/ecotel/semconv"
)

// maxScrapeBytes bounds one exposition page (Alumet's is a few hundred KB
// with thousands of pods).
const maxScrapeBytes = 64 << 20

// promScraper scrapes one Alumet Prometheus exporter. The exporter only
// holds the latest delta of each series, without a timestamp, so this input
// is lossy: a value is integrated when it differs from the previous scrape's
// (two equal consecutive deltas count once; deltas overwritten between
// scrapes are lost). Use the relay or OTLP input where you can.
type promScraper struct {
	r        *alumetReceiver
	target   *PrometheusTarget
	node     string
	interval time.Duration
	client   *http.Client
	last     map[string]float64 // last value per series, to detect new deltas
	key      []byte
}

func newPromScraper(ctx context.Context, r *alumetReceiver, t *PrometheusTarget, interval time.Duration, host component.Host) (*promScraper, error) {
	client, err := t.ToClient(ctx, host.GetExtensions(), r.set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("alumetbridge prometheus target %s: %w", t.Endpoint, err)
	}
	node := t.NodeName
	if node == "" {
		node = r.cfg.NodeName
	}
	return &promScraper{r: r, target: t, node: node, interval: interval, client: client, last: map[string]float64{}}, nil
}

func (s *promScraper) run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.scrape(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *promScraper) scrape(ctx context.Context) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.target.Endpoint, nil)
	if err != nil {
		return
	}
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			s.r.warn.Warn("scrape_"+s.target.Endpoint, "Cannot scrape Alumet's Prometheus exporter", zap.String("endpoint", s.target.Endpoint), zap.Error(err))
		}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.r.warn.Warn("scrape_"+s.target.Endpoint, "Alumet's Prometheus exporter answered with an error status", zap.String("endpoint", s.target.Endpoint), zap.String("status", resp.Status))
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxScrapeBytes))
	if err != nil {
		return
	}
	var c pointCounts
	s.ingest(ctx, body, time.Now(), &c)
	s.r.report(ctx, inputPrometheus, &c)
}

// ingest parses one exposition page and integrates the values that changed.
func (s *promScraper) ingest(ctx context.Context, page []byte, at time.Time, c *pointCounts) {
	clean, bad := validLines(page)
	for range bad {
		s.r.decodeError(ctx, inputPrometheus, "invalid_line")
	}
	if bad > 0 {
		s.r.warn.Warn("prom_lines", "Lines of Alumet's Prometheus exposition with invalid metric names were skipped (Alumet v0.9.0–v0.9.2 wrote units such as % into names; upgrade Alumet)",
			zap.String("endpoint", s.target.Endpoint), zap.Int("lines", bad))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(clean))
	if err != nil {
		s.r.decodeError(ctx, inputPrometheus, "invalid_page")
		s.r.warn.Warn("prom_parse", "Cannot parse Alumet's Prometheus exposition", zap.String("endpoint", s.target.Endpoint), zap.Error(err))
		return
	}
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	sort.Strings(names)
	now := at.UnixNano()
	seen := make(map[string]bool, len(s.last))
	for _, name := range names {
		mf := families[name]
		for _, m := range mf.GetMetric() {
			var value float64
			switch {
			case m.GetGauge() != nil:
				value = m.GetGauge().GetValue()
			case m.GetUntyped() != nil:
				value = m.GetUntyped().GetValue()
			default:
				c.byOutcome[outcomeUnmapped]++
				continue
			}
			s.key = promKey(s.key[:0], name, m.GetLabel())
			seen[string(s.key)] = true
			prev, had := s.last[string(s.key)]
			if had && prev == value {
				continue // the same delta as last scrape: not new energy
			}
			s.last[string(s.key)] = value
			e := s.r.shared.get(s.key, func() *routeEntry { return s.route(name, mf, m.GetLabel()) })
			s.r.apply(e, value, now, now, c)
		}
	}
	// Forget series the exporter no longer shows.
	for k := range s.last {
		if !seen[k] {
			delete(s.last, k)
		}
	}
}

func promKey(b []byte, name string, labels []*dto.LabelPair) []byte {
	b = append(b, "prom\x00"...)
	b = append(b, name...)
	for _, l := range labels {
		b = append(b, 0)
		b = append(b, l.GetName()...)
		b = append(b, '=')
		b = append(b, l.GetValue()...)
	}
	return b
}

func (s *promScraper) route(name string, mf *dto.MetricFamily, labels []*dto.LabelPair) *routeEntry {
	metric, unit, has := units.SplitName(name, s.r.cfg.MetricPrefix, s.r.cfg.MetricSuffix)
	if mf.Unit != nil && mf.GetUnit() != "" {
		if u, ok := parseUnit(mf.GetUnit()); ok && u.Quantity != units.Unknown {
			unit, has = u, true
		}
	}
	p := mapping.Point{Source: semconv.AttrEnergySourceAlumetPrometheus, Metric: metric, Unit: unit, HasUnit: has, ClientNode: s.node}
	for _, l := range labels {
		switch l.GetName() {
		case "resource_kind":
			p.ResourceKind = l.GetValue()
		case "resource_id":
			p.ResourceID = l.GetValue()
		case "resource_consumer_kind":
			p.ConsumerKind = l.GetValue()
		case "resource_consumer_id":
			p.ConsumerID = l.GetValue()
		default:
			p.Attributes = append(p.Attributes, mapping.Attribute{Key: l.GetName(), Value: l.GetValue()})
		}
	}
	return s.r.newRouteEntry(&p, false)
}

// validLines drops exposition lines whose metric name is not a valid
// Prometheus name, so that one bad family does not fail the whole page.
func validLines(page []byte) (clean []byte, bad int) {
	clean = make([]byte, 0, len(page))
	sc := bufio.NewScanner(bytes.NewReader(page))
	sc.Buffer(make([]byte, 0, 64<<10), maxScrapeBytes)
	for sc.Scan() {
		line := sc.Bytes()
		name := line
		if bytes.HasPrefix(line, []byte("#")) {
			f := bytes.Fields(line)
			if len(f) < 3 || (string(f[1]) != "HELP" && string(f[1]) != "TYPE") {
				clean = append(append(clean, line...), '\n')
				continue
			}
			name = f[2]
		} else if i := bytes.IndexAny(line, "{ \t"); i >= 0 {
			name = line[:i]
		}
		if len(bytes.TrimSpace(line)) == 0 || model.IsValidLegacyMetricName(string(name)) {
			clean = append(append(clean, line...), '\n')
		} else {
			bad++
		}
	}
	return clean, bad
}
