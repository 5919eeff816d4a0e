// Package carbondeferral is the CarbonDeferral plugin: a PreEnqueue gate that
// holds deferrable pods — those annotated with <prefix>/defer-until — in the
// scheduling queue while the grid carbon intensity of their zone (or of the
// cluster's greenest zone) is above their threshold, and releases them when
// it drops or at their deadline, whichever comes first. Pods without the
// annotation are never touched.
package carbondeferral

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/klog/v2"
	fwk "k8s.io/kube-scheduler/framework"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginargs"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginmetrics"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

// Name of the plugin in the registry and in KubeSchedulerConfiguration.
const Name = "CarbonDeferral"

// Event reasons on pods.
const (
	ReasonDeferred          = "CarbonDeferred"
	ReasonReleased          = "CarbonReleased"
	ReasonInvalidAnnotation = "InvalidCarbonDeferral"
)

// recheckPeriod is how often held pods are looked at again; a pass only
// does work when the signals changed or a deadline passed.
const recheckPeriod = time.Second

// CarbonDeferral holds deferrable pods while the grid is dirty.
type CarbonDeferral struct {
	args      *CarbonDeferralArgs
	handle    fwk.Handle
	cache     *signal.Cache
	podLister corelisters.PodLister
	logger    klog.Logger
	now       func() time.Time
	stop      context.CancelFunc
	// release gives the shared cache back; safe to call more than once.
	release func()

	// heldChanged tells the recheck loop that a pod was added to held.
	heldChanged atomic.Bool

	mu   sync.Mutex
	held map[types.UID]*v1.Pod
	// warned remembers pods already told about a bad annotation.
	warned map[types.UID]time.Time
}

var (
	_ fwk.PreEnqueuePlugin  = &CarbonDeferral{}
	_ fwk.EnqueueExtensions = &CarbonDeferral{}
)

// New is the plugin factory.
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
	runCtx, stop := context.WithCancel(ctx)
	pl := &CarbonDeferral{
		args:      args,
		handle:    h,
		cache:     cache,
		podLister: h.SharedInformerFactory().Core().V1().Pods().Lister(),
		logger:    logger,
		now:       time.Now,
		stop:      stop,
		release:   sync.OnceFunc(release),
		held:      map[types.UID]*v1.Pod{},
		warned:    map[types.UID]time.Time{},
	}
	go pl.run(runCtx)
	return pl, nil
}

// Name implements fwk.Plugin.
func (pl *CarbonDeferral) Name() string { return Name }

// Close stops the recheck loop and releases the signal cache (the scheduler
// closes plugins that implement io.Closer when it stops).
func (pl *CarbonDeferral) Close() error {
	pl.stop()
	pl.release()
	pl.mu.Lock()
	n := len(pl.held)
	pl.held = map[types.UID]*v1.Pod{}
	pl.mu.Unlock()
	pluginmetrics.DeferredPods.Add(-float64(n))
	return nil
}

// PreEnqueue gates deferrable pods. It reads only the cached snapshot.
func (pl *CarbonDeferral) PreEnqueue(_ context.Context, pod *v1.Pod) *fwk.Status {
	req, deferrable, problem := ParseRequest(pod, pl.args.AnnotationPrefix, pl.args.DefaultMaxCarbonIntensity, pl.args.MaxDeferral.Duration)
	if problem != "" {
		pl.warnOnce(pod, problem)
	}
	if !deferrable {
		pl.forget(pod, "released", "the pod no longer asks for deferral")
		return nil
	}
	d := Decide(req, pl.cache.Snapshot(), pl.now(), pl.args.StalenessLimit.Duration)
	if !d.Defer {
		pl.forget(pod, d.Outcome, d.Message)
		return nil
	}
	pl.hold(pod, d.Message)
	return fwk.NewStatus(fwk.UnschedulableAndUnresolvable, d.Message)
}

func (pl *CarbonDeferral) hold(pod *v1.Pod, message string) {
	pl.mu.Lock()
	_, already := pl.held[pod.UID]
	pl.held[pod.UID] = pod
	pl.mu.Unlock()
	if already {
		return
	}
	pl.heldChanged.Store(true)
	// Inc/Dec rather than Set: every profile's instance shares the gauge.
	pluginmetrics.DeferredPods.Inc()
	pluginmetrics.DeferralDecisions.WithLabelValues(OutcomeDeferred).Inc()
	pl.handle.EventRecorder().Eventf(pod, nil, v1.EventTypeNormal, ReasonDeferred, "Scheduling", "%s", message)
	pl.logger.V(2).Info("Deferring pod", "pod", klog.KObj(pod), "reason", message)
}

// forget drops a pod from the held set; when it was held, its release is
// reported with the decision's outcome and message.
func (pl *CarbonDeferral) forget(pod *v1.Pod, outcome, message string) {
	pl.mu.Lock()
	_, was := pl.held[pod.UID]
	delete(pl.held, pod.UID)
	pl.mu.Unlock()
	if !was {
		return
	}
	pluginmetrics.DeferredPods.Dec()
	pluginmetrics.DeferralDecisions.WithLabelValues(outcome).Inc()
	pl.handle.EventRecorder().Eventf(pod, nil, v1.EventTypeNormal, ReasonReleased, "Scheduling", "Released: %s", message)
	pl.logger.V(2).Info("Releasing deferred pod", "pod", klog.KObj(pod), "reason", message)
}

