package alumetbridgereceiver

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"time"

	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
)

// Config is the alumetbridge receiver's configuration. Every default is set
// in createDefaultConfig.
type Config struct {
	// Relay is the Alumet relay server (enabled by default; `enabled: false` turns it off).
	Relay configoptional.Optional[RelayConfig] `mapstructure:"relay"`
	// OTLP is an OTLP/gRPC endpoint for Alumet's opentelemetry output (off unless set).
	OTLP configoptional.Optional[configgrpc.ServerConfig] `mapstructure:"otlp"`
	// Prometheus scrapes Alumet Prometheus exporters (off unless set; lossy).
	Prometheus configoptional.Optional[PrometheusConfig] `mapstructure:"prometheus"`
	// CSV imports Alumet CSV files once at start (off unless set).
	CSV configoptional.Optional[CSVConfig] `mapstructure:"csv"`

	// NodeName is the node of measurements whose input names none (OTLP and
	// CSV points without a k8s `node` attribute). In the agent DaemonSet,
	// set it from the downward API.
	NodeName string `mapstructure:"node_name"`
	// MetricPrefix and MetricSuffix are the prefix and suffix Alumet's
	// opentelemetry and prometheus-exporter outputs add to metric names.
	MetricPrefix string `mapstructure:"metric_prefix"`
	MetricSuffix string `mapstructure:"metric_suffix"`
	// AttributedEnergyMetrics matches the energy-attribution formula names
	// (the metric name is the formula's TOML table name).
	AttributedEnergyMetrics string `mapstructure:"attributed_energy_metrics"`
	// HostPowerMetrics matches Alumet metrics (in W) that are a whole node's
	// power; empty disables hw.host.power.
	HostPowerMetrics string `mapstructure:"host_power_metrics"`

	// FlushInterval is how often accumulated counters are emitted.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// GapReset restarts a counter when its points are further apart than this
	// (0 disables).
	GapReset time.Duration `mapstructure:"gap_reset"`
	// SeriesExpiry forgets series that report nothing for this long.
	SeriesExpiry time.Duration `mapstructure:"series_expiry"`
	// MaxEnergyDelta is the largest energy delta, in joules, one point may
	// carry; larger ones are dropped as absurd.
	MaxEnergyDelta float64 `mapstructure:"max_energy_delta"`
}

// RelayConfig configures the relay server.
type RelayConfig struct {
	confignet.TCPAddrConfig `mapstructure:",squash"`
	// TLS is off by default: Alumet's relay client speaks plain TCP. Enable
	// it for a TLS-terminating sidecar or a client built with TLS.
	TLS configoptional.Optional[configtls.ServerConfig] `mapstructure:"tls"`
	// MaxFrameBytes is the largest frame body accepted; larger frames are
	// skipped by their length prefix.
	MaxFrameBytes int `mapstructure:"max_frame_bytes"`
	// ReadTimeout closes a connection that sends nothing for this long.
	ReadTimeout time.Duration `mapstructure:"read_timeout"`
	// MaxConnections refuses connections beyond this many.
	MaxConnections int `mapstructure:"max_connections"`
}

// PrometheusConfig configures the scrape of Alumet Prometheus exporters.
type PrometheusConfig struct {
	// Targets are the exporters to scrape, one per node.
	Targets []PrometheusTarget `mapstructure:"targets"`
	// CollectionInterval is the scrape interval. Set it to Alumet's source
	// flush interval (rapl: 5s): the exporter only holds the latest delta.
	CollectionInterval time.Duration `mapstructure:"collection_interval"`
}

// PrometheusTarget is one Alumet exporter.
type PrometheusTarget struct {
	confighttp.ClientConfig `mapstructure:",squash"`
	// NodeName is the node the exporter runs on.
	NodeName string `mapstructure:"node_name"`
}

// CSVConfig configures the CSV import.
type CSVConfig struct {
	Files []CSVFile `mapstructure:"files"`
}

// CSVFile is one Alumet CSV file.
type CSVFile struct {
	Path string `mapstructure:"path"`
	// NodeName is the node the file was written on.
	NodeName string `mapstructure:"node_name"`
	// Delimiter is ";" (Alumet's default) or ","; empty detects it from the header.
	Delimiter string `mapstructure:"delimiter"`
}

