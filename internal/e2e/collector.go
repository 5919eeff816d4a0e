package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

var httpClient = &http.Client{Timeout: 5 * time.Second}

// Endpoints are the loopback addresses a collector started by the harness
// listens on. The shipped configs read each from an environment variable
// (with the documented default), so tests run them unchanged on free ports.
type Endpoints struct {
	Prometheus string // ECOTEL_PROMETHEUS_ENDPOINT: the prometheus exporter
	OTLPHTTP   string // ECOTEL_OTLP_HTTP_ENDPOINT
	OTLPGRPC   string // ECOTEL_OTLP_GRPC_ENDPOINT
	Health     string // ECOTEL_HEALTH_ENDPOINT: health_check extension
	Pprof      string // ECOTEL_PPROF_ENDPOINT
	Telemetry  int    // ECOTEL_TELEMETRY_PORT: the collector's own metrics
	Status     string // ECOTEL_STATUS_ENDPOINT: the ecostatus page
	// Extra holds further variables for component-specific endpoints.
	Extra map[string]string
}

// NewEndpoints picks a free loopback port for every standard endpoint.
func NewEndpoints(t testing.TB) Endpoints {
	return Endpoints{
		Prometheus: FreeEndpoint(t),
		OTLPHTTP:   FreeEndpoint(t),
		OTLPGRPC:   FreeEndpoint(t),
		Health:     FreeEndpoint(t),
		Pprof:      FreeEndpoint(t),
		Telemetry:  FreePort(t),
		Status:     FreeEndpoint(t),
		Extra:      map[string]string{},
	}
}

// Env returns the endpoints as environment assignments for the collector.
func (e Endpoints) Env() []string {
	env := []string{
		"ECOTEL_PROMETHEUS_ENDPOINT=" + e.Prometheus,
		"ECOTEL_OTLP_HTTP_ENDPOINT=" + e.OTLPHTTP,
		"ECOTEL_OTLP_GRPC_ENDPOINT=" + e.OTLPGRPC,
		"ECOTEL_HEALTH_ENDPOINT=" + e.Health,
		"ECOTEL_PPROF_ENDPOINT=" + e.Pprof,
		fmt.Sprintf("ECOTEL_TELEMETRY_PORT=%d", e.Telemetry),
		"ECOTEL_STATUS_ENDPOINT=" + e.Status,
	}
	for k, v := range e.Extra {
		env = append(env, k+"="+v)
	}
	return env
}

// Collector is a running otelcol-eco.
type Collector struct {
	*Process
	Endpoints Endpoints
}

// CollectorBinary returns the otelcol-eco binary to test: $OTELCOL_ECO, or
// _build/otelcol-eco as built by `make build`.
func CollectorBinary(t testing.TB) string {
	return LookBinary(t, "OTELCOL_ECO", "_build/otelcol-eco", "", "run `make build` first")
}

// StartCollector runs otelcol-eco with the config file at configPath (relative
// paths are taken from the repository root) and waits until its health check
// answers. extraEnv adds environment assignments (KEY=value). The collector
// runs in the repository root, as under `make run`, so relative paths inside
// the shipped configs (e.g. the demo's replay recordings) resolve.
func StartCollector(t testing.TB, configPath string, ep Endpoints, extraEnv ...string) *Collector {
	t.Helper()
	root := RepoRoot(t)
	if !filepath.IsAbs(configPath) {
		configPath = filepath.Join(root, configPath)
	}
	p := StartProcessIn(t, root, "otelcol-eco", CollectorBinary(t), []string{"--config", configPath},
		append(ep.Env(), extraEnv...))
	WaitUntil(t, 30*time.Second, "otelcol-eco health check", func() error {
		return httpReady("http://" + ep.Health + "/")
	}, p)
	return &Collector{Process: p, Endpoints: ep}
}

// StartCollectorYAML writes config to a temporary file and starts it.
func StartCollectorYAML(t testing.TB, config string, ep Endpoints, extraEnv ...string) *Collector {
	t.Helper()
	path := filepath.Join(t.TempDir(), "otelcol.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return StartCollector(t, path, ep, extraEnv...)
}

// SendOTLP posts metrics to the collector's OTLP/HTTP receiver as protobuf.
func (c *Collector) SendOTLP(t testing.TB, md pmetric.Metrics) {
	t.Helper()
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpClient.Post("http://"+c.Endpoints.OTLPHTTP+"/v1/metrics", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("send OTLP: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send OTLP: %s", resp.Status)
	}
}

// ScrapeExporter fetches the prometheus exporter's text exposition.
func (c *Collector) ScrapeExporter(t testing.TB) string {
	t.Helper()
	resp, err := httpClient.Get("http://" + c.Endpoints.Prometheus + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
