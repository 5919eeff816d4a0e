package sciscore

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	st "k8s.io/kubernetes/pkg/scheduler/testing"

	"github.com/ecotel/ecotel/schedulerplugin/internal/frameworktest"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
)

var now = time.Now()

// node returns a node with ecotel's annotations; carbon "" leaves the
// node without a ranking signal.
func node(name, carbonGPerH, zone, intensity string, updated time.Time) *v1.Node {
	w := st.MakeNode().Name(name).Capacity(map[v1.ResourceName]string{v1.ResourceCPU: "8", v1.ResourceMemory: "32Gi", v1.ResourcePods: "110"})
	if zone != "" {
		w = w.Label("ecotel.io/grid-zone", zone)
	}
	if carbonGPerH != "" {
		w = w.Annotation("ecotel.io/carbon-per-vcpu", carbonGPerH)
	}
	if intensity != "" {
		w = w.Annotation("ecotel.io/carbon-intensity", intensity)
	}
	if carbonGPerH != "" || intensity != "" {
		w = w.Annotation("ecotel.io/carbon-updated", updated.UTC().Format(time.RFC3339))
	}
	return w.Obj()
}

func annotationArgs(mutate func(*SCIScoreArgs)) *SCIScoreArgs {
	a := &SCIScoreArgs{}
	a.Source = carbonsource.SourceAnnotation
	if mutate != nil {
		mutate(a)
	}
	SetDefaults(a)
	return a
}

// scoreNodes runs PreScore, Score and NormalizeScore through the framework
// and returns each node's final SCIScore score.
func scoreNodes(t *testing.T, args *SCIScoreArgs, nodes []*v1.Node, pod *v1.Pod) map[string]int64 {
	t.Helper()
	env := frameworktest.New(t, Name, New, args, []string{frameworktest.PreScore, frameworktest.Score}, nodes, nil)
	refreshCache(t, env)
	ctx := context.Background()
	state := framework.NewCycleState()
	if st := env.Framework.RunPreScorePlugins(ctx, state, pod, env.Nodes); !st.IsSuccess() {
		t.Fatalf("PreScore: %v", st)
	}
	scores, st := env.Framework.RunScorePlugins(ctx, state, pod, env.Nodes)
	if !st.IsSuccess() {
		t.Fatalf("Score: %v", st)
	}
	out := map[string]int64{}
	for _, s := range scores {
		out[s.Name] = s.TotalScore
	}
	return out
}

