//go:build integration

package integration

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/storage/etcd3/testserver"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubeapiservertesting "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"

	"github.com/ecotel/ecotel/internal/e2e"
)

// cluster is an in-process kube-apiserver on embedded etcd.
type cluster struct {
	client     kubernetes.Interface
	config     *rest.Config
	kubeconfig string
}

func startCluster(t testing.TB) *cluster {
	t.Helper()
	etcdCfg := testserver.NewTestConfig(t)
	testserver.RunEtcd(t, etcdCfg)
	storage := storagebackend.NewDefaultConfig("/"+strings.ReplaceAll(t.Name(), "/", "_")+"/registry", nil)
	storage.Transport.ServerList = []string{etcdCfg.ListenClientUrls[0].String()}
	srv := kubeapiservertesting.StartTestServerOrDie(t, nil, []string{
		"--endpoint-reconciler-type=none",
		// Without kubelets nothing would lift the not-ready taint that
		// TaintNodesByCondition puts on new nodes; upstream's integration
		// tests disable ServiceAccount admission too.
		"--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
	}, storage)
	t.Cleanup(srv.TearDownFn)

	cfg := rest.CopyConfig(srv.ClientConfig)
	cfg.QPS, cfg.Burst = 1000, 2000
	client := kubernetes.NewForConfigOrDie(cfg)

	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData, TLSServerName: cfg.ServerName}
	kc.AuthInfos["test"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "test"}
	kc.CurrentContext = "test"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return &cluster{client: client, config: cfg, kubeconfig: path}
}

// nodeSpec describes a test node.
type nodeSpec struct {
	name, zone  string
	cpu         string
	annotations map[string]string
}

func (c *cluster) createNode(t testing.TB, n nodeSpec) {
	t.Helper()
	if err := c.tryCreateNode(n); err != nil {
		t.Fatal(err)
	}
}

// tryCreateNode is createNode for other goroutines than the test's.
func (c *cluster) tryCreateNode(n nodeSpec) error {
	labels := map[string]string{"kubernetes.io/hostname": n.name}
	if n.zone != "" {
		labels["ecotel.io/grid-zone"] = n.zone
	}
	res := v1.ResourceList{
		v1.ResourceCPU:    resource.MustParse(n.cpu),
		v1.ResourceMemory: resource.MustParse("32Gi"),
		v1.ResourcePods:   resource.MustParse("110"),
	}
	node := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: labels, Annotations: n.annotations},
		Status: v1.NodeStatus{Capacity: res, Allocatable: res,
			Conditions: []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue}}},
	}
	created, err := c.client.CoreV1().Nodes().Create(context.Background(), node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create node %s: %w", n.name, err)
	}
	// Capacity and conditions live in the status subresource.
	created.Status = node.Status
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("node %s status: %w", n.name, err)
	}
	return nil
}

func (c *cluster) createNamespace(t testing.TB, name string) {
	t.Helper()
	if _, err := c.client.CoreV1().Namespaces().Create(context.Background(),
		&v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func testPod(namespace, name, schedulerName, cpu string, annotations, nodeSelector map[string]string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Annotations: annotations},
		Spec: v1.PodSpec{
			SchedulerName: schedulerName,
			NodeSelector:  nodeSelector,
			Containers: []v1.Container{{Name: "work", Image: "registry.k8s.io/pause:3.10",
				Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}},
		},
	}
}

func (c *cluster) createPod(t testing.TB, pod *v1.Pod) {
	t.Helper()
	if _, err := c.client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s: %v", pod.Name, err)
	}
}

// waitBound waits until the pod is bound and returns its node.
func (c *cluster) waitBound(t testing.TB, namespace, name string, timeout time.Duration, watch ...*e2e.Process) string {
	t.Helper()
	var node string
	e2e.WaitUntil(t, timeout, "pod "+namespace+"/"+name+" bound", func() error {
		p, err := c.client.CoreV1().Pods(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Spec.NodeName == "" {
			return fmt.Errorf("not bound yet")
		}
		node = p.Spec.NodeName
		return nil
	}, watch...)
	return node
}

func (c *cluster) nodeOf(t testing.TB, namespace, name string) string {
	t.Helper()
	p, err := c.client.CoreV1().Pods(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec.NodeName
}

// waitEvent waits for an event about the pod whose "reason: note" starts
// with prefix and contains substring.
func (c *cluster) waitEvent(t testing.TB, namespace, pod, prefix, substring string, watch ...*e2e.Process) {
	t.Helper()
	e2e.WaitUntil(t, 15*time.Second, "a "+strings.TrimSuffix(prefix, ": ")+" event", func() error {
		events := c.eventReasons(t, namespace, pod)
		for _, e := range events {
			if strings.HasPrefix(e, prefix) && strings.Contains(e, substring) {
				return nil
			}
		}
		return fmt.Errorf("events: %q", events)
	}, watch...)
}

// eventReasons returns "reason: note" of the events about a pod.
func (c *cluster) eventReasons(t testing.TB, namespace, pod string) []string {
	t.Helper()
	list, err := c.client.EventsV1().Events(namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == pod {
			out = append(out, e.Reason+": "+e.Note)
		}
	}
	return out
}

// scheduler is the ecotel kube-scheduler binary running against a cluster.
type scheduler struct {
	*e2e.Process
	endpoint string // https://127.0.0.1:<port>
}

// startScheduler runs bin/kube-scheduler (or $ECOTEL_KUBE_SCHEDULER) with
// the KubeSchedulerConfiguration configYAML (%KUBECONFIG% is replaced) and
// waits until it is ready.
func startScheduler(t testing.TB, c *cluster, configYAML string) *scheduler {
	t.Helper()
	bin := e2e.LookBinary(t, "ECOTEL_KUBE_SCHEDULER", "bin/kube-scheduler", "", "run `make kube-scheduler` first")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "scheduler.yaml")
	if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(configYAML, "%KUBECONFIG%", c.kubeconfig)), 0o600); err != nil {
		t.Fatal(err)
	}
	port := e2e.FreePort(t)
	p := e2e.StartProcess(t, "kube-scheduler", bin, []string{
		"--config=" + cfgPath,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + dir,
		"--authentication-kubeconfig=" + c.kubeconfig,
		"--authorization-kubeconfig=" + c.kubeconfig,
		// /debug/pprof: so that a benchmark run can be profiled
		// (BENCHMARKS.md, "Scheduler at 5,000 nodes").
		"--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics,/debug/pprof/*",
		"--v=2",
	}, nil)
	s := &scheduler{Process: p, endpoint: fmt.Sprintf("https://127.0.0.1:%d", port)}
	e2e.WaitUntil(t, 60*time.Second, "kube-scheduler readiness", func() error {
		_, err := s.get("/readyz")
		return err
	}, p)
	return s
}

var insecureClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the scheduler's self-signed test certificate
}}

func (s *scheduler) get(path string) (string, error) {
	resp, err := insecureClient.Get(s.endpoint + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s: %s", path, resp.Status, b)
	}
	return string(b), nil
}

// metric returns the value of the first /metrics line starting with
// series (name and labels as exposed), or an error.
func (s *scheduler) metric(series string) (float64, error) {
	text, err := s.get("/metrics")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, series+" ") {
			var v float64
			_, err := fmt.Sscanf(strings.TrimPrefix(line, series+" "), "%g", &v)
			return v, err
		}
	}
	return 0, fmt.Errorf("series %s not exposed", series)
}
