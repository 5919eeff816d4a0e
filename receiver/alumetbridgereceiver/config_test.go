package alumetbridgereceiver

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/confmap"

	"github.com/ecotel/ecotel/internal/configtest"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	return configtest.Load[Config](t, NewFactory(), name)
}

func TestDefaultConfig(t *testing.T) {
	cfg := loadConfig(t, "")
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	if !cfg.Relay.HasValue() || cfg.Relay.Get().Endpoint != "0.0.0.0:50051" || cfg.Relay.Get().MaxFrameBytes != 32_000_000 {
		t.Fatalf("relay defaults %+v", cfg.Relay.Get())
	}
	if cfg.OTLP.HasValue() || cfg.Prometheus.HasValue() || cfg.CSV.HasValue() {
		t.Fatal("only the relay input is on by default")
	}
	if cfg.FlushInterval != 10*time.Second || cfg.SeriesExpiry != 15*time.Minute || cfg.MetricSuffix != "_alumet" {
		t.Fatalf("defaults %+v", cfg)
	}
}

func TestAllInputsConfig(t *testing.T) {
	cfg := loadConfig(t, "all_inputs")
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	r := cfg.Relay.Get()
	if r.Endpoint != "0.0.0.0:50052" || r.MaxFrameBytes != 1_000_000 || r.ReadTimeout != time.Minute || r.MaxConnections != 500 {
		t.Fatalf("relay %+v", r)
	}
	if !cfg.OTLP.HasValue() || cfg.OTLP.Get().NetAddr.Endpoint != "127.0.0.1:4319" || cfg.OTLP.Get().MaxRecvMsgSizeMiB != 64 {
		t.Fatalf("otlp %+v", cfg.OTLP.Get())
	}
	p := cfg.Prometheus.Get()
	if len(p.Targets) != 1 || p.Targets[0].Endpoint != "http://node-a:9091/metrics" || p.Targets[0].NodeName != "node-a" {
		t.Fatalf("prometheus %+v", p)
	}
	f := cfg.CSV.Get().Files
	if len(f) != 1 || f[0].Delimiter != ";" || f[0].NodeName != "node-a" {
		t.Fatalf("csv %+v", f)
	}
	if cfg.HostPowerMetrics != "" || cfg.GapReset != 0 || cfg.MaxEnergyDelta != 1000 || cfg.MetricSuffix != "_x" {
		t.Fatalf("%+v", cfg)
	}
}

func TestRelayCanBeDisabled(t *testing.T) {
	cfg := loadConfig(t, "relay_disabled_otlp_only")
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Relay.HasValue() || !cfg.OTLP.HasValue() || cfg.OTLP.Get().NetAddr.Endpoint != defaultOTLPEndpoint {
		t.Fatalf("relay %v otlp %v", cfg.Relay.HasValue(), cfg.OTLP.HasValue())
	}
}

func TestInvalidConfigNamesEveryField(t *testing.T) {
	err := confmap.Validate(loadConfig(t, "invalid"))
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, field := range []string{
		"relay.endpoint", "relay.max_frame_bytes", "relay.read_timeout", "relay.max_connections",
		"prometheus.targets[0].endpoint", "prometheus.targets[0].node_name", "prometheus.collection_interval",
		"csv.files[0].path", "csv.files[0].delimiter", "attributed_energy_metrics", "flush_interval",
		"series_expiry", "max_energy_delta",
	} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s:\n%v", field, err)
		}
	}
	if err := confmap.Validate(loadConfig(t, "no_input")); err == nil || !strings.Contains(err.Error(), "no input") {
		t.Errorf("no input: %v", err)
	}
}

func TestMetadataConformsToRegistry(t *testing.T) {
	if err := semconvtest.CheckMetadataFile("metadata.yaml"); err != nil {
		t.Fatal(err)
	}
}
