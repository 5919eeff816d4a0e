package carbondeferral

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fwk "k8s.io/kube-scheduler/framework"
	st "k8s.io/kubernetes/pkg/scheduler/testing"

	"github.com/ecotel/ecotel/schedulerplugin/internal/frameworktest"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/signal"
)

var now = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)

func snapshot(zones map[string]float64, age time.Duration) *signal.Snapshot {
	s := &signal.Snapshot{Nodes: map[string]signal.NodeSignal{}, Zones: map[string]signal.ZoneSignal{}, FetchedAt: now}
	for z, v := range zones {
		s.Zones[z] = signal.ZoneSignal{IntensityGPerKWh: v, ObservedAt: now.Add(-age)}
	}
	return s
}

func deferrablePod(until time.Time, maxIntensity, zone string) *v1.Pod {
	w := st.MakePod().Name("batch").Namespace("jobs").UID("uid-batch").
		Annotation("ecotel.io/defer-until", until.Format(time.RFC3339))
	if maxIntensity != "" {
		w = w.Annotation("ecotel.io/max-carbon-intensity", maxIntensity)
	}
	if zone != "" {
		w = w.NodeSelector(map[string]string{"ecotel.io/grid-zone": zone})
	}
	return w.Obj()
}

func TestDecide(t *testing.T) {
	zones := map[string]float64{"FR": 45, "DE-LU": 380, "PL": 700}
	for _, tc := range []struct {
		name    string
		pod     *v1.Pod
		snap    *signal.Snapshot
		want    string
		message string
	}{
		{"best zone green enough", deferrablePod(now.Add(time.Hour), "100", ""), snapshot(zones, 0), OutcomeReleasedGreen, "FR is 45"},
		{"pinned zone dirty", deferrablePod(now.Add(time.Hour), "100", "DE-LU"), snapshot(zones, 0), OutcomeDeferred, "DE-LU is at 380"},
		{"every zone dirty", deferrablePod(now.Add(time.Hour), "30", ""), snapshot(zones, 0), OutcomeDeferred, "greenest zone FR is at 45"},
		{"default threshold", deferrablePod(now.Add(time.Hour), "", "DE-LU"), snapshot(zones, 0), OutcomeDeferred, "threshold of 150"},
		{"at threshold", deferrablePod(now.Add(time.Hour), "45", "FR"), snapshot(zones, 0), OutcomeReleasedGreen, ""},
		{"deadline passed", deferrablePod(now.Add(-time.Second), "100", "PL"), snapshot(zones, 0), OutcomeReleasedDeadline, "deadline"},
		{"deadline now", deferrablePod(now, "100", "PL"), snapshot(zones, 0), OutcomeReleasedDeadline, ""},
		{"no data", deferrablePod(now.Add(time.Hour), "100", ""), snapshot(nil, 0), OutcomeReleasedNoData, "any zone"},
		{"pinned zone unknown", deferrablePod(now.Add(time.Hour), "100", "SE-3"), snapshot(zones, 0), OutcomeReleasedNoData, "zone SE-3"},
		{"stale data", deferrablePod(now.Add(time.Hour), "100", "PL"), snapshot(zones, 4*time.Hour), OutcomeReleasedNoData, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, ok, problem := ParseRequest(tc.pod, "ecotel.io", DefaultMaxCarbonIntensity, DefaultMaxDeferral)
			if !ok || problem != "" {
				t.Fatalf("ParseRequest: ok=%v problem=%q", ok, problem)
			}
			d := Decide(req, tc.snap, now, carbonsource.DefaultStalenessLimit)
			if d.Outcome != tc.want || d.Defer != (tc.want == OutcomeDeferred) || !strings.Contains(d.Message, tc.message) {
				t.Errorf("Decide = %+v, want outcome %s with message containing %q", d, tc.want, tc.message)
			}
		})
	}
}

func TestParseRequest(t *testing.T) {
	plain := st.MakePod().Name("web").Namespace("shop").Obj()
	if _, ok, problem := ParseRequest(plain, "ecotel.io", 150, DefaultMaxDeferral); ok || problem != "" {
		t.Errorf("pod without annotation: deferrable=%v problem=%q, want untouched", ok, problem)
	}
	bad := st.MakePod().Name("b").Annotation("ecotel.io/defer-until", "tomorrow").Obj()
	if _, ok, problem := ParseRequest(bad, "ecotel.io", 150, DefaultMaxDeferral); ok || !strings.Contains(problem, "RFC 3339") {
		t.Errorf("malformed deadline: deferrable=%v problem=%q", ok, problem)
	}
	badMax := deferrablePod(now.Add(time.Hour), "lots", "")
	req, ok, problem := ParseRequest(badMax, "ecotel.io", 150, DefaultMaxDeferral)
	if !ok || req.MaxIntensityGPerKWh != 150 || !strings.Contains(problem, "default threshold 150") {
		t.Errorf("malformed threshold: %+v ok=%v problem=%q, want the default threshold and a problem", req, ok, problem)
	}
	// A deadline far away is capped at creation + maxDeferral.
	far := deferrablePod(now.Add(30*24*time.Hour), "100", "")
	far.CreationTimestamp = metav1.NewTime(now)
	req, _, _ = ParseRequest(far, "ecotel.io", 150, 24*time.Hour)
	if !req.Deadline.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("deadline = %v, want creation + 24h", req.Deadline)
	}
	// Another prefix.
	other := st.MakePod().Name("o").Annotation("green.example.com/defer-until", now.Add(time.Hour).Format(time.RFC3339)).Obj()
	if _, ok, _ := ParseRequest(other, "green.example.com", 150, DefaultMaxDeferral); !ok {
		t.Error("custom prefix not honoured")
	}
}

