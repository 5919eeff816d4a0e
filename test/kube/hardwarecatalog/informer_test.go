// Package hardwarecatalog tests the hardwarecatalog receiver's Kubernetes
// inventory against a real kube-apiserver: Nodes and Pods are created,
// updated and deleted through the API, and the receiver's metrics must
// follow.
package hardwarecatalog

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver"
	"github.com/ecotel/ecotel/semconv"
	"github.com/ecotel/ecotel/semconv/semconvtest"
	"github.com/ecotel/ecotel/test/kube/kubetest"
)

const waitTimeout = 30 * time.Second

func TestInformerFollowsNodesAndPods(t *testing.T) {
	api := kubetest.Start(t, kubetest.Options{})
	ctx := context.Background()
	cs := api.Client

	mustCreateNamespace(t, cs, "shop")
	paris := mustCreateNode(t, cs, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "paris-m5-1", Labels: map[string]string{
			"node.kubernetes.io/instance-type": "m5.2xlarge",
			"topology.kubernetes.io/region":    "eu-west-3",
		}},
		Spec:   corev1.NodeSpec{ProviderID: "aws:///eu-west-3a/i-0123456789abcdef0"},
		Status: nodeStatus("8", "32Gi", "7910m", "30Gi"),
	})
	mustCreateNode(t, cs, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "malmo-rack-1",
			Labels:      map[string]string{"ecotel.io/grid-zone": "SE-4"},
			Annotations: map[string]string{"ecotel.io/pue": "1.2", "ecotel.io/commissioned": "2023-01-01"},
		},
		Status: nodeStatus("32", "128Gi", "31", "120Gi"),
	})

	sink := startReceiver(t, api.Kubeconfig)

	// Nodes: matched, zoned, with their figures.
	view := waitForView(t, sink, func(v clusterView) error {
		if len(v.nodes) != 2 {
			return fmt.Errorf("%d nodes", len(v.nodes))
		}
		return nil
	})
	m5 := view.nodes["paris-m5-1"]
	expectEqual(t, "paris profile", m5.res[semconv.AttrHardwareProfile], "aws-m5")
	expectEqual(t, "paris zone", m5.res[semconv.AttrGridZoneCode], "FR")
	expectEqual(t, "paris provider (from spec.providerID)", m5.res[semconv.AttrCloudProvider], "aws")
	expectNear(t, "paris vCPUs (capacity)", m5.values[semconv.MetricNodeVCPUs], 8)
	expectNear(t, "paris allocatable CPU", m5.values[semconv.MetricK8sNodeAllocatableCPU], 7.91)
	expectNear(t, "paris TE (8/96 of an m5 host)", m5.values[semconv.MetricNodeEmbodiedTotal], 1610.79*8/96*1000)
	rack := view.nodes["malmo-rack-1"]
	expectEqual(t, "malmo profile (fallback)", rack.res[semconv.AttrHardwareProfile], "generic-rack-server")
	expectEqual(t, "malmo match", rack.info[semconv.AttrHardwareMatch], semconv.AttrHardwareMatchFallback)
	expectEqual(t, "malmo zone", rack.res[semconv.AttrGridZoneCode], "SE-4")
	expectNear(t, "malmo PUE (annotation)", rack.values[semconv.MetricNodePUE], 1.2)
	if _, ok := rack.values[semconv.MetricNodeAge]; !ok {
		t.Error("malmo: no age despite the commissioned annotation")
	}

	// Pods: requests by the Kubernetes rule, owner Deployment from the ReplicaSet.
	always := corev1.ContainerRestartPolicyAlways
	web := mustCreatePod(t, cs, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-5d8f9c7b4-q7x2z", Namespace: "shop",
			Labels:          map[string]string{"app": "web", "pod-template-hash": "5d8f9c7b4"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d8f9c7b4", UID: types.UID("rs-uid"), Controller: ptr.To(true)}},
		},
		Spec: corev1.PodSpec{
			NodeName: "paris-m5-1",
			InitContainers: []corev1.Container{
				{Name: "mesh", Image: "mesh", Resources: requests("100m", "64Mi"), RestartPolicy: &always},
				{Name: "migrate", Image: "migrate", Resources: requests("1", "64Mi")},
			},
			Containers: []corev1.Container{
				{Name: "app", Image: "app", Resources: requests("500m", "256Mi")},
				{Name: "cache", Image: "cache", Resources: requests("250m", "256Mi")},
			},
		},
	})
	batch := mustCreatePod(t, cs, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "report-28573920-abcde", Namespace: "shop",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "report-28573920", UID: types.UID("job-uid"), Controller: ptr.To(true)}},
		},
		Spec: corev1.PodSpec{NodeName: "malmo-rack-1", Containers: []corev1.Container{{Name: "report", Image: "report", Resources: requests("2", "1Gi")}}},
	})
	mustCreatePod(t, cs, &corev1.Pod{ // not bound to a node: reserves nothing yet
		ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: "shop"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "x", Resources: requests("1", "1Gi")}}},
	})

	view = waitForView(t, sink, func(v clusterView) error {
		if len(v.pods) != 2 {
			return fmt.Errorf("%d pods", len(v.pods))
		}
		return nil
	})
	w := view.pods[string(web.UID)]
	// migrate runs beside the mesh sidecar (1 + 0.1 = 1.1 CPU), more than the
	// sidecar and app containers together (0.1 + 0.5 + 0.25); memory is the
	// other way round: 64+64 Mi vs 64+256+256 Mi.
	expectNear(t, "web CPU request", w.values[semconv.MetricPodCPURequest], 1.1)
	expectNear(t, "web memory request", w.values[semconv.MetricPodMemoryRequest], 576*(1<<20))
	expectEqual(t, "web deployment", w.res[semconv.AttrK8sDeploymentName], "web")
	expectEqual(t, "web node", w.res[semconv.AttrK8sNodeName], "paris-m5-1")
	b := view.pods[string(batch.UID)]
	expectNear(t, "batch CPU request", b.values[semconv.MetricPodCPURequest], 2)
	if _, ok := b.res[semconv.AttrK8sDeploymentName]; ok {
		t.Error("a Job's pod got a deployment name")
	}

	// Updates: a node relabelled into another zone and re-annotated with a
	// profile; a node whose instance type changes.
	malmo, err := cs.CoreV1().Nodes().Get(ctx, "malmo-rack-1", metav1.GetOptions{})
	mustNot(t, err)
	malmo.Labels["ecotel.io/grid-zone"] = "SE-3"
	malmo.Annotations["ecotel.io/hardware-profile"] = "aws-r5"
	malmo.Annotations["ecotel.io/pue"] = "1.3"
	_, err = cs.CoreV1().Nodes().Update(ctx, malmo, metav1.UpdateOptions{})
	mustNot(t, err)
	paris.Labels["node.kubernetes.io/instance-type"] = "c5.2xlarge"
	_, err = cs.CoreV1().Nodes().Update(ctx, paris, metav1.UpdateOptions{})
	mustNot(t, err)
	waitForView(t, sink, func(v clusterView) error {
		r, p := v.nodes["malmo-rack-1"], v.nodes["paris-m5-1"]
		switch {
		case r.res[semconv.AttrGridZoneCode] != "SE-3" || r.res[semconv.AttrHardwareProfile] != "aws-r5" || math.Abs(r.values[semconv.MetricNodePUE]-1.3) > 1e-9:
			return fmt.Errorf("malmo not updated: %v %v", r.res, r.values[semconv.MetricNodePUE])
		case r.info[semconv.AttrHardwareMatch] != semconv.AttrHardwareMatchAnnotation:
			return fmt.Errorf("malmo match %v", r.info)
		case p.res[semconv.AttrHardwareProfile] != "aws-c5":
			return fmt.Errorf("paris profile %v", p.res[semconv.AttrHardwareProfile])
		}
		return nil
	})

	// A finished pod no longer reserves resources; a deleted one is gone.
	batch.Status.Phase = corev1.PodSucceeded
	_, err = cs.CoreV1().Pods("shop").UpdateStatus(ctx, batch, metav1.UpdateOptions{})
	mustNot(t, err)
	waitForView(t, sink, func(v clusterView) error {
		if _, ok := v.pods[string(batch.UID)]; ok || len(v.pods) != 1 {
			return fmt.Errorf("pods %v", keys(v.pods))
		}
		return nil
	})
	mustNot(t, cs.CoreV1().Pods("shop").Delete(ctx, web.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}))
	mustNot(t, cs.CoreV1().Nodes().Delete(ctx, "paris-m5-1", metav1.DeleteOptions{}))
	final := waitForView(t, sink, func(v clusterView) error {
		if len(v.pods) != 0 || len(v.nodes) != 1 {
			return fmt.Errorf("nodes %v, pods %v", keys(v.nodes), keys(v.pods))
		}
		return nil
	})
	if _, ok := final.nodes["malmo-rack-1"]; !ok {
		t.Error("the remaining node is not malmo-rack-1")
	}
}

