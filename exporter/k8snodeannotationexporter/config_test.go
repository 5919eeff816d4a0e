package k8snodeannotationexporter

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/ecotel/ecotel/exporter/k8snodeannotationexporter/internal/metadata"
	"github.com/ecotel/ecotel/internal/k8sapi"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cases := []struct {
		id      string
		want    *Config
		wantErr []string
	}{
		{id: "", want: createDefaultConfig().(*Config)},
		{id: "custom", want: &Config{
			APIConfig: k8sapi.APIConfig{AuthType: k8sapi.AuthTypeKubeConfig, KubeconfigPath: "/etc/ecotel/kubeconfig", Context: "prod"},
			Prefix:    "carbon.example.com/", MinInterval: 30 * time.Second, RefreshInterval: 10 * time.Minute,
			ChangeThreshold: 0.1, QPS: 2, Burst: 4,
			CarbonClass: CarbonClassConfig{Enabled: true, LowBelow: 3, HighFrom: 20},
		}},
		{id: "bad_prefix", wantErr: []string{`prefix "not a prefix"`}},
		{id: "bad_intervals", wantErr: []string{"refresh_interval 1m0s: must be at least min_interval (10m0s)"}},
		{id: "bad_auth", wantErr: []string{`auth_type "token" is not supported`}},
		{id: "bad_class", wantErr: []string{"carbon_class: need", "change_threshold 1.5", "qps 0"}},
	}
	for _, tc := range cases {
		t.Run("id="+tc.id, func(t *testing.T) {
			id := component.NewID(metadata.Type)
			if tc.id != "" {
				id = component.NewIDWithName(metadata.Type, tc.id)
			}
			sub, err := cm.Sub(id.String())
			require.NoError(t, err)
			cfg := createDefaultConfig()
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tc.wantErr == nil {
				require.NoError(t, err)
				require.Equal(t, tc.want, cfg)
				return
			}
			require.Error(t, err)
			for _, w := range tc.wantErr {
				require.True(t, strings.Contains(err.Error(), w), "error %q lacks %q", err, w)
			}
		})
	}
}
