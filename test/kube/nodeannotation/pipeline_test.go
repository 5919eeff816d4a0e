//go:build e2e

package nodeannotation

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/internal/clusterinventory"
	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/test/kube/helmtest"
	"github.com/ecotel/ecotel/test/kube/kubetest"
)

const (
	release   = "ecotel"
	namespace = "ecotel"
	prefix    = "ecotel.io/"
	// Carbon class thresholds set through the chart (g per vCPU-hour).
	lowBelow, highFrom = 1.0, 1.5
)

// The demo cluster's nodes used here: one per hardware kind, three zones.
var testNodes = []string{"paris-m5-1", "frankfurt-n2-1", "malmo-rack-1"}

var wantZone = map[string]string{"paris-m5-1": "FR", "frankfurt-n2-1": "DE-LU", "malmo-rack-1": "SE-4"}

func TestE2ENodeAnnotationsFromChartPipeline(t *testing.T) {
	root := e2e.RepoRoot(t)
	started := time.Now()
	inv := demoCluster(t, root)
	api := kubetest.Start(t, kubetest.Options{ExtraFlags: []string{"--authorization-mode=Node,RBAC"}})
	ctx := context.Background()

	var namespaces []string
	for _, p := range inv.Pods {
		namespaces = append(namespaces, p.Namespace)
	}
	helmtest.EnsureNamespaces(t, api, append(namespaces, namespace)...)
	createCluster(t, api.Client, inv) // pods get the API's UIDs

	sink := startSink(t)
	gw := gatewayPorts{otlpGRPC: e2e.FreePort(t), otlpHTTP: e2e.FreePort(t), prometheus: e2e.FreePort(t),
		health: e2e.FreePort(t), telemetry: e2e.FreePort(t), status: e2e.FreePort(t)}
	objs := helmtest.Template(t, helmtest.Release{Name: release, Namespace: namespace,
		ValuesFiles: []string{writeValues(t, root, gw)}})

	// The chart's ServiceAccounts and RBAC, for real.
	applier := helmtest.NewApplier(api.Config)
	for _, o := range objs {
		switch o.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding":
			if err := applier.Apply(ctx, o, false); err != nil {
				t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
			}
		}
	}
	gatewayKubeconfig := helmtest.ServiceAccountKubeconfig(t, api, namespace, release+"-gateway")
	agentKubeconfig := helmtest.ServiceAccountKubeconfig(t, api, namespace, release+"-agent")

	// The gateway, on the chart's configuration.
	gateway := helmtest.Find(t, objs, "Deployment", release+"-gateway")
	gwConfig := helmtest.MountCollectorFiles(t, objs, gateway, t.TempDir(), nil)
	editConfig(t, gwConfig, func(cfg map[string]any) {
		useKubeconfig(t, cfg, gatewayKubeconfig, "receivers", "hardwarecatalog")
		useKubeconfig(t, cfg, gatewayKubeconfig, "exporters", "k8s_node_annotation")
		exporters := helmtest.Nested[map[string]any](cfg, "exporters")
		exporters["otlp_http/test"] = map[string]any{"endpoint": sink.URL, "compression": "none"}
		pipeline := helmtest.Nested[map[string]any](cfg, "service", "pipelines", "metrics")
		pipeline["exporters"] = append(pipeline["exporters"].([]any), "otlp_http/test")
	})
	gwProc := startCollector(t, "gateway", gwConfig, fmt.Sprintf("127.0.0.1:%d", gw.health), "KUBECONFIG="+gatewayKubeconfig)
	t.Cleanup(func() {
		if t.Failed() {
			sink.mu.Lock()
			t.Logf("windows without node SCI, by node and reason: %v", sink.unavailable)
			sink.mu.Unlock()
			t.Logf("gateway telemetry:\n%s", telemetryLines(gw.telemetry, "otelcol_processor_sci", "otelcol_exporter_k8s_node_annotation", "otelcol_receiver_"))
		}
	})

	// One agent per node, as the DaemonSet runs them, each fed by that
	// node's Alumet agent.
	daemonSet := helmtest.Find(t, objs, "DaemonSet", release+"-agent")
	sim := e2e.LookBinary(t, "ALUMET_SIM", "bin/alumet-sim", "", "run `make alumet-sim`")
	procs := []*e2e.Process{gwProc}
	for _, node := range testNodes {
		cfgPath := helmtest.MountCollectorFiles(t, objs, daemonSet, t.TempDir(), nil)
		var relay, health string
		editConfig(t, cfgPath, func(cfg map[string]any) {
			reassignListenPorts(t, cfg)
			relay = helmtest.Nested[string](cfg, "receivers", "alumetbridge", "relay", "endpoint")
			health = helmtest.Nested[string](cfg, "extensions", "health_check", "endpoint")
			if helmtest.Nested[string](cfg, "processors", "k8s_attributes", "auth_type") != "serviceAccount" {
				t.Fatal("the chart's agent no longer runs k8s_attributes with its ServiceAccount")
			}
			helmtest.Nested[map[string]any](cfg, "processors", "k8s_attributes")["auth_type"] = "kubeConfig" // from $KUBECONFIG
		})
		procs = append(procs, startCollector(t, "agent-"+node, cfgPath, health,
			"K8S_NODE_NAME="+node, "KUBECONFIG="+agentKubeconfig))
		procs = append(procs, e2e.StartProcess(t, "alumet-sim-"+node, sim,
			[]string{"-inventory", writeNodeInventory(t, inv, node), "-relay", relay, "-interval", "500ms"}, nil))
	}

	// Every node gets its annotations and carbon class label.
	nodes := waitForNodes(t, api.Client, testNodes, 2*time.Minute, procs, func(n *corev1.Node) error {
		for _, k := range []string{"carbon-per-vcpu", "carbon-updated", "grid-zone", "carbon-intensity", "sci", "sci-functional-unit"} {
			if n.Annotations[prefix+k] == "" {
				return fmt.Errorf("no annotation %s%s", prefix, k)
			}
		}
		if n.Labels[prefix+"carbon-class"] == "" {
			return fmt.Errorf("no label %scarbon-class", prefix)
		}
		return nil
	})
	t.Logf("all %d nodes annotated %s after the start", len(nodes), time.Since(started).Round(time.Second))
	for _, n := range nodes {
		checkNode(t, n, sink)
	}
	// The pod energy the agents forwarded carries the Deployment that
	// k8s_attributes found with the agent's ServiceAccount (list/watch pods only).
	if got := sink.podsWithDeployment(); len(got) == 0 {
		t.Error("no pod energy reached the gateway with k8s.deployment.name: the agents' k8s_attributes did not resolve pods")
	} else {
		t.Logf("pods with k8s.deployment.name from the agents: %v", got)
	}
	if strings.Contains(gwProc.Log(), "forbidden") {
		t.Errorf("the gateway was refused an API call:\n%s", gwProc.Tail(30))
	}
	patches := telemetry(t, gw.telemetry, "otelcol_exporter_k8s_node_annotation_patches")
	if patches[`outcome="ok"`] < float64(len(testNodes)) {
		t.Errorf("patches by outcome %v: want at least one ok per node", patches)
	}

	// A node deleted in the API: the exporter's patch finds it gone and
	// forgets it; once the gateway no longer reports it (its hardware data
	// ages out of the sci processor), nothing is written for it any more, and
	// the patches never recreate it. The other nodes stay current.
	gone := "frankfurt-n2-1"
	if err := api.Client.CoreV1().Nodes().Delete(ctx, gone, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deletedAt := time.Now()
	e2e.WaitUntil(t, 60*time.Second, "a patch of the deleted node answered 404", func() error {
		if n := telemetry(t, gw.telemetry, "otelcol_exporter_k8s_node_annotation_patches")[`outcome="not_found"`]; n < 1 {
			return fmt.Errorf("no not_found patch yet")
		}
		return nil
	}, procs...)
	e2e.WaitUntil(t, 60*time.Second, "the gateway to stop reporting the deleted node", func() error {
		// More than three sci intervals (3 s) without one.
		if last := sink.lastRanking(gone); time.Since(last) < 10*time.Second {
			return fmt.Errorf("ranking signal of %s still arriving (last received %s ago)", gone, time.Since(last).Round(time.Second))
		}
		return nil
	}, procs...)
	settled := telemetry(t, gw.telemetry, "otelcol_exporter_k8s_node_annotation_patches")
	time.Sleep(5 * time.Second)
	after := telemetry(t, gw.telemetry, "otelcol_exporter_k8s_node_annotation_patches")
	if after[`outcome="not_found"`] != settled[`outcome="not_found"`] || after[`outcome="error"`] > 0 {
		t.Errorf("patches after the deleted node stopped reporting: %v, 5 s later %v: want no more not_found and no errors", settled, after)
	}
	if _, err := api.Client.CoreV1().Nodes().Get(ctx, gone, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deleted node %s: get: %v, want NotFound (a patch must never recreate it)", gone, err)
	}
	t.Logf("deleted %s: %v patches 404 before its data stopped (%s after deletion)", gone, after[`outcome="not_found"`], time.Since(deletedAt).Round(time.Second))
	remaining := []string{"paris-m5-1", "malmo-rack-1"}
	before := map[string]string{}
	for _, n := range nodes {
		before[n.Name] = n.Annotations[prefix+"carbon-updated"]
	}
	waitForNodes(t, api.Client, remaining, 30*time.Second, procs, func(n *corev1.Node) error {
		if n.Annotations[prefix+"carbon-updated"] == before[n.Name] {
			return fmt.Errorf("carbon-updated still %s", before[n.Name])
		}
		return nil
	})
}