// refreshCache makes the plugin's cache read the (now synced) informer.
func refreshCache(t *testing.T, env *frameworktest.Env) {
	t.Helper()
	if err := env.Plugin.(*SCIScore).cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestScoreRanksByCarbonWithFloatPrecision(t *testing.T) {
	updated := now.Add(-10 * time.Minute)
	// Every value is below 1 g: an integer-truncating plugin would see
	// three zeros.
	nodes := []*v1.Node{
		node("paris", "0.35", "FR", "", updated),
		node("stockholm", "0.12", "SE-3", "", updated),
		node("frankfurt", "0.9", "DE-LU", "", updated),
	}
	pod := st.MakePod().Name("p").Namespace("default").Obj()

	t.Run("MinMax", func(t *testing.T) {
		got := scoreNodes(t, annotationArgs(nil), nodes, pod)
		want := map[string]int64{"stockholm": 100, "paris": 71, "frankfurt": 0} // (0.9-0.35)/(0.9-0.12) = 0.705
		assertScores(t, got, want)
	})
	t.Run("RelativeToBest", func(t *testing.T) {
		got := scoreNodes(t, annotationArgs(func(a *SCIScoreArgs) { a.Normalization = NormalizationRelativeToBest }), nodes, pod)
		want := map[string]int64{"stockholm": 100, "paris": 34, "frankfurt": 13} // 100·0.12/0.35, 100·0.12/0.9
		assertScores(t, got, want)
	})
	t.Run("EqualValues", func(t *testing.T) {
		same := []*v1.Node{node("a", "3.5", "FR", "", updated), node("b", "3.5", "FR", "", updated)}
		assertScores(t, scoreNodes(t, annotationArgs(nil), same, pod), map[string]int64{"a": 100, "b": 100})
	})
}

func TestNodesWithoutFreshDataGetNeutralScore(t *testing.T) {
	fresh := now.Add(-time.Minute)
	nodes := []*v1.Node{
		node("green", "10", "SE-3", "", fresh),
		node("mid", "55", "FR", "", fresh),
		node("dirty", "100", "DE-LU", "", fresh),
		node("unknown", "", "", "", time.Time{}),
		node("stale", "1", "SE-4", "", now.Add(-4*time.Hour)), // past the 3h default: its 1 g must not win
		st.MakeNode().Name("malformed").Annotation("ecotel.io/carbon-per-vcpu", "twelve").
			Annotation("ecotel.io/carbon-updated", fresh.Format(time.RFC3339)).Obj(),
		st.MakeNode().Name("undated").Annotation("ecotel.io/carbon-per-vcpu", "0.5").Obj(),
	}
	pod := st.MakePod().Name("p").Namespace("default").Obj()
	// Valid scores: green 100, mid 50, dirty 0 → mean 50.
	for _, tc := range []struct {
		missingData string
		fixed       int64
		want        int64
	}{
		{MissingDataMean, 0, 50},
		{MissingDataWorst, 0, 0},
		{MissingDataBest, 0, 100},
		{MissingDataFixed, 42, 42},
	} {
		t.Run(tc.missingData, func(t *testing.T) {
			args := annotationArgs(func(a *SCIScoreArgs) { a.MissingData, a.MissingDataScore = tc.missingData, tc.fixed })
			got := scoreNodes(t, args, nodes, pod)
			want := map[string]int64{"green": 100, "mid": 50, "dirty": 0,
				"unknown": tc.want, "stale": tc.want, "malformed": tc.want, "undated": tc.want}
			assertScores(t, got, want)
		})
	}
}

func TestNoSignalAtAllSkipsScoring(t *testing.T) {
	nodes := []*v1.Node{node("a", "", "", "", time.Time{}), node("b", "", "", "", time.Time{})}
	pod := st.MakePod().Name("p").Namespace("default").Obj()
	env := frameworktest.New(t, Name, New, annotationArgs(nil), []string{frameworktest.PreScore, frameworktest.Score}, nodes, nil)
	refreshCache(t, env)
	state := framework.NewCycleState()
	if st := env.Framework.RunPreScorePlugins(context.Background(), state, pod, env.Nodes); !st.IsSuccess() {
		t.Fatalf("PreScore: %v", st)
	}
	if !state.GetSkipScorePlugins().Has(Name) {
		t.Fatal("with no signal for any node, Score should be skipped (every node would be neutral)")
	}
}

func TestPodSizeWeightScalesSpread(t *testing.T) {
	updated := now.Add(-time.Minute)
	nodes := []*v1.Node{node("green", "0.12", "SE-3", "", updated), node("mid", "0.35", "FR", "", updated), node("dirty", "0.9", "DE-LU", "", updated)}
	args := annotationArgs(func(a *SCIScoreArgs) { a.PodSizeWeight = 1 })
	small := st.MakePod().Name("small").Namespace("default").Req(map[v1.ResourceName]string{v1.ResourceCPU: "1"}).Obj()
	big := st.MakePod().Name("big").Namespace("default").Req(map[v1.ResourceName]string{v1.ResourceCPU: "8"}).Obj()
	// A 1-CPU pod with reference 4 CPUs uses a quarter of the range.
	assertScores(t, scoreNodes(t, args, nodes, small), map[string]int64{"green": 100, "mid": 93, "dirty": 75})
	assertScores(t, scoreNodes(t, args, nodes, big), map[string]int64{"green": 100, "mid": 71, "dirty": 0})
}

func TestIntensityCapFilter(t *testing.T) {
	updated := now.Add(-time.Minute)
	capped := annotationArgs(func(a *SCIScoreArgs) { a.ZoneIntensityCap = 200 })
	pod := st.MakePod().Name("p").Namespace("default").UID("p").Obj()
	ext := []string{frameworktest.PreFilter, frameworktest.Filter}

	t.Run("excludes dirty zones", func(t *testing.T) {
		nodes := []*v1.Node{
			node("paris", "5", "FR", "45", updated),
			node("frankfurt", "40", "DE-LU", "380", updated),
			node("nodata", "", "PL", "", time.Time{}),
		}
		env := frameworktest.New(t, Name, New, capped, ext, nodes, nil)
		refreshCache(t, env)
		feasible := runFilters(t, env, pod)
		if strings.Join(feasible, ",") != "paris,nodata" {
			t.Errorf("feasible = %v, want paris and nodata (unknown intensity is not excluded)", feasible)
		}
	})
	t.Run("never excludes every node", func(t *testing.T) {
		nodes := []*v1.Node{node("frankfurt", "40", "DE-LU", "380", updated), node("warsaw", "60", "PL", "700", updated)}
		env := frameworktest.New(t, Name, New, capped, ext, nodes, nil)
		refreshCache(t, env)
		if feasible := runFilters(t, env, pod); len(feasible) != 2 {
			t.Errorf("feasible = %v, want both nodes (cap not applied when it would exclude all)", feasible)
		}
		events := env.DrainEvents()
		if len(events) != 1 || !strings.Contains(events[0], "CarbonCapNotApplied") {
			t.Errorf("events = %q, want one CarbonCapNotApplied", events)
		}
	})
	t.Run("off by default", func(t *testing.T) {
		nodes := []*v1.Node{node("paris", "5", "FR", "45", updated), node("frankfurt", "40", "DE-LU", "380", updated)}
		env := frameworktest.New(t, Name, New, annotationArgs(nil), ext, nodes, nil)
		refreshCache(t, env)
		if feasible := runFilters(t, env, pod); len(feasible) != 2 {
			t.Errorf("feasible = %v, want both nodes", feasible)
		}
	})
}

func runFilters(t *testing.T, env *frameworktest.Env, pod *v1.Pod) []string {
	t.Helper()
	ctx := context.Background()
	state := framework.NewCycleState()
	if _, st, _ := env.Framework.RunPreFilterPlugins(ctx, state, pod); !st.IsSuccess() {
		t.Fatalf("PreFilter: %v", st)
	}
	var feasible []string
	for _, ni := range env.Nodes {
		if st := env.Framework.RunFilterPlugins(ctx, state, pod, ni); st.IsSuccess() {
			feasible = append(feasible, ni.Node().Name)
		} else if st.Code() != fwk.Unschedulable || !strings.Contains(st.Message(), "above the cap") {
			t.Errorf("node %s: status %v, want Unschedulable naming the cap", ni.Node().Name, st)
		}
	}
	return feasible
}

func assertScores(t *testing.T, got, want map[string]int64) {
	t.Helper()
	for name, w := range want {
		if got[name] != w {
			t.Errorf("score of %s = %d, want %d (all: %v)", name, got[name], w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("scored %d nodes, want %d: %v", len(got), len(want), got)
	}
}

func TestNormalizeKeepsSubGramDifferences(t *testing.T) {
	// 0.1201 vs 0.1202 g/h differ by 100 µg: still ranked.
	scores := fwk.NodeScoreList{{Name: "a", Score: 120100}, {Name: "b", Score: 120200}, {Name: "c", Score: 120300}}
	if missing := normalize(scores, NormalizationMinMax, MissingDataMean, 0, 1); missing != 0 {
		t.Fatalf("missing = %d", missing)
	}
	if scores[0].Score != 100 || scores[1].Score != 50 || scores[2].Score != 0 {
		t.Errorf("scores = %+v, want 100, 50, 0", scores)
	}
}

func TestDefaultReferencePodCPU(t *testing.T) {
	a := annotationArgs(nil)
	if a.ReferencePodCPU.Cmp(resource.MustParse("4")) != 0 {
		t.Errorf("referencePodCPU = %v", a.ReferencePodCPU)
	}
}

// TestUnreachablePrometheusNeverBlocksScheduling: with Prometheus down
// from the start, the plugin is created at once and scores nothing (every
// node neutral) instead of failing or waiting.
func TestUnreachablePrometheusNeverBlocksScheduling(t *testing.T) {
	args := &SCIScoreArgs{}
	args.Prometheus.Address = "http://127.0.0.1:1" // nothing listens on port 1
	SetDefaults(args)
	start := time.Now()
	nodes := []*v1.Node{node("a", "", "", "", time.Time{}), node("b", "", "", "", time.Time{})}
	env := frameworktest.New(t, Name, New, args, []string{frameworktest.PreScore, frameworktest.Score}, nodes, nil)
	if err := env.Plugin.(*SCIScore).cache.Refresh(context.Background()); err == nil {
		t.Fatal("refresh from an unreachable Prometheus succeeded")
	}
	state := framework.NewCycleState()
	pod := st.MakePod().Name("p").Namespace("default").Obj()
	if s := env.Framework.RunPreScorePlugins(context.Background(), state, pod, env.Nodes); !s.IsSuccess() {
		t.Fatalf("PreScore: %v", s)
	}
	if !state.GetSkipScorePlugins().Has(Name) {
		t.Error("Score should be skipped without any signal")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("creating the plugin and a scoring cycle took %v", d)
	}
}

func TestSignPod(t *testing.T) {
	pod := st.MakePod().Name("p").Req(map[v1.ResourceName]string{v1.ResourceCPU: "2"}).Obj()
	pl := &SCIScore{args: annotationArgs(nil)}
	if f, s := pl.SignPod(context.Background(), pod); len(f) != 0 || !s.IsSuccess() {
		t.Errorf("without podSizeWeight the score does not depend on the pod: %v %v", f, s)
	}
	pl.args.PodSizeWeight = 0.5
	if f, s := pl.SignPod(context.Background(), pod); len(f) != 1 || f[0].Value != int64(2000) || !s.IsSuccess() {
		t.Errorf("with podSizeWeight the signature must carry the CPU request: %v %v", f, s)
	}
}
