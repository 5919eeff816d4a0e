// Package helmtest renders ecotel's Helm chart (distribution/helm/ecotel)
// with the pinned helm v4 binary and applies the rendered objects to a real
// kube-apiserver (package kubetest): server-side dry runs, real creates, and
// ServiceAccount credentials for running chart components outside a pod.
package helmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/test/kube/kubetest"
)

// ChartDir is the chart's directory.
func ChartDir(t testing.TB) string {
	return filepath.Join(e2e.RepoRoot(t), "distribution", "helm", "ecotel")
}

// Helm runs the pinned helm binary ($ECOTEL_HELM, else bin/helm as built by
// `make helm`) with its cache, config and data directories in the test's
// temporary directory, and returns its standard output.
func Helm(t testing.TB, args ...string) (string, error) {
	t.Helper()
	bin := e2e.LookBinary(t, "ECOTEL_HELM", "bin/helm", "", "run `make helm`")
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// Release says how to render the chart.
type Release struct {
	Name      string
	Namespace string
	// ValuesFiles are passed with -f, in order (relative paths are taken
	// from the chart directory, like ci/all-features-values.yaml).
	ValuesFiles []string
	// Set are --set-json assignments (key=JSON value).
	Set []string
}

// Template renders the chart with `helm template` and decodes every object.
func Template(t testing.TB, r Release) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", r.Name, ChartDir(t), "--namespace", r.Namespace}
	for _, f := range r.ValuesFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(ChartDir(t), f)
		}
		args = append(args, "--values", f)
	}
	for _, s := range r.Set {
		args = append(args, "--set-json", s)
	}
	out, err := Helm(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode([]byte(out))
	if err != nil {
		t.Fatalf("decode rendered chart: %v", err)
	}
	return objs
}

// Decode reads a stream of YAML documents into objects, skipping empty ones.
func Decode(stream []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, err
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
}

// Find returns the object of that kind and name, failing the test when the
// rendering has none.
func Find(t testing.TB, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("rendered chart has no %s %q", kind, name)
	return nil
}

// Data returns a ConfigMap's data entry.
func Data(t testing.TB, objs []*unstructured.Unstructured, configMap, key string) string {
	t.Helper()
	v, ok, err := unstructured.NestedString(Find(t, objs, "ConfigMap", configMap).Object, "data", key)
	if err != nil || !ok {
		t.Fatalf("ConfigMap %s has no data %q (%v)", configMap, key, err)
	}
	return v
}

// Applier applies objects to an API server with server-side apply.
type Applier struct {
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// NewApplier returns an Applier for cfg.
func NewApplier(cfg *rest.Config) *Applier {
	dc := discovery.NewDiscoveryClientForConfigOrDie(cfg)
	return &Applier{
		dyn:    dynamic.NewForConfigOrDie(cfg),
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
	}
}

// Apply server-side applies obj, as a dry run (everything up to storage:
// decoding, defaulting, schema and strict field validation, admission) or
// for real. Unknown and duplicate fields are errors, not warnings.
func (a *Applier) Apply(ctx context.Context, obj *unstructured.Unstructured, dryRun bool) error {
	gvk := obj.GroupVersionKind()
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		a.mapper.Reset() // a CRD may have been installed since discovery was cached
		m, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", gvk, err)
	}
	body, err := obj.MarshalJSON()
	if err != nil {
		return err
	}
	var res dynamic.ResourceInterface = a.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		res = a.dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	}
	opts := metav1.PatchOptions{FieldManager: "ecotel-chart-test", Force: ptr.To(true), FieldValidation: "Strict"}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err = res.Patch(ctx, obj.GetName(), types.ApplyPatchType, body, opts)
	return err
}

// InstallCRDs creates the CustomResourceDefinitions in files and waits until
// the API server serves them.
func InstallCRDs(t testing.TB, cfg *rest.Config, files ...string) {
	t.Helper()
	a := NewApplier(cfg)
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := Decode(raw)
		if err != nil || len(objs) == 0 {
			t.Fatalf("%s: no CRD (%v)", f, err)
		}
		for _, crd := range objs {
			if err := a.Apply(context.Background(), crd, false); err != nil {
				t.Fatalf("install CRD from %s: %v", filepath.Base(f), err)
			}
			name := crd.GetName()
			e2e.WaitUntil(t, 30*time.Second, "CRD "+name+" established", func() error {
				got, err := a.dyn.Resource(crdGVR).Get(context.Background(), name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
				for _, c := range conds {
					if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
						return nil
					}
				}
				return fmt.Errorf("not established yet")
			})
		}
	}
	a.mapper.Reset()
}

// ModuleDir returns the directory of a Go module version in the module
// cache, downloading it through the module proxy if needed.
func ModuleDir(t testing.TB, modVersion string) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", modVersion).Output()
	var info struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &info)
	}
	if err != nil || info.Error != "" || info.Dir == "" {
		t.Fatalf("go mod download %s: %v %s", modVersion, err, info.Error)
	}
	return info.Dir
}

// EnsureNamespaces creates the namespaces that exist neither yet nor in
// objs, and waits for kube-system, which the API server creates shortly
// after it is ready.
func EnsureNamespaces(t testing.TB, api *kubetest.APIServer, names ...string) {
	t.Helper()
	ctx := context.Background()
	for _, ns := range names {
		_, err := api.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create namespace %s: %v", ns, err)
		}
	}
	e2e.WaitUntil(t, 30*time.Second, "namespace kube-system", func() error {
		_, err := api.Client.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
		return err
	})
}

