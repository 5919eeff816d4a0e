package inventory

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	resourcehelper "k8s.io/component-helpers/resource"
)

// podFieldSelector limits the pod watch to pods that reserve node resources:
// bound to a node and not finished. A pod that finishes leaves the watch as a
// deletion, so its requests stop counting.
const podFieldSelector = "spec.nodeName!=,status.phase!=" + string(corev1.PodSucceeded) + ",status.phase!=" + string(corev1.PodFailed)

// Kubernetes watches Nodes and Pods through client-go shared informers. The
// informers' caches hold slimmed objects (see slimNode, slimPod): a pod's
// env, volumes and status conditions are never kept, which matters in
// clusters with 100k pods. Event handlers convert each object once per
// change, so a collection only copies the converted values.
type Kubernetes struct {
	client kubernetes.Interface
	logger *zap.Logger

	factories []informers.SharedInformerFactory
	synced    []cache.InformerSynced
	stop      chan struct{}

	nodes *converted[*corev1.Node, string, Node]
	pods  *converted[*corev1.Pod, types.UID, Pod]
}

// NewKubernetes returns a source that watches the cluster through client.
func NewKubernetes(client kubernetes.Interface, logger *zap.Logger) *Kubernetes {
	return &Kubernetes{
		client: client, logger: logger,
		nodes: newConverted(func(n *corev1.Node) string { return n.Name }, NodeFromAPI),
		pods:  newConverted(func(p *corev1.Pod) types.UID { return p.UID }, PodFromAPI),
	}
}

// Start registers the informers and starts them. It does not wait for the
// first listing: Snapshot reports false until both have been processed.
func (k *Kubernetes) Start(context.Context) error {
	nodeFactory := informers.NewSharedInformerFactory(k.client, 0)
	podFactory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = podFieldSelector }))

	// Watch failures repeat on every retry; log each kind once a minute.
	sampled := k.logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(c, time.Minute, 1, 0)
	}))
	for _, w := range []struct {
		resource  string
		informer  cache.SharedIndexInformer
		transform cache.TransformFunc
		handler   cache.ResourceEventHandlerFuncs
	}{
		{"nodes", nodeFactory.Core().V1().Nodes().Informer(), slimNode, k.nodes.handler()},
		{"pods", podFactory.Core().V1().Pods().Informer(), slimPod, k.pods.handler()},
	} {
		if err := w.informer.SetTransform(w.transform); err != nil {
			return fmt.Errorf("set %s informer transform: %w", w.resource, err)
		}
		resource := w.resource
		if err := w.informer.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
			sampled.Warn("Watching "+resource+" failed; retrying (check the API server address and that the service account may list and watch nodes and pods)", zap.Error(err))
		}); err != nil {
			return fmt.Errorf("set %s watch error handler: %w", w.resource, err)
		}
		reg, err := w.informer.AddEventHandler(w.handler)
		if err != nil {
			return fmt.Errorf("add %s event handler: %w", w.resource, err)
		}
		k.synced = append(k.synced, reg.HasSynced)
	}
	k.stop = make(chan struct{})
	k.factories = []informers.SharedInformerFactory{nodeFactory, podFactory}
	for _, f := range k.factories {
		f.Start(k.stop)
	}
	return nil
}

// Snapshot copies the converted nodes and pods.
func (k *Kubernetes) Snapshot() (Snapshot, bool) {
	if len(k.synced) == 0 {
		return Snapshot{}, false
	}
	for _, synced := range k.synced {
		if !synced() {
			return Snapshot{}, false
		}
	}
	snap := Snapshot{Nodes: k.nodes.values(), Pods: k.pods.values()}
	sortSnapshot(&snap)
	return snap, true
}

// converted keeps the converted form of an informer's objects, updated by
// the informer's event handler.
type converted[O any, K comparable, V any] struct {
	key     func(O) K
	convert func(O) V
	mu      sync.RWMutex
	items   map[K]V
}

func newConverted[O any, K comparable, V any](key func(O) K, convert func(O) V) *converted[O, K, V] {
	return &converted[O, K, V]{key: key, convert: convert, items: map[K]V{}}
}

func (c *converted[O, K, V]) handler() cache.ResourceEventHandlerFuncs {
	set := func(obj any) {
		if o, ok := obj.(O); ok {
			v := c.convert(o)
			c.mu.Lock()
			c.items[c.key(o)] = v
			c.mu.Unlock()
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    set,
		UpdateFunc: func(_, obj any) { set(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if o, ok := obj.(O); ok {
				c.mu.Lock()
				delete(c.items, c.key(o))
				c.mu.Unlock()
			}
		},
	}
}

func (c *converted[O, K, V]) values() []V {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]V, 0, len(c.items))
	for _, v := range c.items {
		out = append(out, v)
	}
	return out
}

// Shutdown stops the informers and waits for their goroutines.
func (k *Kubernetes) Shutdown(context.Context) error {
	if k.stop == nil {
		return nil
	}
	close(k.stop)
	for _, f := range k.factories {
		f.Shutdown()
	}
	k.stop = nil
	return nil
}

