package sciscore

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
)

func TestDefaults(t *testing.T) {
	a := &SCIScoreArgs{}
	SetDefaults(a)
	if a.Source != carbonsource.SourcePrometheus || a.RefreshInterval.Duration != 15*time.Second ||
		a.StalenessLimit.Duration != 3*time.Hour || a.AnnotationPrefix != "ecotel.io" ||
		a.Normalization != NormalizationMinMax || a.MissingData != MissingDataMean ||
		a.PodSizeWeight != 0 || a.ZoneIntensityCap != 0 || a.Prometheus.Timeout.Duration != 5*time.Second {
		t.Errorf("defaults: %+v", a)
	}
	p := a.Prometheus
	if p.NodeQuery != "eco_node_carbon_per_vcpu_grams_per_hour" || p.NodeLabel != "k8s_node_name" || p.ZoneLabel != "eco_grid_zone_code" ||
		p.ZoneIntensityQuery != `max by (eco_grid_zone_code) (eco_grid_carbon_intensity_grams_per_kW_h{eco_carbon_intensity_method="lifecycle"})` ||
		p.DataAgeQuery != `max by (eco_grid_zone_code) (eco_grid_data_age_seconds{eco_grid_document="generation"})` {
		t.Errorf("prometheus defaults: %+v", p)
	}
	// Set values survive defaulting.
	b := &SCIScoreArgs{Normalization: NormalizationRelativeToBest}
	b.RefreshInterval = metav1.Duration{Duration: time.Minute}
	SetDefaults(b)
	if b.Normalization != NormalizationRelativeToBest || b.RefreshInterval.Duration != time.Minute {
		t.Errorf("defaulting overwrote set values: %+v", b)
	}
}

func TestValidate(t *testing.T) {
	valid := func() *SCIScoreArgs {
		a := &SCIScoreArgs{}
		a.Prometheus.Address = "http://prometheus.monitoring:9090"
		SetDefaults(a)
		return a
	}
	if err := Validate(valid()); err != nil {
		t.Fatalf("valid args rejected: %v", err)
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*SCIScoreArgs)
		wantErr string
	}{
		{"no address", func(a *SCIScoreArgs) { a.Prometheus.Address = "" }, "prometheus.address: Required value"},
		{"address without scheme", func(a *SCIScoreArgs) { a.Prometheus.Address = "prometheus:9090" }, "prometheus.address: Invalid value"},
		{"unknown source", func(a *SCIScoreArgs) { a.Source = "kafka" }, `source: Unsupported value: "kafka"`},
		{"bad prefix", func(a *SCIScoreArgs) { a.AnnotationPrefix = "Eco Tel" }, "annotationPrefix: Invalid value"},
		{"refresh too fast", func(a *SCIScoreArgs) { a.RefreshInterval.Duration = 100 * time.Millisecond }, "refreshInterval: Invalid value"},
		{"staleness below refresh", func(a *SCIScoreArgs) { a.StalenessLimit.Duration = 5 * time.Second }, "stalenessLimit: Invalid value"},
		{"timeout above refresh", func(a *SCIScoreArgs) { a.Prometheus.Timeout.Duration = time.Minute }, "prometheus.timeout: Invalid value"},
		{"normalization", func(a *SCIScoreArgs) { a.Normalization = "ZScore" }, `normalization: Unsupported value: "ZScore"`},
		{"missing data", func(a *SCIScoreArgs) { a.MissingData = "Zero" }, `missingData: Unsupported value: "Zero"`},
		{"missing data score", func(a *SCIScoreArgs) { a.MissingDataScore = 101 }, "missingDataScore: Invalid value: 101"},
		{"pod size weight", func(a *SCIScoreArgs) { a.PodSizeWeight = 1.5 }, "podSizeWeight: Invalid value: 1.5"},
		{"reference cpu", func(a *SCIScoreArgs) { q := resource.MustParse("0"); a.ReferencePodCPU = &q }, "referencePodCPU: Invalid value"},
		{"negative cap", func(a *SCIScoreArgs) { a.ZoneIntensityCap = -1 }, "zoneIntensityCap: Invalid value: -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := valid()
			tc.mutate(a)
			err := Validate(a)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	// The annotation source needs no address.
	a := &SCIScoreArgs{}
	a.Source = carbonsource.SourceAnnotation
	SetDefaults(a)
	if err := Validate(a); err != nil {
		t.Errorf("annotation source rejected: %v", err)
	}
}

func TestDeepCopy(t *testing.T) {
	a := &SCIScoreArgs{}
	SetDefaults(a)
	b := a.DeepCopyObject().(*SCIScoreArgs)
	b.ReferencePodCPU.Set(9)
	if a.ReferencePodCPU.Value() != 4 {
		t.Error("DeepCopyObject shares ReferencePodCPU")
	}
}
