// Package hpacap caps HorizontalPodAutoscalers' maxReplicas while the grid
// is dirty. HPA takes the maximum over its metrics, so no metric can pull a
// workload below its load-driven replica count; spec.maxReplicas is the one
// knob HPA always respects. The capper lowers it on opted-in HPAs while their
// bidding zone's carbon intensity is above configured thresholds, and gives
// the original value back when the intensity drops or the signal is lost
// (it fails open: a missing signal never keeps a workload capped).
package hpacap

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Annotations on an HPA that opt it in and record the capper's state.
const (
	// AnnotationZone names the bidding zone whose intensity caps the HPA.
	AnnotationZone = "ecotel.io/carbon-cap-zone"
	// AnnotationRules holds threshold=maxReplicas pairs, e.g. "150=6,300=3":
	// at or above 150 g/kWh at most 6 replicas, at or above 300 at most 3.
	AnnotationRules = "ecotel.io/carbon-cap"
	// AnnotationOriginal records the HPA's own maxReplicas while capped.
	AnnotationOriginal = "ecotel.io/carbon-cap-original-max-replicas"
	// AnnotationApplied records the maxReplicas the capper set, so a manual
	// change by the owner is recognised and adopted as the new original.
	AnnotationApplied = "ecotel.io/carbon-cap-applied-max-replicas"
	// AnnotationReason explains the current cap for `kubectl describe`.
	AnnotationReason = "ecotel.io/carbon-cap-reason"
)

// Rule caps replicas at MaxReplicas from ThresholdGPerKWh upwards.
type Rule struct {
	ThresholdGPerKWh float64
	MaxReplicas      int32
}

// ParseRules parses "threshold=maxReplicas" pairs separated by commas.
// Thresholds must be finite and distinct; a higher threshold must not allow
// more replicas than a lower one (a dirtier grid never loosens the cap).
func ParseRules(s string) ([]Rule, error) {
	var rules []Rule
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		th, mx, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%s %q: %q is not threshold=maxReplicas (e.g. \"150=6,300=3\")", AnnotationRules, s, part)
		}
		t, err := strconv.ParseFloat(strings.TrimSpace(th), 64)
		if err != nil || math.IsNaN(t) || math.IsInf(t, 0) || t < 0 {
			return nil, fmt.Errorf("%s %q: threshold %q must be a non-negative number of g/kWh", AnnotationRules, s, th)
		}
		m, err := strconv.ParseInt(strings.TrimSpace(mx), 10, 32)
		if err != nil || m < 1 {
			return nil, fmt.Errorf("%s %q: maxReplicas %q must be an integer ≥ 1", AnnotationRules, s, mx)
		}
		rules = append(rules, Rule{ThresholdGPerKWh: t, MaxReplicas: int32(m)})
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%s %q: no threshold=maxReplicas pairs", AnnotationRules, s)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ThresholdGPerKWh < rules[j].ThresholdGPerKWh })
	for i := 1; i < len(rules); i++ {
		if rules[i].ThresholdGPerKWh == rules[i-1].ThresholdGPerKWh {
			return nil, fmt.Errorf("%s %q: threshold %g appears twice", AnnotationRules, s, rules[i].ThresholdGPerKWh)
		}
		if rules[i].MaxReplicas > rules[i-1].MaxReplicas {
			return nil, fmt.Errorf("%s %q: %g g/kWh allows more replicas (%d) than the cleaner %g g/kWh (%d)",
				AnnotationRules, s, rules[i].ThresholdGPerKWh, rules[i].MaxReplicas, rules[i-1].ThresholdGPerKWh, rules[i-1].MaxReplicas)
		}
	}
	return rules, nil
}

// CapFor returns the cap of the highest threshold at or below the
// intensity, and false when the intensity is below every threshold.
func CapFor(rules []Rule, intensityGPerKWh float64) (Rule, bool) {
	var hit Rule
	found := false
	for _, r := range rules {
		if intensityGPerKWh >= r.ThresholdGPerKWh {
			hit, found = r, true
		}
	}
	return hit, found
}
