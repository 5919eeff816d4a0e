package hardwarecatalogreceiver // import "github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/ecotel/ecotel/internal/k8sapi"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/metadata"
)

// Defaults.
const (
	defaultCollectionInterval = 60 * time.Second
	defaultReloadInterval     = 15 * time.Second
	defaultFallbackProfile    = "generic-rack-server"
)

// NewFactory creates the hardwarecatalog receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	controller := scraperhelper.NewDefaultControllerConfig()
	controller.CollectionInterval = defaultCollectionInterval
	return &Config{
		ControllerConfig:     controller,
		MetricsBuilderConfig: metadata.DefaultMetricsBuilderConfig(),
		APIConfig:            k8sapi.APIConfig{AuthType: k8sapi.AuthTypeServiceAccount},
		Inventory:            InventoryConfig{Source: SourceKubernetes},
		Catalog:              CatalogConfig{Builtin: true},
		ReloadInterval:       defaultReloadInterval,
		FallbackProfile:      defaultFallbackProfile,
	}
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	rcfg := cfg.(*Config)
	s, err := newScraper(rcfg, set)
	if err != nil {
		return nil, err
	}
	sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
	if err != nil {
		return nil, err
	}
	return scraperhelper.NewMetricsController(&rcfg.ControllerConfig, set, next, scraperhelper.AddMetricsScraper(metadata.Type, sc))
}
