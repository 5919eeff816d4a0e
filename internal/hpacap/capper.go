package hpacap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"text/template"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/ecotel/ecotel/internal/gridzone"
	"github.com/ecotel/ecotel/internal/promapi"
)

// DefaultQuery reads a zone's current lifecycle intensity from the recording
// rules in distribution/autoscaling/prometheus-rules.yaml.
const DefaultQuery = `max(zone:eco_grid_carbon_intensity_grams_per_kW_h:max{eco_grid_zone_code="{{.Zone}}"})`

// Intensity tells a zone's current carbon intensity in g/kWh.
type Intensity interface {
	IntensityGPerKWh(ctx context.Context, zone string) (float64, error)
}

// PrometheusIntensity queries Prometheus with a query template whose
// {{.Zone}} is replaced by the zone's canonical code.
type PrometheusIntensity struct {
	Client *promapi.Client
	Query  *template.Template
	// MaxAge rejects samples older than this (0: no limit).
	MaxAge time.Duration
	Now    func() time.Time
}

// NewPrometheusIntensity parses the query template.
func NewPrometheusIntensity(c *promapi.Client, query string, maxAge time.Duration) (*PrometheusIntensity, error) {
	tmpl, err := template.New("query").Option("missingkey=error").Parse(query)
	if err != nil {
		return nil, fmt.Errorf("intensity query template: %w", err)
	}
	return &PrometheusIntensity{Client: c, Query: tmpl, MaxAge: maxAge, Now: time.Now}, nil
}

// IntensityGPerKWh runs the query for zone and returns its single value.
func (p *PrometheusIntensity) IntensityGPerKWh(ctx context.Context, zone string) (float64, error) {
	var q strings.Builder
	if err := p.Query.Execute(&q, struct{ Zone string }{zone}); err != nil {
		return 0, err
	}
	samples, err := p.Client.Query(ctx, q.String())
	if err != nil {
		return 0, err
	}
	if len(samples) != 1 {
		return 0, fmt.Errorf("query %s returned %d samples, want 1", q.String(), len(samples))
	}
	s := samples[0]
	if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Value < 0 {
		return 0, fmt.Errorf("query %s returned %v", q.String(), s.Value)
	}
	if p.MaxAge > 0 && p.Now().Sub(s.Time) > p.MaxAge {
		return 0, fmt.Errorf("query %s: sample from %s is older than %s", q.String(), s.Time.Format(time.RFC3339), p.MaxAge)
	}
	return s.Value, nil
}

// Capper reconciles every opted-in HPA of the cluster (or one namespace).
type Capper struct {
	Client    kubernetes.Interface
	Intensity Intensity
	// Namespace limits the capper to one namespace; empty means all.
	Namespace string
	Logger    *slog.Logger
}

// Decision is what the capper wants for one HPA.
type Decision struct {
	MaxReplicas int32  // the maxReplicas to set
	Original    int32  // the HPA's own maxReplicas
	Capped      bool   // MaxReplicas < Original
	Reason      string // human-readable explanation
}

// Decide computes an HPA's maxReplicas from its annotations, its current
// spec and the zone's intensity (intensityErr set when it is unknown).
func Decide(hpa *autoscalingv2.HorizontalPodAutoscaler, rules []Rule, zone string, intensityGPerKWh float64, intensityErr error) Decision {
	original := hpa.Spec.MaxReplicas
	if o, err := strconv.ParseInt(hpa.Annotations[AnnotationOriginal], 10, 32); err == nil && o > 0 {
		// Only trust the recorded original while maxReplicas is still what
		// we applied; otherwise the owner edited it and the edit wins.
		if a, err := strconv.ParseInt(hpa.Annotations[AnnotationApplied], 10, 32); err == nil && int32(a) == hpa.Spec.MaxReplicas {
			original = int32(o)
		}
	}
	floor := int32(1)
	if hpa.Spec.MinReplicas != nil && *hpa.Spec.MinReplicas > floor {
		floor = *hpa.Spec.MinReplicas
	}
	// Reasons name the band, not the exact intensity, so the annotation (and
	// the patch that writes it) changes only when the decision does.
	d := Decision{MaxReplicas: original, Original: original}
	switch rule, hit := CapFor(rules, intensityGPerKWh); {
	case intensityErr != nil:
		d.Reason = fmt.Sprintf("%s intensity unknown: not capped (fails open)", zone)
	case !hit:
		d.Reason = fmt.Sprintf("%s below %g g/kWh: not capped", zone, rules[0].ThresholdGPerKWh)
	default:
		limit := max(rule.MaxReplicas, floor)
		d.MaxReplicas = min(original, limit)
		d.Capped = d.MaxReplicas < original
		d.Reason = fmt.Sprintf("%s at or above %g g/kWh: maxReplicas %d (own %d, minReplicas %d)",
			zone, rule.ThresholdGPerKWh, d.MaxReplicas, original, floor)
	}
	return d
}