func (pl *CarbonDeferral) warnOnce(pod *v1.Pod, problem string) {
	pl.mu.Lock()
	_, seen := pl.warned[pod.UID]
	if !seen {
		pl.warned[pod.UID] = pl.now()
	}
	pl.mu.Unlock()
	if seen {
		return
	}
	pluginmetrics.DeferralDecisions.WithLabelValues("invalid_annotation").Inc()
	pl.handle.EventRecorder().Eventf(pod, nil, v1.EventTypeWarning, ReasonInvalidAnnotation, "Scheduling", "%s", problem)
	pl.logger.Info("Invalid carbon deferral annotation", "pod", klog.KObj(pod), "problem", problem)
}

// EventsToRegister implements fwk.EnqueueExtensions: a held pod may be
// released when its own annotations change. Changes of the grid and passing
// deadlines raise no cluster event; the plugin's recheck loop activates
// those pods itself.
func (pl *CarbonDeferral) EventsToRegister(context.Context) ([]fwk.ClusterEventWithHint, error) {
	return []fwk.ClusterEventWithHint{
		{Event: fwk.ClusterEvent{Resource: fwk.TargetPod, ActionType: fwk.Update}, QueueingHintFn: pl.isSchedulableAfterPodUpdate},
	}, nil
}

func (pl *CarbonDeferral) isSchedulableAfterPodUpdate(_ klog.Logger, pod *v1.Pod, oldObj, newObj interface{}) (fwk.QueueingHint, error) {
	oldPod, okOld := oldObj.(*v1.Pod)
	newPod, okNew := newObj.(*v1.Pod)
	if !okOld || !okNew {
		return fwk.Queue, nil
	}
	if newPod.UID != pod.UID {
		return fwk.QueueSkip, nil
	}
	for _, key := range []string{KeyDeferUntil, KeyMaxCarbonIntensity} {
		k := signal.Key(pl.args.AnnotationPrefix, key)
		if oldPod.Annotations[k] != newPod.Annotations[k] {
			return fwk.Queue, nil
		}
	}
	return fwk.QueueSkip, nil
}

// run re-evaluates held pods whenever the signal snapshot changes or a
// deadline passes, and activates those that may go, so that PreEnqueue lets
// them into the active queue.
func (pl *CarbonDeferral) run(ctx context.Context) {
	defer pl.release()
	t := time.NewTicker(recheckPeriod)
	defer t.Stop()
	var lastSnap *signal.Snapshot
	var nextDeadline time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		snap, now := pl.cache.Snapshot(), pl.now()
		deadlinePassed := !nextDeadline.IsZero() && !now.Before(nextDeadline)
		if snap == lastSnap && !deadlinePassed && !pl.heldChanged.Swap(false) {
			continue
		}
		lastSnap = snap
		nextDeadline = pl.recheck(snap, now)
	}
}

// recheck activates the held pods that would now be released and returns
// the earliest deadline among those still held.
func (pl *CarbonDeferral) recheck(snap *signal.Snapshot, now time.Time) time.Time {
	pl.mu.Lock()
	candidates := make([]*v1.Pod, 0, len(pl.held))
	for _, h := range pl.held {
		candidates = append(candidates, h)
	}
	for uid, at := range pl.warned {
		if now.Sub(at) > pl.args.MaxDeferral.Duration {
			delete(pl.warned, uid)
		}
	}
	pl.mu.Unlock()

	toActivate := map[string]*v1.Pod{}
	var next time.Time
	for _, held := range candidates {
		current, err := pl.podLister.Pods(held.Namespace).Get(held.Name)
		switch {
		case apierrors.IsNotFound(err) || (err == nil && (current.UID != held.UID || current.Spec.NodeName != "")):
			pl.drop(held.UID) // deleted, replaced or bound elsewhere
			continue
		case err != nil:
			current = held
		}
		req, deferrable, _ := ParseRequest(current, pl.args.AnnotationPrefix, pl.args.DefaultMaxCarbonIntensity, pl.args.MaxDeferral.Duration)
		if !deferrable || !Decide(req, snap, now, pl.args.StalenessLimit.Duration).Defer {
			toActivate[current.Namespace+"/"+current.Name] = current
			continue
		}
		if next.IsZero() || req.Deadline.Before(next) {
			next = req.Deadline
		}
	}
	if len(toActivate) > 0 {
		pl.logger.V(4).Info("Activating deferred pods", "count", len(toActivate))
		pl.handle.Activate(pl.logger, toActivate)
	}
	return next
}

func (pl *CarbonDeferral) drop(uid types.UID) {
	pl.mu.Lock()
	_, was := pl.held[uid]
	delete(pl.held, uid)
	pl.mu.Unlock()
	if was {
		pluginmetrics.DeferredPods.Dec()
	}
}
