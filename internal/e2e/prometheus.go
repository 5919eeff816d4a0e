package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Prometheus is a running Prometheus server (the Debian package's binary).
type Prometheus struct {
	*Process
	URL string
}

// PrometheusOptions configure StartPrometheus.
type PrometheusOptions struct {
	// Targets are host:port addresses scraped at /metrics as job "otelcol-eco".
	Targets []string
	// RuleFiles are recording/alerting rule files to load.
	RuleFiles []string
	// ScrapeInterval defaults to 1 s.
	ScrapeInterval time.Duration
}

// PrometheusBinary returns $PROMETHEUS or `prometheus` from PATH.
func PrometheusBinary(t testing.TB) string {
	return LookBinary(t, "PROMETHEUS", "", "prometheus",
		"install it: `apt-get install -y --no-install-recommends prometheus` (make test does this)")
}

// StartPrometheus starts Prometheus with a temporary config and data
// directory on a free loopback port and waits until it is ready.
func StartPrometheus(t testing.TB, opts PrometheusOptions) *Prometheus {
	t.Helper()
	if opts.ScrapeInterval == 0 {
		opts.ScrapeInterval = time.Second
	}
	dir := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", opts.ScrapeInterval, opts.ScrapeInterval)
	if len(opts.RuleFiles) > 0 {
		cfg.WriteString("rule_files:\n")
		for _, f := range opts.RuleFiles {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&cfg, "  - %q\n", abs)
		}
	}
	cfg.WriteString("scrape_configs:\n  - job_name: otelcol-eco\n    static_configs:\n      - targets: [")
	for i, target := range opts.Targets {
		if i > 0 {
			cfg.WriteString(", ")
		}
		fmt.Fprintf(&cfg, "%q", target)
	}
	cfg.WriteString("]\n")
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := FreeEndpoint(t)
	p := StartProcess(t, "prometheus", PrometheusBinary(t), []string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--log.level=warn",
	}, nil)
	prom := &Prometheus{Process: p, URL: "http://" + addr}
	WaitUntil(t, 30*time.Second, "prometheus readiness", func() error {
		return httpReady(prom.URL + "/-/ready")
	}, p)
	return prom
}

// Sample is one element of an instant-query result vector.
type Sample struct {
	Labels map[string]string
	Value  float64
	Time   time.Time
}

// Query runs an instant PromQL query and returns its vector (a scalar result
// is returned as a one-sample vector without labels).
func (p *Prometheus) Query(ctx context.Context, promql string) ([]Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/api/v1/query?query="+url.QueryEscape(promql), nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("decode query response (%s): %w", resp.Status, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s: %s", promql, body.ErrorType, body.Error)
	}
	switch body.Data.ResultType {
	case "vector":
		var raw []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, err
		}
		out := make([]Sample, 0, len(raw))
		for _, r := range raw {
			s, err := parseSample(r.Value)
			if err != nil {
				return nil, err
			}
			s.Labels = r.Metric
			out = append(out, s)
		}
		return out, nil
	case "scalar":
		var raw [2]any
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, err
		}
		s, err := parseSample(raw)
		return []Sample{s}, err
	default:
		return nil, fmt.Errorf("query %q: unsupported result type %q", promql, body.Data.ResultType)
	}
}

func parseSample(v [2]any) (Sample, error) {
	ts, ok := v[0].(float64)
	str, ok2 := v[1].(string)
	if !ok || !ok2 {
		return Sample{}, fmt.Errorf("malformed sample %v", v)
	}
	val, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return Sample{}, err
	}
	return Sample{Value: val, Time: time.Unix(0, int64(ts*1e9))}, nil
}

// WaitForQuery polls promql until ok accepts its result (by default: a
// non-empty vector) or timeout passes, and returns the accepted result.
func (p *Prometheus) WaitForQuery(t testing.TB, promql string, timeout time.Duration, ok func([]Sample) error, watch ...*Process) []Sample {
	t.Helper()
	if ok == nil {
		ok = NonEmpty
	}
	var result []Sample
	WaitUntil(t, timeout, "PromQL "+promql, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := p.Query(ctx, promql)
		if err != nil {
			return err
		}
		if err := ok(r); err != nil {
			return err
		}
		result = r
		return nil
	}, append(watch, p.Process)...)
	return result
}

// NonEmpty accepts any non-empty result.
func NonEmpty(s []Sample) error {
	if len(s) == 0 {
		return fmt.Errorf("empty result")
	}
	return nil
}
