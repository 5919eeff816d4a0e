package carbondeferral

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
)

// FuzzParseRequest: arbitrary annotations never panic, a deferrable pod's
// deadline never exceeds creation + maxDeferral, its threshold is never
// negative, and Decide always releases at the deadline.
func FuzzParseRequest(f *testing.F) {
	f.Add("2026-09-01T18:00:00Z", "120")
	f.Add("2026-09-01T18:00:00+02:00", "-5")
	f.Add("9999-12-31T23:59:59Z", "NaN")
	f.Add("tomorrow", "1e400")
	created := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, until, maxIntensity string) {
		pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", CreationTimestamp: metav1.NewTime(created),
			Annotations: map[string]string{"ecotel.io/defer-until": until, "ecotel.io/max-carbon-intensity": maxIntensity}}}
		req, ok, _ := ParseRequest(pod, "ecotel.io", DefaultMaxCarbonIntensity, DefaultMaxDeferral)
		if !ok {
			return
		}
		if req.Deadline.After(created.Add(DefaultMaxDeferral)) || req.MaxIntensityGPerKWh < 0 || req.MaxIntensityGPerKWh != req.MaxIntensityGPerKWh {
			t.Fatalf("request %+v", req)
		}
		if d := Decide(req, snapshot(map[string]float64{"FR": 1e4}, 0), req.Deadline, carbonsource.DefaultStalenessLimit); d.Defer {
			t.Fatalf("held at its deadline: %+v", d)
		}
	})
}
