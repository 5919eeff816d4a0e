//go:build integration

package autoscaling

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestIntegrationGreenBurstFollowsTheGrid runs the green-burst recipe end to
// end: the fake ENTSO-E platform's grid for FR changes; otelcol-eco (entsoe
// receiver, live mode) reports it; Prometheus records the green headroom
// with the shipped rules; the prometheus-adapter stand-in serves it with the
// shipped external rules through the kube-apiserver's aggregation layer; the
// real kube-controller-manager's HPA controller scales the Deployment. The
// Deployment must scale out as the grid gets greener and back in as it gets
// dirtier, each time within the HPA's sync period of the signal reaching the
// external metrics API.
func TestIntegrationGreenBurstFollowsTheGrid(t *testing.T) {
	p := newPlatform(t)
	p.Set("FR", windAndCoal(0, 80)) // all coal: 820 g/kWh
	gw := startGateway(t, p, gatewayOptions{zones: []string{"FR"}})
	prom := startPrometheus(t, gw.ep.Prometheus)
	c := startCluster(t, prom.URL)
	kcm := startControllerManager(t, c.api.Kubeconfig)
	watch := []*e2e.Process{gw.col.Process, prom.Process, kcm}

	hpa := greenBurstHPA(t)
	ns, name := hpa.Namespace, hpa.Spec.ScaleTargetRef.Name
	minReplicas, maxReplicas := *hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas
	perReplica := hpa.Spec.Metrics[0].External.Target.AverageValue.AsApproximateFloat64()
	createNamespace(t, c, ns)
	createDeployment(t, c, ns, name, minReplicas)
	if _, err := c.api.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(context.Background(), hpa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// One intensity so far: no 24 h range to rank it in, so no headroom
	// (rather than a made-up value). The HPA reports the missing metric and
	// leaves the Deployment alone.
	prom.WaitForQuery(t, `zone:eco_grid_carbon_intensity_grams_per_kW_h:max{eco_grid_zone_code="FR"} == 820`, waitTimeout, nil, watch...)
	e2e.WaitUntil(t, waitTimeout, "HPA reports the missing headroom", func() error {
		cond := hpaCondition(getHPA(t, c, ns, hpa.Name), autoscalingv2.ScalingActive)
		if cond == nil || cond.Status != corev1.ConditionFalse || cond.Reason != "FailedGetExternalMetric" {
			return fmt.Errorf("ScalingActive condition %+v", cond)
		}
		return nil
	}, watch...)
	expectReplicas(t, c, ns, name, minReplicas)

	for _, step := range []struct {
		what      string
		windShare float64
		headroom  float64 // expected, from the 24 h range 11…820 g/kWh
	}{
		{"greener: all wind", 1, 1},
		{"partly green: 62 % wind", 0.62, 0.62},
		{"dirtier: all coal", 0, 0},
	} {
		p.Set("FR", windAndCoal(step.windShare, 80))
		gw.Restart()
		watch[0] = gw.col.Process
		signal := waitExternalMetric(t, c.api.Config, ns, "eco_green_headroom", "eco_grid_zone_code=FR", step.headroom, watch...)
		// HPA: desired = ceil(metric / averageValue), within min…max.
		want := int32(math.Ceil(math.Floor(step.headroom*1000)/1000/perReplica - 1e-9))
		want = max(minReplicas, min(maxReplicas, want))
		scaled := waitReplicas(t, c, ns, name, want, watch...)
		latency := scaled.Sub(signal)
		t.Logf("%s: intensity %.2f g/kWh, headroom %.2f → %d replicas, %s after the external metrics API served it",
			step.what, intensityGPerKWh(step.windShare), step.headroom, want, latency.Round(10*time.Millisecond))
		// One sync period, plus time for the controllers' API round trips on
		// a busy 2-core machine.
		if limit := hpaSyncPeriod + 3*time.Second; latency > limit {
			t.Errorf("%s: the Deployment reached %d replicas %s after the signal, want within %s", step.what, want, latency, limit)
		}
	}
	final := getHPA(t, c, ns, hpa.Name)
	if cond := hpaCondition(final, autoscalingv2.ScalingActive); cond == nil || cond.Status != corev1.ConditionTrue {
		t.Errorf("ScalingActive condition %+v, want True once the headroom exists", cond)
	}
}

// greenBurstHPA loads distribution/autoscaling/hpa/green-burst.yaml and
// adapts two things to this cluster, keeping the external metric, its zone
// selector, its AverageValue target and the replica bounds as shipped:
//   - the CPU metric is removed: there is no kubelet or metrics-server here,
//     and an HPA does not scale down while one of its metrics is missing;
//   - behavior allows immediate scaling: the shipped 600 s scale-down window
//     suits grid data that changes every 15–60 min, not a test.
func greenBurstHPA(t testing.TB) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa := loadHPA(t, "distribution/autoscaling/hpa/green-burst.yaml")
	var external []autoscalingv2.MetricSpec
	for _, m := range hpa.Spec.Metrics {
		if m.Type == autoscalingv2.ExternalMetricSourceType {
			external = append(external, m)
		}
	}
	if len(external) != 1 || external[0].External.Metric.Name != "eco_green_headroom" ||
		external[0].External.Target.Type != autoscalingv2.AverageValueMetricType {
		t.Fatalf("green-burst.yaml: want one External eco_green_headroom metric with an AverageValue target, got %+v", external)
	}
	hpa.Spec.Metrics = external
	immediate := &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr.To[int32](0),
		Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 100, PeriodSeconds: 1}},
	}
	hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: immediate, ScaleDown: immediate}
	return hpa
}

func loadHPA(t testing.TB, rel string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	raw, err := os.ReadFile(repoPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var hpa autoscalingv2.HorizontalPodAutoscaler
	if err := yaml.UnmarshalStrict(raw, &hpa); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return &hpa
}

func createNamespace(t testing.TB, c *cluster, name string) {
	t.Helper()
	if _, err := c.api.Client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// createDeployment creates a Deployment of pause containers. Its Pods are
// created by the replicaset controller and stay Pending (no scheduler or
// kubelet here), which is all an AverageValue target needs.
func createDeployment(t testing.TB, c *cluster, ns, name string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app.kubernetes.io/name": name}
	if _, err := c.api.Client.AppsV1().Deployments(ns).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "worker", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitReplicas waits until the Deployment asks for want replicas and its
// ReplicaSet has made exactly that many Pods, and returns when the
// Deployment's spec first showed want.
func waitReplicas(t testing.TB, c *cluster, ns, name string, want int32, watch ...*e2e.Process) time.Time {
	t.Helper()
	var specAt time.Time
	e2e.WaitUntil(t, waitTimeout, fmt.Sprintf("deployment %s/%s at %d replicas", ns, name, want), func() error {
		d, err := c.api.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if *d.Spec.Replicas != want {
			specAt = time.Time{}
			return fmt.Errorf("spec.replicas %d", *d.Spec.Replicas)
		}
		if specAt.IsZero() {
			specAt = time.Now()
		}
		if d.Status.ObservedGeneration != d.Generation || d.Status.Replicas != want {
			return fmt.Errorf("status.replicas %d (observed generation %d of %d)", d.Status.Replicas, d.Status.ObservedGeneration, d.Generation)
		}
		return nil
	}, watch...)
	return specAt
}

// expectReplicas checks the Deployment's current replica count.
func expectReplicas(t testing.TB, c *cluster, ns, name string, want int32) {
	t.Helper()
	d, err := c.api.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != want {
		t.Errorf("deployment %s/%s: %d replicas, want %d", ns, name, *d.Spec.Replicas, want)
	}
}
