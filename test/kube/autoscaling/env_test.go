//go:build integration

package autoscaling

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	externalclient "k8s.io/metrics/pkg/client/external_metrics"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/test/kube/autoscaling/promadapter"
	"github.com/ecotel/ecotel/test/kube/kubetest"
)

// hpaSyncPeriod is kube-controller-manager's
// --horizontal-pod-autoscaler-sync-period here (default 15 s).
const hpaSyncPeriod = time.Second

// waitTimeout bounds every wait for a change to travel through the chain.
const waitTimeout = 30 * time.Second

func repoPath(t testing.TB, rel string) string {
	return filepath.Join(e2e.RepoRoot(t), rel)
}

// rulesEvery writes a copy of the shipped recording rules with every group
// evaluated every `every` instead of once a minute, so a grid change reaches
// the headroom within seconds. Nothing else in the rules changes.
func rulesEvery(t testing.TB, every time.Duration) string {
	t.Helper()
	raw, err := os.ReadFile(repoPath(t, "distribution/autoscaling/prometheus-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules map[string]any
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	groups, _ := rules["groups"].([]any)
	if len(groups) == 0 {
		t.Fatal("prometheus-rules.yaml: no groups")
	}
	for _, g := range groups {
		g.(map[string]any)["interval"] = every.String()
	}
	out, err := yaml.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "prometheus-rules.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// gateway is otelcol-eco in the gateway's shape (receivers → memory_limiter,
// batch, sci → prometheus exporter), with the entsoe receiver in live mode
// against the fake platform. It can be restarted on the same ports.
type gateway struct {
	t      testing.TB
	config string
	ep     e2e.Endpoints
	env    []string
	col    *e2e.Collector
}

// gatewayOptions add the energy side of the pipeline when set.
type gatewayOptions struct {
	zones []string
	// relay, when set, enables the alumetbridge relay server there and the
	// hardwarecatalog receiver on the demo cluster, for SCI.
	relay string
}

func startGateway(t testing.TB, p *platform, opts gatewayOptions) *gateway {
	t.Helper()
	receivers := []string{"entsoe"}
	var energy string
	if opts.relay != "" {
		receivers = append(receivers, "alumetbridge", "hardwarecatalog")
		energy = `
  alumetbridge:
    relay: {endpoint: "${env:ECOTEL_RELAY_ENDPOINT}"}
    flush_interval: 1s
  hardwarecatalog:
    inventory: {source: static, path: distribution/demo/cluster.yaml}
    catalog: {builtin: true, files: [distribution/demo/catalog.yaml]}`
	}
	g := &gateway{t: t, ep: e2e.NewEndpoints(t), env: []string{"ENTSOE_API_TOKEN=" + platformToken}}
	if opts.relay != "" {
		g.ep.Extra["ECOTEL_RELAY_ENDPOINT"] = opts.relay
	}
	// The entsoe receiver polls each document at most once a minute (its
	// minimum poll_interval, a courtesy to the platform); every (re)start
	// fetches at once, which is how the tests change the grid in seconds.
	g.config = fmt.Sprintf(`
extensions:
  health_check: {endpoint: "${env:ECOTEL_HEALTH_ENDPOINT}"}
receivers:
  entsoe:
    endpoint: %s
    token: ${env:ENTSOE_API_TOKEN}
    zones: [%s]
    collection_interval: 1s
    initial_delay: 0s
    timeout: 5s%s
processors:
  memory_limiter: {check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20}
  batch: {timeout: 200ms}
  sci: {window: 6s, interval: 2s, delay: 2s}
exporters:
  prometheus:
    endpoint: "${env:ECOTEL_PROMETHEUS_ENDPOINT}"
    translation_strategy: UnderscoreEscapingWithSuffixes
    resource_constant_labels: {included: ["k8s.*", "eco.*", "container.id", "cloud.*", "host.type"]}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: "${env:ECOTEL_TELEMETRY_PORT}"}}}
  pipelines:
    metrics:
      receivers: [%s]
      processors: [memory_limiter, batch, sci]
      exporters: [prometheus]
`, p.Endpoint(), strings.Join(opts.zones, ", "), energy, strings.Join(receivers, ", "))
	g.col = e2e.StartCollectorYAML(t, g.config, g.ep, g.env...)
	return g
}

// Restart stops the collector and starts it again on the same ports: the
// receiver fetches the platform's current grid at once.
func (g *gateway) Restart() {
	g.t.Helper()
	g.col.Stop()
	g.col = e2e.StartCollectorYAML(g.t, g.config, g.ep, g.env...)
}

// startPrometheus scrapes targets every second and evaluates the shipped
// recording rules every second.
func startPrometheus(t testing.TB, targets ...string) *e2e.Prometheus {
	return e2e.StartPrometheus(t, e2e.PrometheusOptions{
		Targets:   targets,
		RuleFiles: []string{rulesEvery(t, time.Second)},
	})
}

// cluster is a kube-apiserver with the prometheus-adapter stand-in
// registered for external.metrics.k8s.io.
type cluster struct {
	api     *kubetest.APIServer
	adapter *promadapter.Adapter
}

// startCluster starts the API server and the adapter stand-in serving the
// shipped external rules plus extraRules from Prometheus at promURL.
func startCluster(t testing.TB, promURL string, extraRules ...promadapter.Rule) *cluster {
	t.Helper()
	ln := promadapter.Reserve(t) // before the API server starts
	api := kubetest.Start(t, kubetest.Options{})
	rules, err := promadapter.LoadHelmValues(repoPath(t, "distribution/autoscaling/prometheus-adapter/values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ad := promadapter.Start(t, ln, promadapter.Options{
		Kubeconfig:    api.Kubeconfig,
		Config:        api.Config,
		PrometheusURL: promURL,
		Rules:         append(rules, extraRules...),
	})
	return &cluster{api: api, adapter: ad}
}

// startControllerManager runs the real kube-controller-manager with only
// the controllers an HPA needs: the HPA controller writes the Deployment's
// scale, the deployment and replicaset controllers turn it into Pods.
func startControllerManager(t testing.TB, kubeconfig string) *e2e.Process {
	t.Helper()
	bin := e2e.LookBinary(t, "ECOTEL_KUBE_CONTROLLER_MANAGER", "bin/kube-controller-manager", "",
		"run `make kube-controller-manager` (make test builds it)")
	return e2e.StartProcess(t, "kube-controller-manager", bin, []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false",
		"--controllers=horizontal-pod-autoscaler-controller,deployment-controller,replicaset-controller",
		"--horizontal-pod-autoscaler-sync-period=" + hpaSyncPeriod.String(),
	}, nil)
}

// externalMetric reads an external metric through the API server's
// aggregation layer with the client the HPA controller itself uses.
func externalMetric(ctx context.Context, cfg *rest.Config, namespace, metric, selector string) ([]float64, []map[string]string, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, nil, err
	}
	c, err := externalclient.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	list, err := c.NamespacedMetrics(namespace).List(metric, sel)
	if err != nil {
		return nil, nil, err
	}
	values := make([]float64, len(list.Items))
	lbls := make([]map[string]string, len(list.Items))
	for i, it := range list.Items {
		values[i] = float64(it.Value.MilliValue()) / 1000
		lbls[i] = it.MetricLabels
	}
	return values, lbls, nil
}

// waitExternalMetric waits until the metric has one item within 0.001 of
// want (the adapter truncates to milli-units) and returns when it saw it.
func waitExternalMetric(t testing.TB, cfg *rest.Config, namespace, metric, selector string, want float64, watch ...*e2e.Process) time.Time {
	t.Helper()
	var seen time.Time
	e2e.WaitUntil(t, waitTimeout, fmt.Sprintf("external metric %s{%s} = %g", metric, selector, want), func() error {
		values, _, err := externalMetric(context.Background(), cfg, namespace, metric, selector)
		if err != nil {
			return err
		}
		if len(values) != 1 || math.Abs(values[0]-want) > 0.001+1e-9 {
			return fmt.Errorf("values %v", values)
		}
		seen = time.Now()
		return nil
	}, watch...)
	return seen
}

// hpaCondition returns the HPA's condition of a type.
func hpaCondition(hpa *autoscalingv2.HorizontalPodAutoscaler, typ autoscalingv2.HorizontalPodAutoscalerConditionType) *autoscalingv2.HorizontalPodAutoscalerCondition {
	for i := range hpa.Status.Conditions {
		if hpa.Status.Conditions[i].Type == typ {
			return &hpa.Status.Conditions[i]
		}
	}
	return nil
}

func getHPA(t testing.TB, c *cluster, namespace, name string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa, err := c.api.Client.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return hpa
}
