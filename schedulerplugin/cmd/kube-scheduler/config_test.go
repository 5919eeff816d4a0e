package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/cmd/kube-scheduler/app/options"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbondeferral"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/sciscore"
)

// shippedConfig extracts the KubeSchedulerConfiguration from the shipped
// ConfigMap manifest.
func shippedConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../manifests/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm v1.ConfigMap
	if err := yaml.UnmarshalStrict(b, &cm); err != nil {
		t.Fatalf("manifests/config.yaml: %v", err)
	}
	return cm.Data["config.yaml"]
}

func loadConfig(t *testing.T, text string) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := options.LoadConfigFromFile(klog.Background(), path)
	return err
}

// TestShippedConfigDecodesTypedArgs loads the shipped configuration the way
// kube-scheduler does and checks that the plugins' args arrive typed, with
// the given values kept and the rest defaulted.
func TestShippedConfigDecodesTypedArgs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(shippedConfig(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := options.LoadConfigFromFile(klog.Background(), path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(cfg.Profiles) != 1 || cfg.Profiles[0].SchedulerName != "ecotel-scheduler" {
		t.Fatalf("profiles: %+v", cfg.Profiles)
	}
	var sawScore, sawDeferral bool
	for _, pc := range cfg.Profiles[0].PluginConfig {
		switch args := pc.Args.(type) {
		case *sciscore.SCIScoreArgs:
			sawScore = true
			if args.Prometheus.Address != "http://prometheus.monitoring.svc:9090" ||
				args.Prometheus.NodeQuery != "eco_node_carbon_per_vcpu_grams_per_hour" || args.Prometheus.Timeout.Duration == 0 {
				t.Errorf("SCIScoreArgs not decoded and defaulted: %+v", args)
			}
			if err := sciscore.Validate(args); err != nil {
				t.Errorf("shipped SCIScoreArgs invalid: %v", err)
			}
		case *carbondeferral.CarbonDeferralArgs:
			sawDeferral = true
			if args.DefaultMaxCarbonIntensity != 150 || args.AnnotationPrefix != "ecotel.io" {
				t.Errorf("CarbonDeferralArgs not decoded and defaulted: %+v", args)
			}
			if err := carbondeferral.Validate(args); err != nil {
				t.Errorf("shipped CarbonDeferralArgs invalid: %v", err)
			}
		}
	}
	if !sawScore || !sawDeferral {
		t.Errorf("typed args missing (SCIScore %v, CarbonDeferral %v): %+v", sawScore, sawDeferral, cfg.Profiles[0].PluginConfig)
	}
}

// TestArgsDecodeStrictly: a misspelt field is an error at startup, not a
// silently ignored setting.
func TestArgsDecodeStrictly(t *testing.T) {
	text := strings.Replace(shippedConfig(t), "normalization: MinMax", "normalisation: MinMax", 1)
	err := loadConfig(t, text)
	if err == nil || !strings.Contains(err.Error(), `unknown field "normalisation"`) {
		t.Errorf("load with a misspelt field = %v, want an unknown-field error", err)
	}
}
