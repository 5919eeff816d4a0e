package signal

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
)

func TestParseQueryResponse(t *testing.T) {
	body, err := os.ReadFile("testdata/node_query.json")
	if err != nil {
		t.Fatal(err)
	}
	samples, err := parseQueryResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 4 || samples[0].Labels["k8s_node_name"] != "paris-m5-1" || samples[0].Value != 0.35 || samples[1].Value != 0.12 {
		t.Errorf("samples = %+v", samples)
	}
	for file, want := range map[string]string{"testdata/error.json": "bad_data", "testdata/matrix.json": "not an instant vector"} {
		body, _ := os.ReadFile(file)
		if _, err := parseQueryResponse(body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", file, err, want)
		}
	}
	if _, err := parseQueryResponse([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}}`)); err == nil {
		t.Error("malformed value accepted")
	}
}

func TestParseNodeAnnotations(t *testing.T) {
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	updated := now.Add(-time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		name        string
		labels, ann map[string]string
		wantNode    float64 // -1: none
		wantZone    string
		wantProblem string
	}{
		{"full", map[string]string{"ecotel.io/grid-zone": "FR"},
			map[string]string{"ecotel.io/carbon-per-vcpu": " 12.25 ", "ecotel.io/carbon-updated": updated, "ecotel.io/carbon-intensity": "45"}, 12.25, "FR", ""},
		{"zone from annotation", nil,
			map[string]string{"ecotel.io/carbon-per-vcpu": "0.5", "ecotel.io/carbon-updated": updated, "ecotel.io/grid-zone": "SE-3", "ecotel.io/carbon-intensity": "20"}, 0.5, "SE-3", ""},
		{"none", nil, map[string]string{"other": "x"}, -1, "", ""},
		{"no time", nil, map[string]string{"ecotel.io/carbon-per-vcpu": "1"}, -1, "", ProblemMalformedTime},
		{"bad time", nil, map[string]string{"ecotel.io/carbon-per-vcpu": "1", "ecotel.io/carbon-updated": "yesterday"}, -1, "", ProblemMalformedTime},
		{"future time", nil, map[string]string{"ecotel.io/carbon-per-vcpu": "1", "ecotel.io/carbon-updated": now.Add(time.Hour).Format(time.RFC3339)}, -1, "", ProblemFutureTime},
		{"negative", nil, map[string]string{"ecotel.io/carbon-per-vcpu": "-1", "ecotel.io/carbon-updated": updated}, -1, "", ProblemNegativeValue},
		{"absurd", nil, map[string]string{"ecotel.io/carbon-per-vcpu": "1e300", "ecotel.io/carbon-updated": updated}, -1, "", ProblemAbsurdValue},
		{"inf", nil, map[string]string{"ecotel.io/carbon-per-vcpu": "+Inf", "ecotel.io/carbon-updated": updated}, -1, "", ProblemMalformedValue},
		{"intensity without zone", nil, map[string]string{"ecotel.io/carbon-intensity": "45", "ecotel.io/carbon-updated": updated}, -1, "", ProblemMissingLabel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, problems := ParseNodeAnnotations("ecotel.io", "n", tc.labels, tc.ann, now)
			n, hasNode := v.Node()
			if (tc.wantNode >= 0) != hasNode || (hasNode && n.CarbonPerVCPUGPerH != tc.wantNode) {
				t.Errorf("node = %+v (%v), want %v", n, hasNode, tc.wantNode)
			}
			zone, _, hasZone := v.Zone()
			if zone != tc.wantZone || hasZone != (tc.wantZone != "") {
				t.Errorf("zone = %q (%v), want %q", zone, hasZone, tc.wantZone)
			}
			if tc.wantProblem == "" && len(problems) > 0 || tc.wantProblem != "" && (len(problems) != 1 || problems[0].Kind != tc.wantProblem) {
				t.Errorf("problems = %+v, want %q", problems, tc.wantProblem)
			}
		})
	}
}

func TestAnnotationSourceKeepsNewestZoneValue(t *testing.T) {
	now := time.Now()
	mk := func(name, intensity string, age time.Duration) *v1.Node {
		return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"ecotel.io/grid-zone": "FR"},
			Annotations: map[string]string{"ecotel.io/carbon-intensity": intensity, "ecotel.io/carbon-updated": now.Add(-age).UTC().Format(time.RFC3339)}}}
	}
	src := NewAnnotationSource("ecotel.io", func() ([]*v1.Node, error) {
		return []*v1.Node{mk("a", "60", time.Hour), mk("b", "45", time.Minute), mk("c", "70", 2*time.Hour)}, nil
	})
	snap, _, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if z := snap.Zones["FR"]; z.IntensityGPerKWh != 45 {
		t.Errorf("FR = %+v, want the newest value 45", z)
	}
}

func TestSnapshotFreshness(t *testing.T) {
	now := time.Now()
	s := &Snapshot{
		Nodes: map[string]NodeSignal{"a": {CarbonPerVCPUGPerH: 1, ObservedAt: now.Add(-time.Hour)}},
		Zones: map[string]ZoneSignal{
			"FR": {IntensityGPerKWh: 45, ObservedAt: now.Add(-time.Hour)},
			"SE": {IntensityGPerKWh: 10, ObservedAt: now.Add(-5 * time.Hour)}, // greener but stale
			"DE": {IntensityGPerKWh: 45, ObservedAt: now},
		},
	}
	if _, ok := s.Node("a", now, 30*time.Minute); ok {
		t.Error("stale node value served")
	}
	if _, ok := s.Node("a", now, 2*time.Hour); !ok {
		t.Error("fresh node value not served")
	}
	code, z, ok := s.BestZone(now, 3*time.Hour)
	if !ok || code != "DE" || z.IntensityGPerKWh != 45 {
		t.Errorf("BestZone = %s %+v %v, want DE (ties broken by code, stale SE ignored)", code, z, ok)
	}
}

// flakySource is a test double for a backend: it fails on demand, to check
// the cache's own behaviour (the real sources are tested against real
// peers: Prometheus in prometheus_integration_test.go, the informer here).
type flakySource struct {
	fail bool
	n    int
}

func (f *flakySource) Name() string { return "test" }
func (f *flakySource) Fetch(context.Context) (*Snapshot, []Problem, error) {
	if f.fail {
		return nil, nil, errors.New("connection refused")
	}
	f.n++
	return &Snapshot{Nodes: map[string]NodeSignal{"a": {CarbonPerVCPUGPerH: float64(f.n)}}, FetchedAt: time.Now()},
		[]Problem{{Kind: ProblemDuplicate, Detail: "x"}}, nil
}

type countingObserver struct{ ok, failed, problems int }

func (c *countingObserver) RefreshSucceeded(_ string, _ *Snapshot, p []Problem) {
	c.ok++
	c.problems += len(p)
}
func (c *countingObserver) RefreshFailed(string, error) { c.failed++ }

func TestCacheKeepsLastSnapshotOnFailure(t *testing.T) {
	src := &flakySource{}
	obs := &countingObserver{}
	c := NewCache(src, time.Minute, obs, klog.Background())
	if len(c.Snapshot().Nodes) != 0 || !c.LastSuccess().IsZero() {
		t.Fatal("a new cache must serve an empty snapshot")
	}
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := c.Snapshot()
	src.fail = true
	if err := c.Refresh(context.Background()); err == nil {
		t.Fatal("failure not reported")
	}
	if c.Snapshot() != first || first.Nodes["a"].CarbonPerVCPUGPerH != 1 {
		t.Error("a failed refresh replaced the last good snapshot")
	}
	if obs.ok != 1 || obs.failed != 1 || obs.problems != 1 {
		t.Errorf("observer = %+v", obs)
	}
}

// vanishingSource returns node "a" only on its first fetch.
type vanishingSource struct{ n int }

func (v *vanishingSource) Name() string { return "test" }
func (v *vanishingSource) Fetch(context.Context) (*Snapshot, []Problem, error) {
	v.n++
	s := &Snapshot{Nodes: map[string]NodeSignal{"b": {CarbonPerVCPUGPerH: 2, ObservedAt: time.Now()}}, Zones: map[string]ZoneSignal{}, FetchedAt: time.Now()}
	if v.n == 1 {
		s.Nodes["a"] = NodeSignal{CarbonPerVCPUGPerH: 1, ObservedAt: time.Now().Add(-time.Hour)}
		s.Zones["FR"] = ZoneSignal{IntensityGPerKWh: 45, ObservedAt: time.Now().Add(-time.Hour)}
	}
	return s, nil, nil
}

func TestCacheCarriesOverValuesMissingFromOneRefresh(t *testing.T) {
	c := NewCache(&vanishingSource{}, time.Minute, nil, klog.Background())
	for range 2 {
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	s := c.Snapshot()
	if a, ok := s.Nodes["a"]; !ok || a.CarbonPerVCPUGPerH != 1 || time.Since(a.ObservedAt) < time.Hour {
		t.Errorf("node a = %+v (%v), want carried over with its old observation time", a, ok)
	}
	if _, ok := s.Zone("FR", time.Now(), 30*time.Minute); ok {
		t.Error("a carried-over zone value must still age out")
	}
}

func TestSharedCacheLifecycle(t *testing.T) {
	src := &flakySource{}
	mk := func() (*Cache, error) { return NewCache(src, time.Hour, nil, klog.Background()), nil }
	a, releaseA, err := Acquire("k", mk)
	if err != nil {
		t.Fatal(err)
	}
	b, releaseB, _ := Acquire("k", mk)
	if a != b {
		t.Fatal("equal keys must share one cache")
	}
	releaseA()
	releaseA() // idempotent
	c, releaseC, _ := Acquire("k", mk)
	if c != a {
		t.Error("cache dropped while still held")
	}
	releaseB()
	releaseC()
	d, releaseD, _ := Acquire("k", mk)
	defer releaseD()
	if d == a {
		t.Error("cache kept after every holder released it")
	}
}