// Validate checks the configuration; each error names the field and the fix.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Relay.HasValue() {
		r := cfg.Relay.Get()
		if r.Endpoint == "" {
			errs = append(errs, errors.New(`relay.endpoint: must be set, e.g. "0.0.0.0:50051" (or set relay.enabled: false)`))
		} else if _, _, err := net.SplitHostPort(r.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("relay.endpoint: %q is not host:port: %w", r.Endpoint, err))
		}
		if r.MaxFrameBytes < 64 || r.MaxFrameBytes > 1<<30 {
			errs = append(errs, fmt.Errorf("relay.max_frame_bytes: %d is out of range [64, 1073741824] (Alumet's own limit is %d)", r.MaxFrameBytes, alumetrelay.MaxMessageBodySize))
		}
		if r.ReadTimeout <= 0 {
			errs = append(errs, errors.New("relay.read_timeout: must be positive, e.g. 5m (Alumet clients may stay quiet for buffer_timeout, 30s by default)"))
		}
		if r.MaxConnections <= 0 {
			errs = append(errs, errors.New("relay.max_connections: must be positive (one connection per node)"))
		}
	}
	if cfg.OTLP.HasValue() && cfg.OTLP.Get().NetAddr.Endpoint == "" {
		errs = append(errs, errors.New(`otlp.endpoint: must be set, e.g. "0.0.0.0:4319" (Alumet's collector_host points there)`))
	}
	if cfg.Prometheus.HasValue() {
		p := cfg.Prometheus.Get()
		if len(p.Targets) == 0 {
			errs = append(errs, errors.New("prometheus.targets: list at least one Alumet exporter (e.g. endpoint: http://node-a:9091/metrics, node_name: node-a)"))
		}
		for i, tg := range p.Targets {
			if tg.Endpoint == "" {
				errs = append(errs, fmt.Errorf("prometheus.targets[%d].endpoint: must be set (e.g. http://node-a:9091/metrics)", i))
			}
			if tg.NodeName == "" && cfg.NodeName == "" {
				errs = append(errs, fmt.Errorf("prometheus.targets[%d].node_name: must be set: Alumet's exporter does not say which node it runs on", i))
			}
		}
		if p.CollectionInterval <= 0 {
			errs = append(errs, errors.New("prometheus.collection_interval: must be positive; use Alumet's flush interval (5s for rapl)"))
		}
	}
	if cfg.CSV.HasValue() {
		for i, f := range cfg.CSV.Get().Files {
			if f.Path == "" {
				errs = append(errs, fmt.Errorf("csv.files[%d].path: must be set", i))
			}
			if f.Delimiter != "" && f.Delimiter != ";" && f.Delimiter != "," {
				errs = append(errs, fmt.Errorf(`csv.files[%d].delimiter: %q is not supported (use ";", "," or leave empty to detect)`, i, f.Delimiter))
			}
		}
	}
	if !cfg.Relay.HasValue() && !cfg.OTLP.HasValue() && !cfg.Prometheus.HasValue() && !cfg.CSV.HasValue() {
		errs = append(errs, errors.New("no input: enable at least one of relay, otlp, prometheus, csv"))
	}
	if _, err := regexp.Compile(cfg.AttributedEnergyMetrics); err != nil || cfg.AttributedEnergyMetrics == "" {
		errs = append(errs, fmt.Errorf("attributed_energy_metrics: %q is not a valid regular expression (default %q)", cfg.AttributedEnergyMetrics, defaultAttributedEnergyMetrics))
	}
	if _, err := regexp.Compile(cfg.HostPowerMetrics); err != nil {
		errs = append(errs, fmt.Errorf("host_power_metrics: %w", err))
	}
	if cfg.FlushInterval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("flush_interval: %s is too short (at least 10ms; default 10s)", cfg.FlushInterval))
	}
	if cfg.GapReset < 0 {
		errs = append(errs, errors.New("gap_reset: must not be negative (0 disables)"))
	}
	if cfg.SeriesExpiry <= cfg.FlushInterval {
		errs = append(errs, fmt.Errorf("series_expiry: %s must be longer than flush_interval %s (default 15m)", cfg.SeriesExpiry, cfg.FlushInterval))
	}
	if !(cfg.MaxEnergyDelta > 0) {
		errs = append(errs, errors.New("max_energy_delta: must be positive (joules; default 1e7)"))
	}
	return errors.Join(errs...)
}
