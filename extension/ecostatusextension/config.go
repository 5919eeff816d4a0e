package ecostatusextension

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/config/confighttp"
)

// Config of the ecostatus extension.
type Config struct {
	confighttp.ServerConfig `mapstructure:",squash"`
	// TopPods is how many pods (highest SCI first) the page lists.
	TopPods int `mapstructure:"top_pods"`
	// TopNodes is how many nodes (greenest first) the page lists.
	TopNodes int `mapstructure:"top_nodes"`
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint: must be set, e.g. \"127.0.0.1:8890\""))
	}
	if c.TopPods < 1 || c.TopPods > 10000 {
		errs = append(errs, fmt.Errorf("top_pods %d: must be between 1 and 10000", c.TopPods))
	}
	if c.TopNodes < 1 || c.TopNodes > 10000 {
		errs = append(errs, fmt.Errorf("top_nodes %d: must be between 1 and 10000 (the JSON API lists every node)", c.TopNodes))
	}
	return errors.Join(errs...)
}
