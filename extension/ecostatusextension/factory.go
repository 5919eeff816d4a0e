package ecostatusextension

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"

	"github.com/ecotel/ecotel/extension/ecostatusextension/internal/metadata"
)

// DefaultEndpoint is loopback-only: the page is read-only but tells a lot
// about a cluster; expose it deliberately.
const DefaultEndpoint = "localhost:8890"

// NewFactory returns the extension's factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = DefaultEndpoint
	return &Config{ServerConfig: srv, TopPods: 20, TopNodes: 100}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newStatusServer(cfg.(*Config), set), nil
}