// NodeFromAPI converts a Node.
func NodeFromAPI(n *corev1.Node) Node {
	return Node{
		Name:                   n.Name,
		Labels:                 n.Labels,
		Annotations:            n.Annotations,
		ProviderID:             n.Spec.ProviderID,
		CapacityCPU:            quantity(n.Status.Capacity, corev1.ResourceCPU),
		CapacityMemoryBytes:    quantity(n.Status.Capacity, corev1.ResourceMemory),
		AllocatableCPU:         quantity(n.Status.Allocatable, corev1.ResourceCPU),
		AllocatableMemoryBytes: quantity(n.Status.Allocatable, corev1.ResourceMemory),
	}
}

// PodFromAPI converts a Pod. Requests follow the rule the scheduler uses
// (component-helpers PodRequests): the larger of the sum of app and sidecar
// containers and any init container, pod-level resources when set, plus
// overhead; resized pods count what the kubelet has actuated.
func PodFromAPI(p *corev1.Pod) Pod {
	reqs := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{UseStatusResources: true})
	return Pod{
		UID:                string(p.UID),
		Name:               p.Name,
		Namespace:          p.Namespace,
		NodeName:           p.Spec.NodeName,
		Deployment:         DeploymentOf(p),
		CPURequest:         quantity(reqs, corev1.ResourceCPU),
		MemoryRequestBytes: quantity(reqs, corev1.ResourceMemory),
	}
}

// DeploymentOf returns the Deployment owning a pod through a ReplicaSet. The
// Deployment controller names its ReplicaSets "<deployment>-<pod-template-hash>"
// and labels their pods with that hash, so the name follows from the pod
// alone, without watching ReplicaSets (a ReplicaSet not made by a Deployment
// has no such hash label).
func DeploymentOf(p *corev1.Pod) string {
	owner := metav1.GetControllerOf(p)
	if owner == nil || owner.Kind != "ReplicaSet" {
		return ""
	}
	hash := p.Labels["pod-template-hash"]
	if hash == "" {
		return ""
	}
	if name, ok := strings.CutSuffix(owner.Name, "-"+hash); ok && name != "" {
		return name
	}
	return ""
}

func quantity(list corev1.ResourceList, name corev1.ResourceName) float64 {
	q, ok := list[name]
	if !ok {
		return 0
	}
	return q.AsApproximateFloat64()
}

// slimNode keeps the fields NodeFromAPI reads.
func slimNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil // cache.DeletedFinalStateUnknown and the like pass through
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: n.Name, UID: n.UID, ResourceVersion: n.ResourceVersion,
			Labels: n.Labels, Annotations: ecotelAnnotations(n.Annotations),
		},
		Spec: corev1.NodeSpec{ProviderID: n.Spec.ProviderID},
		Status: corev1.NodeStatus{
			Capacity:    cpuMemory(n.Status.Capacity),
			Allocatable: cpuMemory(n.Status.Allocatable),
		},
	}, nil
}

// slimPod keeps the fields PodFromAPI reads (requests of every container,
// pod-level resources, overhead, actuated resources of resized containers).
func slimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	out := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: p.Name, Namespace: p.Namespace, UID: p.UID, ResourceVersion: p.ResourceVersion,
			OwnerReferences: p.OwnerReferences,
		},
		Spec: corev1.PodSpec{
			NodeName:       p.Spec.NodeName,
			Containers:     slimContainers(p.Spec.Containers),
			InitContainers: slimContainers(p.Spec.InitContainers),
			Overhead:       p.Spec.Overhead,
			Resources:      p.Spec.Resources,
		},
		Status: corev1.PodStatus{Phase: p.Status.Phase, Resources: p.Status.Resources},
	}
	if hash, ok := p.Labels["pod-template-hash"]; ok {
		out.Labels = map[string]string{"pod-template-hash": hash}
	}
	for _, cs := range p.Status.ContainerStatuses {
		out.Status.ContainerStatuses = append(out.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: cs.Name, AllocatedResources: cs.AllocatedResources, Resources: cs.Resources,
		})
	}
	for _, cs := range p.Status.InitContainerStatuses {
		out.Status.InitContainerStatuses = append(out.Status.InitContainerStatuses, corev1.ContainerStatus{
			Name: cs.Name, AllocatedResources: cs.AllocatedResources, Resources: cs.Resources,
		})
	}
	out.Status.Conditions = resizeConditions(p.Status.Conditions)
	return out, nil
}

func slimContainers(cs []corev1.Container) []corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i, c := range cs {
		out[i] = corev1.Container{Name: c.Name, Resources: c.Resources, RestartPolicy: c.RestartPolicy}
	}
	return out
}

// resizeConditions keeps the pod conditions PodRequests consults to tell an
// infeasible or deferred resize.
func resizeConditions(conds []corev1.PodCondition) []corev1.PodCondition {
	var out []corev1.PodCondition
	for _, c := range conds {
		if c.Type == corev1.PodResizePending || c.Type == corev1.PodResizeInProgress {
			out = append(out, c)
		}
	}
	return out
}

func cpuMemory(list corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := list[name]; ok {
			out[name] = q
		}
	}
	return out
}

// ecotelAnnotations keeps the annotations the receiver reads (ecotel.io/…);
// nodes carry large ones (e.g. volumes.kubernetes.io/…) that are never needed.
func ecotelAnnotations(in map[string]string) map[string]string {
	var out map[string]string
	for k, v := range in {
		if strings.HasPrefix(k, "ecotel.io/") {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}
