// Package sciscore is the SCIScore plugin: it scores nodes by their carbon
// ranking signal (gCO2e one vCPU-hour on the node costs now; lower is
// greener), normalized with float precision, and optionally filters out
// nodes in zones whose grid carbon intensity is above a hard cap.
//
// The signal comes from a background cache (package signal); PreScore takes
// one snapshot of it per scheduling cycle and Score is a map lookup, so no
// network call ever happens in the scheduling cycle.
package sciscore

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	resourcehelper "k8s.io/component-helpers/resource"
	"k8s.io/klog/v2"
	fwk "k8s.io/kube-scheduler/framework"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginargs"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginmetrics"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

// Name of the plugin in the registry and in KubeSchedulerConfiguration.
const Name = "SCIScore"

// SCIScore ranks nodes by their carbon ranking signal.
type SCIScore struct {
	args   *SCIScoreArgs
	handle fwk.Handle
	cache  *signal.Cache
	logger klog.Logger
	now    func() time.Time
	// release gives the shared cache back; safe to call more than once.
	release func()
}

var (
	_ fwk.PreScorePlugin    = &SCIScore{}
	_ fwk.ScorePlugin       = &SCIScore{}
	_ fwk.ScoreExtensions   = &SCIScore{}
	_ fwk.PreFilterPlugin   = &SCIScore{}
	_ fwk.FilterPlugin      = &SCIScore{}
	_ fwk.EnqueueExtensions = &SCIScore{}
	_ fwk.SignPlugin        = &SCIScore{}
)

// New is the plugin factory. obj is the profile's SCIScoreArgs (nil when the
// profile gives none: then every default applies).
func New(ctx context.Context, obj runtime.Object, h fwk.Handle) (fwk.Plugin, error) {
	args, err := pluginargs.Decode(Name, obj, SetDefaults)
	if err != nil {
		return nil, err
	}
	if err := Validate(args); err != nil {
		return nil, fmt.Errorf("invalid %sArgs: %w", Name, err)
	}
	logger := klog.FromContext(ctx).WithValues("plugin", Name)
	cache, release, err := carbonsource.AcquirePluginCache(h.SharedInformerFactory(), &args.Args, logger)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	pl := &SCIScore{args: args, handle: h, cache: cache, logger: logger, now: time.Now, release: sync.OnceFunc(release)}
	go func() {
		<-ctx.Done()
		pl.release()
	}()
	return pl, nil
}

// Close releases the signal cache (the scheduler closes plugins that
// implement io.Closer when it stops).
func (pl *SCIScore) Close() error {
	pl.release()
	return nil
}

// Name implements fwk.Plugin.
func (pl *SCIScore) Name() string { return Name }

// stateKey is where PreScore leaves the cycle's snapshot for Score and
// NormalizeScore.
const stateKey fwk.StateKey = Name + ".preScore"

type preScoreState struct {
	snap *signal.Snapshot
	now  time.Time
	// spread is the share of the [0,100] range this pod's scores use.
	spread float64
}

// Clone implements fwk.StateData; the state is read-only.
func (s *preScoreState) Clone() fwk.StateData { return s }

// PreScore takes the cycle's snapshot. When the cache knows no node at all,
// every node would get the same neutral score, so the plugin skips Score.
func (pl *SCIScore) PreScore(_ context.Context, state fwk.CycleState, pod *v1.Pod, nodes []fwk.NodeInfo) *fwk.Status {
	snap := pl.cache.Snapshot()
	if len(snap.Nodes) == 0 {
		pluginmetrics.NodesWithoutSignal.Set(float64(len(nodes)))
		return fwk.NewStatus(fwk.Skip)
	}
	state.Write(stateKey, &preScoreState{snap: snap, now: pl.now(), spread: pl.spread(pod)})
	return nil
}

// spread implements PodSizeWeight.
func (pl *SCIScore) spread(pod *v1.Pod) float64 {
	w := pl.args.PodSizeWeight
	if w == 0 {
		return 1
	}
	size := float64(podMilliCPU(pod)) / float64(pl.args.ReferencePodCPU.MilliValue())
	return (1 - w) + w*math.Min(1, size)
}

// defaultMilliCPU is what a pod without CPU requests is taken to use, as the
// scheduler's own scoring does.
const defaultMilliCPU = 100

func podMilliCPU(pod *v1.Pod) int64 {
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	if m := reqs.Cpu().MilliValue(); m > 0 {
		return m
	}
	return defaultMilliCPU
}

