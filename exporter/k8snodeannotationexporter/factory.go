package k8snodeannotationexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/ecotel/ecotel/exporter/k8snodeannotationexporter/internal/metadata"
	"github.com/ecotel/ecotel/internal/k8sapi"
)

// NewFactory returns the exporter's factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithMetrics(createMetrics, metadata.MetricsStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		APIConfig:       k8sapi.APIConfig{AuthType: k8sapi.AuthTypeServiceAccount},
		Prefix:          "ecotel.io/",
		MinInterval:     time.Minute,
		RefreshInterval: 5 * time.Minute,
		ChangeThreshold: 0.05,
		QPS:             10,
		Burst:           20,
		// Defaults split the range of ranking signals seen on European grids:
		// a vCPU-hour on a low-carbon grid (FR, SE, NO) costs a few grams, on
		// gas/coal-heavy grids tens of grams.
		CarbonClass: CarbonClassConfig{Enabled: true, LowBelow: 5, HighFrom: 15},
	}
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	c := cfg.(*Config)
	e, err := newNodeAnnotator(c, set)
	if err != nil {
		return nil, err
	}
	// The exporter keeps only the latest value per node and writes on its
	// own schedule, so no queue or retry is wanted from exporterhelper.
	return exporterhelper.NewMetrics(ctx, set, cfg, e.consume,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}))
}