// TestPreEnqueueThroughFramework runs the gate as the scheduling queue does
// and checks the hold/release cycle, its events and the recheck loop's
// activation of a pod whose zone turned green.
func TestPreEnqueueThroughFramework(t *testing.T) {
	fresh := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	dirtyNode := st.MakeNode().Name("frankfurt").Label("ecotel.io/grid-zone", "DE-LU").
		Annotation("ecotel.io/carbon-intensity", "380").Annotation("ecotel.io/carbon-updated", fresh).Obj()
	pod := deferrablePod(time.Now().Add(time.Hour), "200", "DE-LU")
	plain := st.MakePod().Name("web").Namespace("shop").UID("uid-web").Obj()

	args := &CarbonDeferralArgs{}
	args.Source = carbonsource.SourceAnnotation
	SetDefaults(args)
	env := frameworktest.New(t, Name, New, args, []string{frameworktest.PreEnqueue}, []*v1.Node{dirtyNode}, []*v1.Pod{pod, plain})
	pl := env.Plugin.(*CarbonDeferral)
	if err := pl.cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	gates := env.Framework.PreEnqueuePlugins()
	if len(gates) != 1 {
		t.Fatalf("PreEnqueue plugins: %v", gates)
	}
	ctx := context.Background()

	if st := gates[0].PreEnqueue(ctx, plain); !st.IsSuccess() {
		t.Errorf("pod without annotation gated: %v", st)
	}
	st := gates[0].PreEnqueue(ctx, pod)
	if st.Code() != fwk.UnschedulableAndUnresolvable || !strings.Contains(st.Message(), "DE-LU is at 380") {
		t.Fatalf("deferrable pod in a dirty zone: %v, want UnschedulableAndUnresolvable naming the zone", st)
	}
	gates[0].PreEnqueue(ctx, pod) // re-evaluation does not repeat the event
	if ev := env.DrainEvents(); len(ev) != 1 || !strings.Contains(ev[0], ReasonDeferred) {
		t.Errorf("events = %q, want one %s", ev, ReasonDeferred)
	}

	// The grid turns green: the recheck activates the pod; PreEnqueue
	// releases it.
	green := dirtyNode.DeepCopy()
	green.Annotations["ecotel.io/carbon-intensity"] = "120"
	if _, err := env.Client.CoreV1().Nodes().Update(ctx, green, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(env.Activator.Activated()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("held pod not activated after its zone turned green")
		}
		_ = pl.cache.Refresh(ctx)
		time.Sleep(50 * time.Millisecond)
	}
	if got := env.Activator.Activated()[0]; got.UID != pod.UID {
		t.Errorf("activated %s, want %s", got.UID, pod.UID)
	}
	if st := gates[0].PreEnqueue(ctx, pod); !st.IsSuccess() {
		t.Errorf("after the grid turned green: %v", st)
	}
	if ev := env.DrainEvents(); len(ev) != 1 || !strings.Contains(ev[0], ReasonReleased) || !strings.Contains(ev[0], "120") {
		t.Errorf("events = %q, want one %s naming the intensity", ev, ReasonReleased)
	}
}

func TestQueueingHintOnAnnotationChange(t *testing.T) {
	pl := &CarbonDeferral{args: &CarbonDeferralArgs{}}
	SetDefaults(pl.args)
	pod := deferrablePod(now.Add(time.Hour), "100", "")
	same := pod.DeepCopy()
	same.Labels = map[string]string{"x": "y"}
	changed := pod.DeepCopy()
	delete(changed.Annotations, "ecotel.io/defer-until")
	if h, _ := pl.isSchedulableAfterPodUpdate(klogDiscard, pod, pod, same); h != fwk.QueueSkip {
		t.Errorf("unrelated update: %v, want QueueSkip", h)
	}
	if h, _ := pl.isSchedulableAfterPodUpdate(klogDiscard, pod, pod, changed); h != fwk.Queue {
		t.Errorf("annotation removed: %v, want Queue", h)
	}
}

func TestValidateArgs(t *testing.T) {
	a := &CarbonDeferralArgs{}
	a.Prometheus.Address = "http://prometheus:9090"
	SetDefaults(a)
	if err := Validate(a); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	a.DefaultMaxCarbonIntensity = -3
	a.MaxDeferral.Duration = -time.Hour
	err := Validate(a)
	if err == nil || !strings.Contains(err.Error(), "defaultMaxCarbonIntensity") || !strings.Contains(err.Error(), "maxDeferral") {
		t.Errorf("Validate = %v, want errors naming both fields", err)
	}
}