// checkNode compares a node's annotations and label with what the gateway's
// sci processor emitted for it.
func checkNode(t *testing.T, n *corev1.Node, sink *sink) {
	t.Helper()
	ann := n.Annotations
	updated, err := time.Parse(time.RFC3339, ann[prefix+"carbon-updated"])
	if err != nil {
		t.Errorf("%s: carbon-updated %q: %v", n.Name, ann[prefix+"carbon-updated"], err)
		return
	}
	// The annotation is the signal's value at the signal's own timestamp
	// (the annotation keeps whole seconds), formatted with 6 significant digits.
	emitted := sink.rankingAt(n.Name, updated)
	if !slices.Contains(emitted, ann[prefix+"carbon-per-vcpu"]) {
		t.Errorf("%s: carbon-per-vcpu %s at %s; the sci processor emitted %v then", n.Name, ann[prefix+"carbon-per-vcpu"], updated.Format(time.RFC3339), emitted)
	}
	if ann[prefix+"grid-zone"] != wantZone[n.Name] {
		t.Errorf("%s: grid-zone %q, want %q", n.Name, ann[prefix+"grid-zone"], wantZone[n.Name])
	}
	for _, k := range []string{"carbon-intensity", "sci"} {
		if v, err := strconv.ParseFloat(ann[prefix+k], 64); err != nil || !(v > 0) {
			t.Errorf("%s: %s %q: want a positive number", n.Name, k, ann[prefix+k])
		}
	}
	if u := ann[prefix+"sci-functional-unit"]; u != "hour" {
		t.Errorf("%s: sci-functional-unit %q, want hour (the chart's default R)", n.Name, u)
	}
	signal, _ := strconv.ParseFloat(ann[prefix+"carbon-per-vcpu"], 64)
	want := "medium"
	switch {
	case signal < lowBelow:
		want = "low"
	case signal >= highFrom:
		want = "high"
	}
	// The label is computed from the same value, in the same patch.
	if got := n.Labels[prefix+"carbon-class"]; got != want {
		t.Errorf("%s: carbon-class %q for %g g/vCPU-h, want %q (low below %g, high from %g)", n.Name, got, signal, want, lowBelow, highFrom)
	}
	t.Logf("%s: %s g CO2e per vCPU-hour (%s), zone %s at %s g/kWh, SCI %s g per %s", n.Name, ann[prefix+"carbon-per-vcpu"],
		n.Labels[prefix+"carbon-class"], ann[prefix+"grid-zone"], ann[prefix+"carbon-intensity"], ann[prefix+"sci"], ann[prefix+"sci-functional-unit"])
}