// ReconcileAll reconciles every opted-in HPA once. Errors on one HPA do not
// stop the others; they are returned joined.
func (c *Capper) ReconcileAll(ctx context.Context) error {
	list, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(c.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list HPAs: %w", err)
	}
	cache := map[string]intensityResult{}
	var errs []error
	for i := range list.Items {
		hpa := &list.Items[i]
		if _, ok := hpa.Annotations[AnnotationRules]; !ok {
			continue
		}
		if err := c.reconcile(ctx, hpa, cache); err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", hpa.Namespace, hpa.Name, err))
		}
	}
	return errors.Join(errs...)
}

type intensityResult struct {
	value float64
	err   error
}

func (c *Capper) reconcile(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, cache map[string]intensityResult) error {
	rules, err := ParseRules(hpa.Annotations[AnnotationRules])
	if err != nil {
		c.Logger.Warn("ignoring HPA with invalid carbon cap; fix the annotation", "hpa", hpa.Namespace+"/"+hpa.Name, "error", err)
		return nil
	}
	zone, err := gridzone.Lookup(hpa.Annotations[AnnotationZone])
	if err != nil {
		c.Logger.Warn("ignoring HPA with invalid carbon cap zone; fix the "+AnnotationZone+" annotation", "hpa", hpa.Namespace+"/"+hpa.Name, "error", err)
		return nil
	}
	r, ok := cache[zone.Code]
	if !ok {
		r.value, r.err = c.Intensity.IntensityGPerKWh(ctx, zone.Code)
		cache[zone.Code] = r
	}
	d := Decide(hpa, rules, zone.Code, r.value, r.err)

	annotations := map[string]*string{AnnotationReason: &d.Reason}
	if d.Capped {
		orig, applied := strconv.Itoa(int(d.Original)), strconv.Itoa(int(d.MaxReplicas))
		annotations[AnnotationOriginal], annotations[AnnotationApplied] = &orig, &applied
	} else {
		annotations[AnnotationOriginal], annotations[AnnotationApplied] = nil, nil // remove
	}
	if hpa.Spec.MaxReplicas == d.MaxReplicas && sameAnnotations(hpa.Annotations, annotations) {
		return nil
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": annotations},
		"spec":     map[string]any{"maxReplicas": d.MaxReplicas},
	})
	if err != nil {
		return err
	}
	if _, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(hpa.Namespace).Patch(ctx, hpa.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("patch maxReplicas: %w", err)
	}
	if hpa.Spec.MaxReplicas != d.MaxReplicas {
		c.Logger.Info("maxReplicas changed", "hpa", hpa.Namespace+"/"+hpa.Name, "from", hpa.Spec.MaxReplicas,
			"to", d.MaxReplicas, "reason", d.Reason, "intensity_g_per_kwh", r.value, "intensity_error", r.err)
	}
	return nil
}

func sameAnnotations(have map[string]string, want map[string]*string) bool {
	for k, v := range want {
		got, ok := have[k]
		if (v == nil) == ok || (v != nil && *v != got) {
			return false
		}
	}
	return true
}

// Run reconciles every interval until ctx ends.
func (c *Capper) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := c.ReconcileAll(ctx); err != nil {
			c.Logger.Error("reconcile", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
