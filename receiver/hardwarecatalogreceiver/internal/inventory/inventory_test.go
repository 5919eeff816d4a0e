package inventory

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func res(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem),
	}}
}

func TestPodFromAPIRequestsAndOwner(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	cases := []struct {
		name       string
		pod        corev1.Pod
		cpu, memGi float64
		deploy     string
	}{
		{
			name: "containers are summed; deployment from the ReplicaSet name",
			pod: corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{
					Name: "web-7d9f8c7b4-x2x7q", Labels: map[string]string{"pod-template-hash": "7d9f8c7b4"},
					OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-7d9f8c7b4", Controller: ptr.To(true)}},
				},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "app", Resources: res("500m", "1Gi")}, {Name: "proxy", Resources: res("250m", "1Gi")},
				}},
			},
			cpu: 0.75, memGi: 2, deploy: "web",
		},
		{
			name: "a larger init container sets the request",
			pod: corev1.Pod{Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "migrate", Resources: res("2", "512Mi")}},
				Containers:     []corev1.Container{{Name: "app", Resources: res("1", "1Gi")}},
			}},
			cpu: 2, memGi: 1,
		},
		{
			name: "sidecars (restartable init containers) add up, plus overhead",
			pod: corev1.Pod{Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "mesh", Resources: res("100m", "128Mi"), RestartPolicy: &always}},
				Containers:     []corev1.Container{{Name: "app", Resources: res("1", "1Gi")}},
				Overhead:       corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			}},
			cpu: 1.2, memGi: 1.25,
		},
		{
			name: "pod-level resources win",
			pod: corev1.Pod{Spec: corev1.PodSpec{
				Resources:  &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")}},
				Containers: []corev1.Container{{Name: "app"}},
			}},
			cpu: 4, memGi: 8,
		},
		{
			name: "a StatefulSet pod has no deployment",
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{
				OwnerReferences: []metav1.OwnerReference{{Kind: "StatefulSet", Name: "db", Controller: ptr.To(true)}},
			}},
		},
		{
			name: "a bare ReplicaSet (no pod-template-hash) has no deployment",
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{
				OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "standalone", Controller: ptr.To(true)}},
			}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, variant := range []string{"full", "slim"} {
				p := &tc.pod
				if variant == "slim" {
					obj, _ := slimPod(p)
					p = obj.(*corev1.Pod)
				}
				got := PodFromAPI(p)
				if diff(got.CPURequest, tc.cpu) || diff(got.MemoryRequestBytes, tc.memGi*(1<<30)) || got.Deployment != tc.deploy {
					t.Errorf("%s: got cpu %v mem %v deploy %q; want %v, %v GiB, %q", variant, got.CPURequest, got.MemoryRequestBytes, got.Deployment, tc.cpu, tc.memGi, tc.deploy)
				}
			}
		})
	}
}

func TestResizedPodCountsActuatedResources(t *testing.T) {
	p := &corev1.Pod{
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: res("2", "1Gi")}}},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Resources: &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}},
		}}},
	}
	slim, _ := slimPod(p)
	for _, pod := range []*corev1.Pod{p, slim.(*corev1.Pod)} {
		// The larger of desired and actuated during a resize, as the scheduler counts.
		if got := PodFromAPI(pod).CPURequest; got != 3 {
			t.Errorf("cpu request %v, want 3", got)
		}
	}
}

func TestNodeFromAPIAndSlimNode(t *testing.T) {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "paris-m5-1",
			Labels:      map[string]string{"node.kubernetes.io/instance-type": "m5.2xlarge"},
			Annotations: map[string]string{"ecotel.io/pue": "1.2", "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
		},
		Spec: corev1.NodeSpec{ProviderID: "aws:///eu-west-3a/i-0abc"},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("7910m"), corev1.ResourceMemory: resource.MustParse("30Gi")},
			Images:      []corev1.ContainerImage{{Names: []string{"big"}, SizeBytes: 1 << 30}},
		},
	}
	want := Node{
		Name: "paris-m5-1", Labels: n.Labels, Annotations: map[string]string{"ecotel.io/pue": "1.2"},
		ProviderID: "aws:///eu-west-3a/i-0abc", CapacityCPU: 8, CapacityMemoryBytes: 32 << 30,
		AllocatableCPU: 7.91, AllocatableMemoryBytes: 30 << 30,
	}
	slim, _ := slimNode(n)
	got := NodeFromAPI(slim.(*corev1.Node))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if len(slim.(*corev1.Node).Status.Images) != 0 {
		t.Error("slim node keeps images")
	}
}

func TestStaticSourceReloadsAndKeepsPreviousOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cluster.yaml")
	writeFile(t, path, `nodes:
  - {name: b, allocatable: {cpu: "2", memory: 4Gi}}
  - {name: a, allocatable: {cpu: "4", memory: 8Gi}, capacity: {cpu: "4", memory: 8Gi}}
pods:
  - {uid: u1, name: p1, namespace: ns, node: a, deployment: web, requests: {cpu: 500m, memory: 256Mi}}
`)
	var reloadErrors atomic.Int32
	s := NewStatic(path, 20*time.Millisecond, zap.NewNop(), func(error) { reloadErrors.Add(1) })
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	snap, ok := s.Snapshot()
	if !ok || len(snap.Nodes) != 2 || snap.Nodes[0].Name != "a" || snap.Nodes[0].CapacityCPU != 4 || snap.Pods[0].CPURequest != 0.5 {
		t.Fatalf("initial snapshot %+v", snap)
	}

	writeFile(t, path, "nodes: [{name: a, allocatable: {cpu: four}}]\n")
	waitFor(t, func() bool { return reloadErrors.Load() == 1 })
	if snap, _ := s.Snapshot(); len(snap.Nodes) != 2 {
		t.Fatalf("bad file replaced the inventory: %+v", snap)
	}

	writeFile(t, path, "nodes: [{name: c, allocatable: {cpu: \"1\"}}]\n")
	waitFor(t, func() bool { snap, _ := s.Snapshot(); return len(snap.Nodes) == 1 && snap.Nodes[0].Name == "c" })
}

func TestStaticSourceStartFailsOnBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	writeFile(t, path, "nodes: [{name: a, allocatable: {memory: -1Gi}}]\n")
	err := NewStatic(path, 0, zap.NewNop(), nil).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "allocatable.memory") {
		t.Errorf("got %v", err)
	}
	if err := NewStatic(filepath.Join(t.TempDir(), "missing.yaml"), 0, zap.NewNop(), nil).Start(context.Background()); err == nil {
		t.Error("missing file accepted")
	}
}

func diff(a, b float64) bool { return a-b > 1e-9 || b-a > 1e-9 }

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
