//go:build e2e

package helmchart

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/test/kube/helmtest"
	"github.com/ecotel/ecotel/test/kube/kubetest"
)

const namespace = "ecotel"

// Upstream CRDs of the CRD-backed kinds the chart renders, read from the Go
// module cache (the modules are fetched through the module proxy like any
// other dependency; nothing of theirs is compiled). Real CRDs, not minimal
// stand-ins: their OpenAPI schemas make the dry run check every field of
// the ServiceMonitor, PodMonitor, PrometheusRule and ScaledObject.
var crds = []struct{ module, file string }{
	{"github.com/prometheus-operator/prometheus-operator@v0.85.0", "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"},
	{"github.com/prometheus-operator/prometheus-operator@v0.85.0", "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml"},
	{"github.com/prometheus-operator/prometheus-operator@v0.85.0", "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"},
	{"github.com/kedacore/keda/v2@v2.21.0", "config/crd/bases/keda.sh_scaledobjects.yaml"},
}

type variant struct {
	name   string
	values []string
}

// variants are the default values and every ci/*-values.yaml of the chart.
func variants(t *testing.T) []variant {
	files, err := filepath.Glob(filepath.Join(helmtest.ChartDir(t), "ci", "*-values.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ci/*-values.yaml in the chart: %v", err)
	}
	vs := []variant{{name: "defaults"}}
	for _, f := range files {
		vs = append(vs, variant{name: strings.TrimSuffix(filepath.Base(f), "-values.yaml"), values: []string{f}})
	}
	return vs
}

func render(t *testing.T, v variant) []*unstructured.Unstructured {
	return helmtest.Template(t, helmtest.Release{Name: "ecotel", Namespace: namespace, ValuesFiles: v.values})
}

func TestE2EChartLint(t *testing.T) {
	for _, v := range variants(t) {
		args := []string{"lint", "--strict", "--namespace", namespace, helmtest.ChartDir(t)}
		for _, f := range v.values {
			args = append(args, "--values", f)
		}
		if out, err := helmtest.Helm(t, args...); err != nil {
			t.Errorf("%s: %v", v.name, err)
		} else {
			t.Logf("%s: %s", v.name, strings.TrimSpace(out))
		}
	}
}

// TestE2EChartRendersValidCollectorConfigs runs `otelcol-eco validate` on
// every rendered agent and gateway configuration, and checks that validate
// does catch a bad value passed through the chart.
func TestE2EChartRendersValidCollectorConfigs(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v)
			validated, failures := validateCollectorConfigs(t, objs)
			for _, f := range failures {
				t.Error(f)
			}
			want := 0
			for _, w := range helmtest.Workloads(objs) {
				if c := w.GetLabels()["app.kubernetes.io/component"]; c == "agent" || c == "gateway" {
					want++
				}
			}
			if validated != want || want == 0 {
				t.Errorf("validated %d collector configs, want one per agent/gateway workload (%d)", validated, want)
			}
		})
	}
	t.Run("bad value is caught", func(t *testing.T) {
		objs := helmtest.Template(t, helmtest.Release{Name: "ecotel", Namespace: namespace, Set: []string{`gateway.entsoe.zones=["FR","DE"]`}})
		_, failures := validateCollectorConfigs(t, objs)
		if len(failures) != 1 || !strings.Contains(failures[0], `"DE"`) {
			t.Errorf("gateway.entsoe.zones [FR, DE]: want one validate failure naming the zone \"DE\", got %q", failures)
		}
	})
}

// validateCollectorConfigs runs `otelcol-eco validate` on the configuration
// of every workload running otelcol-eco, with the files its pod mounts in
// place, and returns how many it ran and the failures.
func validateCollectorConfigs(t *testing.T, objs []*unstructured.Unstructured) (validated int, failures []string) {
	t.Helper()
	otelcol := e2e.CollectorBinary(t)
	for _, w := range helmtest.Workloads(objs) {
		if helmtest.Container(t, w, "otelcol-eco") == nil {
			continue
		}
		configPath := helmtest.MountCollectorFiles(t, objs, w, t.TempDir(), map[string]map[string]string{"site-hardware-catalog": {"catalog.yaml": siteCatalog}})
		validated++
		if out, err := exec.Command(otelcol, "validate", "--config", configPath).CombinedOutput(); err != nil {
			cfg, _ := os.ReadFile(configPath)
			failures = append(failures, fmt.Sprintf("%s %s: otelcol-eco validate: %v\n%s\nconfig:\n%s", w.GetKind(), w.GetName(), err, out, cfg))
		}
	}
	return validated, failures
}