type gatewayPorts struct{ otlpGRPC, otlpHTTP, prometheus, health, telemetry, status int }

// writeValues writes the chart values of the test: free loopback ports,
// ENTSO-E replay, the demo's site catalog, short windows and intervals.
func writeValues(t *testing.T, root string, gw gatewayPorts) string {
	t.Helper()
	var catalog map[string]any
	raw, err := os.ReadFile(filepath.Join(root, "distribution/demo/catalog.yaml"))
	if err == nil {
		err = yaml.Unmarshal(raw, &catalog)
	}
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"listenHost": "127.0.0.1",
		"agent": map[string]any{
			"flushInterval":   "1s",
			"gatewayEndpoint": fmt.Sprintf("127.0.0.1:%d", gw.otlpGRPC),
		},
		"gateway": map[string]any{
			"otlp":          map[string]any{"grpcPort": gw.otlpGRPC, "httpPort": gw.otlpHTTP},
			"prometheus":    map[string]any{"port": gw.prometheus},
			"healthPort":    gw.health,
			"telemetryPort": gw.telemetry,
			"statusPage":    map[string]any{"port": gw.status},
			"entsoe": map[string]any{
				"zones":           []string{"FR", "DE-LU", "SE-4"},
				"replayDirectory": filepath.Join(root, "distribution/demo/entsoe"),
				"config":          map[string]any{"collection_interval": "5s"},
			},
			"hardwareCatalog": map[string]any{
				"catalog": catalog,
				"config":  map[string]any{"collection_interval": "2s"},
			},
			"sci": map[string]any{"config": map[string]any{
				// delay covers alumet-sim (0.5 s), the agent's flush (1 s)
				// and the two 1 s batches; shorter gives late_data.
				"window": "6s", "interval": "3s", "delay": "6s",
				// Replayed grid intervals are old; hardware data of a
				// deleted node ages out in seconds.
				"grid_max_age": "24h", "hardware_max_age": "8s",
			}},
			"nodeAnnotations": map[string]any{"config": map[string]any{
				"min_interval": "1s", "refresh_interval": "2s",
				"carbon_class": map[string]any{"low_below": lowBelow, "high_from": highFrom},
			}},
		},
	}
	b, err := yaml.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// editConfig rewrites a collector configuration file through edit.
