// Package configtest loads a component's named configuration from its
// testdata/config.yaml the way the collector does (the factory's defaults,
// then the YAML on top), for the config tests of ecotel's components.
package configtest // import "github.com/ecotel/ecotel/internal/configtest"

import (
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// Load returns the configuration "<type>/<name>" of testdata/config.yaml
// (relative to the test's package directory) unmarshalled over f's
// defaults. C is the component's Config type. It does not validate: tests
// call confmap.Validate or xconfmap.Validate when they want to.
func Load[C any](t testing.TB, f component.Factory, name string) *C {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	id := component.NewIDWithName(f.Type(), name)
	sub, err := cm.Sub(id.String())
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	cfg := f.CreateDefaultConfig()
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	c, ok := cfg.(*C)
	if !ok {
		t.Fatalf("%s: the factory's config is %T, not %T", id, cfg, c)
	}
	return c
}
