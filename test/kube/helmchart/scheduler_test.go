//go:build e2e

package helmchart

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/test/kube/helmtest"
	"github.com/ecotel/ecotel/test/kube/kubetest"
)

// TestE2EChartSchedulerSchedules runs the chart's ecotel scheduler as its
// Deployment defines it — bin/kube-scheduler with the rendered
// KubeSchedulerConfiguration and the container's arguments — with a token
// of the chart's ServiceAccount under the chart's RBAC: it must become
// leader, answer its readiness probe, and place a pod on the node whose
// annotations (as the gateway writes them) say it is greenest.
//
// What differs from a pod: the API server address and credentials come
// from a kubeconfig holding the ServiceAccount's token instead of the
// in-cluster mount, and the scheduler listens on a free loopback port.
func TestE2EChartSchedulerSchedules(t *testing.T) {
	bin := e2e.LookBinary(t, "ECOTEL_KUBE_SCHEDULER", "bin/kube-scheduler", "", "run `make kube-scheduler`")
	api := kubetest.Start(t, kubetest.Options{ExtraFlags: []string{"--authorization-mode=Node,RBAC"}})
	ctx := context.Background()
	// A 1 s cache refresh (default 15 s) keeps the test short.
	objs := helmtest.Template(t, helmtest.Release{Name: "ecotel", Namespace: namespace,
		Set: []string{"scheduler.enabled=true", `scheduler.sciScoreArgs.refreshInterval="1s"`, "scheduler.percentageOfNodesToScore=100"}})
	helmtest.EnsureNamespaces(t, api, namespace)
	applier := helmtest.NewApplier(api.Config)
	for _, o := range objs {
		if strings.HasPrefix(o.GetName(), "ecotel-scheduler") && slices.Contains([]string{"ServiceAccount", "ClusterRoleBinding", "Role", "RoleBinding"}, o.GetKind()) {
			if err := applier.Apply(ctx, o, false); err != nil {
				t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
			}
		}
	}
	kubeconfig := helmtest.ServiceAccountKubeconfig(t, api, namespace, "ecotel-scheduler")

	// The configuration as mounted, pointed at the kubeconfig.
	deploy := helmtest.Find(t, objs, "Deployment", "ecotel-scheduler")
	c := helmtest.Container(t, deploy, "kube-scheduler")
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(helmtest.Data(t, objs, "ecotel-scheduler", "config.yaml")), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["clientConnection"] = map[string]any{"kubeconfig": kubeconfig}
	raw, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	mounted := helmtest.Nested[[]any](c, "volumeMounts")[0].(map[string]any)["mountPath"].(string) + "/config.yaml"
	var args []string
	for _, a := range helmtest.Nested[[]any](c, "command")[1:] {
		args = append(args, strings.Replace(a.(string), "--config="+mounted, "--config="+cfgPath, 1))
	}
	if !slices.Contains(args, "--config="+cfgPath) {
		t.Fatalf("the container's command %v does not read the mounted configuration %s", helmtest.Nested[[]any](c, "command"), mounted)
	}
	port := e2e.FreePort(t)
	// In a pod, delegated authentication and authorization use the
	// in-cluster credentials; here the same ServiceAccount's kubeconfig.
	args = append(args, "--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--authentication-kubeconfig="+kubeconfig, "--authorization-kubeconfig="+kubeconfig)
	sched := e2e.StartProcess(t, "kube-scheduler", bin, args, nil)

	probe := helmtest.Nested[string](c, "readinessProbe", "httpGet", "path")
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the scheduler's self-signed serving certificate, as the kubelet's probe sees it
	}}
	e2e.WaitUntil(t, 60*time.Second, "the scheduler's readiness probe "+probe, func() error {
		return helmtest.HTTPReady(client, fmt.Sprintf("https://127.0.0.1:%d%s", port, probe))
	}, sched)

	// One green node among four dirtier ones; three pods must all land on
	// it (by chance: 1 in 125).
	now := time.Now().UTC().Format(time.RFC3339)
	for name, perVCPU := range map[string]string{"green": "0.4", "dirty-1": "3.1", "dirty-2": "6.5", "dirty-3": "9.2", "dirty-4": "14"} {
		createNode(t, api, name, map[string]string{"ecotel.io/carbon-per-vcpu": perVCPU, "ecotel.io/carbon-updated": now})
	}
	// Wait until the plugin's cache holds them. /metrics is not anonymous:
	// the scheduler checks the caller's token and rights with the API server
	// (TokenReview, SubjectAccessReview) under its own RBAC.
	e2e.WaitUntil(t, 30*time.Second, "the SCIScore cache to hold the 5 nodes", func() error {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d/metrics", port), nil)
		req.Header.Set("Authorization", "Bearer "+api.Config.BearerToken)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/metrics: %s", resp.Status)
		}
		want := `ecotel_scheduler_signal_nodes{source="annotation"} 5`
		if !strings.Contains(string(body), want+"\n") {
			return fmt.Errorf("no %q yet", want)
		}
		return nil
	}, sched)
	for i := range 3 {
		pod, err := api.Client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("report-%d", i)},
			Spec: corev1.PodSpec{SchedulerName: "ecotel-scheduler", Containers: []corev1.Container{{
				Name: "report", Image: "example.com/report:1", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
			}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e2e.WaitUntil(t, 60*time.Second, "pod "+pod.Name+" bound by ecotel-scheduler", func() error {
			got, err := api.Client.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if got.Spec.NodeName == "" {
				return fmt.Errorf("not bound yet")
			}
			if got.Spec.NodeName != "green" {
				t.Fatalf("pod %s bound to %s, want green (0.4 g/vCPU-h, the others 3.1 to 14)", pod.Name, got.Spec.NodeName)
			}
			return nil
		}, sched)
	}
	if _, err := api.Client.CoordinationV1().Leases(namespace).Get(ctx, "ecotel-scheduler", metav1.GetOptions{}); err != nil {
		t.Errorf("leader election lease %s/ecotel-scheduler: %v", namespace, err)
	}
	if log := sched.Log(); strings.Contains(log, "forbidden") {
		t.Errorf("the scheduler was refused an API call with the chart's RBAC:\n%s", sched.Tail(40))
	}
}

func createNode(t *testing.T, api *kubetest.APIServer, name string, annotations map[string]string) {
	t.Helper()
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("8"),
		corev1.ResourceMemory: resource.MustParse("32Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	ctx := context.Background()
	n, err := api.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}, Annotations: annotations},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Capacity and conditions live in the status subresource.
	n.Status = corev1.NodeStatus{Capacity: res, Allocatable: res, Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}
	if _, err := api.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