// startReceiver runs the receiver as a user would configure it, reading the
// cluster through a kubeconfig, scraping every 100 ms.
func startReceiver(t *testing.T, kubeconfig string) *consumertest.MetricsSink {
	t.Helper()
	factory := hardwarecatalogreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{
		"collection_interval": "100ms",
		"initial_delay":       "0s",
		"auth_type":           "kubeConfig",
		"kubeconfig_path":     kubeconfig,
		"inventory":           map[string]any{"source": "kubernetes"},
	})
	mustNot(t, conf.Unmarshal(cfg))
	mustNot(t, confmap.Validate(cfg))
	sink := new(consumertest.MetricsSink)
	rcv, err := factory.CreateMetrics(context.Background(), receivertest.NewNopSettings(factory.Type()), cfg, sink)
	mustNot(t, err)
	mustNot(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { mustNot(t, rcv.Shutdown(context.Background())) })
	return sink
}

type entity struct {
	res    map[string]string
	values map[string]float64
	info   map[string]string
}

type clusterView struct {
	nodes map[string]entity // by node name
	pods  map[string]entity // by pod UID
}

// waitForView waits until the latest scrape satisfies cond, and returns it.
// Every scrape seen on the way must conform to the data model.
func waitForView(t *testing.T, sink *consumertest.MetricsSink, cond func(clusterView) error) clusterView {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var last error
	for time.Now().Before(deadline) {
		all := sink.AllMetrics()
		if len(all) > 0 {
			md := all[len(all)-1]
			if err := semconvtest.CheckMetrics(md); err != nil {
				t.Fatalf("scrape does not conform to the registry: %v", err)
			}
			v := viewOf(md)
			if last = cond(v); last == nil {
				sink.Reset()
				return v
			}
			sink.Reset()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("metrics did not follow the cluster within %s: %v", waitTimeout, last)
	return clusterView{}
}

func viewOf(md pmetric.Metrics) clusterView {
	v := clusterView{nodes: map[string]entity{}, pods: map[string]entity{}}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		e := entity{res: map[string]string{}, values: map[string]float64{}, info: map[string]string{}}
		rm.Resource().Attributes().Range(func(k string, val pcommon.Value) bool { e.res[k] = val.AsString(); return true })
		ms := rm.ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			m := ms.At(j)
			dp := m.Gauge().DataPoints().At(0)
			if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
				e.values[m.Name()] = float64(dp.IntValue())
			} else {
				e.values[m.Name()] = dp.DoubleValue()
			}
			if m.Name() == semconv.MetricNodeInfo {
				dp.Attributes().Range(func(k string, val pcommon.Value) bool { e.info[k] = val.AsString(); return true })
			}
		}
		if uid, ok := e.res[semconv.AttrK8sPodUID]; ok {
			v.pods[uid] = e
		} else {
			v.nodes[e.res[semconv.AttrK8sNodeName]] = e
		}
	}
	return v
}

func nodeStatus(cpu, mem, allocCPU, allocMem string) corev1.NodeStatus {
	return corev1.NodeStatus{
		Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse("110")},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(allocCPU), corev1.ResourceMemory: resource.MustParse(allocMem), corev1.ResourcePods: resource.MustParse("110")},
	}
}

func requests(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}
}

func mustCreateNamespace(t *testing.T, cs kubernetes.Interface, name string) {
	t.Helper()
	_, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	mustNot(t, err)
}

func mustCreateNode(t *testing.T, cs kubernetes.Interface, n *corev1.Node) *corev1.Node {
	t.Helper()
	out, err := cs.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{})
	mustNot(t, err)
	// The API server drops status on create for some resources; make sure
	// capacity and allocatable are what the test set.
	out.Status = n.Status
	out, err = cs.CoreV1().Nodes().UpdateStatus(context.Background(), out, metav1.UpdateOptions{})
	mustNot(t, err)
	return out
}

func mustCreatePod(t *testing.T, cs kubernetes.Interface, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := cs.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{})
	mustNot(t, err)
	return out
}

func expectEqual(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func expectNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func mustNot(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
