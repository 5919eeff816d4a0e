//go:build integration

package autoscaling

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
)

// TestIntegrationAdapterRulesServeCollectorData checks every external rule
// of distribution/autoscaling/prometheus-adapter/values.yaml, expanded for
// HPA-style requests, on data from the real pipeline: the fake ENTSO-E
// platform moves each zone's grid through three states (the collector
// restarted each time, so its live-mode receiver fetches at once),
// otelcol-eco in the gateway's shape (entsoe, alumetbridge fed by
// alumet-sim, hardwarecatalog on the demo cluster, sci) exports to a real
// Prometheus running the shipped recording rules, and the adapter stand-in
// answers external.metrics.k8s.io requests through the kube-apiserver. The
// KEDA ScaledObjects' queries are run on the same Prometheus.
func TestIntegrationAdapterRulesServeCollectorData(t *testing.T) {
	// Three grid states per zone: windShare and day-ahead price.
	type state struct{ wind, price float64 }
	plan := map[string][3]state{
		"FR":    {{0, 90}, {1, 70}, {0.3, 80}},       // intensity 820 → 11 → 577.3
		"DE-LU": {{0.1, 150}, {0.2, -20}, {0.1, 48}}, // a negative price sets the bottom
		"SE-3":  {{0.9, 30}, {0.6, 30}, {0.5, 30}},
		"SE-4":  {{0.4, 55}, {0.4, 55}, {0.4, 55}}, // flat: no range, no headroom
	}
	zones := []string{"FR", "DE-LU", "SE-3", "SE-4"}
	// Expected headroom after the third state: (max − now) / (max − min).
	headroom := func(values [3]float64) (float64, bool) {
		lo, hi := slices.Min(values[:]), slices.Max(values[:])
		if hi == lo {
			return 0, false
		}
		return (hi - values[2]) / (hi - lo), true
	}
	intensities := func(zone string) (v [3]float64) {
		for i, s := range plan[zone] {
			v[i] = intensityGPerKWh(s.wind)
		}
		return v
	}
	prices := func(zone string) (v [3]float64) {
		for i, s := range plan[zone] {
			v[i] = s.price
		}
		return v
	}

	p := newPlatform(t)
	setState := func(i int) {
		for _, z := range zones {
			s := plan[z][i]
			p.Set(z, windAndCoal(s.wind, s.price))
		}
	}
	setState(0)
	relay := e2e.FreeEndpoint(t)
	gw := startGateway(t, p, gatewayOptions{zones: zones, relay: relay})
	prom := startPrometheus(t, gw.ep.Prometheus)
	c := startCluster(t, prom.URL)
	intensityMetric := semconv.MetricGridCarbonIntensityPrometheus
	for i := range 3 {
		if i > 0 {
			setState(i)
			gw.Restart()
		}
		for _, z := range zones {
			prom.WaitForQuery(t, fmt.Sprintf(`abs(zone:%s:max{eco_grid_zone_code=%q} - %g) < 1e-6`, intensityMetric, z, intensityGPerKWh(plan[z][i].wind)),
				waitTimeout, nil, gw.col.Process)
		}
	}
	sim := e2e.LookBinary(t, "ALUMET_SIM", "bin/alumet-sim", "", "run `make alumet-sim` (make test builds it)")
	e2e.StartProcess(t, "alumet-sim", sim, []string{
		"-inventory", repoPath(t, "distribution/demo/cluster.yaml"), "-relay", relay, "-interval", "500ms",
	}, nil)

	cfg := c.api.Config
	const hpaNamespace = "jobs" // where an HPA reading a zone-wide signal would live
	for metric, history := range map[string]func(zone string) [3]float64{
		"eco_green_headroom": intensities,
		"eco_price_headroom": prices,
	} {
		t.Run(metric+" per zone", func(t *testing.T) {
			for _, z := range zones {
				want, ok := headroom(history(z))
				if !ok {
					// A flat grid has no range: the adapter answers, with no item.
					expectNoItems(t, cfg, hpaNamespace, metric, "eco_grid_zone_code="+z)
					continue
				}
				waitExternalMetric(t, cfg, hpaNamespace, metric, "eco_grid_zone_code="+z, want)
			}
		})
	}
	t.Run("carbon intensity", func(t *testing.T) {
		for _, z := range zones {
			waitExternalMetric(t, cfg, hpaNamespace, "eco_grid_carbon_intensity", "eco_grid_zone_code="+z, intensityGPerKWh(plan[z][2].wind))
		}
		// Without a selector: one item per zone (an HPA would sum them —
		// always select the zone).
		values, lbls, err := externalMetric(context.Background(), cfg, hpaNamespace, "eco_grid_carbon_intensity", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(values) != len(zones) {
			t.Errorf("no selector: %d items %v, want one per zone", len(values), lbls)
		}
		// Two zones at once, as a set-based selector.
		values, _, err = externalMetric(context.Background(), cfg, hpaNamespace, "eco_grid_carbon_intensity", "eco_grid_zone_code in (FR,SE-4)")
		if err != nil || len(values) != 2 {
			t.Errorf("eco_grid_zone_code in (FR,SE-4): %v, %v; want 2 items", values, err)
		}
	})
	t.Run("deployment SCI, namespaced", func(t *testing.T) {
		score := semconv.MetricSCIScorePrometheus
		raw := fmt.Sprintf(`%s{eco_sci_scope="deployment",k8s_namespace_name="shop",k8s_deployment_name="web"}`, score)
		prom.WaitForQuery(t, raw, 60*time.Second, nil, gw.col.Process)
		// The adapter reads the current value; Prometheus' own view of the
		// last 10 s brackets it (SCI is re-evaluated every 2 s).
		e2e.WaitUntil(t, waitTimeout, "eco_deployment_sci for shop/web", func() error {
			ctx := context.Background()
			values, lbls, err := externalMetric(ctx, cfg, "shop", "eco_deployment_sci", "k8s_deployment_name=web")
			if err != nil {
				return err
			}
			if len(values) != 1 || lbls[0]["k8s_namespace_name"] != "shop" || lbls[0]["k8s_deployment_name"] != "web" {
				return fmt.Errorf("items %v %v, want one for shop/web", values, lbls)
			}
			lo, err1 := prom.Query(ctx, fmt.Sprintf(`min_over_time(%s[10s])`, raw))
			hi, err2 := prom.Query(ctx, fmt.Sprintf(`max_over_time(%s[10s])`, raw))
			if err1 != nil || err2 != nil || len(lo) != 1 || len(hi) != 1 {
				return fmt.Errorf("bounds %v %v: %v %v", lo, hi, err1, err2)
			}
			if !(values[0] > 0) || values[0] < math.Floor(lo[0].Value*1000)/1000 || values[0] > hi[0].Value {
				return fmt.Errorf("SCI %g g/h outside Prometheus' [%g, %g] of the last 10 s", values[0], lo[0].Value, hi[0].Value)
			}
			return nil
		}, gw.col.Process)
		// Why the rule repeats eco_sci_scope: the pods' SCI series carry the
		// same namespace and deployment labels as the roll-up.
		prom.WaitForQuery(t, fmt.Sprintf(`count(%s{k8s_namespace_name="shop",k8s_deployment_name="web"}) > 1`, score), waitTimeout, nil, gw.col.Process)
		// The HPA's namespace is injected: from another namespace the same
		// selector finds nothing.
		expectNoItems(t, cfg, "batch", "eco_deployment_sci", "k8s_deployment_name=web")
	})
	t.Run("queries as prometheus-adapter expands them", func(t *testing.T) {
		for _, want := range []string{
			`max(zone:eco_grid_green_headroom:ratio_24h{eco_grid_zone_code="FR"}) by (eco_grid_zone_code)`,
			`max(zone:eco_grid_price_headroom:ratio_24h{eco_grid_zone_code="DE-LU"}) by (eco_grid_zone_code)`,
			`max(eco_grid_carbon_intensity_grams_per_kW_h{eco_carbon_intensity_method="lifecycle",eco_grid_zone_code="SE-3"}) by (eco_grid_zone_code)`,
			`max(eco_grid_carbon_intensity_grams_per_kW_h{eco_carbon_intensity_method="lifecycle",}) by (eco_grid_zone_code)`,
			`max(eco_sci_score_grams{eco_sci_scope="deployment",k8s_deployment_name="web",k8s_namespace_name="shop"}) by (k8s_namespace_name, k8s_deployment_name)`,
		} {
			found := false
			for _, q := range c.adapter.Queries() {
				found = found || q.PromQL == want
			}
			if !found {
				t.Errorf("the adapter never ran %s", want)
			}
		}
	})
	t.Run("KEDA trigger queries", func(t *testing.T) {
		for file, zone := range map[string]string{"green-burst.yaml": "FR", "price-aware.yaml": "DE-LU"} {
			so := loadScaledObject(t, "distribution/autoscaling/keda/"+file)
			var signal float64
			if file == "green-burst.yaml" {
				signal, _ = headroom(intensities(zone))
			} else {
				signal, _ = headroom(prices(zone))
			}
			maxReplicas, found, err := unstructured.NestedInt64(so.Object, "spec", "maxReplicaCount")
			if !found || err != nil {
				t.Fatalf("%s: spec.maxReplicaCount: %v", file, err)
			}
			triggers, _, _ := unstructured.NestedSlice(so.Object, "spec", "triggers")
			for _, tr := range triggers {
				m := tr.(map[string]any)
				if m["type"] != "prometheus" {
					continue
				}
				query := m["metadata"].(map[string]any)["query"].(string)
				want := float64(maxReplicas) * signal // the query scales the headroom to 0…maxReplicaCount
				prom.WaitForQuery(t, query, waitTimeout, func(s []e2e.Sample) error {
					if len(s) != 1 || math.Abs(s[0].Value-want) > 1e-6 {
						return fmt.Errorf("%s: %v, want one sample of %g", file, s, want)
					}
					return nil
				})
			}
		}
	})
}

// expectNoItems checks that the adapter answers for the metric with no
// item for the selector — what an HPA reports as a missing metric. It waits
// only for the metric to be discovered.
func expectNoItems(t testing.TB, cfg *rest.Config, namespace, metric, selector string) {
	t.Helper()
	var values []float64
	e2e.WaitUntil(t, waitTimeout, "external metric "+metric+" discovered", func() error {
		var err error
		values, _, err = externalMetric(context.Background(), cfg, namespace, metric, selector)
		return err
	})
	if len(values) != 0 {
		t.Errorf("%s{%s} in namespace %s: %v, want no item", metric, selector, namespace, values)
	}
}

func loadScaledObject(t testing.TB, rel string) *unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(repoPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var obj unstructured.Unstructured
	if err := obj.UnmarshalJSON(js); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return &obj
}
