package entsoereceiver

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/ecotel/ecotel/internal/gridzone"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/emission"
	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/metadata"
)

// Config is the entsoe receiver's configuration. Defaults are in
// createDefaultConfig; README.md documents every field.
type Config struct {
	// collection_interval: how often the latest values are emitted (fetching
	// runs on the per-document poll intervals below).
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	// endpoint (the API URL), timeout, tls, proxy_url, headers, …
	confighttp.ClientConfig       `mapstructure:",squash"`
	metadata.MetricsBuilderConfig `mapstructure:",squash"`

	// Token is the ENTSO-E security token. It takes precedence over TokenFile.
	Token configopaque.String `mapstructure:"token"`
	// TokenFile holds the token (e.g. a mounted Kubernetes secret); re-read
	// on every request so rotation needs no restart.
	TokenFile string `mapstructure:"token_file"`

	// Zones are the bidding zones to report, as short codes (FR, DE-LU, SE-3)
	// or EIC codes.
	Zones []string `mapstructure:"zones"`
	// ZoneSettings adjusts individual zones, keyed by zone code.
	ZoneSettings map[string]ZoneSettings `mapstructure:"zone_settings"`

	Documents DocumentsConfig `mapstructure:"documents"`

	// EmissionFactors override the default factors per fuel (gCO2e/kWh).
	EmissionFactors EmissionFactorsConfig `mapstructure:"emission_factors"`
	// CountStorageDischarge counts pumped-hydro and battery discharge as
	// production (with the hydro_storage/battery_storage factors). Off by
	// default: that energy was generated, and counted, when it was stored.
	CountStorageDischarge bool `mapstructure:"count_storage_discharge"`

	RateLimit RateLimitConfig `mapstructure:"rate_limit"`
	// BackOff paces retries after outages, timeouts and dropped connections.
	BackOff configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// Replay reads recorded responses instead of calling the platform.
	Replay ReplayConfig `mapstructure:"replay"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ZoneSettings adjusts one zone.
type ZoneSettings struct {
	// EIC overrides per document, for areas published under another code
	// than the bidding zone (e.g. generation of a control area).
	GenerationEIC string `mapstructure:"generation_eic"`
	PriceEIC      string `mapstructure:"price_eic"`
	LoadEIC       string `mapstructure:"load_eic"`
	ForecastEIC   string `mapstructure:"forecast_eic"`
	// EmissionFactors override factors for this zone only (on top of the
	// receiver-wide overrides), e.g. national figures.
	EmissionFactors EmissionFactorsConfig `mapstructure:"emission_factors"`
}

// EmissionFactorsConfig overrides emission factors per fuel, in gCO2e/kWh.
type EmissionFactorsConfig struct {
	Lifecycle map[string]float64 `mapstructure:"lifecycle"`
	Direct    map[string]float64 `mapstructure:"direct"`
}

// DocumentsConfig selects the documents fetched per zone.
type DocumentsConfig struct {
	// Generation: actual generation per production type (A75).
	Generation ActualsConfig `mapstructure:"generation"`
	// Price: day-ahead prices (A44).
	Price PriceConfig `mapstructure:"price"`
	// Load: actual total load (A65).
	Load ActualsConfig `mapstructure:"load"`
	// Forecast: wind and solar day-ahead forecast (A69).
	Forecast ForecastConfig `mapstructure:"forecast"`
}

// ActualsConfig configures a document of measured values.
type ActualsConfig struct {
	Enabled      bool          `mapstructure:"enabled"`
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Lookback is how far back each request reaches: the latest complete
	// interval is searched in it, and revisions within it are picked up.
	Lookback time.Duration `mapstructure:"lookback"`
}

// PriceConfig configures day-ahead prices.
type PriceConfig struct {
	Enabled      bool          `mapstructure:"enabled"`
	PollInterval time.Duration `mapstructure:"poll_interval"`
}

// ForecastConfig configures the wind and solar forecast.
type ForecastConfig struct {
	Enabled      bool          `mapstructure:"enabled"`
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Horizon is how far ahead forecast intervals are reported.
	Horizon time.Duration `mapstructure:"horizon"`
}

// RateLimitConfig sizes the client-side token bucket shared by all requests.
type RateLimitConfig struct {
	RequestsPerMinute float64 `mapstructure:"requests_per_minute"`
	Burst             int     `mapstructure:"burst"`
}

// ReplayConfig switches the receiver to recorded responses.
type ReplayConfig struct {
	// Directory holds recorded ENTSO-E XML (or ZIP) responses; empty means live mode.
	Directory string `mapstructure:"directory"`
	// Now is the instant replay reports at (RFC 3339). Default: the end of
	// the latest actual (A75/A65) value in the files.
	Now time.Time `mapstructure:"now"`
}

// platformLimitPerMinute is ENTSO-E's limit per token; exceeding it bans the
// token for about 10 minutes.
const platformLimitPerMinute = 400

var eicPattern = regexp.MustCompile(`^[0-9]{2}[A-Z][0-9A-Z\-]{12}[0-9A-Z\-]$`)

// Validate checks the configuration; errors name the field and the fix.
func (cfg *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	zones, zoneErrs := cfg.resolveZones()
	errs = append(errs, zoneErrs...)
	keys := make([]string, 0, len(cfg.ZoneSettings))
	for k := range cfg.ZoneSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		zs := cfg.ZoneSettings[key]
		z, err := gridzone.Lookup(key)
		if err != nil {
			add("zone_settings.%s: %w", key, err)
			continue
		}
		if !containsZone(zones, z) {
			add("zone_settings.%s: zone %s is not listed in zones (add it there, or remove these settings)", key, z.Code)
		}
		for field, eic := range map[string]string{"generation_eic": zs.GenerationEIC, "price_eic": zs.PriceEIC, "load_eic": zs.LoadEIC, "forecast_eic": zs.ForecastEIC} {
			if eic == "" {
				continue
			}
			if !eicPattern.MatchString(eic) {
				add("zone_settings.%s.%s: %q is not an EIC code (16 characters such as 10YLU-CEGEDEL-NQ)", key, field, eic)
			} else if other, ok := gridzone.ByEIC(eic); ok && other.Code != z.Code {
				add("zone_settings.%s.%s: %s is the EIC of bidding zone %s, not of %s", key, field, eic, other.Code, z.Code)
			}
		}
		if err := emission.ValidateOverrides(zs.EmissionFactors.Lifecycle); err != nil {
			add("zone_settings.%s.emission_factors.lifecycle: %w", key, err)
		}
		if err := emission.ValidateOverrides(zs.EmissionFactors.Direct); err != nil {
			add("zone_settings.%s.emission_factors.direct: %w", key, err)
		}
	}
	if err := emission.ValidateOverrides(cfg.EmissionFactors.Lifecycle); err != nil {
		add("emission_factors.lifecycle: %w", err)
	}
	if err := emission.ValidateOverrides(cfg.EmissionFactors.Direct); err != nil {
		add("emission_factors.direct: %w", err)
	}

	d := cfg.Documents
	if !d.Generation.Enabled && !d.Price.Enabled && !d.Load.Enabled && !d.Forecast.Enabled {
		add("documents: every document is disabled; enable at least documents.generation")
	}
	checkPoll := func(name string, enabled bool, interval time.Duration) {
		if enabled && interval < time.Minute {
			add("documents.%s.poll_interval: %s is below 1m; ENTSO-E publishes at most every 15 minutes", name, interval)
		}
	}
	checkPoll("generation", d.Generation.Enabled, d.Generation.PollInterval)
	checkPoll("price", d.Price.Enabled, d.Price.PollInterval)
	checkPoll("load", d.Load.Enabled, d.Load.PollInterval)
	checkPoll("forecast", d.Forecast.Enabled, d.Forecast.PollInterval)
	for name, a := range map[string]ActualsConfig{"generation": d.Generation, "load": d.Load} {
		if a.Enabled && (a.Lookback < time.Hour || a.Lookback > 7*24*time.Hour) {
			add("documents.%s.lookback: %s is outside 1h…168h (default 48h)", name, a.Lookback)
		}
	}
	if d.Forecast.Enabled && (d.Forecast.Horizon < 15*time.Minute || d.Forecast.Horizon > 72*time.Hour) {
		add("documents.forecast.horizon: %s is outside 15m…72h (default 24h)", d.Forecast.Horizon)
	}

	if cfg.Replay.Directory != "" {
		if info, err := os.Stat(cfg.Replay.Directory); err != nil || !info.IsDir() {
			add("replay.directory: %q is not a readable directory (relative paths are taken from the collector's working directory)", cfg.Replay.Directory)
		}
		return errors.Join(errs...)
	}

	// Live mode.
	if cfg.Token == "" && cfg.TokenFile == "" {
		add("token: an ENTSO-E security token is required in live mode; set token (e.g. ${env:ENTSOE_API_TOKEN}) or token_file, or use replay.directory")
	}
	if u, err := url.Parse(cfg.Endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		add("endpoint: %q is not an http(s) URL (default https://web-api.tp.entsoe.eu/api)", cfg.Endpoint)
	}
	if cfg.ClientConfig.Timeout <= 0 {
		add("timeout: must be positive (default 60s; the platform may take up to 300s)")
	}
	rl := cfg.RateLimit
	switch {
	case rl.RequestsPerMinute <= 0:
		add("rate_limit.requests_per_minute: must be positive (default 60)")
	case rl.RequestsPerMinute > platformLimitPerMinute/2:
		add("rate_limit.requests_per_minute: %v leaves too little headroom under ENTSO-E's %d per token (which bans the token for 10 minutes); use at most %d",
			rl.RequestsPerMinute, platformLimitPerMinute, platformLimitPerMinute/2)
	}
	if rl.Burst < 1 || rl.Burst > 50 {
		add("rate_limit.burst: %d is outside 1…50 (default 5)", rl.Burst)
	}
	if cfg.BackOff.Enabled {
		if cfg.BackOff.InitialInterval <= 0 || cfg.BackOff.MaxInterval < cfg.BackOff.InitialInterval {
			add("retry_on_failure: initial_interval must be positive and max_interval at least as large (defaults 30s and 30m)")
		}
	}
	if cfg.BackOff.RandomizationFactor < 0 || cfg.BackOff.RandomizationFactor > 1 {
		add("retry_on_failure.randomization_factor: %v is outside 0…1", cfg.BackOff.RandomizationFactor)
	}
	return errors.Join(errs...)
}

// resolveZones looks every configured zone up in the bidding-zone table.
func (cfg *Config) resolveZones() ([]gridzone.Zone, []error) {
	if len(cfg.Zones) == 0 {
		return nil, []error{errors.New("zones: list at least one bidding zone, e.g. [FR, DE-LU, SE-3]")}
	}
	var errs []error
	var out []gridzone.Zone
	for i, s := range cfg.Zones {
		z, err := gridzone.Lookup(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("zones[%d]: %w", i, err))
			continue
		}
		if containsZone(out, z) {
			errs = append(errs, fmt.Errorf("zones[%d]: %s is listed twice (fetch each zone once)", i, z.Code))
			continue
		}
		out = append(out, z)
	}
	return out, errs
}

func containsZone(zs []gridzone.Zone, z gridzone.Zone) bool {
	for _, o := range zs {
		if o.Code == z.Code {
			return true
		}
	}
	return false
}

// settingsFor returns the settings given for a zone under any spelling of its code.
func (cfg *Config) settingsFor(z gridzone.Zone) ZoneSettings {
	for key, zs := range cfg.ZoneSettings {
		if k, err := gridzone.Lookup(key); err == nil && k.Code == z.Code {
			return zs
		}
	}
	return ZoneSettings{}
}

// tokenSource returns the configured token, or reads token_file.
func (cfg *Config) tokenSource() func() (string, error) {
	token, file := string(cfg.Token), cfg.TokenFile
	return func() (string, error) {
		if token != "" {
			return token, nil
		}
		if file == "" {
			return "", errors.New("neither token nor token_file is set")
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("token_file: %w", err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", fmt.Errorf("token_file %s is empty", file)
		}
		return t, nil
	}
}