// siteCatalog stands in for the ConfigMap ci/gateway-only-values.yaml tells
// the chart exists (gateway.hardwareCatalog.existingConfigMap).
const siteCatalog = `profiles:
  - name: site-rack
    extends: generic-rack-server
    lifetime_years: 6
    lifetime_source: site refresh policy (test)
rules:
  - {profile: site-rack, node_name: "rack-*"}
`

// TestE2EChartPodsHardenedAndConsistent checks every pod template for the
// chart's promises — non-root, read-only root filesystem, no capabilities,
// requests and a memory limit, probes — and that the collectors' declared
// ports and probes match what their configuration listens on.
func TestE2EChartPodsHardenedAndConsistent(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v)
			for _, w := range helmtest.Workloads(objs) {
				where := w.GetKind() + " " + w.GetName()
				spec := helmtest.PodSpec(t, w)
				if helmtest.Nested[bool](spec, "securityContext", "runAsNonRoot") != true {
					t.Errorf("%s: securityContext.runAsNonRoot is not true", where)
				}
				if helmtest.Nested[string](spec, "securityContext", "seccompProfile", "type") != "RuntimeDefault" {
					t.Errorf("%s: no RuntimeDefault seccomp profile", where)
				}
				for _, c := range helmtest.Nested[[]any](spec, "containers") {
					cm := c.(map[string]any)
					cwhere := where + " container " + cm["name"].(string)
					if helmtest.Nested[bool](cm, "securityContext", "readOnlyRootFilesystem") != true ||
						helmtest.Nested[any](cm, "securityContext", "allowPrivilegeEscalation") != false ||
						!slices.Contains(helmtest.Nested[[]any](cm, "securityContext", "capabilities", "drop"), any("ALL")) {
						t.Errorf("%s: securityContext %v: want readOnlyRootFilesystem, no privilege escalation, drop ALL", cwhere, cm["securityContext"])
					}
					for _, r := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
						if helmtest.Nested[string](cm, append([]string{"resources"}, strings.Split(r, ".")...)...) == "" {
							t.Errorf("%s: no resources.%s", cwhere, r)
						}
					}
					for _, p := range []string{"livenessProbe", "readinessProbe"} {
						if cm[p] == nil {
							t.Errorf("%s: no %s", cwhere, p)
						}
					}
				}
				if c := helmtest.Container(t, w, "otelcol-eco"); c != nil {
					checkCollectorPorts(t, objs, w, c)
				}
			}
			checkServiceTargets(t, objs)
		})
	}
}

var endpointPort = regexp.MustCompile(`:(\d+)$`)

// checkCollectorPorts compares the container's ports and probes with the
// servers its configuration starts.
func checkCollectorPorts(t *testing.T, objs []*unstructured.Unstructured, w *unstructured.Unstructured, c map[string]any) {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(helmtest.Data(t, objs, w.GetName(), "config.yaml")), &cfg); err != nil {
		t.Fatal(err)
	}
	// Servers: every listen endpoint, and the telemetry reader.
	listening := map[int64]bool{}
	helmtest.VisitServerEndpoints(cfg, func(_ map[string]any, endpoint string) {
		if m := endpointPort.FindStringSubmatch(endpoint); m != nil {
			p, _ := strconv.ParseInt(m[1], 10, 64)
			listening[p] = true
		}
	})
	for _, prom := range helmtest.TelemetryExporters(cfg) {
		listening[toInt(prom["port"])] = true
	}
	ports := map[string]int64{}
	for _, p := range helmtest.Nested[[]any](c, "ports") {
		pm := p.(map[string]any)
		port := toInt(pm["containerPort"])
		ports[pm["name"].(string)] = port
		if !listening[port] {
			t.Errorf("%s: port %s (%d) is declared but the configuration listens on %v", w.GetName(), pm["name"], port, keys(listening))
		}
	}
	healthEndpoint := helmtest.Nested[string](cfg, "extensions", "health_check", "endpoint")
	for _, probe := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
		port, _ := helmtest.Nested[any](c, probe, "httpGet", "port").(string)
		if port != "health" || !strings.HasSuffix(healthEndpoint, fmt.Sprintf(":%d", ports["health"])) {
			t.Errorf("%s: %s probes port %q; want the health port of health_check (%s)", w.GetName(), probe, port, healthEndpoint)
		}
	}
}

