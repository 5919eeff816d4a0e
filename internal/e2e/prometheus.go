package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/promapi"
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
type Sample = promapi.Sample

// Query runs an instant PromQL query and returns its vector (a scalar result
// is returned as a one-sample vector without labels).
func (p *Prometheus) Query(ctx context.Context, promql string) ([]Sample, error) {
	return (&promapi.Client{URL: p.URL, HTTP: httpClient}).Query(ctx, promql)
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
