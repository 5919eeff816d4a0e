package promadapter

import (
	"os"
	"path/filepath"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ecotel/ecotel/internal/e2e"
)

// testMapper knows namespaces and deployments, as discovery would.
func testMapper() apimeta.RESTMapper {
	m := apimeta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, apimeta.RESTScopeRoot)
	m.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, apimeta.RESTScopeNamespace)
	return m
}

func shippedRules(t *testing.T) map[string]*compiledRule {
	t.Helper()
	rules, err := LoadHelmValues(filepath.Join(e2e.RepoRoot(t), "distribution/autoscaling/prometheus-adapter/values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := compileRules(rules, testMapper())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*compiledRule{}
	for _, r := range compiled {
		byName[r.Name.As] = r
	}
	return byName
}

// The expected strings follow prometheus-adapter's BuildExternal by hand:
// selector matchers sorted by key, then the namespace matcher when the rule
// is namespaced, joined by ","; values quoted with %q; GroupBy empty.
func TestExternalQueryShippedRules(t *testing.T) {
	rules := shippedRules(t)
	for _, tc := range []struct {
		metric, series, namespace, selector, want string
	}{
		{
			metric: "eco_green_headroom", series: "zone:eco_grid_green_headroom:ratio_24h",
			namespace: "jobs", selector: "eco_grid_zone_code=FR",
			// namespaced: false — the HPA's namespace is not injected.
			want: `max(zone:eco_grid_green_headroom:ratio_24h{eco_grid_zone_code="FR"}) by (eco_grid_zone_code)`,
		},
		{
			metric: "eco_price_headroom", series: "zone:eco_grid_price_headroom:ratio_24h",
			namespace: "jobs", selector: "eco_grid_zone_code in (DE-LU,FR)",
			want: `max(zone:eco_grid_price_headroom:ratio_24h{eco_grid_zone_code=~"DE-LU|FR"}) by (eco_grid_zone_code)`,
		},
		{
			metric: "eco_grid_carbon_intensity", series: "eco_grid_carbon_intensity_grams_per_kW_h",
			namespace: "jobs", selector: "eco_grid_zone_code=SE-3",
			want: `max(eco_grid_carbon_intensity_grams_per_kW_h{eco_carbon_intensity_method="lifecycle",eco_grid_zone_code="SE-3"}) by (eco_grid_zone_code)`,
		},
		{
			// No selector: the rule's own matcher comes first, so the
			// expansion stays valid PromQL (a trailing comma is allowed, a
			// leading one is not).
			metric: "eco_grid_carbon_intensity", series: "eco_grid_carbon_intensity_grams_per_kW_h",
			namespace: "jobs", selector: "",
			want: `max(eco_grid_carbon_intensity_grams_per_kW_h{eco_carbon_intensity_method="lifecycle",}) by (eco_grid_zone_code)`,
		},
		{
			// Namespaced: the HPA's namespace lands on k8s_namespace_name.
			metric: "eco_deployment_sci", series: "eco_sci_score_grams",
			namespace: "shop", selector: "k8s_deployment_name=web",
			want: `max(eco_sci_score_grams{eco_sci_scope="deployment",k8s_deployment_name="web",k8s_namespace_name="shop"}) by (k8s_namespace_name, k8s_deployment_name)`,
		},
	} {
		t.Run(tc.metric+"/"+tc.selector, func(t *testing.T) {
			r := rules[tc.metric]
			if r == nil {
				t.Fatalf("no rule serves %s", tc.metric)
			}
			sel, err := labels.Parse(tc.selector)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.ExternalQuery(tc.series, tc.namespace, sel)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("query\n got  %s\n want %s", got, tc.want)
			}
		})
	}
}

func TestExternalQueryTemplateArguments(t *testing.T) {
	mapper := testMapper()
	compile := func(t *testing.T, r Rule) *compiledRule {
		t.Helper()
		c, err := compileRule(r, mapper)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("operators", func(t *testing.T) {
		r := compile(t, Rule{SeriesQuery: "q", MetricsQuery: "<<.Series>>{<<.LabelMatchers>>}", Resources: ResourceMapping{Namespaced: new(false)}})
		for sel, want := range map[string]string{
			"a!=x":            `s{a!="x"}`,
			"a notin (x)":     `s{a!~"x"}`,
			"a notin (x,y),b": `s{a!~"x|y",b!=""}`,
			"!a":              `s{a=""}`,
			"a in (x,y)":      `s{a=~"x|y"}`,
		} {
			s, err := labels.Parse(sel)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := r.ExternalQuery("s", "ns", s); err != nil || got != want {
				t.Errorf("%s: got %q, %v; want %q", sel, got, err, want)
			}
		}
	})
	t.Run("group by is empty for external metrics", func(t *testing.T) {
		r := compile(t, Rule{SeriesQuery: "q", MetricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>) <<len .GroupBySlice>>", Resources: ResourceMapping{Namespaced: new(false)}})
		if got, err := r.ExternalQuery("s", "ns", labels.Everything()); err != nil || got != "sum(s{}) by () 0" {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("label values by name", func(t *testing.T) {
		r := compile(t, Rule{SeriesQuery: "q", MetricsQuery: `<<index .LabelValuesByName "zone">>`, Resources: ResourceMapping{Namespaced: new(false)}})
		s, _ := labels.Parse("zone in (FR,SE-3)")
		if got, err := r.ExternalQuery("s", "", s); err != nil || got != "FR|SE-3" {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("namespaced through a template", func(t *testing.T) {
		r := compile(t, Rule{SeriesQuery: "q", MetricsQuery: "<<.Series>>{<<.LabelMatchers>>}", Resources: ResourceMapping{Template: "kube_<<.Group>>_<<.Resource>>"}})
		if got, err := r.ExternalQuery("s", "jobs", labels.Everything()); err != nil || got != `s{kube__namespace="jobs"}` {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("namespaced without a namespace label fails", func(t *testing.T) {
		// The adapter's error for a zone-wide series without namespaced: false.
		r := compile(t, Rule{SeriesQuery: "q", MetricsQuery: "<<.Series>>{<<.LabelMatchers>>}"})
		if _, err := r.ExternalQuery("s", "jobs", labels.Everything()); err == nil {
			t.Error("want an error: no label maps to namespaces")
		}
	})
	t.Run("empty expansion fails", func(t *testing.T) {
		r := compile(t, Rule{SeriesQuery: "q", MetricsQuery: "<<.LabelMatchers>>", Resources: ResourceMapping{Namespaced: new(false)}})
		if _, err := r.ExternalQuery("s", "jobs", labels.Everything()); err == nil {
			t.Error("want an error for an empty query")
		}
	})
}

func TestNaming(t *testing.T) {
	r, err := compileRule(Rule{
		SeriesQuery:   `{__name__=~"^eco_.*"}`,
		SeriesFilters: []RegexFilter{{IsNot: "_total$"}},
		Name:          NameMapping{Matches: "^eco_(.*)_ratio$"},
		MetricsQuery:  "<<.Series>>",
	}, testMapper())
	if err != nil {
		t.Fatal(err)
	}
	for series, want := range map[string]string{
		"eco_grid_green_headroom_ratio": "grid_green_headroom", // one capture group: $1
		"eco_requests_total":            "",                    // filtered out
		"eco_grid_load_megawatts":       "",                    // name does not match
	} {
		if !r.keeps(series) {
			if want != "" {
				t.Errorf("%s filtered out", series)
			}
			continue
		}
		got, err := r.metricName(series)
		if err != nil || got != want {
			t.Errorf("%s: named %q, %v; want %q", series, got, err, want)
		}
	}
}

func TestLoadHelmValuesRefusesUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "values.yaml")
	values := "rules:\n  external:\n    - seriesQuery: x\n      metricsQuery: x\n      labelValueReplacements: [{find: a, replace: b}]\n"
	if err := os.WriteFile(path, []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadHelmValues(path); err == nil {
		t.Error("want an error for a field the stand-in does not implement")
	}
}
