// Package frameworktest builds a real scheduling framework (frameworkruntime)
// around the ecotel plugins for unit tests, the way upstream plugin tests
// do: a fake clientset and informers stand in for the API server, which the
// integration tests in test/integration run for real.
package frameworktest

import (
	"context"
	"sync"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/backend/cache"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework/plugins/defaultbinder"
	"k8s.io/kubernetes/pkg/scheduler/framework/plugins/queuesort"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
	"k8s.io/kubernetes/pkg/scheduler/metrics"
	tf "k8s.io/kubernetes/pkg/scheduler/testing/framework"
)

var registerMetrics sync.Once

// Env is a framework with one plugin under test.
type Env struct {
	Framework framework.Framework
	Client    *fake.Clientset
	Informers informers.SharedInformerFactory
	Recorder  *events.FakeRecorder
	Activator *Activator
	Nodes     []fwk.NodeInfo
	// Plugin is the instance of the plugin under test.
	Plugin fwk.Plugin
}

// New builds a framework with the plugin registered at the given extension
// points (config.Score etc.), built by factory with args, over nodes and
// pods known to the fake API server and its informers (started and synced
// before New returns). The framework stops with the test.
func New(t testing.TB, name string, factory frameworkruntime.PluginFactory, args runtime.Object,
	extensions []string, nodes []*v1.Node, pods []*v1.Pod) *Env {
	t.Helper()
	// The framework records plugin metrics; they must exist first.
	registerMetrics.Do(metrics.Register)
	ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), klog.Background()))
	t.Cleanup(cancel)

	objs := make([]runtime.Object, 0, len(nodes)+len(pods))
	for _, n := range nodes {
		objs = append(objs, n)
	}
	for _, p := range pods {
		objs = append(objs, p)
	}
	client := fake.NewClientset(objs...)
	informerFactory := informers.NewSharedInformerFactory(client, 0)
	recorder := events.NewFakeRecorder(100)
	activator := &Activator{}
	var plugin fwk.Plugin
	withArgs := func(ctx context.Context, _ runtime.Object, h fwk.Handle) (fwk.Plugin, error) {
		p, err := factory(ctx, args, h)
		plugin = p
		return p, err
	}
	f, err := tf.NewFramework(ctx, []tf.RegisterPluginFunc{
		tf.RegisterQueueSortPlugin(queuesort.Name, queuesort.New),
		tf.RegisterBindPlugin(defaultbinder.Name, defaultbinder.New),
		registerAt(name, withArgs, extensions),
	}, "ecotel-scheduler",
		frameworkruntime.WithClientSet(client),
		frameworkruntime.WithInformerFactory(informerFactory),
		frameworkruntime.WithSnapshotSharedLister(cache.NewSnapshot(pods, nodes)),
		frameworkruntime.WithEventRecorder(recorder),
		frameworkruntime.WithPodActivator(activator),
	)
	if err != nil {
		t.Fatalf("build framework: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	informerFactory.Start(ctx.Done())
	informerFactory.WaitForCacheSync(ctx.Done())
	return &Env{Framework: f, Client: client, Informers: informerFactory, Recorder: recorder,
		Activator: activator, Nodes: tf.BuildNodeInfos(nodes), Plugin: plugin}
}

// Extension points, as named in the profile.
const (
	PreEnqueue = "PreEnqueue"
	PreFilter  = "PreFilter"
	Filter     = "Filter"
	PreScore   = "PreScore"
	Score      = "Score"
)

// registerAt registers the plugin and enables it at the extension points
// (weight 1 for Score).
func registerAt(name string, factory frameworkruntime.PluginFactory, extensions []string) tf.RegisterPluginFunc {
	return func(reg *frameworkruntime.Registry, profile *config.KubeSchedulerProfile) {
		if err := reg.Register(name, factory); err != nil {
			panic(err)
		}
		p := profile.Plugins
		for _, e := range extensions {
			set := map[string]*config.PluginSet{
				PreEnqueue: &p.PreEnqueue, PreFilter: &p.PreFilter, Filter: &p.Filter,
				PreScore: &p.PreScore, Score: &p.Score,
			}[e]
			if set == nil {
				panic("frameworktest: unknown extension point " + e)
			}
			set.Enabled = append(set.Enabled, config.Plugin{Name: name, Weight: 1})
		}
	}
}

// Activator records the pods plugins ask the queue to activate.
type Activator struct {
	mu   sync.Mutex
	pods []*v1.Pod
}

// Activate implements fwk.PodActivator.
func (a *Activator) Activate(_ klog.Logger, pods map[string]*v1.Pod) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range pods {
		a.pods = append(a.pods, p)
	}
}

// Activated returns the pods activated so far.
func (a *Activator) Activated() []*v1.Pod {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*v1.Pod(nil), a.pods...)
}

// DrainEvents returns the events recorded so far.
func (e *Env) DrainEvents() []string {
	var out []string
	for {
		select {
		case ev := <-e.Recorder.Events:
			out = append(out, ev)
		default:
			return out
		}
	}
}
