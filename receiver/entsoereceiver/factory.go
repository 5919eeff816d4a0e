package entsoereceiver

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/metadata"
)

// DefaultEndpoint is the Transparency Platform's REST API.
const DefaultEndpoint = "https://web-api.tp.entsoe.eu/api"

// NewFactory creates the entsoe receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(createMetricsReceiver, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	controller := scraperhelper.NewDefaultControllerConfig()
	controller.CollectionInterval = time.Minute

	client := confighttp.NewDefaultClientConfig()
	client.Endpoint = DefaultEndpoint
	// The platform allows requests to run 300 s; answers usually take a few
	// seconds, and a minute catches slow days without hanging a poll.
	client.Timeout = 60 * time.Second

	backOff := configretry.NewDefaultBackOffConfig()
	backOff.InitialInterval = 30 * time.Second
	backOff.MaxInterval = 30 * time.Minute
	backOff.Multiplier = 2
	backOff.RandomizationFactor = 0.5
	backOff.MaxElapsedTime = 0 // never give up: fall back to max_interval

	return &Config{
		ControllerConfig:     controller,
		ClientConfig:         client,
		MetricsBuilderConfig: metadata.DefaultMetricsBuilderConfig(),
		Documents: DocumentsConfig{
			// ENTSO-E's finest actual resolution is 15 minutes.
			Generation: ActualsConfig{Enabled: true, PollInterval: 15 * time.Minute, Lookback: 48 * time.Hour},
			// Day-ahead prices are published once a day around 12:45 CET.
			Price:    PriceConfig{Enabled: true, PollInterval: time.Hour},
			Load:     ActualsConfig{Enabled: false, PollInterval: 15 * time.Minute, Lookback: 48 * time.Hour},
			Forecast: ForecastConfig{Enabled: false, PollInterval: time.Hour, Horizon: 24 * time.Hour},
		},
		// 60/min is 15 % of the platform's 400/min per token: a gateway with
		// ten zones and every document needs about 3/min.
		RateLimit: RateLimitConfig{RequestsPerMinute: 60, Burst: 5},
		BackOff:   backOff,
	}
}

func createMetricsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	c, ok := cfg.(*Config)
	if !ok {
		return nil, errors.New("entsoe: unexpected config type")
	}
	s, err := newGridScraper(c, set)
	if err != nil {
		return nil, err
	}
	sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
	if err != nil {
		return nil, err
	}
	return scraperhelper.NewMetricsController(&c.ControllerConfig, set, next, scraperhelper.AddMetricsScraper(metadata.Type, sc))
}
