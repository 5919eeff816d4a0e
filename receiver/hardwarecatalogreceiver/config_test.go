package hardwarecatalogreceiver

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"

	"github.com/ecotel/ecotel/internal/configtest"
	"github.com/ecotel/ecotel/internal/k8sapi"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/matching"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	return configtest.Load[Config](t, NewFactory(), name)
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	assert.Equal(t, createDefaultConfig(), def)
	assert.Equal(t, 60*time.Second, def.CollectionInterval)
	assert.Equal(t, SourceKubernetes, def.Inventory.Source)
	assert.Equal(t, k8sapi.AuthTypeServiceAccount, def.AuthType)
	assert.True(t, def.Catalog.Builtin)
	assert.Equal(t, "generic-rack-server", def.FallbackProfile)
	assert.NoError(t, confmap.Validate(def))

	static := loadConfig(t, "static")
	assert.Equal(t, 30*time.Second, static.CollectionInterval)
	assert.Equal(t, InventoryConfig{Source: SourceStatic, Path: "testdata/cluster-mixed.yaml"}, static.Inventory)
	assert.Equal(t, CatalogConfig{Builtin: true, Files: []string{"testdata/catalog-mixed.yaml"}}, static.Catalog)
	assert.Equal(t, 5*time.Second, static.ReloadInterval)
	assert.Equal(t, []matching.Rule{{Profile: "generic-rack-server", Selector: "node-role.kubernetes.io/edge"}}, static.Rules)
	assert.Equal(t, "se-3", static.DefaultZone)
	assert.NoError(t, confmap.Validate(static))

	kc := loadConfig(t, "kubeconfig")
	assert.Equal(t, k8sapi.APIConfig{AuthType: k8sapi.AuthTypeKubeConfig, Context: "staging", KubeconfigPath: "/etc/ecotel/kubeconfig"}, kc.APIConfig)
	assert.NoError(t, confmap.Validate(kc))
}

func TestValidateNamesFieldAndFix(t *testing.T) {
	cases := map[string][]string{
		"bad_source":           {`inventory.source "kubelet" is not supported (use kubernetes or static)`},
		"static_without_path":  {"inventory.path is required with inventory.source static"},
		"bad_auth":             {`auth_type "tls" is not supported`},
		"bad_zone":             {"default_zone:", `"DE" is a country, not a bidding zone`, "DE-LU"},
		"bad_rule":             {`config: rules[0]: profile "nonexistent" is not in the catalog`},
		"bad_fallback":         {`fallback_profile "aws-instance" is not in the catalog`},
		"no_catalog":           {"catalog: no catalog (set builtin: true, or list files)"},
		"bad_catalog_file":     {"catalog.files[0]: catalog testdata/catalog-bad.yaml:", "profiles[0] (broken): embodied.total_kgco2e: -5 is negative", "lifetime_years: 0 would amortize", "pue: 0.8 is out of range", "profiles[1] (broken): duplicate profile name"},
		"missing_catalog_file": {"catalog.files[0]:", "no such file"},
		"negative_reload":      {"reload_interval -1s is negative"},
	}
	for name, wants := range cases {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			for _, w := range wants {
				assert.True(t, strings.Contains(err.Error(), w), "error %q\nlacks %q", err, w)
			}
		})
	}
}