// Raw scores are the signal in fixed point (µgCO2e per vCPU-hour), so that
// fractional grams survive the int64 Score interface; noSignal marks a node
// without a fresh value.
const (
	fixedPointScale       = 1e6
	noSignal        int64 = -1
)

// Score returns the node's signal in fixed point, or noSignal. O(1).
func (pl *SCIScore) Score(_ context.Context, state fwk.CycleState, _ *v1.Pod, nodeInfo fwk.NodeInfo) (int64, *fwk.Status) {
	s, err := readState(state)
	if err != nil {
		return 0, fwk.AsStatus(err)
	}
	n, ok := s.snap.Node(nodeInfo.Node().Name, s.now, pl.args.StalenessLimit.Duration)
	if !ok {
		return noSignal, nil
	}
	// The signal cache bounds values (signal.MaxCarbonPerVCPUGPerH), so this
	// cannot overflow.
	return int64(math.Round(n.CarbonPerVCPUGPerH * fixedPointScale)), nil
}

func readState(state fwk.CycleState) (*preScoreState, error) {
	d, err := state.Read(stateKey)
	if err != nil {
		return nil, fmt.Errorf("reading %q from cycle state: %w", stateKey, err)
	}
	s, ok := d.(*preScoreState)
	if !ok {
		return nil, fmt.Errorf("%q has type %T, want *preScoreState", stateKey, d)
	}
	return s, nil
}

// ScoreExtensions implements fwk.ScorePlugin.
func (pl *SCIScore) ScoreExtensions() fwk.ScoreExtensions { return pl }

// NormalizeScore maps the raw signals to [0,100], greenest highest, and
// gives nodes without data the configured neutral score.
func (pl *SCIScore) NormalizeScore(_ context.Context, state fwk.CycleState, _ *v1.Pod, scores fwk.NodeScoreList) *fwk.Status {
	s, err := readState(state)
	if err != nil {
		return fwk.AsStatus(err)
	}
	missing := normalize(scores, pl.args.Normalization, pl.args.MissingData, pl.args.MissingDataScore, s.spread)
	pluginmetrics.NodesWithoutSignal.Set(float64(missing))
	return nil
}

// normalize rewrites raw fixed-point scores in place and returns how many
// nodes had no signal.
func normalize(scores fwk.NodeScoreList, normalization, missingData string, fixedScore int64, spread float64) int {
	minV, maxV := math.Inf(1), math.Inf(-1)
	valid := 0
	for i := range scores {
		if scores[i].Score == noSignal {
			continue
		}
		v := float64(scores[i].Score)
		minV, maxV = math.Min(minV, v), math.Max(maxV, v)
		valid++
	}
	const top = float64(fwk.MaxNodeScore)
	sum := 0.0
	for i := range scores {
		if scores[i].Score == noSignal {
			continue
		}
		v := float64(scores[i].Score)
		var greenness float64 // in [0,1], 1 for the greenest node
		switch {
		case maxV == minV:
			greenness = 1
		case normalization == NormalizationRelativeToBest:
			greenness = minV / v // v > minV ≥ 0 here
		default:
			greenness = (maxV - v) / (maxV - minV)
		}
		score := top - spread*top*(1-greenness)
		sum += score
		scores[i].Score = int64(math.Round(score))
	}
	missing := len(scores) - valid
	if missing == 0 {
		return 0
	}
	var neutral int64
	switch missingData {
	case MissingDataWorst:
		neutral = int64(math.Round(top - spread*top))
	case MissingDataBest:
		neutral = fwk.MaxNodeScore
	case MissingDataFixed:
		neutral = int64(math.Round(top - spread*(top-float64(fixedScore))))
	default: // Mean
		if valid > 0 {
			neutral = int64(math.Round(sum / float64(valid)))
		}
	}
	for i := range scores {
		if scores[i].Score == noSignal {
			scores[i].Score = neutral
		}
	}
	return missing
}

// SignPod implements fwk.SignPlugin, so that the profile keeps the
// scheduler's opportunistic batching: scores depend on the pod only through
// its CPU requests, and only when PodSizeWeight is set. (Signals change at
// most once per refresh interval; a batch reusing the last ranking is as
// good as a fresh one.)
func (pl *SCIScore) SignPod(_ context.Context, pod *v1.Pod) ([]fwk.SignFragment, *fwk.Status) {
	if pl.args.PodSizeWeight == 0 {
		return nil, nil
	}
	return []fwk.SignFragment{{Key: "ecotel.io/SCIScore.podMilliCPU", Value: podMilliCPU(pod)}}, nil
}
