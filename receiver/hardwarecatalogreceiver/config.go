package hardwarecatalogreceiver // import "github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/ecotel/ecotel/internal/gridzone"
	"github.com/ecotel/ecotel/internal/k8sapi"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/catalog"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/matching"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/metadata"
)

// Inventory sources.
const (
	SourceKubernetes = "kubernetes"
	SourceStatic     = "static"
)

// Config is the receiver's configuration. Every default is in
// createDefaultConfig.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`
	// APIConfig (auth_type, context, kubeconfig_path) applies to the
	// kubernetes inventory source.
	k8sapi.APIConfig `mapstructure:",squash"`

	// Inventory says where nodes and pods come from.
	Inventory InventoryConfig `mapstructure:"inventory"`
	// Catalog says which hardware catalogs to use.
	Catalog CatalogConfig `mapstructure:"catalog"`
	// ReloadInterval is how often the catalog files and a static inventory
	// are checked for changes (0 disables reloading).
	ReloadInterval time.Duration `mapstructure:"reload_interval"`
	// Rules match nodes to profiles, tried in order before the catalogs' rules.
	Rules []matching.Rule `mapstructure:"rules"`
	// FallbackProfile describes nodes no annotation or rule matches.
	FallbackProfile string `mapstructure:"fallback_profile"`
	// DefaultZone is the bidding zone of nodes that neither carry the
	// ecotel.io/grid-zone label or annotation nor sit in a known cloud region.
	DefaultZone string `mapstructure:"default_zone"`

	_ struct{} // prevent unkeyed literals
}

// InventoryConfig selects the cluster inventory source.
type InventoryConfig struct {
	// Source is kubernetes (watch the API) or static (read Path).
	Source string `mapstructure:"source"`
	// Path is the static inventory file (internal/clusterinventory format).
	Path string `mapstructure:"path"`
}

// CatalogConfig lists the hardware catalogs.
type CatalogConfig struct {
	// Builtin includes the catalog embedded in the binary (cited defaults).
	Builtin bool `mapstructure:"builtin"`
	// Files are catalog files, later ones overriding earlier ones and the
	// built-in catalog.
	Files []string `mapstructure:"files"`
}

// Validate checks the configuration, including that the catalogs load and
// every rule and the fallback name a profile, so `otelcol-eco validate`
// catches a broken catalog before deployment.
func (cfg *Config) Validate() error {
	var errs []error
	switch cfg.Inventory.Source {
	case SourceKubernetes:
		if err := cfg.APIConfig.Validate(); err != nil {
			errs = append(errs, err)
		}
		if cfg.Inventory.Path != "" {
			errs = append(errs, errors.New("inventory.path applies to inventory.source static only (remove it, or set source: static)"))
		}
	case SourceStatic:
		if cfg.Inventory.Path == "" {
			errs = append(errs, errors.New("inventory.path is required with inventory.source static (a cluster inventory file, e.g. distribution/demo/cluster.yaml)"))
		}
	default:
		errs = append(errs, fmt.Errorf("inventory.source %q is not supported (use %s or %s)", cfg.Inventory.Source, SourceKubernetes, SourceStatic))
	}
	if cfg.ReloadInterval < 0 {
		errs = append(errs, fmt.Errorf("reload_interval %s is negative (use a duration such as 15s, or 0 to disable reloading)", cfg.ReloadInterval))
	}
	if cfg.DefaultZone != "" {
		if _, err := gridzone.Lookup(cfg.DefaultZone); err != nil {
			errs = append(errs, fmt.Errorf("default_zone: %w", err))
		}
	}
	if !cfg.Catalog.Builtin && len(cfg.Catalog.Files) == 0 {
		errs = append(errs, errors.New("catalog: no catalog (set builtin: true, or list files)"))
	} else if _, err := cfg.loadMatcher(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// loadCatalog reads and merges the configured catalogs.
func (cfg *Config) loadCatalog() (*catalog.Catalog, error) {
	var sources []catalog.Source
	var errs []error
	if cfg.Catalog.Builtin {
		sources = append(sources, catalog.Source{Name: catalog.BuiltinName, File: catalog.Builtin()})
	}
	for i, path := range cfg.Catalog.Files {
		f, err := catalog.Load(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("catalog.files[%d]: %w", i, err))
			continue
		}
		sources = append(sources, catalog.Source{Name: path, File: f})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c, err := catalog.Build(sources...)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return c, nil
}

// loadMatcher loads the catalogs and compiles the rules: the config's first,
// then the catalogs' (later files first, the built-in catalog last).
func (cfg *Config) loadMatcher() (*resolver, error) {
	c, err := cfg.loadCatalog()
	if err != nil {
		return nil, err
	}
	sets := append([]matching.RuleSet{{Origin: "config", Rules: cfg.Rules}}, c.RuleSets()...)
	m, err := matching.New(sets, cfg.FallbackProfile, c.Has)
	if err != nil {
		return nil, err
	}
	return &resolver{catalog: c, matcher: m}, nil
}
