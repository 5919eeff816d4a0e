package nodeshardexporter

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
)

// Config is the node_shard exporter's configuration; createDefaultConfig
// holds every default and README.md documents each field.
type Config struct {
	// Protocol is the OTLP/gRPC exporter configuration used for every
	// gateway (TLS, compression, sending_queue, retry_on_failure, timeout);
	// its endpoint is replaced by each gateway's address.
	Protocol ProtocolConfig `mapstructure:"protocol"`
	// Resolver says where the gateways are: static or dns, exactly one.
	Resolver ResolverConfig `mapstructure:"resolver"`
	// RoutingAttribute is the resource attribute whose value picks the
	// gateway (default k8s.node.name).
	RoutingAttribute string `mapstructure:"routing_attribute"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ProtocolConfig holds the per-gateway exporter configuration.
type ProtocolConfig struct {
	OTLP otlpexporter.Config `mapstructure:"otlp"`
}

// ResolverConfig lists the gateways or says how to find them.
type ResolverConfig struct {
	Static configoptional.Optional[StaticResolverConfig] `mapstructure:"static"`
	DNS    configoptional.Optional[DNSResolverConfig]    `mapstructure:"dns"`
}

// StaticResolverConfig is a fixed list of gateways.
type StaticResolverConfig struct {
	// Hostnames are host:port OTLP/gRPC addresses (port 4317 when left out).
	Hostnames []string `mapstructure:"hostnames"`
}

// DNSResolverConfig resolves the gateways from a name with one address per
// gateway: a Kubernetes headless Service.
type DNSResolverConfig struct {
	Hostname string        `mapstructure:"hostname"`
	Port     int           `mapstructure:"port"`
	Interval time.Duration `mapstructure:"interval"`
	Timeout  time.Duration `mapstructure:"timeout"`
}

// Validate checks the configuration and says how to fix what is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	r := &c.Resolver
	switch {
	case !r.Static.HasValue() && !r.DNS.HasValue():
		bad("resolver: set static (a list of gateways) or dns (a headless Service name)")
	case r.Static.HasValue() && r.DNS.HasValue():
		bad("resolver: set static or dns, not both")
	case r.Static.HasValue():
		hosts := r.Static.Get().Hostnames
		if len(hosts) == 0 {
			bad("resolver.static.hostnames: list at least one gateway (host:port)")
		}
		for i, h := range hosts {
			if _, err := withDefaultPort(h); err != nil {
				bad("resolver.static.hostnames[%d]: %v", i, err)
			}
		}
	default:
		d := r.DNS.Get()
		if d.Hostname == "" {
			bad("resolver.dns.hostname: required (the gateways' headless Service, e.g. ecotel-gateway-headless.ecotel.svc.cluster.local)")
		}
		if d.Port < 1 || d.Port > 65535 {
			bad("resolver.dns.port: %d is not a TCP port; set the gateways' OTLP/gRPC port (default 4317)", d.Port)
		}
		if d.Interval <= 0 {
			bad("resolver.dns.interval: must be positive (default 5s)")
		}
		if d.Timeout <= 0 {
			bad("resolver.dns.timeout: must be positive (default 1s)")
		}
	}
	if c.RoutingAttribute == "" {
		bad("routing_attribute: required (default k8s.node.name)")
	}
	return errors.Join(errs...)
}

// withDefaultPort returns host:port, adding the OTLP/gRPC port when absent.
func withDefaultPort(h string) (string, error) {
	if h == "" {
		return "", errors.New("empty address")
	}
	if _, _, err := net.SplitHostPort(h); err == nil {
		return h, nil
	}
	withPort := net.JoinHostPort(h, strconv.Itoa(defaultPort))
	if _, _, err := net.SplitHostPort(withPort); err != nil {
		return "", fmt.Errorf("%q is not host:port", h)
	}
	return withPort, nil
}

// defaultPort is OTLP/gRPC's.
const defaultPort = 4317
