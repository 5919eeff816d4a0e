//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
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

// throughputNodes is the cluster's size: 500 by default,
// $ECOTEL_BENCH_NODES otherwise (`make bench-integration NODES=5000`).
func throughputNodes(b *testing.B) int {
	v := os.Getenv("ECOTEL_BENCH_NODES")
	if v == "" {
		return 500
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("ECOTEL_BENCH_NODES=%q: want a positive number of nodes", v)
	}
	return n
}

var profiles = []string{"default-scheduler", "ecotel-scheduler"}

// BenchmarkIntegrationSchedulingThroughput runs one scheduler with two
// profiles on the same in-process cluster of 500 nodes, or
// $ECOTEL_BENCH_NODES (each annotated with a carbon value) and schedules b.N pods per profile:
//
//   - profile=default-scheduler, profile=ecotel-scheduler: one profile's
//     pods alone; pods/s is from the first create to the last bind.
//   - interleaved: both profiles' pods created alternately, so both see the
//     same machine load (on a shared 2-core VM, load shifts between runs
//     dwarf a plugin's cost). Both finish together by construction; compare
//     their scoring time.
//
// µs-scoring/pod is the scheduler's own measure (extension-point
// histograms) of PreScore + Score per pod: the plugin's cost without
// queueing and API latency. Pods are deleted after each run.
func BenchmarkIntegrationSchedulingThroughput(b *testing.B) {
	c := startCluster(b)
	updated := time.Now().UTC().Format(time.RFC3339)
	nodes := throughputNodes(b)
	if err := parallel(nodes, func(i int) error {
		return c.tryCreateNode(nodeSpec{name: fmt.Sprintf("node-%05d", i), zone: "FR", cpu: "32", annotations: map[string]string{
			"ecotel.io/carbon-per-vcpu": fmt.Sprintf("%.3f", 0.05+float64(i%97)*0.11),
			"ecotel.io/carbon-updated":  updated,
		}})
	}); err != nil {
		b.Fatal(err)
	}
	sched := startScheduler(b, c, throughputConfig)
	var run atomic.Int64
	for _, tc := range []struct {
		name     string
		profiles []string
	}{
		{"profile=default-scheduler", profiles[:1]},
		{"profile=ecotel-scheduler", profiles[1:]},
		{"interleaved", profiles},
	} {
		b.Run(tc.name, func(b *testing.B) {
			scheduleBatch(b, c, sched, fmt.Sprintf("run-%d", run.Add(1)), tc.profiles)
		})
	}
}

// scheduleBatch creates b.N pods per profile in namespace ns, alternating
// profiles, waits until all are bound, reports, and deletes them.
func scheduleBatch(b *testing.B, c *cluster, sched *scheduler, ns string, profiles []string) {
	c.createNamespace(b, ns)
	before := map[string][2]float64{}
	for _, p := range profiles {
		sum, count := scoringDuration(b, sched, p)
		before[p] = [2]float64{sum, count}
	}
	b.ResetTimer()
	start := time.Now()
	if err := parallel(len(profiles)*b.N, func(i int) error {
		profile := profiles[i%len(profiles)]
		pod := testPod(ns, fmt.Sprintf("%s-%d", profile, i/len(profiles)), profile, "100m", nil, nil)
		_, err := c.client.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	done := map[string]time.Duration{}
	for len(done) < len(profiles) {
		list, err := c.client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		bound := map[string]int{}
		for _, p := range list.Items {
			if p.Spec.NodeName != "" {
				bound[p.Spec.SchedulerName]++
			}
		}
		for _, p := range profiles {
			if _, ok := done[p]; !ok && bound[p] == b.N {
				done[p] = time.Since(start)
			}
		}
		if exited, err := sched.Exited(); exited {
			b.Fatalf("scheduler exited: %v\n%s", err, sched.Tail(40))
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("bound after 5 min: %v of %d per profile", bound, b.N)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	for _, p := range profiles {
		short := strings.TrimSuffix(p, "-scheduler")
		b.ReportMetric(float64(b.N)/done[p].Seconds(), "pods/s("+short+")")
		sum, count := scoringDuration(b, sched, p)
		if n := count - before[p][1]; n > 0 {
			b.ReportMetric((sum-before[p][0])/n*1e6, "µs-scoring/pod("+short+")")
		}
	}
	// Without kubelets, only a zero grace period deletes bound pods at
	// once; the next run starts from an empty cluster again.
	zero := int64(0)
	if err := c.client.CoreV1().Pods(ns).DeleteCollection(context.Background(),
		metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{}); err != nil {
		b.Fatal(err)
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

// scoringDuration reads the scheduler's extension-point histograms for a
// profile: the summed seconds spent in PreScore and Score, and the number of
// Score runs.
func scoringDuration(b *testing.B, s *scheduler, profile string) (sum, count float64) {
	b.Helper()
	text, err := s.get("/metrics")
	if err != nil {
		b.Fatal(err)
	}
	const name = "scheduler_framework_extension_point_duration_seconds"
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, `profile="`+profile+`"`) {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			continue
		}
		score := strings.Contains(line, `extension_point="Score"`)
		switch {
		case strings.HasPrefix(line, name+"_sum{") && (score || strings.Contains(line, `extension_point="PreScore"`)):
			sum += v
		case strings.HasPrefix(line, name+"_count{") && score:
			count += v
		}
	}
	return sum, count
}
