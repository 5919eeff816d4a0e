package entsoereceiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"

	"github.com/ecotel/ecotel/internal/configtest"
	"github.com/ecotel/ecotel/semconv/semconvtest"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	return configtest.Load[Config](t, NewFactory(), name)
}

func TestLoadConfig(t *testing.T) {
	t.Run("minimal", func(t *testing.T) {
		cfg := loadConfig(t, "")
		require.NoError(t, confmap.Validate(cfg))
		want := createDefaultConfig().(*Config)
		want.Token = "3f6c1a2e-5b7d-4c9e-8a10-2b4d6f8e0c12"
		want.Zones = []string{"FR", "DE-LU"}
		assert.Equal(t, want, cfg)
	})
	t.Run("full", func(t *testing.T) {
		cfg := loadConfig(t, "full")
		require.NoError(t, confmap.Validate(cfg))
		assert.Equal(t, 30*time.Second, cfg.CollectionInterval)
		assert.Equal(t, "https://web-api.tp-iop.entsoe.eu/api", cfg.Endpoint)
		assert.Equal(t, 90*time.Second, cfg.ClientConfig.Timeout)
		assert.Equal(t, 90*time.Second, cfg.ControllerConfig.Timeout, "timeout is shared by the squashed HTTP client and scraper settings")
		assert.Equal(t, "/var/run/secrets/entsoe/token", cfg.TokenFile)
		zones, errs := cfg.resolveZones()
		require.Empty(t, errs)
		var codes []string
		for _, z := range zones {
			codes = append(codes, z.Code)
		}
		assert.Equal(t, []string{"FR", "DE-LU", "SE-3", "SE-4"}, codes)
		de := cfg.settingsFor(zones[1])
		assert.Equal(t, "10Y1001A1001A83F", de.GenerationEIC)
		assert.Equal(t, 1112.69, de.EmissionFactors.Lifecycle["coal"])
		assert.Equal(t, ActualsConfig{Enabled: true, PollInterval: 10 * time.Minute, Lookback: 72 * time.Hour}, cfg.Documents.Generation)
		assert.Equal(t, PriceConfig{Enabled: true, PollInterval: 30 * time.Minute}, cfg.Documents.Price)
		assert.Equal(t, ActualsConfig{Enabled: true, PollInterval: 15 * time.Minute, Lookback: 48 * time.Hour}, cfg.Documents.Load)
		assert.Equal(t, ForecastConfig{Enabled: true, PollInterval: time.Hour, Horizon: 12 * time.Hour}, cfg.Documents.Forecast)
		assert.Equal(t, 650.0, cfg.EmissionFactors.Lifecycle["unknown"])
		assert.True(t, cfg.CountStorageDischarge)
		assert.Equal(t, RateLimitConfig{RequestsPerMinute: 30, Burst: 2}, cfg.RateLimit)
		assert.Equal(t, time.Minute, cfg.BackOff.InitialInterval)
		assert.Equal(t, time.Hour, cfg.BackOff.MaxInterval)
		assert.Equal(t, 0.5, cfg.BackOff.RandomizationFactor, "unset fields keep their defaults")
	})
	t.Run("replay", func(t *testing.T) {
		cfg := loadConfig(t, "replay")
		require.NoError(t, confmap.Validate(cfg), "replay needs no token")
		assert.Equal(t, "testdata/replay/basic", cfg.Replay.Directory)
		assert.Equal(t, time.Date(2025, 11, 12, 11, 0, 0, 0, time.UTC), cfg.Replay.Now.UTC())
	})
}

func TestConfigErrorsNameFieldAndFix(t *testing.T) {
	for name, wants := range map[string][]string{
		"no_zones": {"zones: list at least one bidding zone"},
		"trap_zones": {
			`zones[0]: unknown bidding zone "DE"`, `"DE-LU"`,
			`zones[1]: unknown bidding zone "LU"`,
			`zones[2]: unknown bidding zone "IE"`, `"IE-SEM"`,
			`zones[3]: unknown bidding zone "SE"`,
			`zones[4]: unknown bidding zone "XX"`,
			`zones[6]: FR is listed twice`,
		},
		"no_token": {"token: an ENTSO-E security token is required in live mode", "${env:ENTSOE_API_TOKEN}"},
		"bad_settings": {
			"zone_settings.SE-3: zone SE-3 is not listed in zones",
			`zone_settings.DE-LU.generation_eic: "not-an-eic" is not an EIC code`,
			"zone_settings.DE-LU.price_eic: 10YFR-RTE------C is the EIC of bidding zone FR",
			`zone_settings.DE-LU.emission_factors.lifecycle: gas: -5 g/kWh is outside 0…5000; unknown fuel "lignite"`,
			"emission_factors.direct: coal: 9000",
		},
		"bad_rates": {
			`endpoint: "ftp://example.org" is not an http(s) URL`,
			"rate_limit.requests_per_minute: 399 leaves too little headroom",
			"rate_limit.burst: 0 is outside 1…50",
			"documents.generation.poll_interval: 10s is below 1m",
			"documents.generation.lookback: 30m0s is outside 1h…168h",
			"documents.forecast.horizon: 96h0m0s is outside 15m…72h",
		},
		"all_disabled": {"documents: every document is disabled"},
		"bad_replay":   {`replay.directory: "testdata/does-not-exist" is not a readable directory`},
	} {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			for _, want := range wants {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestTokenSource(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	cfg := &Config{TokenFile: file}
	_, err := cfg.tokenSource()()
	require.ErrorContains(t, err, "token_file")
	require.NoError(t, writeFile(file, "  rotated-token\n"))
	got, err := cfg.tokenSource()()
	require.NoError(t, err)
	assert.Equal(t, "rotated-token", got)
	require.NoError(t, writeFile(file, "\n"))
	_, err = cfg.tokenSource()()
	require.ErrorContains(t, err, "is empty")
	cfg.Token = "inline"
	got, _ = cfg.tokenSource()()
	assert.Equal(t, "inline", got, "token takes precedence over token_file")
}

func TestMetadataAgreesWithRegistry(t *testing.T) {
	require.NoError(t, semconvtest.CheckMetadataFile("metadata.yaml"))
}

func TestTokenIsOpaque(t *testing.T) {
	cfg := loadConfig(t, "")
	// configopaque hides the value when the configuration is printed or marshalled.
	assert.False(t, strings.Contains(string(mustMarshalText(t, cfg.Token)), "3f6c1a2e"))
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

func mustMarshalText(t *testing.T, s configopaque.String) []byte {
	t.Helper()
	b, err := s.MarshalText()
	require.NoError(t, err)
	return b
}