func editConfig(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	if raw, err = yaml.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// useKubeconfig switches a component from the pod's ServiceAccount mount to
// a kubeconfig holding the same ServiceAccount's token.
func useKubeconfig(t *testing.T, cfg map[string]any, kubeconfig string, kind, id string) {
	t.Helper()
	c := helmtest.Nested[map[string]any](cfg, kind, id)
	if c == nil || c["auth_type"] != "serviceAccount" {
		t.Fatalf("the chart's %s %s does not use its ServiceAccount (auth_type %v)", kind, id, c["auth_type"])
	}
	c["auth_type"] = "kubeConfig"
	c["kubeconfig_path"] = kubeconfig
}

var loopbackEndpoint = regexp.MustCompile(`^127\.0\.0\.1:\d+$`)

// reassignListenPorts moves every server of an agent configuration to a
// free port, so several agents run side by side on one host as they would
// on separate nodes.
func reassignListenPorts(t *testing.T, cfg map[string]any) {
	t.Helper()
	helmtest.VisitServerEndpoints(cfg, func(holder map[string]any, endpoint string) {
		if loopbackEndpoint.MatchString(endpoint) {
			holder["endpoint"] = e2e.FreeEndpoint(t)
		}
	})
	for _, prom := range helmtest.TelemetryExporters(cfg) {
		prom["port"] = e2e.FreePort(t)
	}
}

func startCollector(t *testing.T, name, configPath, health string, env ...string) *e2e.Process {
	t.Helper()
	p := e2e.StartProcess(t, name, e2e.CollectorBinary(t), []string{"--config", configPath}, env)
	e2e.WaitUntil(t, 30*time.Second, name+" health check", func() error {
		return helmtest.HTTPReady(http.DefaultClient, "http://"+health+"/")
	}, p)
	return p
}

// ---- the demo cluster in the API server ----

func demoCluster(t *testing.T, root string) *clusterinventory.Inventory {
	t.Helper()
	all, err := clusterinventory.Load(filepath.Join(root, "distribution/demo/cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	inv := &clusterinventory.Inventory{}
	for _, n := range all.Nodes {
		if slices.Contains(testNodes, n.Name) {
			inv.Nodes = append(inv.Nodes, n)
		}
	}
	for _, p := range all.Pods {
		if slices.Contains(testNodes, p.Node) {
			inv.Pods = append(inv.Pods, p)
		}
	}
	if len(inv.Nodes) != len(testNodes) || len(inv.Pods) == 0 {
		t.Fatalf("demo cluster: %d of the nodes %v and %d pods", len(inv.Nodes), testNodes, len(inv.Pods))
	}
	return inv
}

// createCluster creates the inventory's Nodes and its Pods (bound to their
// nodes, owned by their Deployment's ReplicaSet), and replaces each pod's UID
// in inv by the one the API server gave it.
func createCluster(t *testing.T, cs kubernetes.Interface, inv *clusterinventory.Inventory) {
	t.Helper()
	ctx := context.Background()
	for _, n := range inv.Nodes {
		rl := resources(t, n.Allocatable)
		_, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: n.Labels, Annotations: n.Annotations},
			Status:     corev1.NodeStatus{Capacity: rl, Allocatable: rl},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create node %s: %v", n.Name, err)
		}
	}
	for i, p := range inv.Pods {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
			Spec: corev1.PodSpec{NodeName: p.Node, Containers: []corev1.Container{{
				Name: "app", Image: "example.com/app:1", Resources: corev1.ResourceRequirements{Requests: resources(t, p.Requests)},
			}}},
		}
		if p.Deployment != "" {
			hash := "5d8f9c7b4"
			pod.Labels = map[string]string{"app": p.Deployment, "pod-template-hash": hash}
			pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet",
				Name: p.Deployment + "-" + hash, UID: types.UID("rs-" + p.Deployment), Controller: ptr.To(true)}}
		}
		created, err := cs.CoreV1().Pods(p.Namespace).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create pod %s/%s: %v", p.Namespace, p.Name, err)
		}
		inv.Pods[i].UID = string(created.UID)
	}
}

