package sciprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/metadata"
	"github.com/ecotel/ecotel/semconv"
)

// NewFactory returns the factory of the sci processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithMetrics(createMetrics, metadata.MetricsStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		Window:                60 * time.Second,
		Interval:              0,
		Delay:                 10 * time.Second,
		MaxGap:                30 * time.Second,
		CarbonIntensityMethod: semconv.AttrCarbonIntensityMethodLifecycle,
		GridMaxAge:            3 * time.Hour,
		HardwareMaxAge:        10 * time.Minute,
		Split:                 "requests",
		FunctionalUnit:        FunctionalUnitConfig{Type: FunctionalUnitTime, Per: time.Hour},
		Ranking:               RankingConfig{AssumedUtilization: 0.5},
		Headroom:              HeadroomConfig{Trailing: 24 * time.Hour},
		RollUps:               true,
		DropInputs:            false,
		Limits: LimitsConfig{
			SeriesTTL:               5 * time.Minute,
			MaxZones:                256,
			MaxNodes:                5000,
			MaxPods:                 50000,
			MaxFunctionalUnitSeries: 100000,
		},
		Output:             OutputConfig{Pods: PodOutputFull},
		NodesWithoutEnergy: NodesWithoutEnergyReport,
	}
}

func createMetrics(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	p, err := newSCIProcessor(set, cfg.(*Config), next)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewMetrics(ctx, set, cfg, next, p.processMetrics,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: p.cfg.DropInputs}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}
