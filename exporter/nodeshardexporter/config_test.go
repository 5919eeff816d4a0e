package nodeshardexporter

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/confmap"

	"github.com/ecotel/ecotel/internal/configtest"
	"github.com/ecotel/ecotel/semconv"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	return configtest.Load[Config](t, NewFactory(), name)
}

func TestLoadConfig(t *testing.T) {
	static := loadConfig(t, "static")
	if err := confmap.Validate(static); err != nil {
		t.Fatal(err)
	}
	if static.Resolver.DNS.HasValue() || !static.Resolver.Static.HasValue() {
		t.Fatal("static: want only the static resolver")
	}
	if got := static.Resolver.Static.Get().Hostnames; len(got) != 2 {
		t.Errorf("static hostnames %v", got)
	}
	if !static.Protocol.OTLP.ClientConfig.TLS.Insecure || static.Protocol.OTLP.TimeoutConfig.Timeout != 5*time.Second {
		t.Errorf("protocol.otlp not applied: %+v", static.Protocol.OTLP)
	}
	if static.RoutingAttribute != semconv.AttrK8sNodeName {
		t.Errorf("routing_attribute %q", static.RoutingAttribute)
	}

	dns := loadConfig(t, "dns")
	if err := confmap.Validate(dns); err != nil {
		t.Fatal(err)
	}
	d := dns.Resolver.DNS.Get()
	if !dns.Resolver.DNS.HasValue() || d.Port != 4317 || d.Interval != 5*time.Second || d.Timeout != time.Second {
		t.Errorf("dns resolver defaults: %+v", *d)
	}
}

func TestConfigErrorsNameFieldAndFix(t *testing.T) {
	for name, want := range map[string]string{
		"none":         "resolver: set static (a list of gateways) or dns",
		"both":         "resolver: set static or dns, not both",
		"empty_static": "resolver.static.hostnames: list at least one gateway",
		"bad_interval": "resolver.dns.interval: must be positive",
		"bad_port":     "resolver.dns.port: 70000 is not a TCP port",
	} {
		err := confmap.Validate(loadConfig(t, name))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, want)
		}
	}
}

func TestWithDefaultPort(t *testing.T) {
	for in, want := range map[string]string{"gw:4318": "gw:4318", "gw": "gw:4317", "10.0.0.1": "10.0.0.1:4317", "::1": "[::1]:4317", "[::1]:9": "[::1]:9"} {
		if got, err := withDefaultPort(in); err != nil || got != want {
			t.Errorf("withDefaultPort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
