package sciscore

import (
	"context"
	"fmt"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	st "k8s.io/kubernetes/pkg/scheduler/testing"
	tf "k8s.io/kubernetes/pkg/scheduler/testing/framework"

	"github.com/ecotel/ecotel/schedulerplugin/internal/frameworktest"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

const benchNodes = 5000

// benchCluster returns 5,000 nodes, 90% with a fractional signal, and a
// snapshot holding those signals.
func benchCluster() ([]*v1.Node, *signal.Snapshot) {
	now := time.Now()
	nodes := make([]*v1.Node, benchNodes)
	snap := &signal.Snapshot{Nodes: map[string]signal.NodeSignal{}, Zones: map[string]signal.ZoneSignal{}, FetchedAt: now}
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		nodes[i] = st.MakeNode().Name(name).Obj()
		if i%10 != 0 {
			snap.Nodes[name] = signal.NodeSignal{CarbonPerVCPUGPerH: 0.05 + float64(i%997)*0.013, ObservedAt: now}
		}
	}
	return nodes, snap
}

// BenchmarkScoreNormalize5000Nodes: one pod's PreScore, Score on every node
// and NormalizeScore, called directly as the framework does (sequentially
// here; the framework parallelizes Score).
func BenchmarkScoreNormalize5000Nodes(b *testing.B) {
	nodes, snap := benchCluster()
	infos := tf.BuildNodeInfos(nodes)
	args := annotationArgs(nil)
	env := frameworktest.New(b, Name, New, args, []string{frameworktest.PreScore, frameworktest.Score}, nil, nil)
	pl := env.Plugin.(*SCIScore)
	pl.cache = signal.NewCacheWithSnapshot(snap)
	pod := st.MakePod().Name("p").Namespace("default").Req(map[v1.ResourceName]string{v1.ResourceCPU: "1"}).Obj()
	ctx := context.Background()
	scores := make(fwk.NodeScoreList, len(infos))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		state := framework.NewCycleState()
		if s := pl.PreScore(ctx, state, pod, infos); !s.IsSuccess() {
			b.Fatal(s)
		}
		for i, ni := range infos {
			v, s := pl.Score(ctx, state, pod, ni)
			if !s.IsSuccess() {
				b.Fatal(s)
			}
			scores[i] = fwk.NodeScore{Name: ni.Node().Name, Score: v}
		}
		if s := pl.NormalizeScore(ctx, state, pod, scores); !s.IsSuccess() {
			b.Fatal(s)
		}
	}
}

// BenchmarkFrameworkScore5000Nodes: the same through the real framework's
// RunPreScorePlugins and RunScorePlugins (parallel Score, weights, checks).
func BenchmarkFrameworkScore5000Nodes(b *testing.B) {
	nodes, snap := benchCluster()
	env := frameworktest.New(b, Name, New, annotationArgs(nil), []string{frameworktest.PreScore, frameworktest.Score}, nodes, nil)
	env.Plugin.(*SCIScore).cache = signal.NewCacheWithSnapshot(snap)
	pod := st.MakePod().Name("p").Namespace("default").Obj()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		state := framework.NewCycleState()
		if s := env.Framework.RunPreScorePlugins(ctx, state, pod, env.Nodes); !s.IsSuccess() {
			b.Fatal(s)
		}
		if _, s := env.Framework.RunScorePlugins(ctx, state, pod, env.Nodes); !s.IsSuccess() {
			b.Fatal(s)
		}
	}
}
