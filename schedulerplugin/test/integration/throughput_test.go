//go:build integration

package integration

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// throughputConfig runs two profiles in one scheduler: the default profile,
// and ecotel-scheduler = the default plugins plus SCIScore (weight 3) and
// CarbonDeferral, reading Node annotations.
const throughputConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %KUBECONFIG%
  qps: 1000
  burst: 2000
leaderElection:
  leaderElect: false
profiles:
  - schedulerName: default-scheduler
  - schedulerName: ecotel-scheduler
    plugins:
      multiPoint:
        enabled:
          - name: SCIScore
            weight: 3
          - name: CarbonDeferral
    pluginConfig:
      - name: SCIScore
        args: {source: annotation, refreshInterval: 1s}
      - name: CarbonDeferral
        args: {source: annotation, refreshInterval: 1s}
`

const throughputNodes = 500

// BenchmarkIntegrationSchedulingThroughput creates b.N pods for each profile
// on the same in-process cluster of 500 nodes (every node annotated with a
// carbon value) and reports pods bound per second, from the first create to
// the last bind. Pod creation runs 16 in parallel; each run deletes its pods
// afterwards. Run with -count to interleave nothing: -count repeats each
// profile's sub-benchmark back to back, so compare medians.
func BenchmarkIntegrationSchedulingThroughput(b *testing.B) {
	c := startCluster(b)
	updated := time.Now().UTC().Format(time.RFC3339)
	if err := parallel(throughputNodes, func(i int) error {
		return c.tryCreateNode(nodeSpec{name: fmt.Sprintf("node-%03d", i), zone: "FR", cpu: "32", annotations: map[string]string{
			"ecotel.io/carbon-per-vcpu": fmt.Sprintf("%.3f", 0.05+float64(i%97)*0.11),
			"ecotel.io/carbon-updated":  updated,
		}})
	}); err != nil {
		b.Fatal(err)
	}
	sched := startScheduler(b, c, throughputConfig)
	var run atomic.Int64
	for _, profile := range []string{"default-scheduler", "ecotel-scheduler"} {
		b.Run("profile="+profile, func(b *testing.B) {
			ns := fmt.Sprintf("%s-%d", profile, run.Add(1))
			c.createNamespace(b, ns)
			b.ResetTimer()
			start := time.Now()
			if err := parallel(b.N, func(i int) error {
				pod := testPod(ns, fmt.Sprintf("p-%d", i), profile, "100m", nil, nil)
				_, err := c.client.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{})
				return err
			}); err != nil {
				b.Fatal(err)
			}
			for {
				list, err := c.client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
				if err != nil {
					b.Fatal(err)
				}
				bound := 0
				for _, p := range list.Items {
					if p.Spec.NodeName != "" {
						bound++
					}
				}
				if bound == b.N {
					break
				}
				if exited, err := sched.Exited(); exited {
					b.Fatalf("scheduler exited: %v\n%s", err, sched.Tail(40))
				}
				if time.Since(start) > 5*time.Minute {
					b.Fatalf("%d of %d pods bound after 5 min", bound, b.N)
				}
				time.Sleep(20 * time.Millisecond)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pods/s")
			// Leave the cluster as found, so that runs and profiles compare
			// on equal terms (without kubelets, only a zero grace period
			// deletes bound pods at once).
			b.StopTimer()
			zero := int64(0)
			if err := c.client.CoreV1().Pods(ns).DeleteCollection(context.Background(),
				metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{}); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// parallel runs f(0..n-1) on 16 goroutines and returns the first error.
func parallel(n int, f func(i int) error) error {
	var (
		wg       sync.WaitGroup
		next     atomic.Int64
		firstErr error
		once     sync.Once
	)
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
