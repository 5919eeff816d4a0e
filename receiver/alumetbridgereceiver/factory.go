package alumetbridgereceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/metadata"
)

const (
	defaultRelayEndpoint           = "0.0.0.0:50051"
	defaultOTLPEndpoint            = "0.0.0.0:4319"
	defaultAttributedEnergyMetrics = `^attributed_.*energy$`
	defaultHostPowerMetrics        = `^(host|node|platform|system)_power$`
)

// NewFactory returns the alumetbridge receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithMetrics(createMetricsReceiver, metadata.MetricsStability))
}

func createDefaultConfig() component.Config {
	otlp := configgrpc.NewDefaultServerConfig()
	otlp.NetAddr = confignet.AddrConfig{Endpoint: defaultOTLPEndpoint, Transport: confignet.TransportTypeTCP}
	// Alumet batches a whole flush (thousands of points) per request.
	otlp.MaxRecvMsgSizeMiB = 64
	return &Config{
		Relay: configoptional.Some(RelayConfig{
			TCPAddrConfig:  confignet.TCPAddrConfig{Endpoint: defaultRelayEndpoint},
			MaxFrameBytes:  alumetrelay.MaxMessageBodySize,
			ReadTimeout:    5 * time.Minute,
			MaxConnections: 10000,
		}),
		OTLP:                    configoptional.Default(otlp),
		Prometheus:              configoptional.Default(PrometheusConfig{CollectionInterval: 5 * time.Second}),
		CSV:                     configoptional.Default(CSVConfig{}),
		MetricSuffix:            "_alumet",
		AttributedEnergyMetrics: defaultAttributedEnergyMetrics,
		HostPowerMetrics:        defaultHostPowerMetrics,
		FlushInterval:           10 * time.Second,
		GapReset:                5 * time.Minute,
		SeriesExpiry:            15 * time.Minute,
		MaxEnergyDelta:          1e7,
	}
}

func createMetricsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	return newReceiver(set, cfg.(*Config), next)
}
