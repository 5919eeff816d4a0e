package signal

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ecotel/ecotel/internal/promapi"
)

// PrometheusConfig says where and how to read the signals from Prometheus.
type PrometheusConfig struct {
	// Address is the base URL of the Prometheus HTTP API, e.g.
	// http://prometheus.monitoring:9090 (a path prefix is kept).
	Address string
	// NodeQuery returns one sample per node: the ranking signal in g/h.
	NodeQuery string
	// NodeLabel and ZoneLabel name the labels of NodeQuery's samples that
	// hold the node name and its bidding zone.
	NodeLabel string
	ZoneLabel string
	// ZoneIntensityQuery returns one sample per zone (label ZoneLabel): the
	// grid carbon intensity in g/kWh. Empty: zones are not read.
	ZoneIntensityQuery string
	// DataAgeQuery returns one sample per zone (label ZoneLabel): the age in
	// seconds of the grid data behind the values. Empty: values are taken
	// as observed when fetched.
	DataAgeQuery string
	// Timeout bounds one whole refresh (all queries).
	Timeout time.Duration
	// BearerTokenFile, when set, is read at every refresh (so rotated
	// tokens are picked up) and sent as "Authorization: Bearer".
	BearerTokenFile string
	// CAFile adds a CA bundle to trust; InsecureSkipVerify disables server
	// certificate checks (tests only); ServerName overrides the TLS name.
	CAFile             string
	InsecureSkipVerify bool
	ServerName         string
}

// PrometheusSource reads signals with instant queries against the
// Prometheus HTTP API.
type PrometheusSource struct {
	cfg    PrometheusConfig
	base   *url.URL
	client *http.Client
	now    func() time.Time
}

// NewPrometheusSource checks cfg and builds the HTTP client.
func NewPrometheusSource(cfg PrometheusConfig) (*PrometheusSource, error) {
	base, err := url.Parse(cfg.Address)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("prometheus address %q: want an http(s) URL such as http://prometheus:9090", cfg.Address)
	}
	tlsCfg := &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify, ServerName: cfg.ServerName} //nolint:gosec // opt-in, documented for tests
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("prometheus CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("prometheus CA file %s: no PEM certificate found", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsCfg
	return &PrometheusSource{
		cfg:    cfg,
		base:   base,
		client: &http.Client{Transport: transport},
		now:    time.Now,
	}, nil
}

// Name implements Source.
func (p *PrometheusSource) Name() string { return "prometheus" }

// Fetch implements Source: it runs the node, zone and data-age queries. Any
// query failure fails the whole fetch, so that the cache keeps its last
// consistent snapshot.
func (p *PrometheusSource) Fetch(ctx context.Context) (*Snapshot, []Problem, error) {
	if p.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.Timeout)
		defer cancel()
	}
	token, err := p.token()
	if err != nil {
		return nil, nil, err
	}
	fetchedAt := p.now()
	var problems []Problem

	ages := map[string]float64{}
	if p.cfg.DataAgeQuery != "" {
		samples, err := p.query(ctx, token, p.cfg.DataAgeQuery)
		if err != nil {
			return nil, nil, fmt.Errorf("grid data age query: %w", err)
		}
		ages = zoneValues(samples, p.cfg.ZoneLabel, "grid data age (s)", maxDataAgeS, &problems)
	}
	observedAt := func(zone string) time.Time {
		if age, ok := ages[zone]; ok {
			return fetchedAt.Add(-time.Duration(age * float64(time.Second)))
		}
		return fetchedAt
	}

	snap := &Snapshot{Nodes: map[string]NodeSignal{}, Zones: map[string]ZoneSignal{}, FetchedAt: fetchedAt}
	if p.cfg.ZoneIntensityQuery != "" {
		samples, err := p.query(ctx, token, p.cfg.ZoneIntensityQuery)
		if err != nil {
			return nil, nil, fmt.Errorf("zone carbon intensity query: %w", err)
		}
		for zone, v := range zoneValues(samples, p.cfg.ZoneLabel, "carbon intensity (g/kWh)", MaxIntensityGPerKWh, &problems) {
			snap.Zones[zone] = ZoneSignal{IntensityGPerKWh: v, ObservedAt: observedAt(zone)}
		}
	}

	samples, err := p.query(ctx, token, p.cfg.NodeQuery)
	if err != nil {
		return nil, nil, fmt.Errorf("node ranking signal query: %w", err)
	}
	for _, s := range samples {
		node := s.Labels[p.cfg.NodeLabel]
		if node == "" {
			problems = append(problems, problemf(ProblemMissingLabel,
				"node ranking signal sample %v has no %q label; make the query keep it (e.g. `by (%s)`)", s.Labels, p.cfg.NodeLabel, p.cfg.NodeLabel))
			continue
		}
		if pr, ok := checkValue(s.Value, MaxCarbonPerVCPUGPerH, "node "+node+" ranking signal (g/h)"); !ok {
			problems = append(problems, pr)
			continue
		}
		zone := s.Labels[p.cfg.ZoneLabel]
		if prev, dup := snap.Nodes[node]; dup {
			problems = append(problems, problemf(ProblemDuplicate,
				"node %s has several ranking signal series; keeping the highest (least green); make the query return one per node, e.g. max by (%s, %s)", node, p.cfg.NodeLabel, p.cfg.ZoneLabel))
			if prev.CarbonPerVCPUGPerH >= s.Value {
				continue
			}
		}
		snap.Nodes[node] = NodeSignal{CarbonPerVCPUGPerH: s.Value, Zone: zone, ObservedAt: observedAt(zone)}
	}
	return snap, problems, nil
}

