//go:build integration

package autoscaling

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/internal/hpacap"
	"github.com/ecotel/ecotel/test/kube/autoscaling/promadapter"
)

// TestIntegrationCapperCapsWhileDirty runs eco-hpa-capper (the built
// command) against the real API server and HPA controller, on the
// cap-when-dirty recipe: while SE-3's intensity is at or above a threshold
// of the HPA's ecotel.io/carbon-cap annotation, maxReplicas is lowered and
// the Deployment follows; when the grid is clean it is restored; when
// Prometheus is gone the capper fails open and restores it too.
//
// The recipe scales on CPU, which needs a kubelet and metrics-server; here a
// queue-depth gauge that asks for 12 replicas stands in for that load, served
// by the same adapter stand-in as an extra external rule.
func TestIntegrationCapperCapsWhileDirty(t *testing.T) {
	p := newPlatform(t)
	p.Set("SE-3", windAndCoal(0, 60)) // 820 g/kWh: above both thresholds
	gw := startGateway(t, p, gatewayOptions{zones: []string{"SE-3"}})
	load := serveQueueDepth(t, 1200)
	prom := startPrometheus(t, gw.ep.Prometheus, load)
	c := startCluster(t, prom.URL, promadapter.Rule{
		SeriesQuery:  `ecotel_test_queue_depth{queue!=""}`,
		Resources:    promadapter.ResourceMapping{Namespaced: ptr.To(false)},
		Name:         promadapter.NameMapping{As: "queue_depth"},
		MetricsQuery: `sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)`,
	})
	kcm := startControllerManager(t, c.api.Kubeconfig)
	capper := startCapper(t, c.api.Kubeconfig, prom.URL)
	watch := []*e2e.Process{gw.col.Process, prom.Process, kcm, capper}

	hpa := capWhenDirtyHPA(t)
	ns, name, target := hpa.Namespace, hpa.Name, hpa.Spec.ScaleTargetRef.Name
	own := hpa.Spec.MaxReplicas
	if zone := hpa.Annotations[hpacap.AnnotationZone]; zone != "SE-3" {
		t.Fatalf("cap-when-dirty.yaml caps on zone %q; this test drives SE-3", zone)
	}
	rules, err := hpacap.ParseRules(hpa.Annotations[hpacap.AnnotationRules])
	if err != nil {
		t.Fatal(err)
	}
	createNamespace(t, c, ns)
	createDeployment(t, c, ns, target, 1)
	if _, err := c.api.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(context.Background(), hpa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	for i, step := range []struct {
		what      string
		windShare float64
	}{
		{"dirty: all coal", 0},
		{"middling: 75 % wind", 0.75},
		{"clean: all wind", 1},
		{"dirty again", 0},
	} {
		intensity := intensityGPerKWh(step.windShare)
		if i > 0 { // the first grid is already served
			p.Set("SE-3", windAndCoal(step.windShare, 60))
			gw.Restart()
			watch[0] = gw.col.Process
		}
		wantMax := own
		if r, hit := hpacap.CapFor(rules, intensity); hit {
			wantMax = min(own, r.MaxReplicas)
		}
		waitMaxReplicas(t, c, ns, name, wantMax, watch...)
		// The load asks for 12 = the HPA's own maxReplicas: the Deployment
		// runs exactly at the cap.
		waitReplicas(t, c, ns, target, wantMax, watch...)
		t.Logf("%s: %.2f g/kWh → maxReplicas %d, Deployment at %d", step.what, intensity, wantMax, wantMax)
		got := getHPA(t, c, ns, name)
		if wantMax < own {
			if got.Annotations[hpacap.AnnotationOriginal] != strconv.Itoa(int(own)) {
				t.Errorf("%s: %s = %q, want %d", step.what, hpacap.AnnotationOriginal, got.Annotations[hpacap.AnnotationOriginal], own)
			}
			e2e.WaitUntil(t, waitTimeout, "HPA limited by maxReplicas", func() error {
				cond := hpaCondition(getHPA(t, c, ns, name), autoscalingv2.ScalingLimited)
				if cond == nil || cond.Status != corev1.ConditionTrue || cond.Reason != "TooManyReplicas" {
					return fmt.Errorf("ScalingLimited condition %+v", cond)
				}
				return nil
			}, watch...)
		} else if _, ok := got.Annotations[hpacap.AnnotationOriginal]; ok {
			t.Errorf("%s: %s still set while not capped", step.what, hpacap.AnnotationOriginal)
		}
	}

	// Prometheus goes away while the HPA is capped: the capper cannot know
	// the intensity and restores the HPA's own maxReplicas (fails open).
	prom.Stop()
	watch = []*e2e.Process{kcm, capper}
	waitMaxReplicas(t, c, ns, name, own, watch...)
	reason := getHPA(t, c, ns, name).Annotations[hpacap.AnnotationReason]
	if !strings.Contains(reason, "fails open") {
		t.Errorf("%s = %q, want it to say the capper failed open", hpacap.AnnotationReason, reason)
	}
	t.Logf("Prometheus stopped: maxReplicas back to %d (%q)", own, reason)
}

// capWhenDirtyHPA loads distribution/autoscaling/hpa/cap-when-dirty.yaml,
// keeping its annotations, bounds and target, with the stand-in load metric
// in place of CPU and immediate scale-up (the default allows +4 Pods per
// 15 s). Scale-down keeps the default 300 s stabilization: a lowered
// maxReplicas bypasses it (the HPA scales straight to maxReplicas when above
// it), which the test relies on.
func capWhenDirtyHPA(t testing.TB) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa := loadHPA(t, "distribution/autoscaling/hpa/cap-when-dirty.yaml")
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Type != autoscalingv2.ResourceMetricSourceType {
		t.Fatalf("cap-when-dirty.yaml: want one Resource metric to stand in for, got %+v", hpa.Spec.Metrics)
	}
	perReplica := resource.MustParse("100")
	hpa.Spec.Metrics = []autoscalingv2.MetricSpec{{
		Type: autoscalingv2.ExternalMetricSourceType,
		External: &autoscalingv2.ExternalMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "queue_depth", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "reports"}}},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &perReplica},
		},
	}}
	hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr.To[int32](0),
		Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 100, PeriodSeconds: 1}},
	}}
	return hpa
}