func resources(t *testing.T, r clusterinventory.Resources) corev1.ResourceList {
	t.Helper()
	rl := corev1.ResourceList{}
	for name, q := range map[corev1.ResourceName]string{corev1.ResourceCPU: r.CPU, corev1.ResourceMemory: r.Memory} {
		if q != "" {
			rl[name] = resource.MustParse(q)
		}
	}
	return rl
}

// writeNodeInventory writes the inventory of one node (with its pods) for
// that node's alumet-sim.
func writeNodeInventory(t *testing.T, inv *clusterinventory.Inventory, node string) string {
	t.Helper()
	one := &clusterinventory.Inventory{}
	for _, n := range inv.Nodes {
		if n.Name == node {
			one.Nodes = append(one.Nodes, n)
		}
	}
	for _, p := range inv.Pods {
		if p.Node == node {
			one.Pods = append(one.Pods, p)
		}
	}
	path := filepath.Join(t.TempDir(), node+".yaml")
	if err := one.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitForNodes polls the Nodes until cond holds for each, and returns them.
func waitForNodes(t *testing.T, cs kubernetes.Interface, names []string, timeout time.Duration, procs []*e2e.Process, cond func(*corev1.Node) error) []*corev1.Node {
	t.Helper()
	var nodes []*corev1.Node
	e2e.WaitUntil(t, timeout, fmt.Sprintf("nodes %v", names), func() error {
		nodes = nodes[:0]
		for _, name := range names {
			n, err := cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if err := cond(n); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			nodes = append(nodes, n)
		}
		return nil
	}, procs...)
	return nodes
}

// telemetry sums the samples of one metric family on a collector's own
// metrics endpoint, by the given label (e.g. outcome="ok").
func telemetry(t *testing.T, port int, family string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	label := regexp.MustCompile(`outcome="[a-z_]+"`)
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, family) {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			continue
		}
		out[label.FindString(line)] += v
	}
	return out
}

