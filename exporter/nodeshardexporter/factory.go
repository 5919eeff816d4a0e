package nodeshardexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/otlpexporter"

	"github.com/ecotel/ecotel/exporter/nodeshardexporter/internal/metadata"
	"github.com/ecotel/ecotel/semconv"
)

// NewFactory returns the exporter's factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithMetrics(createMetrics, metadata.MetricsStability))
}

func createDefaultConfig() component.Config {
	otlp := otlpexporter.NewFactory().CreateDefaultConfig().(*otlpexporter.Config)
	// Replaced by each gateway's address; set so that the embedded
	// configuration validates on its own.
	otlp.ClientConfig.Endpoint = "placeholder:4317"
	return &Config{
		Protocol: ProtocolConfig{OTLP: *otlp},
		Resolver: ResolverConfig{
			Static: configoptional.None[StaticResolverConfig](),
			// Used when resolver.dns is set.
			DNS: configoptional.Default(DNSResolverConfig{Port: defaultPort, Interval: 5 * time.Second, Timeout: time.Second}),
		},
		RoutingAttribute: semconv.AttrK8sNodeName,
	}
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	e, err := newShardExporter(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	// Each gateway's otlp exporter has its own queue and retries; this one
	// only splits and hands over, so it wants neither.
	return exporterhelper.NewMetrics(ctx, set, cfg, e.consume,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
}