// serveQueueDepth serves a Prometheus exposition with one queue-depth gauge
// and returns its host:port for Prometheus to scrape.
func serveQueueDepth(t testing.TB, depth int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "# TYPE ecotel_test_queue_depth gauge\necotel_test_queue_depth{queue=\"reports\"} %d\n", depth)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).String()
}

// startCapper runs cmd/eco-hpa-capper as built by `make eco-hpa-capper`,
// reconciling every second, and waits for its health endpoint.
func startCapper(t testing.TB, kubeconfig, promURL string) *e2e.Process {
	t.Helper()
	bin := e2e.LookBinary(t, "ECOTEL_HPA_CAPPER", "bin/eco-hpa-capper", "", "run `make eco-hpa-capper` (make test builds it)")
	health := e2e.FreeEndpoint(t)
	p := e2e.StartProcess(t, "eco-hpa-capper", bin, []string{
		"-kubeconfig=" + kubeconfig,
		"-prometheus-url=" + promURL,
		"-interval=1s",
		"-health-address=" + health,
	}, nil)
	e2e.WaitUntil(t, waitTimeout, "eco-hpa-capper /healthz", func() error {
		resp, err := http.Get("http://" + health + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/healthz: %s", resp.Status)
		}
		return nil
	}, p)
	return p
}

func waitMaxReplicas(t testing.TB, c *cluster, ns, name string, want int32, watch ...*e2e.Process) {
	t.Helper()
	start := time.Now()
	e2e.WaitUntil(t, waitTimeout, fmt.Sprintf("HPA %s/%s maxReplicas %d", ns, name, want), func() error {
		if got := getHPA(t, c, ns, name).Spec.MaxReplicas; got != want {
			return fmt.Errorf("maxReplicas %d", got)
		}
		return nil
	}, watch...)
	t.Logf("maxReplicas %d after %s", want, time.Since(start).Round(10*time.Millisecond))
}