// telemetryLines returns the lines of a collector's own metrics that start
// with one of the prefixes (diagnostics for a failed test).
func telemetryLines(port int, prefixes ...string) string {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// ---- what the gateway emitted (its extra otlp_http exporter) ----

type rankingPoint struct {
	at       time.Time // the datapoint's timestamp
	value    float64
	received time.Time
}

type sink struct {
	URL string

	mu      sync.Mutex
	ranking map[string][]rankingPoint // by node
	pods    map[string]string         // pod name → k8s.deployment.name
	// unavailable is the latest eco.sci.unavailable count of each node and
	// reason: why a node has no SCI (reported when the test fails).
	unavailable map[string]map[string]float64
}

func startSink(t *testing.T) *sink {
	s := &sink{ranking: map[string][]rankingPoint{}, pods: map[string]string{}, unavailable: map[string]map[string]float64{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		req := pmetricotlp.NewExportRequest()
		if err == nil {
			err = req.UnmarshalProto(body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.record(req.Metrics())
		out, _ := pmetricotlp.NewExportResponse().MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *sink) record(md pmetric.Metrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		res := rms.At(i).Resource().Attributes()
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				switch m.Name() {
				case semconv.MetricNodeCarbonPerVCPU:
					dps := m.Gauge().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						dp := dps.At(d)
						node := attr(dp.Attributes(), res, semconv.AttrK8sNodeName)
						if dp.Flags().NoRecordedValue() || node == "" {
							continue
						}
						s.ranking[node] = append(s.ranking[node], rankingPoint{at: dp.Timestamp().AsTime(), value: dp.DoubleValue(), received: time.Now()})
					}
				case semconv.MetricSCIUnavailable:
					dps := m.Sum().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						dp := dps.At(d)
						if attr(dp.Attributes(), res, semconv.AttrSCIScope) != semconv.AttrSCIScopeNode {
							continue
						}
						node := attr(dp.Attributes(), res, semconv.AttrK8sNodeName)
						if s.unavailable[node] == nil {
							s.unavailable[node] = map[string]float64{}
						}
						s.unavailable[node][attr(dp.Attributes(), res, semconv.AttrSCIReason)] = value(dp)
					}
				case semconv.MetricPodEnergy:
					if dep := attr(pcommon.NewMap(), res, semconv.AttrK8sDeploymentName); dep != "" {
						s.pods[attr(pcommon.NewMap(), res, "k8s.pod.name")] = dep
					}
				}
			}
		}
	}
}

func value(dp pmetric.NumberDataPoint) float64 {
	if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
		return float64(dp.IntValue())
	}
	return dp.DoubleValue()
}

func attr(dp, res pcommon.Map, key string) string {
	if v, ok := dp.Get(key); ok {
		return v.AsString()
	}
	if v, ok := res.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// rankingAt returns the node's ranking values emitted within the second
// at, formatted as the exporter writes them.
func (s *sink) rankingAt(node string, at time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, p := range s.ranking[node] {
		if p.at.UTC().Truncate(time.Second).Equal(at.UTC()) {
			out = append(out, strconv.FormatFloat(p.value, 'g', 6, 64))
		}
	}
	return out
}

// lastRanking returns when the node's ranking signal last reached the
// test, or the zero time.
func (s *sink) lastRanking(node string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last time.Time
	for _, p := range s.ranking[node] {
		if p.received.After(last) {
			last = p.received
		}
	}
	return last
}

func (s *sink) podsWithDeployment() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.pods {
		out[k] = v
	}
	return out
}