// checkServiceTargets checks that every Service selects pods of the release
// and targets a named port those pods declare.
func checkServiceTargets(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, svc := range objs {
		if svc.GetKind() != "Service" {
			continue
		}
		selector := helmtest.Nested[map[string]any](svc.Object, "spec", "selector")
		var target *unstructured.Unstructured
		for _, w := range helmtest.Workloads(objs) {
			labels := helmtest.Nested[map[string]any](helmtest.PodTemplate(t, w), "metadata", "labels")
			match := len(selector) > 0
			for k, v := range selector {
				if labels[k] != v {
					match = false
				}
			}
			if match {
				target = w
			}
		}
		if target == nil {
			t.Errorf("Service %s selects no rendered workload", svc.GetName())
			continue
		}
		declared := map[string]bool{}
		for _, c := range helmtest.Nested[[]any](helmtest.PodSpec(t, target), "containers") {
			for _, p := range helmtest.Nested[[]any](c.(map[string]any), "ports") {
				declared[p.(map[string]any)["name"].(string)] = true
			}
		}
		for _, p := range helmtest.Nested[[]any](svc.Object, "spec", "ports") {
			if tp, _ := p.(map[string]any)["targetPort"].(string); !declared[tp] {
				t.Errorf("Service %s targets port %q, which %s does not declare", svc.GetName(), tp, target.GetName())
			}
		}
	}
}

// TestE2EChartServerSideDryRun applies every rendered object of every
// variant with a server-side dry run against a real kube-apiserver.
func TestE2EChartServerSideDryRun(t *testing.T) {
	api := kubetest.Start(t, kubetest.Options{ExtraFlags: []string{"--authorization-mode=Node,RBAC"}})
	var files []string
	for _, c := range crds {
		files = append(files, filepath.Join(helmtest.ModuleDir(t, c.module), c.file))
	}
	helmtest.InstallCRDs(t, api.Config, files...)
	applier := helmtest.NewApplier(api.Config)
	// Pods of every workload must pass the restricted Pod Security Standard,
	// which PodSecurity admission enforces on Pods (not on their controllers).
	ctx := context.Background()
	if _, err := api.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "pss-restricted", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, v := range variants(t) {
		objs := render(t, v)
		helmtest.EnsureNamespaces(t, api, helmtest.Namespaces(objs)...)
		kinds := map[string]int{}
		for _, o := range objs {
			if err := applier.Apply(ctx, o, true); err != nil {
				t.Errorf("%s: %s %s/%s: server-side dry-run apply: %v", v.name, o.GetKind(), o.GetNamespace(), o.GetName(), err)
				continue
			}
			kinds[o.GetKind()]++
		}
		t.Logf("%s: %d objects applied (dry run): %v", v.name, len(objs), kinds)
		for _, w := range helmtest.Workloads(objs) {
			pod := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "Pod",
				"metadata": map[string]any{"name": w.GetName(), "namespace": "pss-restricted"},
				"spec":     helmtest.PodSpec(t, w),
			}}
			if err := applier.Apply(ctx, pod, true); err != nil {
				t.Errorf("%s: a pod of %s %s in a namespace enforcing the restricted Pod Security Standard: %v", v.name, w.GetKind(), w.GetName(), err)
			}
		}
	}
	// Every kind the chart can render was exercised by some variant.
	all := render(t, variant{name: "all-features", values: []string{filepath.Join(helmtest.ChartDir(t), "ci", "all-features-values.yaml")}})
	for _, kind := range []string{"DaemonSet", "Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
		"Role", "RoleBinding", "ServiceMonitor", "PodMonitor", "PrometheusRule", "ScaledObject"} {
		if !slices.ContainsFunc(all, func(o *unstructured.Unstructured) bool { return o.GetKind() == kind }) {
			t.Errorf("ci/all-features-values.yaml renders no %s", kind)
		}
	}
}

// access is one question to the authorizer: may this ServiceAccount do it?
type access struct {
	verb, group, resource, subresource, namespace, name string
	allowed                                             bool
}