// zoneValues maps zone label → value, dropping invalid samples.
func zoneValues(samples []sample, zoneLabel, what string, maxV float64, problems *[]Problem) map[string]float64 {
	out := make(map[string]float64, len(samples))
	for _, s := range samples {
		zone := s.Labels[zoneLabel]
		if zone == "" {
			*problems = append(*problems, problemf(ProblemMissingLabel,
				"%s sample %v has no %q label; make the query keep it", what, s.Labels, zoneLabel))
			continue
		}
		if pr, ok := checkValue(s.Value, maxV, "zone "+zone+" "+what); !ok {
			*problems = append(*problems, pr)
			continue
		}
		if prev, dup := out[zone]; dup {
			*problems = append(*problems, problemf(ProblemDuplicate,
				"zone %s has several %s series; keeping the highest; filter the query to one series per zone (e.g. by eco_carbon_intensity_method)", zone, what))
			if prev >= s.Value {
				continue
			}
		}
		out[zone] = s.Value
	}
	return out
}

func checkValue(v, maxV float64, what string) (Problem, bool) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return problemf(ProblemMalformedValue, "%s is %v; dropped", what, v), false
	case v < 0:
		return problemf(ProblemNegativeValue, "%s is negative (%v); dropped", what, v), false
	case v > maxV:
		return problemf(ProblemAbsurdValue, "%s is %v, above the plausible %v; dropped (check the unit)", what, v, maxV), false
	}
	return Problem{}, true
}

func (p *PrometheusSource) token() (string, error) {
	if p.cfg.BearerTokenFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(p.cfg.BearerTokenFile)
	if err != nil {
		// The error names the file, never its content.
		return "", fmt.Errorf("read prometheus bearer token file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// maxResponseBytes bounds what one query may return (5,000 nodes take ~1 MB).
const maxResponseBytes = 64 << 20

func (p *PrometheusSource) query(ctx context.Context, token, promql string) ([]sample, error) {
	u := *p.base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/query"
	u.RawQuery = url.Values{"query": {promql}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("response larger than %d bytes; narrow the query", maxResponseBytes)
	}
	samples, err := parseQueryResponse(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", resp.Status, err)
	}
	return samples, nil
}

// sample is one element of an instant vector.
type sample = promapi.Sample

var errNotVector = errors.New("result is not an instant vector; the query must return one sample per node or zone")

// parseQueryResponse decodes a Prometheus /api/v1/query response body
// (internal/promapi), which must be an instant vector.
func parseQueryResponse(body []byte) ([]sample, error) {
	samples, err := promapi.DecodeVector(body, "")
	if errors.Is(err, promapi.ErrNotVector) {
		return nil, fmt.Errorf("%w: %v", errNotVector, err)
	}
	if err != nil {
		return nil, err
	}
	// Prometheus writes NaN and ±Inf as "NaN", "+Inf", "-Inf", which the
	// decoder accepts; checkValue drops them later.
	return samples, nil
}