// Namespaces lists the namespaces objs live in.
func Namespaces(objs []*unstructured.Unstructured) []string {
	seen := map[string]bool{}
	var out []string
	for _, o := range objs {
		if ns := o.GetNamespace(); ns != "" && !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

// ServiceAccountKubeconfig issues a token for the ServiceAccount through the
// TokenRequest API (as the kubelet does for a pod) and writes a kubeconfig
// with it: a process using it authenticates exactly as that ServiceAccount
// does in a pod, and gets only what RBAC grants it.
func ServiceAccountKubeconfig(t testing.TB, api *kubetest.APIServer, namespace, name string) string {
	t.Helper()
	tr, err := api.Client.CoreV1().ServiceAccounts(namespace).CreateToken(context.Background(), name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for ServiceAccount %s/%s: %v", namespace, name, err)
	}
	cfg := rest.AnonymousClientConfig(api.Config)
	cfg.BearerToken = tr.Status.Token
	return kubetest.WriteKubeconfig(t, cfg)
}

// Workloads returns the Deployments and DaemonSets among objs.
func Workloads(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Deployment" || o.GetKind() == "DaemonSet" {
			out = append(out, o)
		}
	}
	return out
}

// PodTemplate returns a workload's pod template.
func PodTemplate(t testing.TB, w *unstructured.Unstructured) map[string]any {
	t.Helper()
	tpl := Nested[map[string]any](w.Object, "spec", "template")
	if tpl == nil {
		t.Fatalf("%s %s has no pod template", w.GetKind(), w.GetName())
	}
	return tpl
}

// PodSpec returns a workload's pod spec.
func PodSpec(t testing.TB, w *unstructured.Unstructured) map[string]any {
	return Nested[map[string]any](PodTemplate(t, w), "spec")
}

// Container returns the named container of a workload, or nil.
func Container(t testing.TB, w *unstructured.Unstructured, name string) map[string]any {
	for _, c := range Nested[[]any](PodSpec(t, w), "containers") {
		if cm, ok := c.(map[string]any); ok && cm["name"] == name {
			return cm
		}
	}
	return nil
}

// ConfigMapData returns the data of a rendered ConfigMap, or nil.
func ConfigMapData(objs []*unstructured.Unstructured, name string) map[string]string {
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == name {
			data, _, _ := unstructured.NestedStringMap(o.Object, "data")
			return data
		}
	}
	return nil
}

// Nested returns the value at path in m, or T's zero value.
func Nested[T any](m map[string]any, path ...string) T {
	var zero T
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return zero
		}
		v = mm[p]
	}
	out, _ := v.(T)
	return out
}

// CollectorConfigDir is where an otelcol-eco pod of the chart mounts its
// configuration.
const CollectorConfigDir = "/etc/otelcol-eco"

// MountCollectorFiles lays out, below root, the files of the ConfigMap
// volumes that the workload's otelcol-eco container mounts (each at
// root+mountPath), points the collector configuration's paths at them, and
// returns the configuration file's path. external supplies the data of
// ConfigMaps the chart refers to but does not render (existingConfigMap
// values), by name.
func MountCollectorFiles(t testing.TB, objs []*unstructured.Unstructured, w *unstructured.Unstructured, root string, external map[string]map[string]string) string {
	t.Helper()
	configMapOf := map[string]string{}
	for _, vol := range Nested[[]any](PodSpec(t, w), "volumes") {
		vm, _ := vol.(map[string]any)
		if cm, ok := vm["configMap"].(map[string]any); ok {
			configMapOf[vm["name"].(string)] = cm["name"].(string)
		}
	}
	c := Container(t, w, "otelcol-eco")
	if c == nil {
		t.Fatalf("%s has no otelcol-eco container", w.GetName())
	}
	var config, configPath string
	rewrites := map[string]string{}
	for _, m := range Nested[[]any](c, "volumeMounts") {
		mm, _ := m.(map[string]any)
		cmName, ok := configMapOf[mm["name"].(string)]
		if !ok {
			continue
		}
		mountPath := mm["mountPath"].(string)
		dir := filepath.Join(root, mountPath)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		data := ConfigMapData(objs, cmName)
		if data == nil {
			data = external[cmName]
		}
		if data == nil {
			t.Fatalf("%s mounts ConfigMap %s, which the chart does not render", w.GetName(), cmName)
		}
		for k, v := range data {
			if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
			if k == "config.yaml" && mountPath == CollectorConfigDir {
				config, configPath = v, filepath.Join(dir, k)
			}
		}
		rewrites[mountPath+"/"] = dir + "/"
	}
	if configPath == "" {
		t.Fatalf("%s mounts no collector configuration at %s", w.GetName(), CollectorConfigDir)
	}
	for from, to := range rewrites {
		config = strings.ReplaceAll(config, from, to)
	}
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return configPath
}

// VisitServerEndpoints calls visit for every listen address of a collector
// configuration — each "endpoint" under extensions and receivers, and the
// prometheus exporter's — with the map holding it, so that visit may read
// or rewrite it. (Other exporters' endpoints are remote addresses.)
func VisitServerEndpoints(cfg map[string]any, visit func(holder map[string]any, endpoint string)) {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "endpoint" {
					visit(x, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(cfg["extensions"])
	walk(cfg["receivers"])
	if prom, ok := Nested[map[string]any](cfg, "exporters")["prometheus"]; ok {
		walk(prom)
	}
}

// TelemetryExporters returns the prometheus pull exporters of the
// collector's own metrics (service.telemetry.metrics.readers), whose "host"
// and "port" say where they listen.
func TelemetryExporters(cfg map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range Nested[[]any](cfg, "service", "telemetry", "metrics", "readers") {
		if m, ok := r.(map[string]any); ok {
			if p := Nested[map[string]any](m, "pull", "exporter", "prometheus"); p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// HTTPReady returns nil when GET url answers 200 OK.
func HTTPReady(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