func (a access) String() string {
	r := a.resource
	if a.group != "" {
		r += "." + a.group
	}
	if a.subresource != "" {
		r += "/" + a.subresource
	}
	if a.name != "" {
		r += " " + a.name
	}
	if a.namespace != "" {
		r += " in " + a.namespace
	}
	return a.verb + " " + r
}

// TestE2EChartRBACLeastPrivilege creates the chart's ServiceAccounts and
// RBAC objects for real and asks the API server's RBAC authorizer what each
// ServiceAccount may do: what its component needs, and not more.
func TestE2EChartRBACLeastPrivilege(t *testing.T) {
	api := kubetest.Start(t, kubetest.Options{ExtraFlags: []string{"--authorization-mode=Node,RBAC"}})
	applier := helmtest.NewApplier(api.Config)
	create := func(r helmtest.Release) {
		objs := helmtest.Template(t, r)
		helmtest.EnsureNamespaces(t, api, append(helmtest.Namespaces(objs), r.Namespace)...)
		for _, o := range objs {
			switch o.GetKind() {
			case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
				if err := applier.Apply(context.Background(), o, false); err != nil {
					t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
				}
			}
		}
	}
	// Defaults (agent, gateway with node annotations), everything on, and a
	// namespaced capper with the gateway's Kubernetes parts off.
	create(helmtest.Release{Name: "ecotel", Namespace: namespace, ValuesFiles: []string{"ci/all-features-values.yaml"}})
	create(helmtest.Release{Name: "lean", Namespace: "lean", ValuesFiles: []string{"ci/gateway-only-values.yaml"},
		Set: []string{`gateway.hardwareCatalog.enabled=false`}})

	sa := func(ns, name string) string { return "system:serviceaccount:" + ns + ":" + name }
	checks := map[string][]access{
		sa(namespace, "ecotel-agent"): {
			{verb: "list", resource: "pods", allowed: true},
			{verb: "watch", resource: "pods", allowed: true},
			{verb: "list", resource: "namespaces", allowed: true}, // agent.rbac.extraRules in all-features
			{verb: "get", resource: "pods", namespace: "default"},
			{verb: "list", resource: "nodes"},
			{verb: "list", group: "apps", resource: "replicasets"},
			{verb: "get", resource: "secrets", namespace: namespace},
			{verb: "create", resource: "pods", namespace: namespace},
			{verb: "patch", resource: "nodes"},
		},
		sa(namespace, "ecotel-gateway"): {
			{verb: "list", resource: "nodes", allowed: true},
			{verb: "watch", resource: "nodes", allowed: true},
			{verb: "patch", resource: "nodes", name: "any-node", allowed: true},
			{verb: "list", resource: "pods", allowed: true},
			{verb: "watch", resource: "pods", allowed: true},
			{verb: "get", resource: "nodes", name: "any-node"},
			{verb: "update", resource: "nodes", name: "any-node"},
			{verb: "delete", resource: "nodes", name: "any-node"},
			{verb: "create", resource: "nodes"},
			{verb: "patch", resource: "nodes", subresource: "status", name: "any-node"},
			{verb: "patch", resource: "pods", namespace: "default", name: "p"},
			{verb: "delete", resource: "pods", namespace: "default", name: "p"},
			{verb: "get", resource: "secrets", namespace: namespace, name: "ecotel-entsoe"},
			{verb: "list", resource: "configmaps", namespace: namespace},
		},
		sa(namespace, "ecotel-scheduler"): {
			{verb: "create", resource: "pods", subresource: "binding", namespace: "default", allowed: true},
			{verb: "list", resource: "nodes", allowed: true},
			{verb: "watch", resource: "pods", allowed: true},
			{verb: "create", group: "events.k8s.io", resource: "events", namespace: "default", allowed: true},
			{verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: namespace, name: "ecotel-scheduler", allowed: true},
			{verb: "get", resource: "configmaps", namespace: "kube-system", name: "extension-apiserver-authentication", allowed: true},
			{verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: namespace, name: "some-other-lease"},
			{verb: "patch", resource: "nodes", name: "any-node"},
			{verb: "get", resource: "secrets", namespace: namespace},
		},
		sa(namespace, "ecotel-hpa-capper"): {
			{verb: "list", group: "autoscaling", resource: "horizontalpodautoscalers", allowed: true},
			{verb: "patch", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "shop", name: "web", allowed: true},
			{verb: "update", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "shop", name: "web"},
			{verb: "patch", group: "apps", resource: "deployments", namespace: "shop", name: "web"},
			{verb: "get", resource: "secrets", namespace: "shop"},
		},
		// The lean release: no node annotations, no hardware catalog, so
		// the gateway has no RBAC; the capper is confined to "jobs".
		sa("lean", "lean-ecotel-gateway"): {
			{verb: "list", resource: "nodes"},
			{verb: "patch", resource: "nodes", name: "any-node"},
			{verb: "list", resource: "pods"},
		},
		sa("lean", "lean-ecotel-hpa-capper"): {
			{verb: "patch", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "jobs", name: "w", allowed: true},
			{verb: "list", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "jobs", allowed: true},
			{verb: "patch", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "shop", name: "web"},
			{verb: "list", group: "autoscaling", resource: "horizontalpodautoscalers"},
		},
	}
	users := make([]string, 0, len(checks))
	for u := range checks {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, user := range users {
		for _, a := range checks[user] {
			sar, err := api.Client.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), &authorizationv1.SubjectAccessReview{
				Spec: authorizationv1.SubjectAccessReviewSpec{
					User:   user,
					Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + strings.Split(user, ":")[2], "system:authenticated"},
					ResourceAttributes: &authorizationv1.ResourceAttributes{
						Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.subresource, Namespace: a.namespace, Name: a.name,
					},
				},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sar.Status.Allowed != a.allowed {
				t.Errorf("%s: %s: allowed=%v, want %v (%s)", user, a, sar.Status.Allowed, a.allowed, sar.Status.Reason)
			}
		}
	}
}

// toInt reads a number decoded from YAML or JSON.
func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return -1
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestE2EChartAdapterSnippetMatchesRecipe keeps the prometheus-adapter values
// shown in the chart's README equal to the recipe in
// distribution/autoscaling/prometheus-adapter/values.yaml.
func TestE2EChartAdapterSnippetMatchesRecipe(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(helmtest.ChartDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- prometheus-adapter values:"
	_, after, ok := strings.Cut(string(readme), marker)
	if !ok {
		t.Fatalf("README.md has no %q marker before the prometheus-adapter snippet", marker)
	}
	_, block, ok := strings.Cut(after, "```yaml\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("no ```yaml block after the prometheus-adapter marker")
	}
	var snippet, recipe struct {
		Rules map[string]any `json:"rules"`
	}
	if err := yaml.Unmarshal([]byte(block), &snippet); err != nil {
		t.Fatalf("README snippet: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(e2e.RepoRoot(t), "distribution/autoscaling/prometheus-adapter/values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &recipe); err != nil {
		t.Fatal(err)
	}
	if len(recipe.Rules) == 0 || !reflect.DeepEqual(snippet.Rules, recipe.Rules) {
		a, _ := yaml.Marshal(snippet.Rules)
		b, _ := yaml.Marshal(recipe.Rules)
		t.Errorf("README's prometheus-adapter rules differ from distribution/autoscaling/prometheus-adapter/values.yaml:\nREADME:\n%s\nrecipe:\n%s", a, b)
	}
}

// TestE2EChartShardsGateways checks the wiring of gateway.shards > 1: N
// gateway pods, a headless Service selecting them, every agent routing by
// node name to that Service's name with node_shard, and the gateways
// reporting only the nodes whose energy they receive. (That two gateways
// behind node_shard report each node's SCI exactly once is shown by the
// loopback e2e test in test/e2e.)
func TestE2EChartShardsGateways(t *testing.T) {
	const shards = 3
	objs := helmtest.Template(t, helmtest.Release{Name: "ecotel", Namespace: namespace,
		Set: []string{"gateway.shards=" + strconv.Itoa(shards)}})

	gw := helmtest.Find(t, objs, "Deployment", "ecotel-gateway")
	if n := toInt(helmtest.Nested[any](gw.Object, "spec", "replicas")); n != shards {
		t.Errorf("gateway replicas = %d, want %d", n, shards)
	}
	if s := helmtest.Nested[string](gw.Object, "spec", "strategy", "type"); s != "RollingUpdate" {
		t.Errorf("gateway strategy = %q, want RollingUpdate (one shard at a time)", s)
	}

	headless := helmtest.Find(t, objs, "Service", "ecotel-gateway-headless")
	if ip := helmtest.Nested[string](headless.Object, "spec", "clusterIP"); ip != "None" {
		t.Errorf("headless Service clusterIP = %q, want None", ip)
	}
	if !reflect.DeepEqual(helmtest.Nested[map[string]any](headless.Object, "spec", "selector"),
		helmtest.Nested[map[string]any](gw.Object, "spec", "selector", "matchLabels")) {
		t.Errorf("headless Service selector %v does not select the gateway pods %v",
			headless.Object["spec"], helmtest.Nested[map[string]any](gw.Object, "spec", "selector", "matchLabels"))
	}

	var agentCfg, gatewayCfg map[string]any
	if err := yaml.Unmarshal([]byte(helmtest.Data(t, objs, "ecotel-agent", "config.yaml")), &agentCfg); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(helmtest.Data(t, objs, "ecotel-gateway", "config.yaml")), &gatewayCfg); err != nil {
		t.Fatal(err)
	}
	dns := helmtest.Nested[map[string]any](agentCfg, "exporters", "node_shard", "resolver", "dns")
	if want := "ecotel-gateway-headless." + namespace + ".svc"; dns["hostname"] != want {
		t.Errorf("agent node_shard resolves %v, want %q", dns["hostname"], want)
	}
	grpcPort := helmtest.Nested[[]any](headless.Object, "spec", "ports")[0].(map[string]any)["port"]
	if toInt(dns["port"]) != toInt(grpcPort) {
		t.Errorf("agent node_shard port %v, headless Service port %v", dns["port"], grpcPort)
	}
	if got := helmtest.Nested[[]any](agentCfg, "service", "pipelines", "metrics", "exporters"); !reflect.DeepEqual(got, []any{"node_shard"}) {
		t.Errorf("agent pipeline exporters = %v, want [node_shard]", got)
	}
	if got := helmtest.Nested[string](gatewayCfg, "processors", "sci", "nodes_without_energy"); got != "skip" {
		t.Errorf("gateway sci nodes_without_energy = %q, want skip (each shard reports its own nodes only)", got)
	}

	// One gateway (the default) keeps the plain OTLP exporter and no headless Service.
	one := render(t, variant{name: "defaults"})
	for _, o := range one {
		if o.GetKind() == "Service" && o.GetName() == "ecotel-gateway-headless" {
			t.Error("gateway.shards=1 renders a headless Service")
		}
	}
	if _, err := helmtest.Helm(t, "template", "ecotel", helmtest.ChartDir(t), "--namespace", namespace,
		"--set", "gateway.shards=2", "--set", "agent.gatewayEndpoint=gw.example:4317"); err == nil ||
		!strings.Contains(err.Error(), "gateway.shards") {
		t.Errorf("agent.gatewayEndpoint with gateway.shards=2: want a template error naming gateway.shards, got %v", err)
	}
}

// TestE2EChartGoMemLimit checks that each collector's GOMEMLIMIT is
// goMemLimitPercentage of its container memory limit, as Kubernetes parses
// that limit.
func TestE2EChartGoMemLimit(t *testing.T) {
	objs := helmtest.Template(t, helmtest.Release{Name: "ecotel", Namespace: namespace,
		Set: []string{`gateway.resources.limits.memory="1.5Gi"`, `agent.goMemLimitPercentage=50`}})
	want := map[string]float64{"ecotel-gateway": 0.8, "ecotel-agent": 0.5}
	for _, w := range helmtest.Workloads(objs) {
		share, ok := want[w.GetName()]
		if !ok {
			continue
		}
		delete(want, w.GetName())
		c := helmtest.Container(t, w, "otelcol-eco")
		limit := resource.MustParse(helmtest.Nested[string](c, "resources", "limits", "memory"))
		var got string
		for _, e := range helmtest.Nested[[]any](c, "env") {
			if em := e.(map[string]any); em["name"] == "GOMEMLIMIT" {
				got, _ = em["value"].(string)
			}
		}
		if exp := strconv.FormatFloat(math.Round(float64(limit.Value())*share), 'f', 0, 64); got != exp {
			t.Errorf("%s: GOMEMLIMIT %q, want %s (%.0f %% of %s)", w.GetName(), got, exp, share*100, limit.String())
		}
	}
	if len(want) > 0 {
		t.Errorf("no collector workloads %v rendered", want)
	}
}
